#!/usr/bin/env bash
# `make demo`: the appliance end to end, as root on this machine. The lab comes up
# (two network namespaces joined by a veth), ledgerlined starts on the appliance's
# veth through DPDK's net_af_xdp with the XDP filter (on hugepages when the kernel
# gives them), clients are registered, txgen sends 100,000 Ed25519-signed
# transactions with receipts from the client namespace, the counters are printed,
# the chain is verified, and one transaction is shown with its inclusion proof.
# Everything is torn down at the end, also on failure.
# usage: scripts/demo.sh BINDIR [TRANSACTIONS]
set -euo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
total=${2:-100000}
bpf=$(cd "$bin/.." && pwd)/bpf/ll_xdp_filter.o
here=$(cd "$(dirname "$0")" && pwd)
if [[ $(id -u) -ne 0 ]]; then
	echo "demo: needs root (network namespaces, AF_XDP, hugepages)" >&2
	exit 1
fi
work=$(mktemp -d)
daemon=
huge=0
cleanup() {
	[[ -n $daemon ]] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	"$here/lab.sh" down >/dev/null 2>&1 || true
	((huge)) && "$here/hugepages.sh" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== the lab"
"$here/lab.sh" up
if "$here/hugepages.sh" up 512; then
	huge=1
	mem=(-m 512)
else
	echo "demo: no hugepages here; DPDK runs with --no-huge"
	mem=(--no-huge -m 512)
fi

echo "== clients: 8 Ed25519 key pairs (txgen keeps the secrets, the appliance the public keys)"
"$bin/txgen" keygen --keys "$work/keys" --clients 8
"$bin/txgen" clients --keys "$work/keys" --out "$work/clients"
sed 's/^/   /' "$work/clients" | head -4
echo "   ..."

echo "== ledgerlined on ll-app0 (net_af_xdp, XDP filter $bpf)"
ip netns exec ll-app "$bin/ledgerlined" -l 0-1 "${mem[@]}" --no-pci --file-prefix lldemo \
	--vdev "net_af_xdp0,iface=ll-app0,xdp_prog=$bpf" -- \
	--ledger "$work/ledger" --clients "$work/clients" --stats "$work/stats.json" \
	>"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 200); do
	[[ -s $work/stats.json ]] && break
	kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log"; exit 1; }
	sleep 0.1
done
grep -E '^(info|warn|error)' "$work/daemon.log" | sed 's/^/   /'

frames=$((total / 4))
echo "== txgen: $total signed transactions (4 a frame) with receipts, from ll-cli"
ip netns exec ll-cli "$bin/txgen" send --keys "$work/keys" --to 10.77.0.1:7400 \
	--count "$frames" --records 4 --receipt --rate 3000 --receipts-out "$work/receipted" \
	| tee "$work/send.out"
sleep 1

echo "== counters (ledgerlined --stats)"
jq -r '"   height \(.height), committed \(.solo.records_committed) in \(.solo.blocks_committed) blocks",
	"   rx: \(.rx.packets) packets, \(.rx.frames_admitted) frames admitted; port missed \(.port.imissed)",
	"   dropped: \(.dropped | to_entries | map("\(.key) \(.value)") | join(", "))",
	"   receipts: \(.receipts.built) built, \(.receipts.sent) sent",
	"   xdp: \(.xdp | to_entries | map("\(.key) \(.value)") | join(", "))",
	"   accel: \(.accel.backend) on \(.accel.device), \(.accel.jobs) jobs (\(.accel.reason))"' "$work/stats.json"

echo "== stop (SIGTERM drains: everything admitted is committed and receipted)"
kill -TERM "$daemon"
wait "$daemon"
daemon=

echo "== the chain, verified from genesis by llaudit"
"$bin/llaudit" verify --ledger "$work/ledger"

txid=$(sed -n "$(( $(wc -l < "$work/receipted") / 2 + 1 ))p" "$work/receipted")
echo "== one receipted transaction and its inclusion proof"
"$bin/llaudit" tx --ledger "$work/ledger" --txid "$txid" | sed 's/^/   /'
echo "== demo done"
