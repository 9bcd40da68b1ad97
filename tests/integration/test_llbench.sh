#!/usr/bin/env bash
# llbench smoke run: every suite runs in --quick mode and prints one well-formed
# JSON figure a line, as ../shared/DESIGN.md "Benchmarks" specifies. Not a timing test.
# usage: tests/integration/test_llbench.sh BINDIR
set -uo pipefail
bin=${1:-build/bin}
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
. "$(dirname "$0")/lib.sh"

check "llbench all --quick --json exits 0" bash -c "'$bin/llbench' all --quick --json > '$out' 2> '$err'" ||
	grep -v '^info ' "$err" | tail -n 20 | sed 's/^/# /'
check "every line is a figure with the design's fields" \
	jq -e -s 'length > 0 and all(.[]; (.suite|type=="string") and (.case|type=="string")
		and (.value|type=="number") and .value > 0 and (.unit|type=="string")
		and ((has("baseline") | not) or ((.baseline_value|type=="number") and (.ratio|type=="number"))))' "$out"
check "hash suite has sm3 batch 256B vs openssl-evp" \
	jq -e -s 'any(.[]; .case=="sm3/batch/256B" and .baseline=="openssl-evp")' "$out"
check "hash suite has sha256 batch 256B vs ipsec-mb" \
	jq -e -s 'any(.[]; .case=="sha256/batch/256B" and .baseline=="ipsec-mb")' "$out"
check "merkle suite has the 65536-leaf internal-node ratio" \
	jq -e -s 'any(.[]; .case=="sm3/internal-nodes/65536" and .baseline=="leaf-hashing-256B")' "$out"
check "commit suite has sha256/full/1000 vs raw-lmdb" \
	jq -e -s 'any(.[]; .suite=="commit" and .case=="sha256/full/1000" and .baseline=="raw-lmdb"
		and .unit=="records/s")' "$out"
check "accel suite has the cpu pipeline vs host/crypto, hlsemu and xrt vs the FPGA model" \
	jq -e -s 'any(.[]; .suite=="accel" and .case=="cpu/sha256/65536" and .baseline=="host-crypto-direct")
		and any(.[]; .suite=="accel" and .case=="hlsemu/sm3/1024" and .baseline=="fpga-model-300MHz")
		and any(.[]; .suite=="accel" and .case=="xrt-fakexrt/sha256/65536")' "$out"
check "sig suite has ed25519 libsodium vs openssl, and sm2" \
	jq -e -s 'any(.[]; .suite=="sig" and .case=="ed25519/libsodium" and .baseline=="openssl")
		and any(.[]; .suite=="sig" and .case=="sm2-sm3/openssl")' "$out"
check "ingest suite has one RX lcore vs testpmd rxonly" \
	jq -e -s 'any(.[]; .suite=="ingest" and .baseline=="testpmd-rxonly" and .unit=="frames/s")' "$out"
check "e2e suite has none, ed25519 (vs one core's verify rate) and sm2" \
	jq -e -s 'any(.[]; .suite=="e2e" and .case=="none/128B")
		and any(.[]; .suite=="e2e" and .case=="ed25519/128B" and .baseline=="verify-1-core")
		and any(.[]; .suite=="e2e" and .case=="sm2/128B")' "$out"
check "e2e suite has the receipt latency percentiles (root: a lab of its own)" \
	jq -e -s 'any(.[]; .suite=="e2e" and .case=="receipt-latency/p99" and .unit=="us")' "$out"
check "unknown suite exits 2" bash -c "'$bin/llbench' nosuch; [ \$? -eq 2 ]"
check "bad --seconds exits 2" bash -c "'$bin/llbench' hash --seconds -1; [ \$? -eq 2 ]"
check "--seconds with trailing junk exits 2" bash -c "'$bin/llbench' hash --seconds 0.5x; [ \$? -eq 2 ]"

tally
