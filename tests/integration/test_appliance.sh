#!/usr/bin/env bash
# The appliance end to end in the lab: ledgerlined on net_af_xdp (with the XDP
# filter) on the appliance's veth, txgen in the client namespace. Valid frames of
# each scheme are committed and receipted; each malformed kind is dropped by its
# own counter with nothing committed; replays are dropped, also after a restart;
# a flood raises backpressure counters and the daemon stays up; after a restart
# (and after a kill -9) every receipted transaction is in the ledger, which verifies.
# usage: tests/integration/test_appliance.sh BINDIR     (root)
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
bpf=$(cd "$bin/.." && pwd)/bpf/ll_xdp_filter.o
[[ -f $bpf ]] || bpf=$PWD/build/bpf/ll_xdp_filter.o
export LL_LAB_PREFIX=lla$(($$ % 10000))
lab=scripts/lab.sh
app=$LL_LAB_PREFIX-app
cli=$LL_LAB_PREFIX-cli
work=$(mktemp -d)
daemon=
cleanup() {
	[[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	"$lab" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
# the admin socket and audit log in the test's own directory; no metrics port
mgmt=(--admin-socket "$work/admin.sock" --audit-log "$work/audit.log" --metrics-listen "")

# start [ledgerlined options]: runs the daemon; ready once it writes its stats
start() {
	rm -f "$work/stats.json"
	ip netns exec "$app" "$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci \
		--file-prefix "$LL_LAB_PREFIX" \
		--vdev "net_af_xdp0,iface=$LL_LAB_PREFIX-app0,xdp_prog=$bpf" -- \
		--ledger "$work/ledger" --stats "$work/stats.json" --stats-ms 100 "${mgmt[@]}" "$@" \
		>>"$work/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 200); do
		[[ -s $work/stats.json ]] && return 0
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$work/daemon.log" | tail -20
	return 1
}
# stop: SIGTERM, which drains; the daemon's exit status
stop() {
	kill -TERM "$daemon"
	wait "$daemon"
	local rc=$?
	daemon=
	return $rc
}
# every txid in FILE is in the ledger, with a proof that verifies
all_in_ledger() {
	"$bin/llaudit" txs --ledger "$work/ledger" --txids "$1"
}

check "lab up" "$lab" up
check "keys: 3 Ed25519, 1 SM2, 1 trusted gateway" bash -c "
	'$bin/txgen' keygen --keys '$work/ed' --clients 3 --scheme ed25519 &&
	'$bin/txgen' keygen --keys '$work/sm2' --clients 1 --scheme sm2 &&
	'$bin/txgen' keygen --keys '$work/gw' --clients 1 --scheme none &&
	for k in ed sm2 gw; do '$bin/txgen' clients --keys '$work/'\$k --out '$work/'\$k.reg; done &&
	cat '$work/ed.reg' '$work/sm2.reg' '$work/gw.reg' > '$work/clients'"
check "ledgerlined starts on the veth with the XDP filter" start --clients "$work/clients"

# valid traffic of each scheme: all committed and receipted
send ed --count 1000 --records 4 --receipt --rate 2000 --receipts-out "$work/r_ed" >"$work/out"
check "Ed25519: 4,000 records receipted, none missing" grep -q "records_receipted 4000 missing 0" "$work/out"
send sm2 --count 100 --records 2 --receipt --rate 500 --receipts-out "$work/r_sm2" >"$work/out"
check "SM2: 200 records receipted, none missing" grep -q "records_receipted 200 missing 0" "$work/out"
send gw --count 500 --records 8 --payload 64 --receipt --rate 2000 --receipts-out "$work/r_gw" >"$work/out"
check "trusted scheme 0: 4,000 records receipted" grep -q "records_receipted 4000 missing 0" "$work/out"
# txgen through a DPDK port of its own (net_af_packet on the client's veth)
mac=$(ip -n "$app" link show "$LL_LAB_PREFIX-app0" | awk '/ether/ {print $2}')
send ed --count 250 --records 4 --receipt --rate 1000 --from 10.77.0.2:40000 --dst-mac "$mac" \
	--eal "-l 1 --no-huge -m 256 --no-pci --file-prefix ${LL_LAB_PREFIX}tx --log-level error
	       --vdev net_af_packet0,iface=$LL_LAB_PREFIX-cli0" --receipts-out "$work/r_dpdk" >"$work/out"
check "txgen through DPDK (net_af_packet): 1,000 records receipted" \
	grep -q "records_receipted 1000 missing 0" "$work/out"
check "9,200 records committed" settle .solo.records_committed 9200
check "receipts went out through DPDK" at_least .port.opackets 1500
check "ARP went to the kernel" at_least .xdp.pass_arp 1
check "ping of the data address is answered by the kernel" \
	ip netns exec "$cli" ping -c 1 -W 2 10.77.0.1
check "and counted by the filter" at_least .xdp.pass_icmp 1

# each malformed kind: dropped whole, by its own counter, nothing committed
send ed --count 700 --malformed 1 --rate 2000 >"$work/out"
check "txgen made 100 of each of the 7 kinds" grep -q "bad_magic 100 bad_version 100 chain_mismatch 100 bad_length 100 unknown_scheme 100 bad_signature 100 unknown_client 100" "$work/out"
check "bad magic: dropped by the XDP filter" settle .xdp.drop_bad_magic 100
for kind in bad_version chain_mismatch bad_length unknown_scheme bad_signature unknown_client; do
	check "$kind: 100 frames dropped" settle ".dropped.$kind" 100
done
check "nothing malformed committed" test "$(stats .solo.records_committed)" -eq 9200
ip netns exec "$cli" bash -c 'echo hi > /dev/udp/10.77.0.1/9999'
check "UDP to another port is dropped by the filter, before DPDK" at_least .xdp.drop_other 1

# replays: the same frame again is dropped, in flight or committed
send ed --count 400 --replays 0.25 --rate 2000 >"$work/out"
replays=$(sed -n 's/.* replays \([0-9]*\) .*/\1/p' "$work/out")
check "txgen resent $replays frames" test "${replays:-0}" -ge 90
check "every replay dropped" settle .dropped.replay "$replays"
check "the rest committed" settle .solo.records_committed $((9200 + 400 - replays))

# a flood above capacity: backpressure shows, the daemon stays up
check "stop" stop
check "restart with small rings for the flood" \
	start --ring-frames 64 --blocks-in-flight 2 --block-records 256
send gw --count 60000 --records 8 --payload 64 --receipt --wait 10 --receipts-out "$work/r_flood" >"$work/out"
sed 's/^/# flood: /' "$work/out"
check "the flood raised backpressure counters (overload or NIC drops)" bash -c \
	"test \$(( \$(jq '.dropped.overload + .port.imissed' '$work/stats.json') )) -gt 0"
check "the daemon is still up" kill -0 "$daemon"
check "and still commits what it admits" settle .solo.records_committed "$(stats .order.records)"
check "SIGTERM drains and exits 0" stop

# restart: the windows come back, the ledger holds every receipted transaction
check "restart" start
send ed --count 50 --nonce-start 1 --rate 1000 >/dev/null
check "old nonces after a restart: 50 replays dropped" settle .dropped.replay 50
send ed --count 100 --records 4 --receipt --rate 1000 >"$work/out"
check "new ones still commit after a restart" grep -q "records_receipted 400 missing 0" "$work/out"
check "kill -9" bash -c "kill -9 $daemon; wait $daemon 2>/dev/null; true"
daemon=
check "starts again after kill -9 (the stale XDP filter is taken off)" start
check "stop" stop
cat "$work"/r_* > "$work/receipted"
check "$(wc -l < "$work/receipted") receipted txids, every one in the ledger with its proof" \
	all_in_ledger "$work/receipted"
check "the ledger verifies" "$bin/llaudit" verify --ledger "$work/ledger"
check "no XDP program left on the interface" bash -c \
	"! ip -n '$app' link show '$LL_LAB_PREFIX-app0' | grep -q xdp"

# the same appliance on net_af_packet (no XDP: the kernel sees the frames too)
rm -f "$work/stats.json"
ip netns exec "$app" "$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci \
	--file-prefix "$LL_LAB_PREFIX" --vdev "net_af_packet0,iface=$LL_LAB_PREFIX-app0" -- \
	--ledger "$work/ledger2" --clients "$work/clients" --stats "$work/stats.json" \
	--stats-ms 100 "${mgmt[@]}" >>"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 200); do [[ -s $work/stats.json ]] && break; sleep 0.1; done
send ed --count 200 --records 4 --receipt --rate 1000 >"$work/out"
check "on net_af_packet: 800 records receipted" grep -q "records_receipted 800 missing 0" "$work/out"
check "stop" stop
check "lab down" "$lab" down
tally
