#!/usr/bin/env bash
# The lab: network namespaces and a veth pair as test hosts, so the appliance and
# its clients talk over a real link and nothing leaves this machine.
#   ll-app  (appliance) ll-app0 10.77.0.1/24  <-- veth -->  ll-cli0 10.77.0.2/24 (ll-cli, client)
# usage: scripts/lab.sh up|down|status     (root; idempotent; LL_LAB_PREFIX, at most 10
# characters, renames it all)
set -euo pipefail
prefix=${LL_LAB_PREFIX:-ll}
app_ns=$prefix-app
cli_ns=$prefix-cli
app_if=${prefix}-app0
cli_if=${prefix}-cli0
app_ip=10.77.0.1
cli_ip=10.77.0.2

have_ns() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

up() {
	have_ns "$app_ns" || ip netns add "$app_ns"
	have_ns "$cli_ns" || ip netns add "$cli_ns"
	if ! ip -n "$app_ns" link show "$app_if" >/dev/null 2>&1; then
		# a half-made pair from an interrupted run goes first
		ip link del "$app_if" 2>/dev/null || true
		ip -n "$cli_ns" link del "$cli_if" 2>/dev/null || true
		ip link add "$app_if" type veth peer name "$cli_if"
		ip link set "$app_if" netns "$app_ns"
		ip link set "$cli_if" netns "$cli_ns"
	fi
	ip -n "$app_ns" addr replace "$app_ip/24" dev "$app_if"
	ip -n "$cli_ns" addr replace "$cli_ip/24" dev "$cli_if"
	for ns in "$app_ns" "$cli_ns"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$app_ns" link set "$app_if" up
	ip -n "$cli_ns" link set "$cli_if" up
	echo "lab up: $app_ns $app_if $app_ip <-> $cli_ns $cli_if $cli_ip"
}

down() {
	# the namespaces take their veth ends with them
	for ns in "$app_ns" "$cli_ns"; do
		have_ns "$ns" && ip netns del "$ns"
	done
	ip link del "$app_if" 2>/dev/null || true
	echo "lab down"
}

status() {
	for ns in "$app_ns" "$cli_ns"; do
		if have_ns "$ns"; then
			echo "$ns:"
			ip -n "$ns" -brief addr
		else
			echo "$ns: absent"
		fi
	done
}

if [[ $(id -u) -ne 0 ]]; then
	echo "lab.sh: needs root (network namespaces)" >&2
	exit 1
fi
case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: scripts/lab.sh up|down|status" >&2
	exit 2
	;;
esac
