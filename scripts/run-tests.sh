#!/usr/bin/env bash
# Runs every suite that `make test` built: the cmocka unit suites on the release
# and the ASan+UBSan builds, the integration scripts against both, and each
# libFuzzer target briefly from its seed corpus. Ends with "N passed, N failed".
# usage: scripts/run-tests.sh BUILD_DIR "UNIT_TESTS" "INTEGRATION" "FUZZERS"
set -uo pipefail

build=$1
read -r -a unit_tests <<<"$2"
read -r -a integration <<<"$3"
read -r -a fuzzers <<<"$4"
fuzz_runs=${LL_FUZZ_RUNS:-20000}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
# DPDK's net_af_xdp never frees its UMEM or the XDP program's libbpf object: theirs, not ours
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failures=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record() { # record NAME EXIT_CODE
	if [[ $2 -eq 0 ]]; then
		passed=$((passed + 1))
		echo "PASS: $1"
	else
		failed=$((failed + 1))
		failures+=("$1")
		echo "FAIL: $1 (exit $2)"
	fi
}

for variant in "$build" "$build/asan"; do
	for t in "${unit_tests[@]}"; do
		echo "=== $variant/tests/$t"
		"$variant/tests/$t"
		record "$variant/tests/$t" $?
	done
	for s in "${integration[@]}"; do
		echo "=== $s $variant/bin"
		bash "$s" "$variant/bin"
		record "$s ($variant)" $?
	done
done

for f in "${fuzzers[@]}"; do
	echo "=== fuzz $f ($fuzz_runs runs)"
	mkdir -p "$work/$f"
	"$build/fuzz/$f" -runs="$fuzz_runs" -seed=1 -print_final_stats=0 \
		"$work/$f" "tests/fuzz/corpus/$f" 2>"$work/$f.log"
	rc=$?
	[[ $rc -eq 0 ]] || tail -n 40 "$work/$f.log"
	record "fuzz $f" $rc
done

echo
if [[ $failed -gt 0 ]]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
