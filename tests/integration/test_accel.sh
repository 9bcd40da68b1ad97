#!/usr/bin/env bash
# The appliance's ledger with each accelerator backend: ledgerlined on net_pcap
# commits 400 signed frames (800 transactions) hashed by cpu, hlsemu, and xrt
# over tests/fakexrt, and llaudit verifies every chain. Then a card that corrupts
# a root: the cross-check catches it, the device is taken out of service, and the
# ledger still verifies. And the start-up errors an operator sees.
# usage: tests/integration/test_accel.sh BINDIR
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
variant=$(dirname "$bin")
work=$(mktemp -d)
daemon=
cleanup() {
	[[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
settle_seconds=30
. "$(dirname "$0")/lib.sh"
# the admin socket and audit log in the test's own directory; no metrics port
mgmt=(--admin-socket "$work/admin.sock" --audit-log "$work/audit.log" --metrics-listen "")

# the rig that stands in for a card: a PCI function bound to xocl, XILINX_XRT, an xclbin
mkdir -p "$work/root/sys/bus/pci/drivers/xocl/0000:65:00.1" "$work/xrt"
export XILINX_XRT="$work/xrt"
# each build variant has its own libfakexrt.so; the card image is the release build's
card=$variant/fakexrt/ledgerline.xclbin
[[ -f $card ]] || card=$(dirname "$variant")/fakexrt/ledgerline.xclbin
fakexrt=(--xrt-library "$variant/lib/libfakexrt.so" --accel-probe-root "$work/root"
	--xclbin "$card")

check "keys, registrations and a capture of 400 frames" bash -c "
	'$bin/txgen' keygen --keys '$work/k' --clients 4 &&
	'$bin/txgen' clients --keys '$work/k' --out '$work/clients' &&
	'$bin/txgen' pcap --keys '$work/k' --out '$work/frames.pcap' --count 400 --records 2 >/dev/null"

n=0
# run_daemon NAME ALG ARGS...: the appliance on the capture until its 800 records commit
run_daemon() {
	local name=$1 alg=$2
	shift 2
	n=$((n + 1))
	rm -f "$work/stats.json"
	"$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "llacc$$-$n" \
		--vdev "net_pcap0,rx_pcap=$work/frames.pcap,tx_pcap=/dev/null" \
		-- --ledger "$work/ledger-$name" --alg "$alg" --clients "$work/clients" \
		--block-records 100 --stats "$work/stats.json" --stats-ms 50 "${mgmt[@]}" "$@" \
		>"$work/$name.log" 2>&1 &
	daemon=$!
	check "$name: 800 transactions committed" settle .solo.records_committed 800
	kill -TERM "$daemon"
	wait "$daemon"
	local rc=$?
	daemon=
	check "$name: SIGTERM drains and exits 0" test "$rc" -eq 0
	# llaudit recomputes every leaf and root on the CPU and checks each header and link
	check "$name: the $alg chain verifies with 800 transactions" bash -c \
		"'$bin/llaudit' verify --ledger '$work/ledger-$name' --alg $alg | grep -q ' 800 transactions'"
}

run_daemon cpu sha256 --accel cpu
check "cpu: the stats name the backend and count its jobs" bash -c \
	"test \$(jq -r .accel.backend '$work/stats.json') = cpu &&
	 test \$(jq .accel.records '$work/stats.json') -eq 800"

for alg in sha256 sm3; do
	run_daemon "hlsemu-$alg" "$alg" --accel hlsemu
	check "hlsemu-$alg: every job on the kernels, all cross-checked at start-up" bash -c \
		"test \$(jq -r .accel.backend '$work/stats.json') = hlsemu &&
		 test \$(jq .accel.records '$work/stats.json') -eq 800 &&
		 test \$(jq .accel.checks '$work/stats.json') -eq \$(jq .accel.jobs '$work/stats.json') &&
		 test \$(jq .accel.mismatches '$work/stats.json') -eq 0"
	run_daemon "xrt-$alg" "$alg" --accel xrt "${fakexrt[@]}"
	check "xrt-$alg: on the card (fakexrt), in service, no mismatch" bash -c \
		"test \$(jq -r .accel.backend '$work/stats.json') = xrt &&
		 test \$(jq .accel.in_service '$work/stats.json') = true &&
		 test \$(jq .accel.clock_mhz '$work/stats.json') -gt 0 &&
		 test \$(jq .accel.cpu_jobs '$work/stats.json') -eq 0 &&
		 test \$(jq .accel.mismatches '$work/stats.json') -eq 0"
done

# the self-test runs each kernel twice: the 5th llk_merkle run is the 3rd block's root
FAKEXRT_CORRUPT=llk_merkle@5 run_daemon corrupt sha256 --accel xrt "${fakexrt[@]}"
check "corrupt: the cross-check caught one root and took the card out" bash -c \
	"test \$(jq .accel.mismatches '$work/stats.json') -eq 1 &&
	 test \$(jq .accel.in_service '$work/stats.json') = false &&
	 test \$(jq -r .accel.backend '$work/stats.json') = cpu &&
	 jq -r .accel.reason '$work/stats.json' | grep -q 'out of service'"
check "corrupt: the log says so" grep -q "taken out of service" "$work/corrupt.log"

FAKEXRT_HANG=llk_leaves@4 run_daemon hang sha256 --accel xrt --accel-timeout-ms 100 "${fakexrt[@]}"
check "hang: the timed-out run is a device error, the jobs went to the CPU" bash -c \
	"test \$(jq .accel.device_errors '$work/stats.json') -eq 1 &&
	 test \$(jq .accel.in_service '$work/stats.json') = false &&
	 test \$(jq .accel.cpu_jobs '$work/stats.json') -gt 0"

# start-up errors: a clear message and exit 1, or auto's fallback with its reason
eal=(-l 0-1 --no-huge -m 128 --no-pci --file-prefix "llaccbad$$" --vdev net_null0 --log-level info)
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --accel xrt \
	--accel-probe-root "$work/nothing" >"$work/bad.log" 2>&1
rc=$?
check "--accel xrt without a card: exit 1, saying there is no card" bash -c \
	"test $rc -eq 1 && grep -q 'no Alveo card' '$work/bad.log'"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --accel xrt "${fakexrt[@]}" \
	--xclbin "$work/none.xclbin" >"$work/bad.log" 2>&1
rc=$?
check "--accel xrt with no xclbin: exit 1, naming the path" bash -c \
	"test $rc -eq 1 && grep -q 'none.xclbin' '$work/bad.log'"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --accel gpu >"$work/bad.log" 2>&1
rc=$?
check "--accel gpu: exit 2, naming the choices" bash -c \
	"test $rc -eq 2 && grep -q 'want auto, cpu, hlsemu or xrt' '$work/bad.log'"
"$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/bad" --block-records 65537 >"$work/bad.log" 2>&1
rc=$?
check "--block-records over the device ABI's 65,536: exit 2" test "$rc" -eq 2
timeout -s TERM 3 "$bin/ledgerlined" "${eal[@]}" -- --ledger "$work/auto" \
	--accel-probe-root "$work/nothing" "${mgmt[@]}" >"$work/auto.log" 2>&1
check "auto without a card: runs on the CPU and says why" bash -c \
	"grep -q 'backend cpu' '$work/auto.log' && grep -q 'auto: no usable card' '$work/auto.log'"
tally
