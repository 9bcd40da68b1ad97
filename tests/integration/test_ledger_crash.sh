#!/usr/bin/env bash
# Crash recovery of the ledger: llstress runs the solo loop over a real LMDB ledger
# and is killed with SIGKILL at a random moment, again and again on the same ledger
# (each run restarts from the tip the last crash left); after every kill the ledger
# must verify and hold every txid reported durable. Also a clean run, a check that
# --check does catch a lost txid, and the usage errors. usage: test_ledger_crash.sh BINDIR
set -uo pipefail

bindir=${1:?usage: $0 BINDIR}
llstress="$bindir/llstress"
kills=${LL_CRASH_KILLS:-16}	# per algorithm
# Paced, so the ledger (and each --check, which reads every listed txid back)
# stays small enough for the ASan build; blocks still commit back to back.
rate=${LL_CRASH_RATE:-5000}

passed=0
failed=0
pid=
work=$(mktemp -d)
cleanup() {
	if [[ -n $pid ]]; then
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

# check_ledger NAME ALG: llstress --check on ALG's ledger and side file passes.
check_ledger() {
	local name=$1 alg=$2
	if "$llstress" --dir "$work/$alg" --side "$work/$alg.side" --alg "$alg" --check \
		>"$work/out" 2>"$work/err"; then
		ok "$name: $(cat "$work/out")"
	else
		not_ok "$name: check exit $?: $(tail -n 3 "$work/err" | tr '\n' ' ')"
	fi
}

# expect_exit NAME CODE ARGS...: llstress exits CODE and, when non-zero, says why.
expect_exit() {
	local name=$1 want=$2
	shift 2
	"$llstress" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	if [[ $rc -ne $want ]]; then
		not_ok "$name (exit $rc, want $want: $(head -c 300 "$work/err"))"
	elif [[ $want -ne 0 && ! -s $work/err ]]; then
		not_ok "$name (exit $rc but nothing on stderr)"
	else
		ok "$name"
	fi
}

random_txid() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

for alg in sha256 sm3; do
	# What a kill before the first write would leave for --check to read.
	mkdir -p "$work/$alg"
	: >"$work/$alg.side"
	for ((i = 1; i <= kills; i++)); do
		ms=$((50 + RANDOM % 351))
		"$llstress" --dir "$work/$alg" --side "$work/$alg.side" --alg "$alg" \
			--rate "$rate" >/dev/null 2>"$work/stress.err" &
		pid=$!
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
		rc=$?
		pid=
		if [[ $rc -ne 137 ]]; then
			not_ok "$alg kill $i after $ms ms: llstress had already exited $rc: $(tail -n 3 \
				"$work/stress.err" | tr '\n' ' ')"
			continue
		fi
		check_ledger "$alg kill $i after $ms ms" "$alg"
	done
	lines=$(wc -l <"$work/$alg.side")
	if [[ $lines -gt 0 ]]; then
		ok "$alg: $lines txids reported durable across $kills crashes"
	else
		not_ok "$alg: no txid was ever reported durable across $kills crashes"
	fi
done

# A clean run carries on from the last crash's tip. A torn last line (a crash
# mid-write) is cut before appending, or it would swallow the next txid.
printf '%s' "$(random_txid | head -c 21)" >>"$work/sha256.side"
expect_exit "clean run of 1 s after the crashes exits 0, every record durable" 0 \
	--dir "$work/sha256" --side "$work/sha256.side" --seconds 1
check_ledger "clean run" sha256

# --check must notice a loss: a txid listed as durable that no block holds. The
# copies keep the last 200 real txids, so the --checks below stay quick.
tail -n 200 "$work/sha256.side" >"$work/some.side"
cp "$work/some.side" "$work/lost.side"
random_txid >>"$work/lost.side"
echo >>"$work/lost.side"
expect_exit "--check exits 1 for a txid that was never committed" 1 \
	--dir "$work/sha256" --side "$work/lost.side" --check
if grep -q "not in the ledger" "$work/err"; then
	ok "--check names the missing txid"
else
	not_ok "--check names the missing txid: $(head -c 300 "$work/err")"
fi
# ... but not a torn last line, which no run reported durable.
cp "$work/some.side" "$work/torn.side"
random_txid | head -c 40 >>"$work/torn.side"
expect_exit "--check ignores a torn last line" 0 \
	--dir "$work/sha256" --side "$work/torn.side" --check
cp "$work/some.side" "$work/bad.side"
printf 'not a txid\n' >>"$work/bad.side"
expect_exit "--check exits 1 for a malformed complete line" 1 \
	--dir "$work/sha256" --side "$work/bad.side" --check
expect_exit "--check of another algorithm's ledger exits 1" 1 \
	--dir "$work/sha256" --side "$work/some.side" --alg sm3 --check
expect_exit "--check without a ledger exits 1" 1 \
	--dir "$work/nosuch" --side "$work/some.side" --check
expect_exit "--check without a side file exits 1" 1 \
	--dir "$work/sha256" --side "$work/nosuch.side" --check
if [[ ! -e $work/nosuch ]]; then
	ok "--check creates no ledger"
else
	not_ok "--check creates no ledger"
fi

expect_exit "missing --dir exits 2" 2 --side "$work/x.side" --seconds 1
expect_exit "missing --side exits 2" 2 --dir "$work/x" --check
expect_exit "unknown --alg exits 2" 2 --dir "$work/x" --side "$work/x.side" --alg md5
expect_exit "bad --seconds exits 2" 2 --dir "$work/x" --side "$work/x.side" --seconds 0.5x
expect_exit "negative --seconds exits 2" 2 --dir "$work/x" --side "$work/x.side" --seconds -1
expect_exit "--check with --seconds exits 2" 2 --dir "$work/x" --side "$work/x.side" \
	--check --seconds 1
expect_exit "unknown option exits 2" 2 --dir "$work/x" --side "$work/x.side" --frobnicate
expect_exit "stray argument exits 2" 2 --dir "$work/x" --side "$work/x.side" extra

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
