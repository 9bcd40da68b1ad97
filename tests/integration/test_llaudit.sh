#!/usr/bin/env bash
# llaudit against real ledgers that llstress writes with the solo loop (no network):
# verify, tip, block and tx (each proof cross-checked with llmerkle), a ledger with
# one record flipped on disk, a ledger in use, and the usage errors.
# usage: test_llaudit.sh BINDIR
set -uo pipefail

bindir=${1:?usage: $0 BINDIR}
llaudit="$bindir/llaudit"
llstress="$bindir/llstress"
llmerkle="$bindir/llmerkle"
. "$(dirname "$0")/lib.sh"

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

# expect_exit NAME CODE ARGS...: llaudit exits CODE (stdout in $work/out); when
# non-zero it must also say why on stderr.
expect_exit() {
	local name=$1 want=$2
	shift 2
	"$llaudit" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	if [[ $rc -ne $want ]]; then
		not_ok "$name (exit $rc, want $want: $(head -c 300 "$work/err"))"
	elif [[ $want -ne 0 && ! -s $work/err ]]; then
		not_ok "$name (exit $rc but nothing on stderr)"
	else
		ok "$name"
	fi
}

# field KEY [FILE]: the value of the first "KEY value" line of FILE ($work/out).
field() { awk -v k="$1" '$1 == k { print $2; exit }' "${2:-$work/out}"; }

for tool in "$llaudit" "$llstress" "$llmerkle"; do
	if [[ ! -x $tool ]]; then
		echo "not ok - $tool is not an executable"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# ---- a sha256 ledger and an sm3 one ----

for alg in sha256 sm3; do
	check "llstress writes a $alg ledger" "$llstress" --dir "$work/$alg" \
		--side "$work/$alg.side" --alg "$alg" --seconds 1 --rate 2000 --seed 7
done
lines=$(wc -l <"$work/sha256.side")
if [[ $lines -gt 10 ]]; then
	ok "llstress listed $lines durable txids"
else
	not_ok "llstress listed $lines durable txids, want more than 10"
fi

expect_exit "verify a sha256 ledger" 0 verify --ledger "$work/sha256"
check "verify prints ok, blocks, transactions and the tip hash" \
	grep -Eqx "ok: [0-9]+ blocks, $lines transactions, tip [0-9a-f]{64}" "$work/out"
verify_tip=$(awk '{ print $NF }' "$work/out")
expect_exit "verify an sm3 ledger with --alg sm3" 0 verify --ledger "$work/sm3" --alg sm3

# ---- tip ----

expect_exit "tip" 0 tip --ledger "$work/sha256" --chain-id 1 --alg sha256
tip_height=$(field height)
check "tip: its hash is the one verify printed" test "$(field hash)" = "$verify_tip"
check "tip: log_size counts every listed txid" test "$(field log_size)" = "$lines"
check "tip: hash_alg and chain_id" test "$(field hash_alg) $(field chain_id)" = "sha256 1"
for key in version timestamp_ns prev_hash merkle_root tx_count body_bytes log_root proposer \
	term; do
	check "tip: has $key" grep -q "^$key " "$work/out"
done
cp "$work/out" "$work/tip"

# ---- block ----

expect_exit "block at the tip's height" 0 block --ledger "$work/sha256" --height "$tip_height"
check "block at the tip's height is the tip" \
	cmp -s <(grep -v '^txid ' "$work/out") "$work/tip"
expect_exit "block 0 (genesis)" 0 block --ledger "$work/sha256" --height 0
check "genesis has no transactions" test "$(field tx_count) $(grep -c '^txid ' "$work/out")" \
	= "0 0"
expect_exit "block 1" 0 block --ledger "$work/sha256" --height 1
n=$(field tx_count)
check "block 1's txids are the first listed durable, in order" \
	cmp -s <(awk '$1 == "txid" { print $2 }' "$work/out") <(head -n "$n" "$work/sha256.side")
# tip_height + 1: the first height past the tip
expect_exit "block past the tip exits 1" 1 block --ledger "$work/sha256" \
	--height "$((tip_height + 1))"

# ---- tx ----

# a txid from the middle of the ledger, and the last one listed
for line in $((lines / 2)) "$lines"; do
	txid=$(sed -n "${line}p" "$work/sha256.side")
	name="tx of side line $line"
	expect_exit "$name" 0 tx --ledger "$work/sha256" --txid "$txid"
	check "$name: record, proof and log_proof ok" \
		test "$(grep ': ' "$work/out" | tr '\n' ' ')" = "record: ok proof: ok log_proof: ok "
	check "$name: txid, log_index" test "$(field txid) $(field log_index)" = \
		"$txid $((line - 1))"
	record=$(field record)
	check "$name: record_len is the record's" test "$((2 * $(field record_len)))" -eq \
		"${#record}"
	awk '$1 == "proof_node" { print $2 }' "$work/out" >"$work/proof"
	check "$name: llmerkle accepts the block proof" "$llmerkle" verify-inclusion --alg sha256 \
		--index "$(field index)" --size "$(field tx_count)" --record "$(field record)" \
		--root "$(field merkle_root)" <"$work/proof"
	awk '$1 == "log_proof_node" { print $2 }' "$work/out" >"$work/proof"
	check "$name: llmerkle accepts the log proof" "$llmerkle" verify-inclusion --alg sha256 \
		--index "$(field log_index)" --size "$(field log_size)" --leaf "$txid" \
		--root "$(field log_root)" <"$work/proof"
	check "$name: the log proof is against the tip" test "$(field log_root)" = \
		"$(awk '$1 == "log_root" { print $2 }' "$work/tip")"
	cp "$work/out" "$work/tx.$line"
done
sm3_txid=$(sed -n 1p "$work/sm3.side")
expect_exit "tx in the sm3 ledger" 0 tx --ledger "$work/sm3" --alg sm3 --txid "$sm3_txid"
check "tx in the sm3 ledger: proof ok" grep -qx "proof: ok" "$work/out"
unknown=$(printf '%064d' 0)
expect_exit "tx of an unknown txid exits 1" 1 tx --ledger "$work/sha256" --txid "$unknown"
check "the unknown txid is named" grep -q "$unknown is not in the ledger" "$work/err"

# ---- a flipped byte on disk ----

# LMDB keeps no checksums, so one byte of a record changed in data.mdb must be
# caught by the auditor's own hashing. Every copy of the record is flipped: the
# file may also hold stale copies in free pages, and only one is live.
cp -r "$work/sha256" "$work/flipped"
flipped_tx=$work/tx.$((lines / 2))
flip_txid=$(field txid "$flipped_tx")
flip_height=$(field height "$flipped_tx")
flipped=$(perl -e '
	my ($file, $hex) = @ARGV;
	my $pat = pack("H*", $hex);
	open(my $fh, "+<:raw", $file) or die "$file: $!";
	my $data = do { local $/; <$fh> };
	my @at;
	push @at, $-[0] while $data =~ /\Q$pat\E/g;
	for my $pos (@at) {
		seek($fh, $pos + 8, 0) or die;
		print $fh chr(ord(substr($data, $pos + 8, 1)) ^ 0xff);
	}
	close($fh) or die;
	print scalar(@at), "\n";
' "$work/flipped/data.mdb" "$(field record "$flipped_tx")")
if [[ ${flipped:-0} -ge 1 ]]; then
	ok "flipped a byte in $flipped copies of a record in data.mdb"
else
	not_ok "found no copy of the record in data.mdb to flip"
fi
expect_exit "verify of the flipped ledger exits 1" 1 verify --ledger "$work/flipped"
check "verify names the flipped block" grep -qx "bad block at height $flip_height" "$work/out"
expect_exit "tx of the flipped record exits 1" 1 tx --ledger "$work/flipped" --txid "$flip_txid"
check "tx of the flipped record: record BAD" grep -qx "record: BAD" "$work/out"
expect_exit "block of the flipped record exits 1" 1 block --ledger "$work/flipped" \
	--height "$flip_height"
expect_exit "the original ledger still verifies" 0 verify --ledger "$work/sha256"

# ---- a ledger in use ----

# a listed txid means llstress has the ledger open: it holds the lock till it stops
"$llstress" --dir "$work/busy" --side "$work/busy.side" --seconds 30 --rate 100 \
	>/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 200; i++)); do
	[[ -s $work/busy.side ]] && break
	sleep 0.05
done
expect_exit "verify of a ledger in use exits 2" 2 verify --ledger "$work/busy"
check "the ledger in use is named as such" grep -q "open in another process" "$work/err"
kill -TERM "$pid" 2>/dev/null
{ wait "$pid"; } 2>/dev/null
pid=

# ---- malformed requests and wrong ledgers: exit 2 ----

expect_exit "no ledger at the path" 2 verify --ledger "$work/nosuch"
check "a missing ledger is not created" test ! -e "$work/nosuch"
expect_exit "another algorithm" 2 verify --ledger "$work/sha256" --alg sm3
expect_exit "another chain id" 2 verify --ledger "$work/sha256" --chain-id 2
expect_exit "unknown algorithm" 2 verify --ledger "$work/sha256" --alg md5
expect_exit "--chain-id past 32 bits" 2 verify --ledger "$work/sha256" --chain-id 4294967296
expect_exit "missing --ledger" 2 verify
expect_exit "tx: missing --txid" 2 tx --ledger "$work/sha256"
expect_exit "tx: short --txid" 2 tx --ledger "$work/sha256" --txid abcd
expect_exit "tx: --txid not hex" 2 tx --ledger "$work/sha256" --txid "${unknown:0:63}g"
expect_exit "block: missing --height" 2 block --ledger "$work/sha256"
expect_exit "block: --height negative" 2 block --ledger "$work/sha256" --height -1
expect_exit "option of another command" 2 verify --ledger "$work/sha256" --height 1
expect_exit "option given twice" 2 tip --ledger "$work/sha256" --ledger "$work/sha256"
expect_exit "unknown option" 2 tip --ledger "$work/sha256" --frobnicate
expect_exit "stray argument" 2 tip --ledger "$work/sha256" extra
expect_exit "unknown command" 2 audit --ledger "$work/sha256"
expect_exit "no command" 2

# ---- help ----

expect_exit "--help" 0 --help
check "--help prints usage" grep -q '^usage: llaudit' "$work/out"
expect_exit "help" 0 help
expect_exit "COMMAND --help" 0 tx --help
check "COMMAND --help prints usage" grep -q '^usage: llaudit' "$work/out"

tally
