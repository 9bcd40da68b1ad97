#!/usr/bin/env bash
# Hugepages for DPDK: reserve 2 MiB pages and mount hugetlbfs, or give them back.
#   scripts/hugepages.sh up [MIB]   reserve MIB (512) of 2 MiB pages; exit 1 if the
#                                   kernel cannot give them (then run with --no-huge)
#   scripts/hugepages.sh down       give back what `up` reserved, unmount what it mounted
#   scripts/hugepages.sh status
# Root only. `up` remembers what it changed in /run/ledgerline/hugepages, so `down`
# undoes only that.
set -euo pipefail
state=/run/ledgerline/hugepages
pages=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mnt=/dev/hugepages

up() {
	local want=$(((${1:-512} + 1) / 2)) have
	have=$(cat "$pages")
	mkdir -p "$(dirname "$state")"
	[[ -f $state ]] || echo "pages=$have mounted=0" > "$state"
	if ((have < want)); then
		echo "$want" > "$pages" || true
	fi
	if ! mount | grep -q " $mnt type hugetlbfs"; then
		mkdir -p "$mnt"
		mount -t hugetlbfs nodev "$mnt"
		sed -i 's/mounted=0/mounted=1/' "$state"
	fi
	have=$(cat "$pages")
	if ((have < want)); then
		echo "hugepages.sh: wanted $want pages of 2 MiB, the kernel gave $have" >&2
		exit 1
	fi
	echo "hugepages: $have pages of 2 MiB on $mnt"
}

down() {
	[[ -f $state ]] || { echo "hugepages: nothing to give back"; return; }
	local pages_before mounted
	pages_before=$(sed -n 's/.*pages=\([0-9]*\).*/\1/p' "$state")
	mounted=$(sed -n 's/.*mounted=\([01]\).*/\1/p' "$state")
	rm -f "$mnt"/rtemap_* 2>/dev/null || true
	[[ $mounted == 1 ]] && umount "$mnt" 2>/dev/null || true
	echo "$pages_before" > "$pages" || true
	rm -f "$state"
	echo "hugepages: back to $pages_before pages"
}

if [[ $(id -u) -ne 0 ]]; then
	echo "hugepages.sh: needs root" >&2
	exit 1
fi
case ${1:-} in
up) up "${2:-512}" ;;
down) down ;;
status) grep -i huge /proc/meminfo; mount | grep hugetlbfs || echo "hugetlbfs: not mounted" ;;
*)
	echo "usage: scripts/hugepages.sh up [MIB]|down|status" >&2
	exit 2
	;;
esac
