#!/usr/bin/env bash
# The xclbin flow without Vitis: `make xclbin` refuses clearly (no v++, unknown card or
# target), every link config fits the kernels of hls/ll_job.h, and mkmanifest writes
# manifests the host accepts. usage: test_xclbin.sh BINDIR (build/bin or build/asan/bin)
set -uo pipefail

bindir=${1:?usage: $0 BINDIR}
mkmanifest="$(dirname "$bindir")/bitstreams/mkmanifest"
job_h=hls/ll_job.h
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

# xmake ARGS...: the repo's make on a scratch build dir, free of any outer make's flags;
# output in $work/make.out.
xmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$work/build" \
		"$@" >"$work/make.out" 2>&1
}

# expect_refusal NAME PATTERN MAKE_ARGS...: make fails and says something matching PATTERN.
expect_refusal() {
	local name=$1 pattern=$2
	shift 2
	if xmake "$@"; then
		not_ok "$name (make succeeded)"
	elif ! grep -Eq -- "$pattern" "$work/make.out"; then
		not_ok "$name (no '$pattern' in: $(head -c 300 "$work/make.out"))"
	else
		ok "$name"
	fi
}

if [[ ! -x $mkmanifest ]]; then
	echo "not ok - $mkmanifest is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- make xclbin refuses what it cannot do, before building anything
if command -v v++ >/dev/null; then
	ok "make xclbin without v++ # skip: v++ is on PATH here"
else
	expect_refusal "make xclbin PLATFORM=u50 without v++ says Vitis is missing" \
		"v\+\+.*not on PATH" xclbin PLATFORM=u50
fi
expect_refusal "make xclbin with VPP not found names it and Vitis" \
	"'v\+\+-absent' \(AMD Vitis\) is not on PATH" xclbin PLATFORM=u250 VPP=v++-absent
check "the refusal builds nothing" test ! -e "$work/build/lib"
expect_refusal "make xclbin PLATFORM=u51 names the allowed cards" \
	"PLATFORM='u51' is not one of: u50 u55c u250 u280" xclbin PLATFORM=u51
expect_refusal "make xclbin without PLATFORM names the allowed cards" \
	"is not one of: u50 u55c u250 u280" xclbin
expect_refusal "make xclbin TARGET=emu names the allowed targets" \
	"TARGET='emu' is not one of: hw hw_emu sw_emu" xclbin PLATFORM=u50 TARGET=emu
if xmake -n all && ! grep -q 'v++' "$work/make.out"; then
	ok "make all runs no v++"
else
	not_ok "make all runs no v++"
fi

# --- the kernels and their arguments, from the ABI header and from the manifest
abi_kernels=$(sed -n 's/^#define LLK_[A-Z]*_KERNEL[[:space:]]*"\([a-z_]*\)".*/\1/p' "$job_h")
check "ll_job.h names two kernels" test "$(echo "$abi_kernels" | wc -w)" -eq 2

"$mkmanifest" --xclbin "$work/card.xclbin" --fake-uuid 000102030405060708090a0b0c0d0e0f \
	--platform fakexrt --target fakexrt >"$work/mk.out" 2>&1
check "mkmanifest writes a fake image and its manifest" test -s "$work/card.manifest"
check "the image starts with the xclbin magic" \
	test "$(head -c 7 "$work/card.xclbin" 2>/dev/null)" = xclbin2
check "the manifest carries the image's uuid" \
	grep -qx 'uuid 000102030405060708090a0b0c0d0e0f' "$work/card.manifest"

# manifest_args KERNEL: "name:kind ..." from the manifest's kernel line
manifest_args() {
	sed -n "s/^kernel $1 //p" "$work/card.manifest"
}

# header_args KERNEL: "name:kind ..." from the prototype in ll_job.h (a pointer is a bo)
header_args() {
	tr '\n' ' ' <"$job_h" | sed -n "s/.*void $1(\([^)]*\));.*/\1/p" | tr ',' '\n' |
		while read -r decl || [[ -n $decl ]]; do
			local name=${decl##*[ *]}
			if [[ $decl == *'*'* ]]; then echo -n "$name:bo "; else echo -n "$name:u32 "; fi
		done | sed 's/ $//'
}

for k in $abi_kernels; do
	want=$(header_args "$k")
	have=$(manifest_args "$k")
	if [[ -n $want && $want == "$have" ]]; then
		ok "manifest arguments of $k match ll_job.h ($want)"
	else
		not_ok "manifest arguments of $k: '$have', ll_job.h: '$want'"
	fi
done

# --- each card's link config fits those kernels
for card in u50 u55c u250 u280; do
	cfg=bitstreams/$card.cfg
	platform=$(sed -n 's/^platform=//p' "$cfg")
	check "$card: platform= names a $card platform ($platform)" \
		test -n "$(echo "$platform" | grep -E "^xilinx_${card}_gen3x16_xdma_[0-9_]+$")"

	# nk=KERNEL:COUNT:CU: every kernel the config instantiates is an ABI kernel, once
	declare -A cu_kernel=()
	bad=
	while IFS=: read -r kernel count cu; do
		grep -qx "$kernel" <<<"$abi_kernels" || bad+=" unknown kernel $kernel;"
		[[ $count == 1 && -n $cu ]] || bad+=" $kernel: want one named compute unit;"
		cu_kernel[$cu]=$kernel
	done < <(sed -n 's/^nk=//p' "$cfg")
	for k in $abi_kernels; do
		grep -q "^nk=$k:" "$cfg" || bad+=" no nk for $k;"
	done
	if [[ -z $bad ]]; then ok "$card: nk= lines name each ABI kernel"; else not_ok "$card:$bad"; fi

	# sp=CU.ARG:BANK: every buffer argument mapped once, and only buffer arguments
	bad=
	declare -A bank=()
	while IFS= read -r line; do
		cu=${line%%.*}
		rest=${line#*.}
		arg=${rest%%:*}
		kernel=${cu_kernel[$cu]:-}
		if [[ -z $kernel ]]; then
			bad+=" sp for unknown compute unit $cu;"
		elif ! grep -qw "$arg:bo" <<<"$(manifest_args "$kernel")"; then
			bad+=" $kernel has no buffer argument $arg;"
		elif [[ -n ${bank[$kernel.$arg]:-} ]]; then
			bad+=" $kernel.$arg mapped twice;"
		else
			bank[$kernel.$arg]=${rest#*:}
		fi
	done < <(sed -n 's/^sp=//p' "$cfg")
	for k in $abi_kernels; do
		for a in $(manifest_args "$k"); do
			[[ $a == *:bo ]] || continue
			[[ -n ${bank[$k.${a%:bo}]:-} ]] || bad+=" $k.${a%:bo} has no sp= line;"
		done
	done
	if [[ -z $bad ]]; then ok "$card: sp= lines map every buffer argument"; else not_ok "$card:$bad"; fi
	# both kernels use one leaves buffer, so it must sit in one bank for both
	check "$card: both kernels map leaves to the same bank" \
		test -n "${bank[llk_leaves.leaves]:-}" -a \
		"${bank[llk_leaves.leaves]:-}" = "${bank[llk_merkle.leaves]:-x}"
	unset cu_kernel bank
done

# --- mkmanifest refuses what the host would refuse
refuses() { ! "$mkmanifest" "$@" >/dev/null 2>&1; }
check "mkmanifest refuses an unknown target" refuses --xclbin "$work/card.xclbin" \
	--platform p --target fpga
check "mkmanifest refuses a platform with a space" refuses --xclbin "$work/card.xclbin" \
	--platform "a b" --target hw
check "mkmanifest refuses a file that is no xclbin" refuses --xclbin "$job_h" \
	--platform p --target hw
check "mkmanifest refuses a bad uuid" refuses --xclbin "$work/x.xclbin" --platform p \
	--target hw --fake-uuid 0011
check "mkmanifest refuses missing arguments" refuses --xclbin "$work/card.xclbin"

tally
