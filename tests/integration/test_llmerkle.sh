#!/usr/bin/env bash
# llmerkle against the RFC 6962 reference tree (generate and verify), SM3 round trips
# with tampered proofs, and every malformed request. usage: test_llmerkle.sh BINDIR
set -uo pipefail

bindir=${1:?usage: $0 BINDIR}
llmerkle="$bindir/llmerkle"
vectors=${LL_VECTORS:-tests/vectors}/merkle/rfc6962_sha256_8leaf.txt

passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# expect_exit NAME CODE STDIN_FILE ARGS...: llmerkle exits CODE; for 2 and 1 it
# must also say why on stderr.
expect_exit() {
	local name=$1 want=$2 input=$3
	shift 3
	"$llmerkle" "$@" <"$input" >"$work/out" 2>"$work/err"
	local rc=$?
	if [[ $rc -ne $want ]]; then
		not_ok "$name (exit $rc, want $want: $(head -c 200 "$work/err"))"
	elif [[ $want -ne 0 && ! -s $work/err ]]; then
		not_ok "$name (exit $rc but nothing on stderr)"
	else
		ok "$name"
	fi
}

if [[ ! -x $llmerkle ]]; then
	echo "not ok - $llmerkle is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi
if [[ ! -r $vectors ]]; then
	echo "not ok - cannot read $vectors (run from the repo root or set LL_VECTORS)"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---- the RFC 6962 reference tree ----

# records.txt: the LEAF records, one hex line each ("-" is the empty record).
awk '$1 == "LEAF" { print ($3 == "-" ? "" : $3) }' "$vectors" >"$work/records"
root_of() { awk -v s="$1" '$1 == "ROOT" && $2 == s { print $3 }' "$vectors"; }
: >"$work/empty"

check "vector file has 8 records" test "$(wc -l <"$work/records")" -eq 8

for size in 0 1 2 3 4 5 6 7 8; do
	head -n "$size" "$work/records" >"$work/prefix"
	got=$("$llmerkle" root --alg sha256 <"$work/prefix" 2>"$work/err")
	check "root of $size records" test "$got" = "$(root_of "$size")"
done

"$llmerkle" leaf --alg sha256 <"$work/records" >"$work/leaves" 2>"$work/err"
want_leaves=$(awk '$1 == "NODE" && $2 == 0 { print $4 }' "$vectors")
check "leaf hashes are the level-0 nodes" test "$(cat "$work/leaves")" = "$want_leaves"

# INCLUSION <index> <size> <count> <node>...
while read -r -a f; do
	index=${f[1]} size=${f[2]} count=${f[3]}
	name="inclusion $index of $size"
	head -n "$size" "$work/records" >"$work/prefix"
	: >"$work/want"
	[[ $count -gt 0 ]] && printf '%s\n' "${f[@]:4}" >"$work/want"
	"$llmerkle" inclusion --alg sha256 --index "$index" <"$work/prefix" >"$work/proof" \
		2>"$work/err"
	check "$name: generated path matches" cmp -s "$work/proof" "$work/want"
	leaf=$(sed -n "$((index + 1))p" "$work/leaves")
	record=$(sed -n "$((index + 1))p" "$work/records")
	expect_exit "$name: verifies with --leaf" 0 "$work/want" verify-inclusion --alg sha256 \
		--index "$index" --size "$size" --leaf "$leaf" --root "$(root_of "$size")"
	expect_exit "$name: verifies with --record" 0 "$work/want" verify-inclusion --alg sha256 \
		--index "$index" --size "$size" --record "$record" --root "$(root_of "$size")"
	check "$name: prints ok" grep -qx ok "$work/out"
	expect_exit "$name: refused against the root of size 0" 1 "$work/want" verify-inclusion \
		--alg sha256 --index "$index" --size "$size" --leaf "$leaf" --root "$(root_of 0)"
done < <(awk '$1 == "INCLUSION"' "$vectors")

# CONSISTENCY <old> <size> <count> <node>...
while read -r -a f; do
	old=${f[1]} size=${f[2]} count=${f[3]}
	name="consistency $old -> $size"
	head -n "$size" "$work/records" >"$work/prefix"
	: >"$work/want"
	[[ $count -gt 0 ]] && printf '%s\n' "${f[@]:4}" >"$work/want"
	"$llmerkle" consistency --alg sha256 --old "$old" <"$work/prefix" >"$work/proof" \
		2>"$work/err"
	check "$name: generated proof matches" cmp -s "$work/proof" "$work/want"
	expect_exit "$name: verifies" 0 "$work/want" verify-consistency --alg sha256 \
		--old "$old" --size "$size" --old-root "$(root_of "$old")" \
		--root "$(root_of "$size")"
	expect_exit "$name: refused with the old root of size 0" 1 "$work/want" verify-consistency \
		--alg sha256 --old "$old" --size "$size" --old-root "$(root_of 0)" \
		--root "$(root_of "$size")"
done < <(awk '$1 == "CONSISTENCY"' "$vectors")

# ---- SM3 round trips ----

# 37 records of assorted lengths (0..299 bytes) and contents, reproducible.
letters=({A..Z})
for i in $(seq 0 36); do
	head -c $(((i * 97) % 300)) /dev/zero | tr '\0' "${letters[i % 26]}" |
		od -An -v -tx1 | tr -d ' \n'
	echo
done >"$work/sm3_records"

# tamper FILE: flip one hex digit of the first proof line.
tamper() {
	awk 'NR == 1 { c = substr($0, 1, 1); $0 = (c == "0" ? "1" : "0") substr($0, 2) }
	     { print }' "$1" >"$1.bad"
}

for size in 1 2 3 7 16 37; do
	head -n "$size" "$work/sm3_records" >"$work/prefix"
	root=$("$llmerkle" root --alg sm3 <"$work/prefix")
	"$llmerkle" leaf --alg sm3 <"$work/prefix" >"$work/sm3_leaves"
	check "sm3 root of $size differs from sha256" test "$root" != \
		"$("$llmerkle" root --alg sha256 <"$work/prefix")"
	for index in 0 $((size / 2)) $((size - 1)); do
		name="sm3 inclusion $index of $size"
		"$llmerkle" inclusion --alg sm3 --index "$index" <"$work/prefix" >"$work/proof"
		leaf=$(sed -n "$((index + 1))p" "$work/sm3_leaves")
		expect_exit "$name: verifies" 0 "$work/proof" verify-inclusion --alg sm3 \
			--index "$index" --size "$size" --leaf "$leaf" --root "$root"
		if [[ $size -gt 1 ]]; then
			expect_exit "$name: refused as sha256" 1 "$work/proof" verify-inclusion \
				--alg sha256 --index "$index" --size "$size" --leaf "$leaf" \
				--root "$root"
		fi
		if [[ -s $work/proof ]]; then
			tamper "$work/proof"
			expect_exit "$name: tampered proof refused" 1 "$work/proof.bad" \
				verify-inclusion --alg sm3 --index "$index" --size "$size" \
				--leaf "$leaf" --root "$root"
		fi
	done
	for old in 1 $(((size + 1) / 2)) "$size"; do
		name="sm3 consistency $old -> $size"
		head -n "$old" "$work/prefix" >"$work/old"
		old_root=$("$llmerkle" root --alg sm3 <"$work/old")
		"$llmerkle" consistency --alg sm3 --old "$old" <"$work/prefix" >"$work/proof"
		expect_exit "$name: verifies" 0 "$work/proof" verify-consistency --alg sm3 \
			--old "$old" --size "$size" --old-root "$old_root" --root "$root"
		if [[ -s $work/proof ]]; then
			tamper "$work/proof"
			expect_exit "$name: tampered proof refused" 1 "$work/proof.bad" \
				verify-consistency --alg sm3 --old "$old" --size "$size" \
				--old-root "$old_root" --root "$root"
		fi
	done
done

# A record of 1 MiB of hex on one line: its tree head is its leaf hash,
# H(0x00 || record), checked against OpenSSL when it is there.
head -c 524288 /dev/zero | tr '\0' 'Z' | od -An -v -tx1 | tr -d ' \n' >"$work/long"
echo >>"$work/long"
got=$("$llmerkle" root --alg sm3 <"$work/long" 2>"$work/err")
check "a 1 MiB line is one record" test "${#got}" -eq 64
if command -v openssl >/dev/null && openssl dgst -sm3 </dev/null >/dev/null 2>&1; then
	want=$({ printf '\0'; head -c 524288 /dev/zero | tr '\0' 'Z'; } |
		openssl dgst -sm3 -r | cut -d' ' -f1)
	check "the 1 MiB record's head is OpenSSL's H(0x00 || record)" test "$got" = "$want"
fi

# ---- malformed requests: exit 2 with a reason ----

good_root=$(root_of 8)
leaf0=$(sed -n 1p "$work/leaves")
printf 'zz\n' >"$work/bad_hex"
printf 'abc\n' >"$work/odd_hex"
printf '%s\n' "$good_root" "abcd" >"$work/short_digest"
printf '%s\n' "${good_root}00" >"$work/long_digest"
printf '%s\n' "${good_root:0:62}zz" >"$work/bad_digest"

expect_exit "record with non-hex characters" 2 "$work/bad_hex" root --alg sha256
expect_exit "record with an odd number of hex digits" 2 "$work/odd_hex" leaf --alg sm3
expect_exit "inclusion: malformed record" 2 "$work/bad_hex" inclusion --alg sha256 --index 0
expect_exit "proof line shorter than a digest" 2 "$work/short_digest" verify-inclusion \
	--alg sha256 --index 0 --size 8 --leaf "$leaf0" --root "$good_root"
expect_exit "proof line longer than a digest" 2 "$work/long_digest" verify-consistency \
	--alg sha256 --old 1 --size 8 --old-root "$leaf0" --root "$good_root"
expect_exit "proof line with non-hex characters" 2 "$work/bad_digest" verify-inclusion \
	--alg sha256 --index 0 --size 8 --leaf "$leaf0" --root "$good_root"
expect_exit "--root not 32 bytes" 2 "$work/empty" verify-inclusion --alg sha256 --index 0 \
	--size 1 --leaf "$leaf0" --root abcd
expect_exit "--leaf not 32 bytes" 2 "$work/empty" verify-inclusion --alg sha256 --index 0 \
	--size 1 --leaf "${leaf0}00" --root "$leaf0"
expect_exit "--old-root not hex" 2 "$work/empty" verify-consistency --alg sha256 --old 1 \
	--size 1 --old-root "${leaf0:0:63}g" --root "$leaf0"
expect_exit "--record not hex" 2 "$work/empty" verify-inclusion --alg sha256 --index 0 \
	--size 1 --record xyz1 --root "$leaf0"
expect_exit "inclusion: index past the end" 2 "$work/records" inclusion --alg sha256 --index 8
expect_exit "inclusion: index of no records" 2 "$work/empty" inclusion --alg sha256 --index 0
expect_exit "verify-inclusion: index past the end" 2 "$work/empty" verify-inclusion \
	--alg sha256 --index 8 --size 8 --leaf "$leaf0" --root "$good_root"
expect_exit "verify-inclusion: size 0" 2 "$work/empty" verify-inclusion --alg sha256 \
	--index 0 --size 0 --leaf "$leaf0" --root "$good_root"
expect_exit "consistency: --old 0" 2 "$work/records" consistency --alg sha256 --old 0
expect_exit "consistency: --old past the end" 2 "$work/records" consistency --alg sha256 --old 9
expect_exit "verify-consistency: --old 0" 2 "$work/empty" verify-consistency --alg sha256 \
	--old 0 --size 8 --old-root "$(root_of 0)" --root "$good_root"
expect_exit "verify-consistency: --old past --size" 2 "$work/empty" verify-consistency \
	--alg sha256 --old 9 --size 8 --old-root "$good_root" --root "$good_root"
expect_exit "--index not a number" 2 "$work/records" inclusion --alg sha256 --index 1x
expect_exit "--index negative" 2 "$work/records" inclusion --alg sha256 --index -1
expect_exit "--size past 2^64" 2 "$work/empty" verify-inclusion --alg sha256 --index 0 \
	--size 18446744073709551616 --leaf "$leaf0" --root "$good_root"
expect_exit "unknown option" 2 "$work/records" root --alg sha256 --frobnicate
expect_exit "option of another command" 2 "$work/records" root --alg sha256 --index 1
expect_exit "unknown algorithm" 2 "$work/records" root --alg md5
expect_exit "--alg without a value" 2 "$work/records" root --alg
expect_exit "missing --alg" 2 "$work/records" root
expect_exit "missing --index" 2 "$work/records" inclusion --alg sha256
expect_exit "missing --old" 2 "$work/records" consistency --alg sm3
expect_exit "verify-inclusion: missing --root" 2 "$work/empty" verify-inclusion --alg sha256 \
	--index 0 --size 1 --leaf "$leaf0"
expect_exit "verify-inclusion: neither --leaf nor --record" 2 "$work/empty" verify-inclusion \
	--alg sha256 --index 0 --size 1 --root "$leaf0"
expect_exit "verify-inclusion: both --leaf and --record" 2 "$work/empty" verify-inclusion \
	--alg sha256 --index 0 --size 1 --leaf "$leaf0" --record "" --root "$leaf0"
expect_exit "verify-consistency: missing --old-root" 2 "$work/empty" verify-consistency \
	--alg sha256 --old 1 --size 1 --root "$leaf0"
expect_exit "unknown command" 2 "$work/empty" rooot --alg sha256
expect_exit "no command" 2 "$work/empty"
expect_exit "stray argument" 2 "$work/records" root --alg sha256 extra

# ---- proofs of the wrong length: exit 1, never accepted ----

head -n 37 "$work/sm3_records" >"$work/prefix"
root=$("$llmerkle" root --alg sm3 <"$work/prefix")
leaf=$("$llmerkle" leaf --alg sm3 <"$work/prefix" | sed -n 12p)
"$llmerkle" inclusion --alg sm3 --index 11 <"$work/prefix" >"$work/path"
head -n 20 "$work/prefix" >"$work/old"
old_root=$("$llmerkle" root --alg sm3 <"$work/old")
"$llmerkle" consistency --alg sm3 --old 20 <"$work/prefix" >"$work/cons"
for kind in path cons; do
	sed '$d' "$work/$kind" >"$work/$kind.short"
	{ cat "$work/$kind"; head -n 1 "$work/$kind"; } >"$work/$kind.long"
	for i in $(seq 70); do head -n 1 "$work/$kind"; done >"$work/$kind.huge"
done
expect_exit "inclusion: the proof as made verifies" 0 "$work/path" verify-inclusion \
	--alg sm3 --index 11 --size 37 --leaf "$leaf" --root "$root"
for variant in short long huge; do
	expect_exit "inclusion: $variant proof refused" 1 "$work/path.$variant" verify-inclusion \
		--alg sm3 --index 11 --size 37 --leaf "$leaf" --root "$root"
	expect_exit "consistency: $variant proof refused" 1 "$work/cons.$variant" \
		verify-consistency --alg sm3 --old 20 --size 37 --old-root "$old_root" --root "$root"
done
expect_exit "consistency: the proof as made verifies" 0 "$work/cons" verify-consistency \
	--alg sm3 --old 20 --size 37 --old-root "$old_root" --root "$root"
expect_exit "inclusion: empty proof for size 37 refused" 1 "$work/empty" verify-inclusion \
	--alg sm3 --index 11 --size 37 --leaf "$leaf" --root "$root"
expect_exit "consistency: empty proof for 20 -> 37 refused" 1 "$work/empty" \
	verify-consistency --alg sm3 --old 20 --size 37 --old-root "$old_root" --root "$root"

# ---- help ----

expect_exit "--help" 0 "$work/empty" --help
check "--help prints usage" grep -q '^usage: llmerkle' "$work/out"
expect_exit "help" 0 "$work/empty" help
check "help prints usage" grep -q '^usage: llmerkle' "$work/out"
expect_exit "COMMAND --help" 0 "$work/empty" verify-consistency --help
check "COMMAND --help prints usage" grep -q '^usage: llmerkle' "$work/out"
expect_exit "COMMAND -h" 0 "$work/empty" root -h
expect_exit "unknown short option in a group" 2 "$work/records" root -xy
check "unknown short option is named" grep -q "'-x'" "$work/err"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
