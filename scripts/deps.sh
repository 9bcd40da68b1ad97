#!/usr/bin/env bash
# Installs every Debian package LedgerLine builds, tests or runs with.
# Idempotent and quiet when everything is already there; needs root (or sudo) otherwise.
set -euo pipefail

packages=(
	# toolchain and build
	build-essential pkg-config clang llvm lld libclang-rt-14-dev
	# libraries the design lists (see ../shared/DESIGN.md "Conventions")
	libdpdk-dev dpdk dpdk-dev liblmdb-dev lmdb-utils libbpf-dev libxdp-dev xdp-tools
	libcmocka-dev libraft-dev libuv1-dev libmicrohttpd-dev libjansson-dev
	libinih-dev libssl-dev openssl libsodium-dev libxrt-dev libipsec-mb-dev
	# the XRT headers include <uuid/uuid.h>, which libxrt-dev does not pull in
	uuid-dev
	libpcap-dev libelf-dev zlib1g-dev
	# lab, tests and operations
	bpftool iproute2 iputils-ping nftables ethtool util-linux procps kmod jq tshark
	prometheus valgrind curl socat
	# the man page's check (man, groff) and the systemd unit's (systemd-analyze)
	man-db groff-base systemd
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: missing packages (${missing[*]}) and not root: run as root" >&2
		exit 1
	}
	sudo=(sudo)
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q \
	--no-install-recommends "${missing[@]}"
