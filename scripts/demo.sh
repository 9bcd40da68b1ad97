#!/usr/bin/env bash
# `make demo` today: the hashing core end to end, as an auditor would use it. A
# batch of records gets its tree head, an inclusion proof and a consistency proof
# in both algorithms, each checked by llmerkle, then a tampered proof is refused.
# The appliance itself (DPDK ingest to LMDB) joins this demo with the data path.
set -euo pipefail
bin=${1:-build/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1,000 records of 128 random bytes, hex, one a line
head -c 128000 /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w 256 > "$work/records"
echo >> "$work/records"
head -n 600 "$work/records" > "$work/old"

for alg in sha256 sm3; do
	root=$("$bin/llmerkle" root --alg "$alg" < "$work/records")
	old_root=$("$bin/llmerkle" root --alg "$alg" < "$work/old")
	record=$(sed -n 424p "$work/records")
	"$bin/llmerkle" inclusion --alg "$alg" --index 423 < "$work/records" > "$work/path"
	"$bin/llmerkle" consistency --alg "$alg" --old 600 < "$work/records" > "$work/cons"
	echo "$alg: 1000 records, tree head $root"
	printf '  inclusion of record 423 (%s nodes): ' "$(wc -l < "$work/path")"
	"$bin/llmerkle" verify-inclusion --alg "$alg" --index 423 --size 1000 \
		--record "$record" --root "$root" < "$work/path"
	printf '  consistency 600 -> 1000 (%s nodes): ' "$(wc -l < "$work/cons")"
	"$bin/llmerkle" verify-consistency --alg "$alg" --old 600 --size 1000 \
		--old-root "$old_root" --root "$root" < "$work/cons"
	# flip the first digit of the first node: the auditor must refuse it
	sed '1{s/^0/X/;s/^[1-9a-f]/0/;s/^X/1/}' "$work/path" > "$work/bad"
	printf '  tampered inclusion proof: '
	if "$bin/llmerkle" verify-inclusion --alg "$alg" --index 423 --size 1000 \
		--record "$record" --root "$root" < "$work/bad" 2>&1; then
		echo "accepted: this is a bug" >&2
		exit 1
	fi
done

echo
echo "hash rates on this machine (llbench hash --quick, 256-byte records):"
"$bin/llbench" hash --quick | grep -E '/batch/256B|goal'
