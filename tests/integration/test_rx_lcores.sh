#!/usr/bin/env bash
# Two RX lcores, two queues: ledgerlined on net_pcap with one capture per queue,
# both holding the same 300 signed frames. Each lcore admits its copy against its
# own table, so every frame reaches the orderer twice; the orderer's replay check,
# which sees every lcore, commits each record once and counts the copies as
# replays. Also: per-lcore stats, and a clean drain.
# usage: tests/integration/test_rx_lcores.sh BINDIR
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
work=$(mktemp -d)
daemon=
cleanup() {
	[[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
settle_seconds=15
. "$(dirname "$0")/lib.sh"
# the admin socket and audit log in the test's own directory; no metrics port
mgmt=(--admin-socket "$work/admin.sock" --audit-log "$work/audit.log" --metrics-listen "")

check "keys, registrations and a capture of 300 frames" bash -c "
	'$bin/txgen' keygen --keys '$work/k' --clients 3 &&
	'$bin/txgen' clients --keys '$work/k' --out '$work/clients' &&
	'$bin/txgen' pcap --keys '$work/k' --out '$work/a.pcap' --count 300 --records 2 >/dev/null &&
	cp '$work/a.pcap' '$work/b.pcap'"
# lcore 0 orders; lcores 1 and 2 poll queues 0 and 1 (sharing a CPU here)
"$bin/ledgerlined" --lcores 0@0,1@1,2@1 --no-huge -m 256 --no-pci --file-prefix "llrx$$" \
	--vdev "net_pcap0,rx_pcap=$work/a.pcap,rx_pcap=$work/b.pcap,tx_pcap=/dev/null,tx_pcap=/dev/null" \
	-- --ledger "$work/ledger" --clients "$work/clients" --stats "$work/stats.json" \
	--stats-ms 50 "${mgmt[@]}" >"$work/daemon.log" 2>&1 &
daemon=$!
check "both queues read: 600 packets" settle .rx.packets 600
check "two RX lcores, 300 packets each" bash -c \
	"test \$(jq '.rx_lcores | length' '$work/stats.json') -eq 2 &&
	 test \$(jq '[.rx_lcores[].packets] == [300, 300]' '$work/stats.json') = true"
check "each record committed once: 600" settle .solo.records_committed 600
check "the other 300 copies dropped as replays by the orderer" settle .order.replays 300
check "and counted under dropped.replay" test "$(stats .dropped.replay)" -eq 300
kill -TERM "$daemon"
wait "$daemon"
rc=$?
daemon=
check "SIGTERM drains and exits 0" test "$rc" -eq 0
check "the ledger verifies with 600 transactions" bash -c \
	"'$bin/llaudit' verify --ledger '$work/ledger' | grep -q ' 600 transactions'"

# bad start-up input: a clear error naming what is wrong, and no daemon
eal=(-l 0-1 --no-huge -m 128 --no-pci --file-prefix "llrxbad$$" --vdev net_null0 --log-level error)
{ head -2 "$work/clients"; echo "1 not-hex 0"; } > "$work/bad_clients"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --clients "$work/bad_clients" \
	>"$work/bad.log" 2>&1
rc=$?
check "a bad clients line: exit 1, naming the file and line" bash -c \
	"test $rc -eq 1 && grep -q 'bad_clients:3: want' '$work/bad.log'"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --block-records 0 >"$work/bad.log" 2>&1
rc=$?
check "an out-of-range flag: exit 2, naming the flag and its range" bash -c \
	"test $rc -eq 2 && grep -q -- '--block-records 0: want a whole number from 1' '$work/bad.log'"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --sync sometimes >"$work/bad.log" 2>&1
rc=$?
check "an unknown --sync: exit 2" bash -c "test $rc -eq 2 && grep -q 'want full or periodic' '$work/bad.log'"
tally
