#!/usr/bin/env bash
# `make install` into a DESTDIR: every file where the README says, the installed
# ledgerlined checks the installed configuration (refusing it until the data
# port is named, naming the key), and systemd accepts the unit as installed.
# usage: tests/integration/test_install.sh BINDIR   (BINDIR unused: it installs build/)
set -uo pipefail
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
. "$(dirname "$0")/lib.sh"

check "make install DESTDIR=..." make --no-print-directory install DESTDIR="$dest"
for f in usr/sbin/ledgerlined usr/bin/ledgerctl usr/bin/txgen usr/bin/llaudit usr/bin/llmerkle; do
	check "$f is installed, executable" test -x "$dest/$f"
done
for f in usr/lib/ledgerline/ll_xdp_filter.o usr/share/man/man1/ledgerctl.1 \
	usr/share/doc/ledgerline/ledgerline.conf.example usr/share/ledgerline/ledgerline.lua \
	usr/share/ledgerline/ledgerline.json lib/systemd/system/ledgerlined.service; do
	check "$f is installed" test -s "$dest/$f"
done
conf=$dest/etc/ledgerline/ledgerline.conf
check "the configuration is the example, mode 0640" bash -c \
	"cmp -s '$conf' ledgerline.conf.example && test \$(stat -c %a '$conf') = 640"

# the example runs nowhere until the data port is named
"$dest/usr/sbin/ledgerlined" -c "$conf" --check-config >"$dest/out" 2>&1
check "--check-config of the example: exit 2, asking for dataplane.device" bash -c \
	"test $? -eq 2 && grep -q 'dataplane.device is not set' '$dest/out'"
sed -i 's|^device = $|device = net_af_xdp0,iface=eth1,xdp_prog=/usr/lib/ledgerline/ll_xdp_filter.o|' \
	"$conf"
check "with the device named, it is good" bash -c \
	"'$dest/usr/sbin/ledgerlined' -c '$conf' --check-config | grep -q 'configuration is good'"
sed -i 's/^max_records = 1000$/max_records = lots/' "$conf"
line=$(grep -n '^max_records = lots$' "$conf" | cut -d: -f1)
"$dest/usr/sbin/ledgerlined" -c "$conf" --check-config >"$dest/out" 2>&1
rc=$?
check "a bad value: exit 2, naming the file, line, key and what is allowed" bash -c \
	"test $rc -eq 2 && grep -qF '$conf:$line: block.max_records = lots: want a whole number from 1 to 65536' '$dest/out'"
check "a second install keeps the operator's configuration" bash -c \
	"make --no-print-directory install DESTDIR='$dest' >/dev/null && grep -q 'max_records = lots' '$conf'"

# systemd: the unit as installed, its paths pointed into DESTDIR
unit=$dest/ledgerlined.service
sed -e "s|/usr/sbin/ledgerlined|$dest/usr/sbin/ledgerlined|g" \
	-e "s|/etc/ledgerline/|$dest/etc/ledgerline/|g" \
	-e "s|file:/usr/share/doc|file:$dest/usr/share/doc|" \
	"$dest/lib/systemd/system/ledgerlined.service" >"$unit"
check "systemd-analyze verify accepts the unit" env MANPATH="$dest/usr/share/man" \
	systemd-analyze verify "$unit"
check "and it drains on SIGTERM, with room to finish" bash -c \
	"grep -q '^KillSignal=SIGTERM' '$unit' && grep -q '^TimeoutStopSec=300' '$unit' &&
	 grep -q '^ExecStartPre=.*--check-config' '$unit'"
tally
