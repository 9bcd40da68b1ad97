#!/usr/bin/env bash
# `make demo`: the appliance end to end, as root on this machine. The lab comes up
# (two network namespaces joined by a veth), ledgerlined starts on the appliance's
# veth through DPDK's net_af_xdp with the XDP filter (on hugepages when the kernel
# gives them) from a configuration file, clients are registered, txgen sends
# 100,000 Ed25519-signed transactions with receipts from the client namespace,
# ledgerctl shows the appliance live (status, top, a transaction and its proofs,
# verify) and /metrics is scraped, ledgerctl shuts it down (it drains), the
# counters are printed and the chain is verified offline.
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

echo "== ledgerlined on ll-app0 (net_af_xdp, XDP filter $bpf), from a configuration file"
cat >"$work/ledgerline.conf" <<CONF
[ledger]
path = $work/ledger
[dataplane]
lcores = 0-1
device = net_af_xdp0,iface=ll-app0,xdp_prog=$bpf
hugepages = $( ((huge)) && echo yes || echo no)
memory_mb = 512
file_prefix = lldemo
clients_file = $work/clients
[admin]
socket = $work/admin.sock
audit_log = $work/audit.log
[metrics]
listen = 127.0.0.1:9470
[stats]
file = $work/stats.json
CONF
sed 's/^/   /' "$work/ledgerline.conf"
"$bin/ledgerlined" -c "$work/ledgerline.conf" --check-config | sed 's/^/   /'
ip netns exec ll-app "$bin/ledgerlined" -c "$work/ledgerline.conf" >"$work/daemon.log" 2>&1 &
daemon=$!
ctl=("$bin/ledgerctl" -s "$work/admin.sock")
for _ in $(seq 200); do
	"${ctl[@]}" status >/dev/null 2>&1 && break
	kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log"; exit 1; }
	sleep 0.1
done
grep -E '^(info|warn|error)' "$work/daemon.log" | sed 's/^/   /'
echo "== ledgerctl status (the admin socket, $work/admin.sock)"
"${ctl[@]}" status | sed 's/^/   /'

frames=$((total / 4))
echo "== txgen: $total signed transactions (4 a frame) with receipts, from ll-cli"
ip netns exec ll-cli "$bin/txgen" send --keys "$work/keys" --to 10.77.0.1:7400 \
	--count "$frames" --records 4 --receipt --rate 3000 --receipts-out "$work/receipted" \
	| tee "$work/send.out"
sleep 1

echo "== ledgerctl top, one refresh"
"${ctl[@]}" top --count 1 | sed 's/^/   /'
echo "== /metrics and /healthz on the management address"
ip netns exec ll-app curl -s http://127.0.0.1:9470/metrics |
	grep -E '^ledgerline_(records_committed_total|blocks_committed_total|chain_height|commit_latency_seconds_count) ' |
	sed 's/^/   /'
echo "   healthz: $(ip netns exec ll-app curl -s http://127.0.0.1:9470/healthz)"

txid=$(sed -n "$(( $(wc -l < "$work/receipted") / 2 + 1 ))p" "$work/receipted")
echo "== one receipted transaction, and its inclusion proofs (checked by the appliance)"
"${ctl[@]}" tx "$txid" | sed 's/^/   /'
"${ctl[@]}" proof "$txid" | sed 's/^/   /'
echo "== the chain, verified from genesis while the appliance runs"
"${ctl[@]}" verify | sed 's/^/   /'

echo "== ledgerctl shutdown (drains: everything admitted is committed and receipted)"
"${ctl[@]}" shutdown | sed 's/^/   /'
wait "$daemon"
daemon=
echo "   the audit log:"
sed 's/^/   /' "$work/audit.log"

echo "== counters, as the stats file has them at the end"
jq -r '"   height \(.height), committed \(.solo.records_committed) in \(.solo.blocks_committed) blocks",
	"   rx: \(.rx.packets) packets, \(.rx.frames_admitted) frames admitted; port missed \(.port.imissed)",
	"   dropped: \(.dropped | to_entries | map("\(.key) \(.value)") | join(", "))",
	"   receipts: \(.receipts.built) built, \(.receipts.sent) sent",
	"   xdp: \(.xdp | to_entries | map("\(.key) \(.value)") | join(", "))",
	"   accel: \(.accel.backend) on \(.accel.device), \(.accel.jobs) jobs (\(.accel.reason))",
	"   commit latency: p50 \(.commit_latency.p50_us) us, p99 \(.commit_latency.p99_us) us (bucket bounds)"' "$work/stats.json"

echo "== the chain, verified offline by llaudit"
"$bin/llaudit" verify --ledger "$work/ledger"
"$bin/llaudit" tx --ledger "$work/ledger" --txid "$txid" | grep -E '^(height|index|proof|log_proof|record):' | sed 's/^/   /'
missing=$(grep -o 'missing [0-9]*' "$work/send.out" | awk '{print $2}')
if [[ ${missing:-1} -ne 0 ]]; then
	echo "demo: ${missing:-?} transactions were not receipted" >&2
	exit 1
fi
echo "== demo done: all $total transactions receipted and in the ledger"
