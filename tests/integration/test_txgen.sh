#!/usr/bin/env bash
# txgen: keys for each scheme, pcaps of valid, malformed and replayed frames read
# back through the appliance's parser and admission with every kind on its own
# counter, the same over a UDP socket on loopback, and bad options refused.
# usage: tests/integration/test_txgen.sh BINDIR
set -uo pipefail
bin=${1:-build/bin}
work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
field() { # field NAME LINE: the number after NAME in a "name value ..." line
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"
}

for scheme in ed25519 sm2 none; do
	check "keygen $scheme" "$bin/txgen" keygen --keys "$work/$scheme.keys" --clients 3 \
		--scheme "$scheme"
	check "pcap $scheme" "$bin/txgen" pcap --keys "$work/$scheme.keys" --out "$work/$scheme.pcap" \
		--count 140 --records 3 --payload 100 --chain 5
	got=$("$bin/txgen" inspect --keys "$work/$scheme.keys" --pcap "$work/$scheme.pcap" --chain 5)
	check "$scheme: all 140 frames and 420 records admitted" \
		test "$(field ok "$got")-$(field records_admitted "$got")" = "140-420"
done

# one of each malformed kind in turn, and replays, each on its own counter
"$bin/txgen" pcap --keys "$work/ed25519.keys" --out "$work/mixed.pcap" --count 700 \
	--records 2 --malformed 0.1 --replays 0.05 --chain 5 >"$work/made" 2>&1
made=$(cat "$work/made")
got=$("$bin/txgen" inspect --keys "$work/ed25519.keys" --pcap "$work/mixed.pcap" --chain 5)
for kind in bad_magic bad_version chain_mismatch bad_length unknown_scheme bad_signature \
	unknown_client; do
	check "$kind: made $(field "$kind" "$made"), counted alike" \
		test "$(field "$kind" "$made")" = "$(field "$kind" "$got")" -a \
		"$(field "$kind" "$got")" -gt 0
done
check "replays: made $(field replays "$made"), counted alike" \
	test "$(field replays "$made")" = "$(field replay "$got")"
bad=$(field malformed "$made")
reps=$(field replays "$made")
check "the rest admitted" test "$(field ok "$got")" = "$((700 - bad - reps))"
check "tshark reads the pcap as UDP to port 7400" \
	bash -c "tshark -r '$work/mixed.pcap' -Y 'udp.dstport == 7400' 2>/dev/null | wc -l | grep -qx 700"

# the same over a real socket on loopback
"$bin/txgen" inspect --keys "$work/sm2.keys" --listen 127.0.0.1:17400 --chain 5 --count 200 --seconds 30 \
	>"$work/listen" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/listen" 2>/dev/null && break; sleep 0.1; done
check "send over UDP" bash -c "'$bin/txgen' send --keys '$work/sm2.keys' --to 127.0.0.1:17400 \
	--chain 5 --count 200 --records 2 --malformed 0.1 --rate 1000 >'$work/sent' 2>/dev/null"
wait "$pid"
pid=
got=$(tail -1 "$work/listen")
sent=$(cat "$work/sent")
[[ $(field frames "$got") == 200 ]] || sed 's/^/# /' "$work/listen"
check "all 200 datagrams arrived" test "$(field frames "$got")" = 200
check "the malformed ones dropped by kind, the rest admitted" \
	test "$(field ok "$got")" = "$((200 - $(field malformed "$sent")))" -a \
	"$(field bad_signature "$got")" = "$(field bad_signature "$sent")" -a \
	"$(field bad_magic "$got")" -gt 0

check "no --keys exits 2" bash -c "'$bin/txgen' pcap --out x; [ \$? -eq 2 ]"
check "--records 65 exits 2" bash -c "'$bin/txgen' pcap --keys k --out x --records 65; [ \$? -eq 2 ]"
check "--malformed 2 exits 2" bash -c "'$bin/txgen' pcap --keys k --out x --malformed 2; [ \$? -eq 2 ]"
check "a record that cannot fit exits 2" \
	bash -c "'$bin/txgen' pcap --keys k --out x --records 64 --payload 4096; [ \$? -eq 2 ]"
check "a bad keys file exits 1" bash -c "echo junk > '$work/bad'; '$bin/txgen' pcap --keys '$work/bad' --out '$work/x'; [ \$? -eq 1 ]"

tally
