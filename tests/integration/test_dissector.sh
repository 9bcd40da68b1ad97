#!/usr/bin/env bash
# contrib/ledgerline.lua under tshark: txgen's pcaps of each scheme (valid, malformed
# and replayed frames) dissect to exactly the bytes txgen wrote, each malformed kind
# flagged with the reason the appliance's own parser gives (txgen inspect); hand-made
# edge cases, every prefix of a frame, random mutants and captures cut by a snaplen
# are judged alike and never raise a Lua error; the port preference moves the
# dissector; real receipts captured in the lab carry the txids txgen was receipted for.
# usage: tests/integration/test_dissector.sh BINDIR     (root: the lab's namespaces)
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
bpf=$(cd "$bin/.." && pwd)/bpf/ll_xdp_filter.o
[[ -f $bpf ]] || bpf=$PWD/build/bpf/ll_xdp_filter.o
lua=$PWD/contrib/ledgerline.lua
# as scripts/run-tests.sh sets it: libbpf's objects, never freed, are not ours (ASan builds)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
export LL_LAB_PREFIX=lld$(($$ % 100000))
lab=scripts/lab.sh
app=$LL_LAB_PREFIX-app
cli=$LL_LAB_PREFIX-cli
work=$(mktemp -d)
daemon=
capture=
cleanup() {
	[[ -n $capture ]] && kill "$capture" 2>/dev/null && wait "$capture" 2>/dev/null
	[[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	"$lab" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
# check hides what its command prints: reasons for a failure go to fd 3
exec 3>&1

# columns PCAP [-o PREF] FIELD...: tshark with the dissector, one line a packet, fields
# split by '|', repeats by ','. A Lua error or an exception in any packet is noted in
# $work/errors and tshark's stderr kept (a script that fails to load only says so there).
columns() {
	local pcap=$1 args=()
	shift
	while [[ $1 == -o ]]; do args+=(-o "$2"); shift 2; done
	for f in "$@" _ws.lua.error _ws.malformed.expert _ws.malformed.dissector_bug; do
		args+=(-e "$f")
	done
	tshark -r "$pcap" -X "lua_script:$lua" -T fields -E separator='|' -E occurrence=a \
		-E aggregator=, "${args[@]}" 2>>"$work/tshark.err" |
		awk -F'|' -v errors="$work/errors" -v pcap="${pcap##*/}" '
		$(NF - 2) $(NF - 1) $NF != "" { print pcap ": packet " NR ": " $0 >>errors }
		{ s = $1; for (i = 2; i <= NF - 3; i++) s = s "|" $i; print s }'
}
field() { # field NAME LINE: the number after NAME in a "name value ..." line
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"
}
same() { # same WHAT GOT WANT
	[[ $2 == "$3" ]] && return 0
	echo "# $1: got '$2', wanted '$3'" >&3
	return 1
}
unhex() { # hex on stdin to bytes (perl is in every Debian; xxd is not)
	perl -ne 'chomp; print pack("H*", $_)'
}
le() { # le N BYTES: N as BYTES little-endian bytes, in hex
	local n=$1 i s=
	for ((i = 0; i < $2; i++)); do
		s+=$(printf '%02x' $((n & 255)))
		n=$((n >> 8))
	done
	echo "$s"
}
# pcap_of FILE [PORT]: a pcap of UDP datagrams, one a line of stdin, "DIR HEX":
# ">" a client's frame to PORT (7400), "<" a receipt from it
pcap_of() {
	awk -v port="${2:-7400}" '
	function le(n, bytes,   s, i) {
		for (i = 0; i < bytes; i++) { s = s sprintf("%02x", n % 256); n = int(n / 256) }
		return s
	}
	function be16(n) { return sprintf("%02x%02x", int(n / 256), n % 256) }
	BEGIN { printf "d4c3b2a1020004000000000000000000ffff000001000000" }
	{
		data = $2
		n = length(data) / 2
		out = $1 == ">"
		printf "%s%s%s%s", le(NR, 4), le(0, 4), le(42 + n, 4), le(42 + n, 4)
		printf "%s0800", out ? "020000000001020000000002" : "020000000002020000000001"
		printf "4500%s0000400040110000%s", be16(28 + n),
			out ? "0a0000020a000001" : "0a0000010a000002"
		printf "%s%s%s0000%s\n", be16(out ? 40000 : port), be16(out ? port : 40000),
			be16(8 + n), data
	}' | unhex >"$1"
}
# reasons_match PCAP VERDICTS: for each reason the parser gives, as many datagrams
# flagged as the appliance's parser counted (VERDICTS: txgen inspect's line), and
# every other one not flagged
reasons_match() {
	local got r n flagged=0
	got=$(columns "$1" ledgerline.malformed | sort | uniq -c)
	for r in bad_magic bad_version bad_length unknown_scheme bad_flags; do
		n=$(awk -v r="$r" '$2 == r { print $1 }' <<<"$got")
		same "$r" "${n:-0}" "$(field "$r" "$2")" || return 1
		flagged=$((flagged + ${n:-0}))
	done
	n=$(awk 'NF == 1 { print $1 }' <<<"$got")
	same "not flagged" "${n:-0}" $(($(field frames "$2") - flagged))
}

# --- txgen's frames, each scheme: valid, malformed and replayed, mixed ---
nonce_start=999999999000	# above 2^32, so the nonce's high bytes count
for scheme in ed25519 sm2 none; do
	keys=$work/$scheme.keys
	pcap=$work/$scheme.pcap
	receipt=
	[[ $scheme == ed25519 ]] && receipt=--receipt
	"$bin/txgen" keygen --keys "$keys" --clients 3 --scheme "$scheme"
	made=$("$bin/txgen" pcap --keys "$keys" --out "$pcap" --count 210 --records 4 --payload 40 \
		--malformed 0.25 --replays 0.05 --nonce-start $nonce_start $receipt 2>&1)
	verdicts=$("$bin/txgen" inspect --keys "$keys" --pcap "$pcap")
	# the Info column's field: _ws.col.Info up to Wireshark 4.0, _ws.col.info since
	[[ -n ${info:-} ]] || info=_ws.col.Info
	[[ -n $(tshark -r "$pcap" -T fields -e _ws.col.info -c 1 2>/dev/null) ]] && info=_ws.col.info
	check "$scheme: txgen made 210 frames, $(field malformed "$made") malformed, $(field replays "$made") replays" \
		test "$(field frames "$verdicts")" = 210 -a "$(field replays "$made")" -gt 0
	columns "$pcap" ledgerline.malformed ledgerline.magic ledgerline.version ledgerline.count \
		ledgerline.chain_id ledgerline.record.len ledgerline.record.scheme \
		ledgerline.record.flags ledgerline.record.nonce ledgerline.record.client \
		ledgerline.record.payload ledgerline.record.sig udp.payload "$info" \
		>"$work/$scheme.fields"
	check "$scheme: tshark dissects all 210" \
		same dissected "$(awk -F'|' '$2 != ""' "$work/$scheme.fields" | wc -l)" 210
	check "$scheme: the malformed flagged as the appliance's parser counts them" \
		reasons_match "$pcap" "$verdicts"
	for kind in bad_magic bad_version bad_length unknown_scheme; do
		n=$(awk -F'|' -v k="$kind" '$1 == k && $14 == "Malformed: " k' "$work/$scheme.fields" | wc -l)
		check "$scheme: $kind: txgen made $(field "$kind" "$made"), as many flagged" \
			same "$kind" "$n" "$(field "$kind" "$made")"
	done
	check "$scheme: chain_mismatch frames show their other chain id (1 ^ 0x5a)" same chain_91 \
		"$(awk -F'|' '$5 == 91' "$work/$scheme.fields" | wc -l)" "$(field chain_mismatch "$made")"

	# the key ids records carry: the Ed25519 key, or SM3 of the SM2 key
	while read -r _ _ pub _; do
		if [[ $scheme == sm2 ]]; then
			unhex <<<"$pub" | openssl dgst -sm3 -r | cut -d' ' -f1
		else
			echo "$pub"
		fi
	done <"$keys" >"$work/ids"
	# Every frame not flagged: its fields put back together in wire order are exactly
	# its datagram, each of the size and value txgen writes, each client's nonces
	# counting up from --nonce-start (a replay repeats a whole earlier frame).
	check "$scheme: every valid frame's fields are the bytes and values txgen wrote" awk -F'|' \
		-v scheme="$scheme" -v flags="$([[ -n $receipt ]] && echo 0x01 || echo 0x00)" \
		-v start=$nonce_start -v unknown_want="$(field unknown_client "$made")" \
		-v bad_sig_want="$(field bad_signature "$made")" \
		-v ids="$work/ids" '
	function le(n, bytes,   s, i) {
		for (i = 0; i < bytes; i++) { s = s sprintf("%02x", n % 256); n = int(n / 256) }
		return s
	}
	function fail(why) { printf "# frame %d: %s\n", NR, why | "cat >&3"; bad++ }
	BEGIN {
		code = scheme == "ed25519" ? 1 : scheme == "sm2" ? 2 : 0
		sig = code ? 64 : 0
		while ((getline id < ids) > 0) known[id] = 1
	}
	$1 != "" { next }
	seen[$13]++ { replays++; next }
	{
		frames++
		if ($2 != "0x4c4c" || $3 != 1 || $4 != 4 || $14 != "Frame: 4 records, chain " $5)
			fail("header " $2 " " $3 " " $4 " " $14)
		wire = "4c4c01" le($4, 1) le($5, 4)
		n = split($6, len, ","); split($7, sch, ","); split($8, fl, ",")
		split($9, nonce, ","); split($10, client, ","); split($11, payload, ",")
		split($12, sg, ",")
		if (n != 4) fail(n " records")
		for (i = 1; i <= n; i++) {
			# a scheme-0 gateway bad_signature from txgen: an Ed25519
			# record with a zero signature, which it may not send
			claim = code == 0 && sch[i] == 1 && sg[i] ~ /^0+$/ && length(sg[i]) == 128
			claims += claim
			rsig = claim ? 64 : sig
			if (len[i] != 44 + 40 + rsig || (sch[i] != code && !claim) || fl[i] != flags)
				fail("record " i ": len " len[i] " scheme " sch[i] " flags " fl[i])
			if (length(client[i]) != 64 || length(payload[i]) != 80 ||
			    length(sg[i]) != 2 * rsig)
				fail("record " i ": field sizes")
			wire = wire le(len[i], 2) le(sch[i], 1) substr(fl[i], 3) le(nonce[i], 8) \
				client[i] payload[i] sg[i]
			if (!(client[i] in known)) {
				unknown++
				continue
			}
			if (nonce[i] < start || nonce[i] >= start + 210 * 4 ||
			    (client[i] in last && nonce[i] <= last[client[i]]))
				fail("record " i ": nonce " nonce[i] " after " last[client[i]])
			last[client[i]] = nonce[i]
			clients += !counted[client[i]]++
		}
		if (wire != $13) fail("its fields put together are not its datagram")
	}
	END {
		if (clients != 3) fail(clients " of the 3 clients seen")
		if (unknown != unknown_want) fail(unknown " records of unknown clients")
		if (code == 0 && claims != bad_sig_want) fail(claims " unsigned Ed25519 claims")
		exit bad > 0 || frames < 100 || replays < 1
	}' "$work/$scheme.fields"
done

# --- hand-made datagrams: the README's worked examples and every edge of the parser ---
client=$(printf '%02x' $(seq 160 191))	# a0 a1 ... bf
sig=$(printf '55%.0s' $(seq 64))
rec() { # rec SCHEME FLAGS NONCE PAYLOAD [SIG]: a record, its len counted
	local body
	body=$(le "$3" 8)$client$4${5:-}
	echo "$(le $((4 + ${#body} / 2)) 2)$(le "$1" 1)$(le "$2" 1)$body"
}
entry() { # entry TXID HEIGHT INDEX STATUS: a receipt's entry
	echo "$1$(le "$2" 8)$(le "$3" 4)$(le "$4" 1)"
}
hello=$(rec 0 1 1 68656c6c6f)	# the README's: scheme 0, receipt, nonce 1, "hello"
empty=$(rec 0 0 2 '')		# 44 bytes, no payload
ed=$(rec 1 1 3 abcd "$sig")
sm2=$(rec 2 0 18446744073709551615 abcd "$sig")	# the largest nonce
many=$(printf "$empty%.0s" $(seq 64))
txid=2fce1ead008d661576750dae5cfce81fa38fa8e73c60ff3537486d3f1b7344f5	# the README's
other=$(printf 'ee%.0s' $(seq 32))
readme=$(entry $txid 12 0 0)
c=07000000	# chain 7, the README's
# one datagram a line, with the reason the appliance drops it for ("ok": it does not)
cat >"$work/cases" <<EOF
ok > 4c4c0101$c$hello
ok > 4c4c0102$c$ed$sm2
ok > 4c4c0140$c$many
ok > 4c4c0101$c$empty
bad_length > 4c
bad_length > 4c4c
bad_length > 4c4c01
bad_version > 4c4c02
bad_magic > 0000
bad_magic > 4d4c0101$c$hello
bad_version > 4c4c0001$c$hello
bad_length > 4c4c010107
bad_length > 4c4c0100$c$hello
bad_length > 4c4c0141$c$hello
bad_length > 4c4c0101$c
bad_length > 4c4c0101${c}310000
bad_length > 4c4c0101${c}2b00${empty:4:82}
bad_length > 4c4c0101${c}6b00${ed:4:210}
bad_length > 4c4c0101$c${hello:0:96}
bad_length > 4c4c0101$c${hello}00
bad_length > 4c4c0102$c$hello
bad_length > 4c4c0102$c${hello}2c0000
unknown_scheme > 4c4c0101${c}31000301${hello:8}
unknown_scheme > 4c4c0101${c}ffff0980${hello:8}
bad_flags > 4c4c0101${c}31000002${hello:8}
bad_flags > 4c4c0101${c}31000081${hello:8}
bad_length > 4c4c0101${c}32000002${hello:8}
bad_flags > 4c4c0102$c${empty}2c000003${empty:8}
unknown_scheme > 4c4c0102$c${empty}01000300${empty:8}
ok < 4c520101$readme
ok < 4c520102$(entry $txid 5 0 0)$(entry "$other" 5 1 0)
ok < 4c520101$(entry "$other" 6 3 1)
ok < 4c520102$(entry $txid 5 0 0)$(entry "$other" 6 0 0)
bad_length < 4c52
bad_length < 4c5201
bad_version < 4c520201$readme
bad_length < 4c520100
bad_length < 4c520141$readme
bad_length < 4c520101${readme:0:88}
bad_length < 4c520101${readme}00
bad_length < 4c520102$readme
EOF
cut -d' ' -f2- "$work/cases" | pcap_of "$work/cases.pcap"
columns "$work/cases.pcap" ledgerline.malformed "$info" >"$work/cases.fields"
filter=
for f in magic version count chain_id record record.len record.scheme record.flags \
	record.flags.receipt record.nonce record.client record.payload record.sig trailing \
	malformed truncated receipt.magic receipt.version receipt.count receipt.entry \
	receipt.txid receipt.height receipt.index receipt.status; do
	filter+="${filter:+ || }ledgerline.$f"
done
# a filter naming a field that is not registered is an error that names it
check "every field is registered under its name, and the dissector ran" same dissected \
	"$(tshark -r "$work/cases.pcap" -X "lua_script:$lua" -Y "$filter" 2>&1 | grep -c LedgerLine)" \
	"$(wc -l <"$work/cases")"
check "$(wc -l <"$work/cases") hand-made datagrams: each flagged with its reason, or not at all" \
	same reasons "$(cut -d'|' -f1 "$work/cases.fields" | sed 's/^$/ok/' | tr '\n' ' ')" \
	"$(cut -d' ' -f1 "$work/cases" | tr '\n' ' ')"
check "and the Info column says so" awk -F'|' '
	{
		split($1, c, " ")
		if (c[2] == ">") want = c[1] == "ok" ? "Frame: " : "Malformed: " c[1]
		else want = c[1] == "ok" ? "Receipt: " : "Malformed receipt: " c[1]
		if (index($3, want) != 1) { print "# " NR ": " $3 | "cat >&3"; bad++ }
	}
	END { exit bad > 0 || NR < 40 }' <(paste -d'|' "$work/cases" "$work/cases.fields")
grep ' > ' "$work/cases" | cut -d' ' -f2- | pcap_of "$work/frames.pcap"
check "hand-made frames: flagged as the appliance's parser counts them" reasons_match \
	"$work/frames.pcap" "$("$bin/txgen" inspect --keys "$work/ed25519.keys" --pcap "$work/frames.pcap" --chain 7)"
got=$(columns "$work/cases.pcap" ledgerline.magic ledgerline.version ledgerline.count \
	ledgerline.chain_id ledgerline.record.len ledgerline.record.scheme ledgerline.record.flags \
	ledgerline.record.flags.receipt ledgerline.record.nonce ledgerline.record.client \
	ledgerline.record.payload ledgerline.record.sig ledgerline.receipt.magic \
	ledgerline.receipt.version ledgerline.receipt.count ledgerline.receipt.txid \
	ledgerline.receipt.height ledgerline.receipt.index ledgerline.receipt.status "$info")
first_receipt=$(grep -n -m1 '^ok <' "$work/cases" | cut -d: -f1)
line() { sed -n "$1p"; }
check "the README's frame: every field" same readme_frame "$(line 1 <<<"$got")" \
	"0x4c4c|1|1|7|49|0|0x01|1|1|$client|68656c6c6f|||||||||Frame: 1 record, chain 7"
check "Ed25519 and SM2 records: schemes, flags, a uint64 nonce, 64-byte signatures" \
	same two_records "$(line 2 <<<"$got" | cut -d'|' -f1-12,20)" \
	"0x4c4c|1|2|7|110,110|1,2|0x01,0x00|1,0|3,18446744073709551615|$client,$client|abcd,abcd|$sig,$sig|Frame: 2 records, chain 7"
check "64 records" same 64_records "$(line 3 <<<"$got" | cut -d'|' -f3,20)" "64|Frame: 64 records, chain 7"
check "the README's receipt: every field" same readme_receipt "$(line "$first_receipt" <<<"$got")" \
	"||||||||||||0x524c|1|1|$txid|12|0|0|Receipt: 1 entry, height 12"
check "a receipt of 2 entries" same two_entries "$(line $((first_receipt + 1)) <<<"$got" | cut -d'|' -f15-)" \
	"2|$txid,$other|5,5|0,1|0,0|Receipt: 2 entries, height 5"
check "an entry not committed: its status, with expert info" same status_1 \
	"$(columns "$work/cases.pcap" ledgerline.receipt.status _ws.expert.message | line $((first_receipt + 2)))" \
	"1|status 1: not committed"
check "entries of two heights (never sent: a receipt is one block's) say so" same heights \
	"$(line $((first_receipt + 3)) <<<"$got" | cut -d'|' -f17,20)" "5,6|Receipt: 2 entries, heights 5 to 6"
echo "> 4c4c0101$c$hello" | pcap_of "$work/port7401.pcap" 7401
check "a frame to another port: not dissected" \
	same other_port "$(columns "$work/port7401.pcap" ledgerline.count)" ""
check "the udp_port preference moves the dissector there" same moved \
	"$(columns "$work/port7401.pcap" -o ledgerline.udp_port:7401 ledgerline.count)" 1
check "and off 7400" same moved_off \
	"$(columns "$work/cases.pcap" -o ledgerline.udp_port:7401 ledgerline.count | head -1)" ""

# every prefix of a valid frame: bad_length, but the whole (an empty datagram is
# not handed to any dissector by Wireshark's UDP)
frame=$(awk -F'|' '$1 == "" { print $13; exit }' "$work/ed25519.fields")
for ((n = 2; n <= ${#frame}; n += 2)); do
	echo "> ${frame:0:n}"
done | pcap_of "$work/prefixes.pcap"
verdicts=$("$bin/txgen" inspect --keys "$work/ed25519.keys" --pcap "$work/prefixes.pcap")
check "all $((${#frame} / 2)) prefixes of a frame: bad_length but the whole" \
	same prefixes "$(field bad_length "$verdicts")" $((${#frame} / 2 - 1))
check "and flagged as the appliance's parser counts them" reasons_match "$work/prefixes.pcap" \
	"$verdicts"

# random mutants of txgen's valid frames: the header, record headers, lengths cut or
# grown; never the chain id (the parser judges it before the rest) nor into "LR",
# which the dissector reads as a receipt and the appliance drops as bad_magic
awk -F'|' '$1 == "" && $5 == 1 { print $13 }' "$work"/{ed25519,sm2,none}.fields | awk '
	function hex(s,   i, v) {
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function put(s, at, byte) {
		return 2 * at < length(s) ? substr(s, 1, 2 * at) sprintf("%02x", byte) substr(s, 2 * at + 3) : s
	}
	function rnd(n) { return int(rand() * n) }
	BEGIN { srand(7400) }
	{
		nrec = 0
		for (at = 8; at + 4 <= length($0) / 2; at += len) {
			starts[nrec++] = at
			len = hex(substr($0, 2 * at + 3, 2) substr($0, 2 * at + 1, 2))
		}
		for (m = 0; m < 3; m++) {
			s = $0
			for (k = rnd(3); k >= 0; k--) {
				kind = rnd(6)
				if (kind == 0) s = put(s, rnd(4), rnd(256))
				else if (kind == 1) s = put(s, 3, rnd(70))
				else if (kind == 2) s = put(s, starts[rnd(nrec)] + rnd(4), rnd(256))
				else if (kind == 3) s = put(s, starts[rnd(nrec)] + 2 + rnd(2), rnd(4))
				else if (kind == 4) s = substr(s, 1, 2 * rnd(length(s) / 2))
				else s = s sprintf("%02x", rnd(256))
			}
			if (s != "" && substr(s, 1, 4) != "4c52") print "> " s
		}
	}' | pcap_of "$work/mutants.pcap"
verdicts=$("$bin/txgen" inspect --keys "$work/ed25519.keys" --pcap "$work/mutants.pcap")
check "$(field frames "$verdicts") random mutants: flagged as the appliance's parser counts them" \
	reasons_match "$work/mutants.pcap" "$verdicts"
echo "# mutants: $(cut -d' ' -f3- <<<"$verdicts")"
# receipts have no parser to ask outside C: each mutant's verdict is worked out here, by
# ll_wire_receipt_parse's rules (version 1, 1 to 64 entries, exactly 4 + 45 each bytes)
awk '$1 == "ok" && $2 == "<" { print $3 }' "$work/cases" | awk '
	function rnd(n) { return int(rand() * n) }
	function put(s, at, byte) {
		return 2 * at < length(s) ? substr(s, 1, 2 * at) sprintf("%02x", byte) substr(s, 2 * at + 3) : s
	}
	function hex(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 - 16 + \
		index("0123456789abcdef", substr(s, 2, 1)) - 1 }
	BEGIN { srand(7401) }
	{
		for (m = 0; m < 100; m++) {
			s = $0
			kind = rnd(5)
			if (kind == 0) s = put(s, 2, rnd(3))
			else if (kind == 1) s = put(s, 3, rnd(70))
			else if (kind == 2) s = substr(s, 1, 4 + 2 * rnd(length(s) / 2 - 1))
			else if (kind == 3) s = s substr("5a5a5a5a5a5a", 1, 2 + 2 * rnd(3))
			else s = put(s, 4 + rnd(length(s) / 2 - 4), rnd(256))
			n = length(s) / 2
			count = hex(substr(s, 7, 2))
			if (n < 4) why = "bad_length"
			else if (hex(substr(s, 5, 2)) != 1) why = "bad_version"
			else if (count == 0 || count > 64 || n != 4 + 45 * count) why = "bad_length"
			else why = "ok"
			print why, "<", s
		}
	}' >"$work/receipts"
cut -d' ' -f2- "$work/receipts" | pcap_of "$work/receipts.pcap"
# every reason is among them, and the dissector gives each mutant its own
receipt_reasons_match() {
	same kinds "$(cut -d' ' -f1 "$work/receipts" | sort -u | xargs)" "bad_length bad_version ok" &&
		same receipt_reasons \
			"$(columns "$work/receipts.pcap" ledgerline.malformed | sed 's/^$/ok/' | xargs)" \
			"$(cut -d' ' -f1 "$work/receipts" | xargs)"
}
check "$(wc -l <"$work/receipts") mutants of receipts: each flagged by the receipt parser's rules" \
	receipt_reasons_match

# captures cut by a snaplen: what was captured is judged, the rest flagged as truncated
for snap in 43 45 52 100; do	# 1, 3, 10 and 58 bytes of each datagram
	editcap -s $snap "$work/ed25519.pcap" "$work/snap$snap.pcap"
done
mergecap -a -F pcap -w "$work/snapped.pcap" "$work"/snap{43,45,52,100}.pcap
count_of() { awk -F'|' -v r="$1" '$1 == r' "$work/ed25519.fields" | wc -l; }
bm=$(count_of bad_magic)
bv=$(count_of bad_version)
us=$(count_of unknown_scheme)
got=$(columns "$work/snapped.pcap" ledgerline.malformed ledgerline.truncated |
	awk -F'|' '{ print ($1 != "" ? $1 : $2 != "" ? "truncated" : "neither") }' | sort | uniq -c |
	awk '{ printf "%s %s, ", $2, $1 }')
check "snaplens of 1, 3, 10 and 58 bytes: a reason judged when its bytes were captured, else truncated" \
	same snapped "$got" "bad_magic $((3 * bm)), bad_version $((3 * bv)), truncated \
$((210 + 2 * (210 - bm - bv) + (210 - bm - bv - us))), unknown_scheme $us, "

# --- receipts from the appliance, captured in the lab on the client's side ---
# wait_for COMMAND...: up to 20 s for COMMAND to succeed
wait_for() {
	for _ in $(seq 200); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "lab up" "$lab" up
"$bin/txgen" keygen --keys "$work/lab.keys" --clients 2 --scheme ed25519
"$bin/txgen" clients --keys "$work/lab.keys" --out "$work/lab.clients"
# a ledgerlined with the admin socket keeps it and its audit log here, not in /run and /var/log
admin=()
grep -qa audit-log "$bin/ledgerlined" &&
	admin=(--admin-socket "$work/admin.sock" --audit-log "$work/audit.log")
ip netns exec "$app" "$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci \
	--file-prefix "$LL_LAB_PREFIX" --vdev "net_af_xdp0,iface=${app}0,xdp_prog=$bpf" -- \
	--ledger "$work/ledger" --clients "$work/lab.clients" --stats "$work/stats.json" \
	--stats-ms 100 "${admin[@]}" >"$work/daemon.log" 2>&1 &
daemon=$!
check "ledgerlined starts on the veth with the XDP filter" wait_for test -s "$work/stats.json" ||
	sed 's/^/# /' "$work/daemon.log" | tail -20
ip netns exec "$cli" tshark -i "${cli}0" -w "$work/lab.pcapng" -f 'udp port 7400' \
	>"$work/capture.log" 2>&1 &
capture=$!
# capturing once its file has a header: "Capturing on" comes before the interface is open
check "tshark captures on the client's veth" wait_for test -s "$work/lab.pcapng" ||
	sed 's/^/# /' "$work/capture.log"
ip netns exec "$cli" "$bin/txgen" send --keys "$work/lab.keys" --to 10.77.0.1:7400 --count 20 \
	--records 4 --receipt --rate 200 --receipts-out "$work/receipted" >"$work/sent" 2>/dev/null
check "txgen sent 20 frames of 4: all 80 records receipted" \
	grep -q "records_receipted 80 missing 0" "$work/sent"
# the capture hands packets to its file in blocks: stop once they are all there
packets=$((20 + $(field receipts "$(cat "$work/sent")")))
check "the capture holds the 20 frames and their $((packets - 20)) receipts" wait_for bash -c \
	"capinfos -c -M '$work/lab.pcapng' | grep -q 'packets: *$packets\$'"
kill -INT "$capture"
wait "$capture"
capture=
kill -TERM "$daemon"
wait "$daemon"
check "ledgerlined stops (SIGTERM drains)" test $? -eq 0
daemon=
columns "$work/lab.pcapng" udp.dstport ledgerline.malformed ledgerline.count ledgerline.record.len \
	udp.payload ledgerline.receipt.count ledgerline.receipt.txid ledgerline.receipt.height \
	ledgerline.receipt.index ledgerline.receipt.status "$info" >"$work/lab.fields"
check "the capture's 20 frames: 4 records each, none flagged" same frames \
	"$(awk -F'|' '$1 == 7400 { print $2 "/" $3 }' "$work/lab.fields" | sort | uniq -c | xargs)" "20 /4"
check "its receipts: entries counted, none flagged, each entry committed at a height >= 1" awk -F'|' '
	function fail(why) { printf "# packet %d: %s\n", NR, why | "cat >&3"; bad++ }
	$1 == 7400 { next }
	{
		receipts++
		n = split($7, txid, ","); split($8, height, ","); split($9, index_, ",")
		if ($2 != "" || $6 != n || split($10, status, ",") != n) fail("entries: " $0)
		for (i = 1; i <= n; i++)
			if (height[i] < 1 || height[i] != height[1] || status[i] != 0 ||
			    length(txid[i]) != 64 || index_[i] == "")
				fail("entry " i ": " txid[i] " " height[i] " " index_[i] " " status[i])
		if ($11 != "Receipt: " n " entr" (n == 1 ? "y" : "ies") ", height " height[1])
			fail("info " $11)
		entries += n
	}
	END { exit bad > 0 || receipts < 1 || entries != 80 }' "$work/lab.fields"
awk -F'|' '$1 != 7400 { n = split($7, t, ","); for (i = 1; i <= n; i++) print t[i] }' \
	"$work/lab.fields" | sort >"$work/receipt.txids"
check "the receipts' txids are the 80 txgen was receipted for (--receipts-out)" \
	cmp "$work/receipt.txids" <(sort "$work/receipted")
# each captured record's txid: SHA-256 of 00 || the record, cut by the dissector's lens
awk -F'|' '$1 == 7400 {
	n = split($4, len, ","); at = 17
	for (i = 1; i <= n; i++) { print substr($5, at, 2 * len[i]); at += 2 * len[i] }
}' "$work/lab.fields" | while read -r record; do
	unhex <<<"00$record" | sha256sum | cut -c1-64
done | sort >"$work/frame.txids"
check "and the SHA-256 leaves of the records the dissector cut from the frames" \
	cmp "$work/receipt.txids" "$work/frame.txids"
check "lab down" "$lab" down

check "no Lua error or exception in any dissection" test ! -s "$work/errors" ||
	sed 's/^/# /' "$work/errors" | head -20
check "nothing from Lua on tshark's stderr" bash -c "! grep -i lua '$work/tshark.err'" ||
	grep -i lua "$work/tshark.err" | sed 's/^/# /' | head -20
tally
