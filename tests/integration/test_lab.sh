#!/usr/bin/env bash
# The lab: up twice is the same lab, the two hosts reach each other over the veth,
# txgen frames cross it from the client namespace to a listener in the appliance's,
# and down leaves nothing behind. Its own prefix, so a running lab is not touched.
# usage: tests/integration/test_lab.sh BINDIR
set -uo pipefail
bin=${1:-build/bin}
bin=$(cd "$bin" && pwd)
export LL_LAB_PREFIX=llt$(($$ % 10000))	# interface names stay under 16 bytes
lab=scripts/lab.sh
work=$(mktemp -d)
trap '"$lab" down >/dev/null 2>&1; rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
app=$LL_LAB_PREFIX-app
cli=$LL_LAB_PREFIX-cli

check "lab up" "$lab" up
check "lab up again (idempotent)" "$lab" up
check "one veth end in each namespace" bash -c \
	"ip -n $app -brief link | grep -q '^$LL_LAB_PREFIX-app0' && ip -n $cli -brief link | grep -q '^$LL_LAB_PREFIX-cli0'"
check "the client reaches the appliance" ip netns exec "$cli" ping -c 1 -W 2 10.77.0.1
check "and back" ip netns exec "$app" ping -c 1 -W 2 10.77.0.2

check "keys" "$bin/txgen" keygen --keys "$work/k" --clients 2
ip netns exec "$app" "$bin/txgen" inspect --keys "$work/k" --listen 10.77.0.1:7400 \
	--count 100 --seconds 30 >"$work/got" 2>&1 &
listener=$!
for _ in $(seq 50); do grep -q listening "$work/got" 2>/dev/null && break; sleep 0.1; done
# paced: UDP has no flow control, and a burst can overflow the listener's buffer
check "txgen sends across the veth" ip netns exec "$cli" "$bin/txgen" send --keys "$work/k" \
	--to 10.77.0.1:7400 --count 100 --records 4 --rate 1000
wait "$listener"
grep -q "frames 100 records_admitted 400 ok 100" "$work/got" || sed 's/^/# /' "$work/got"
check "all 100 frames admitted on the other side" grep -q "frames 100 records_admitted 400 ok 100" "$work/got"

check "lab down" "$lab" down
check "lab down again (idempotent)" "$lab" down
check "nothing left" bash -c "! ip netns list | grep -q '^$LL_LAB_PREFIX' && ! ip link show $LL_LAB_PREFIX-app0"
check "not root or no command: usage" bash -c "'$lab' sideways; [ \$? -eq 2 ]"

tally
