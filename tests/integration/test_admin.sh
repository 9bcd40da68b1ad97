#!/usr/bin/env bash
# The admin socket end to end: the real ledgerlined in the lab (net_af_xdp with
# the XDP filter), traffic from txgen, and every admin command driven through
# ledgerctl with its real effect checked: status and stats move, a runtime
# tunable takes effect and a fixed one is refused, pause holds traffic back and
# resume lets it in, block/tx/proof agree with txgen's receipts (and with llaudit
# once the daemon is down), verify, a snapshot llaudit verifies, clients added
# and removed at runtime, accel, peers, the audit log, /metrics (promtool) and
# /healthz; bad input and 1,000 connections at once while traffic commits;
# shutdown drains. Then ledgerctl's own exit codes and its man page.
# usage: tests/integration/test_admin.sh BINDIR     (root; from the repo root)
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
bpf=$(cd "$bin/.." && pwd)/bpf/ll_xdp_filter.o
[[ -f $bpf ]] || bpf=$PWD/build/bpf/ll_xdp_filter.o
export LL_LAB_PREFIX=lad$(($$ % 10000))
lab=scripts/lab.sh
app=$LL_LAB_PREFIX-app
cli=$LL_LAB_PREFIX-cli
work=$(mktemp -d)
sock=$work/admin.sock
metrics=127.0.0.1:19470	# inside the appliance's namespace
tcp=127.0.0.1:19471	# the TCP admin listener, there too
max_conn=16
daemon=
traffic=
holders=()
cleanup() {
	((${#holders[@]})) && kill "${holders[@]}" 2>/dev/null
	[[ -n $daemon ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	# whatever else is still running in the background: txgen, socat
	local left
	left=$(jobs -p)
	[[ -n $left ]] && kill $left 2>/dev/null
	wait 2>/dev/null
	"$lab" down >/dev/null 2>&1
	# DPDK's runtime directory for this run's --file-prefix
	rm -rf "$work" "/var/run/dpdk/$LL_LAB_PREFIX"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
# as scripts/run-tests.sh runs it: net_af_xdp's libbpf objects are not ours to free
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

# --- helpers ---

ctl() { "$bin/ledgerctl" -s "$sock" "$@"; }
# code N CMD...: CMD exits with status N; its output is in $work/out and $work/err
code() {
	local want=$1
	shift
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	[[ $got -eq $want ]] && return 0
	echo "# exit $got, wanted $want: $*" >&2
	return 1
}
# show: what the last command said, as comments (after a failed check)
show() { sed 's/^/#   out: /' "$work/out" | head -20; sed 's/^/#   err: /' "$work/err" | head -10; }
metric() {
	ip netns exec "$app" curl -sf "http://$metrics/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}
committed() { stats .solo.records_committed; }
# rising: records_committed moves on within 5 s
rising() {
	local before
	before=$(committed)
	for _ in $(seq 50); do
		[[ $(committed) -gt $before ]] && return 0
		sleep 0.1
	done
	echo "# records_committed stuck at $before"
	return 1
}

check "lab up" "$lab" up
check "keys: 2 Ed25519 clients registered at start, 1 to add at runtime" bash -c "
	'$bin/txgen' keygen --keys '$work/ed' --clients 2 --scheme ed25519 &&
	'$bin/txgen' keygen --keys '$work/late' --clients 1 --scheme ed25519 &&
	'$bin/txgen' clients --keys '$work/ed' --out '$work/clients'"
printf 'lab-token-%s-0123456789\n' "$$" >"$work/token"
chmod 600 "$work/token"

ip netns exec "$app" "$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci \
	--file-prefix "$LL_LAB_PREFIX" \
	--vdev "net_af_xdp0,iface=$LL_LAB_PREFIX-app0,xdp_prog=$bpf" -- \
	--ledger "$work/ledger" --clients "$work/clients" --stats "$work/stats.json" --stats-ms 100 \
	--admin-socket "$sock" --audit-log "$work/audit.log" --metrics-listen "$metrics" \
	--admin-tcp "$tcp" --token-file "$work/token" \
	--set admin.max_request_bytes=4096 --set "admin.max_connections=$max_conn" \
	--max-clients 3 \
	>>"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 200); do
	[[ -s $work/stats.json && -S $sock ]] && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
check "ledgerlined starts with its admin socket, audit log, stats and /metrics" test -S "$sock" || {
	sed 's/^/# /' "$work/daemon.log" | tail -20
	tally
	exit 1
}

# --- ledgerctl covers every command the appliance serves ---
check "help lists the commands ledgerctl has a subcommand for" bash -c "
	'$bin/ledgerctl' -s '$sock' raw '{\"cmd\":\"help\"}' | jq -r '.commands[].name' | sort |
	tr '\n' ' ' | grep -qx 'accel.info block.get chain.verify clients.add clients.list \
clients.remove config.get config.set pause peers resume shutdown snapshot stats status tx.get \
tx.proof '" || ctl raw '{"cmd":"help"}' | jq -r '.commands[].name' | sed 's/^/# served: /'

# --- status and stats, before and after traffic ---
check "status: running at height 0" bash -c \
	"'$bin/ledgerctl' -s '$sock' status | grep -Eq '^state: +running$' &&
	 test \"\$('$bin/ledgerctl' -s '$sock' --json status | jq -r '.state, .height' | tr '\n' ' ')\" = 'running 0 '"
stats0=$(ctl --json stats)
send ed --count 500 --records 4 --receipt --rate 2000 --receipts-out "$work/r1" >"$work/send"
check "traffic: 2,000 records receipted" grep -q "records_receipted 2000 missing 0" "$work/send"
check "2,000 committed" settle .solo.records_committed 2000
height=$(ctl --json status | jq .height)
check "status: the height moved ($height) and 2,000 records committed" \
	test "$height" -gt 0 -a "$(ctl --json status | jq .records_committed)" -eq 2000
check "stats: the counters moved (records admitted, committed, receipts, RX packets)" bash -c "
	s1=\$('$bin/ledgerctl' -s '$sock' --json stats)
	for k in rx.records_admitted solo.records_committed solo.blocks_committed receipts.sent rx.packets; do
		a=\$(jq \".stats.\$k\" <<<'$stats0'); b=\$(jq \".stats.\$k\" <<<\"\$s1\")
		[[ \$b -gt \$a ]] || { echo \"# \$k: \$a -> \$b\"; exit 1; }
	done"
check "stats for people: aligned lines, the RX lcore table" bash -c \
	"'$bin/ledgerctl' -s '$sock' stats | grep -Eq '^committed: +2,000 records in [0-9,]+ blocks' &&
	 '$bin/ledgerctl' -s '$sock' stats | grep -q '^LCORE  QUEUE'"

# --- block, tx, proof: against the receipts txgen got ---
check "block: the tip's header, at the status height" \
	test "$(ctl --json block | jq .block.height)" -ge "$height"
check "block 1 by height" test "$(ctl --json block 1 | jq .block.height)" -eq 1
check "block at a height not there: exit 1" code 1 ctl block 999999 || show
tip=$(ctl --json block | jq .block.height)
for ((h = 1; h <= tip; h++)); do
	ctl --json block "$h" --txids | jq -r '.txids[]'
done >"$work/ledger_txids"
check "block --txids over blocks 1..$tip: exactly the 2,000 receipted txids" \
	diff <(sort "$work/ledger_txids") <(sort "$work/r1")
big=$(for ((h = 1; h <= tip; h++)); do echo "$(ctl --json block "$h" | jq .block.tx_count) $h"; done |
	sort -n | tail -1 | cut -d' ' -f2)
ctl --json block "$big" --txids | jq -r '.txids[]' >"$work/big_all"
check "block $big --from 1 --count 2: a page of its txids" \
	diff <(ctl --json block "$big" --txids --from 1 --count 2 | jq -r '.txids[]') \
	<(sed -n 2,3p "$work/big_all")
check "block --txids for people: header lines, then the txids" \
	diff <(ctl block "$big" --txids | grep -E '^[0-9a-f]{64}$') "$work/big_all"
txid=$(sed -n 123p "$work/r1")
tx=$(ctl --json tx "$txid")
txh=$(jq .height <<<"$tx")
txi=$(jq .index <<<"$tx")
check "tx: a receipted txid's height ($txh) and index ($txi) hold it" test \
	"$(ctl --json block "$txh" --txids | jq -r ".txids[$txi]")" = "$txid"
check "tx for people" bash -c "'$bin/ledgerctl' -s '$sock' tx $txid | grep -Eq '^height: +$txh$'"
check "tx of a txid not in the ledger: exit 1" code 1 ctl tx "$(printf '0%.0s' {1..64})"
check "tx of a malformed txid: exit 2, nothing sent" code 2 ctl tx xyz
ctl --json proof "$txid" >"$work/proof"
check "proof: verified, in its block" bash -c \
	"jq -e '.verified == true and .block.height == $txh and .block.index == $txi' '$work/proof'"
check "proof --height below its block: exit 1" code 1 ctl proof "$txid" --height $((txh - 1))

# --- config ---
check "config get: every key, the runtime ones listed" bash -c \
	"'$bin/ledgerctl' -s '$sock' --json config get |
	 jq -e '.config[\"block.max_wait_us\"] == \"2000\" and (.runtime | index(\"block.max_wait_us\"))' &&
	 '$bin/ledgerctl' -s '$sock' config get | grep -Eq '^admin.max_request_bytes +4096$'"
check "config get KEY" bash -c "'$bin/ledgerctl' -s '$sock' --json config get block.max_wait_us |
	jq -e '.value == \"2000\" and .runtime == true'"
check "config get of an unknown key: exit 1" code 1 ctl config get no.such_key
check "config set block.max_wait_us 1000000 (a second)" code 0 ctl config set block.max_wait_us 1000000
check "config get shows it" test "$(ctl --json config get block.max_wait_us | jq -r .value)" = 1000000
# it takes effect: records wait for the block to be cut a second after the first
c=$(committed)
send ed --count 20 --rate 100 >/dev/null
sleep 0.3
check "it takes effect: 20 records wait for the block (a second)" test "$(committed)" -eq "$c"
check "and are committed when it is cut" settle .solo.records_committed $((c + 20))
check "config set block.max_wait_us 2000 (back)" code 0 ctl config set block.max_wait_us 2000
check "config set log.level debug, then info" bash -c \
	"'$bin/ledgerctl' -s '$sock' config set log.level debug | grep -q 'log.level: debug (was info)' &&
	 '$bin/ledgerctl' -s '$sock' config set log.level info >/dev/null &&
	 test \"\$('$bin/ledgerctl' -s '$sock' --json config get log.level | jq -r .value)\" = info"
check "config set of a key that is not a runtime tunable: exit 1, naming it" \
	code 1 ctl config set block.max_records 5 || show
check "  (it says which)" grep -q "block.max_records is not a runtime tunable" "$work/err"
check "config set of a bad value: exit 1" code 1 ctl config set block.max_wait_us soon

# --- pause and resume ---
check "pause" bash -c "'$bin/ledgerctl' -s '$sock' pause | grep -qx 'state: paused'"
check "status says paused" test "$(ctl --json status | jq -r .state)" = paused
check "/metrics says paused" test "$(metric ledgerline_paused)" = 1
sleep 0.3
c=$(committed)
pk=$(stats .rx.packets)
redirected=$(stats .xdp.redirect)
send ed --count 4000 --rate 40000 >/dev/null
sleep 1
check "paused: nothing sent is committed" test "$(committed)" -eq "$c"
check "paused: the RX lcore took no packets" test "$(stats .rx.packets)" -eq "$pk"
check "paused: the XDP filter counted them in (redirect), the RX lcore did not" \
	at_least .xdp.redirect $((redirected + 4000)) ||
	echo "# xdp $(jq -c .xdp "$work/stats.json") port $(jq -c .port "$work/stats.json")"
check "resume" bash -c "'$bin/ledgerctl' -s '$sock' resume | grep -qx 'state: running'"
# the port's ring holds rx_desc frames; the rest of the 4,000 were dropped as it filled
# (net_af_xdp counts those drops in neither imissed nor ipackets: redirect - ipackets)
check "resumed: what did not fit in the port's ring while paused was dropped" bash -c "
	for _ in \$(seq 30); do
		gap=\$(jq '.xdp.redirect - .port.ipackets' '$work/stats.json')
		[[ \$gap -gt 1000 && \$gap -lt 4000 ]] && exit 0; sleep 0.1
	done; echo \"# gap \$gap\"; exit 1"
send ed --count 250 --records 4 --receipt --rate 2000 --receipts-out "$work/r2" >"$work/send"
check "resumed: new traffic is committed and receipted" \
	grep -q "records_receipted 1000 missing 0" "$work/send"

# --- clients ---
check "clients list: the 2 from the clients file" test "$(ctl --json clients list | jq '.clients | length')" -eq 2
check "clients list --count 1: one, and more" bash -c \
	"'$bin/ledgerctl' -s '$sock' --json clients list --count 1 | jq -e '(.clients | length) == 1 and .more'"
first=$(ctl --json clients list | jq -r '.clients[0].id')
check "clients list --after the first: the second" bash -c \
	"'$bin/ledgerctl' -s '$sock' --json clients list --after $first | jq -e '(.clients | length) == 1'"
u0=$(stats .dropped.unknown_client)
send late --count 30 --rate 1000 >/dev/null
check "an unregistered client's frames: unknown_client" settle .dropped.unknown_client $((u0 + 30))
pub=$(awk '{ print $3 }' "$work/late")
check "clients add --scheme ed25519 --key (at runtime)" code 0 ctl clients add --scheme ed25519 --key "$pub" || show
late_id=$(sed -n 's/^id: //p' "$work/out")
check "clients list has it" bash -c \
	"'$bin/ledgerctl' -s '$sock' clients list | grep -q '^$late_id  ed25519  no'"
send late --count 100 --records 2 --receipt --rate 1000 --receipts-out "$work/r3" \
	--nonce-start 1000 >"$work/send"
check "the client added at runtime sends and is committed" \
	grep -q "records_receipted 200 missing 0" "$work/send"
check "clients remove" bash -c "'$bin/ledgerctl' -s '$sock' clients remove $late_id | grep -qx 'removed: $late_id'"
u0=$(stats .dropped.unknown_client)
send late --count 50 --rate 1000 >/dev/null
check "after remove its frames are dropped as unknown_client" settle .dropped.unknown_client $((u0 + 50))
check "clients remove of one not there: exit 1" code 1 ctl clients remove "$late_id"
# registered again, it keeps its replay window; ids count once against max_clients (3)
check "registered again" code 0 ctl clients add --scheme ed25519 --key "$pub"
r0=$(stats .dropped.replay)
send late --count 100 --records 2 --rate 1000 --nonce-start 1000 >/dev/null
check "what it sent before its removal is a replay" settle .dropped.replay $((r0 + 100))
check "removed and registered again, still one id of max_clients 3" bash -c \
	"'$bin/ledgerctl' -s '$sock' clients remove $late_id >/dev/null &&
	 '$bin/ledgerctl' -s '$sock' clients add --scheme ed25519 --key $pub --rate 5000 >/dev/null"
"$bin/txgen" keygen --keys "$work/fourth" --clients 1 >/dev/null
check "a fourth id: refused, max_clients 3 (exit 1)" code 1 ctl clients add --scheme ed25519 \
	--key "$(awk '{ print $3 }' "$work/fourth")"
check "and it says so" grep -q 'no room: dataplane.max_clients (3)' "$work/err"
check "clients add with a bad scheme, a short key, scheme none untrusted: exit 2 each" bash -c "
	'$bin/ledgerctl' -s '$sock' clients add --scheme rsa --key $pub; [[ \$? -eq 2 ]] &&
	'$bin/ledgerctl' -s '$sock' clients add --scheme ed25519 --key abcd; [[ \$? -eq 2 ]] &&
	'$bin/ledgerctl' -s '$sock' clients add --scheme none --key $pub; [[ \$? -eq 2 ]]"

# --- accel, peers, verify, snapshot ---
check "accel: the cpu backend, and why" bash -c "'$bin/ledgerctl' -s '$sock' --json accel |
	jq -e '.accel.backend == \"cpu\" and (.accel.reason | length) > 0' &&
	'$bin/ledgerctl' -s '$sock' accel | grep -Eq '^backend: +cpu$'"
check "peers: solo, none" bash -c "'$bin/ledgerctl' -s '$sock' --json peers |
	jq -e '.mode == \"solo\" and .peers == []'"
h=$(ctl --json status | jq .height)
check "verify: every block to the tip" bash -c "'$bin/ledgerctl' -s '$sock' --json verify |
	jq -e '.verified_to >= $h and .transactions >= $(committed)'"
check "snapshot DIR" code 0 ctl snapshot "$work/snap" || show
check "llaudit verifies the snapshot while the daemon runs" "$bin/llaudit" verify --ledger "$work/snap"
check "snapshot into a directory that exists: exit 1" code 1 ctl snapshot "$work/snap"
check "snapshot of a relative DIR lands where ledgerctl runs" bash -c \
	"cd '$work' && '$bin/ledgerctl' -s '$sock' snapshot snap2 >/dev/null && test -f snap2/data.mdb"

# --- TCP with the token ---
check "over TCP with the token" bash -c "ip netns exec '$app' '$bin/ledgerctl' --tcp $tcp \
	--token-file '$work/token' --json status | jq -e '.state == \"running\"'"
check "over TCP, a changing command: config set stats.interval_ms 100" code 0 ip netns exec "$app" \
	"$bin/ledgerctl" --tcp "$tcp" --token-file "$work/token" config set stats.interval_ms 100 || show
check "over TCP with a wrong token: exit 3" code 3 ip netns exec "$app" env \
	LEDGERLINE_TOKEN=not-the-token-at-all "$bin/ledgerctl" --tcp "$tcp" status || show

# --- /metrics and /healthz ---
ip netns exec "$app" curl -sf "http://$metrics/metrics" >"$work/m1"
check "/metrics passes promtool check metrics" promtool check metrics <"$work/m1"
m1=$(awk '$1 == "ledgerline_records_committed_total" { print $2 }' "$work/m1")
send ed --count 100 --records 2 --rate 2000 >/dev/null
check "ledgerline_records_committed_total moves with traffic" bash -c "
	for _ in \$(seq 50); do
		m=\$(ip netns exec '$app' curl -sf 'http://$metrics/metrics' |
		     awk '\$1 == \"ledgerline_records_committed_total\" { print \$2 }')
		[[ \$m -ge $((m1 + 200)) ]] && exit 0; sleep 0.1
	done; exit 1"
check "/healthz: 200 ok" test "$(ip netns exec "$app" curl -s -w ' %{http_code}' "http://$metrics/healthz" | tr -d '\n')" = "ok 200"

# --- bad input while traffic is being committed ---
admin() { stats ".admin.$1"; }
# in the background: $! is txgen itself (ip netns exec execs it), so kill stops it
ip netns exec "$cli" "$bin/txgen" send --keys "$work/ed" --to 10.77.0.1:7400 --count 60000 --records 2 \
	--rate 4000 >/dev/null 2>&1 &
traffic=$!
check "traffic flows in the background" rising
a0=$(ctl --json stats | jq -c .stats.admin)
was() { jq ".$1" <<<"$a0"; }
long=$(printf '{"cmd":"status","pad":"%s"}' "$(head -c 5000 /dev/zero | tr '\0' x)")
check "a line over admin.max_request_bytes: refused (exit 1)" code 1 ctl raw "$long" || show
check "  told why" grep -q 'request longer than 4096 bytes: closed' "$work/out"
check "  too_long" at_least .admin.too_long $(($(was too_long) + 1))
check "invalid JSON: exit 1, counted" code 1 ctl raw 'this is not JSON'
check "  invalid_json" at_least .admin.invalid_json $(($(was invalid_json) + 1))
check "an unknown command: exit 1, counted" code 1 ctl raw '{"cmd":"launch"}'
check "  unknown_command" at_least .admin.unknown_command $(($(was unknown_command) + 1))
check "wrong argument types and names: exit 1 each, counted" bash -c "
	'$bin/ledgerctl' -s '$sock' raw '{\"cmd\":\"block.get\",\"height\":\"x\"}' | grep -q 'height: want a whole number'
	[[ \${PIPESTATUS[0]} -eq 1 ]] || exit 1
	'$bin/ledgerctl' -s '$sock' raw '{\"cmd\":\"status\",\"verbose\":true}' | grep -q \"unknown argument 'verbose'\"
	[[ \${PIPESTATUS[0]} -eq 1 ]]"
check "  bad_arguments" at_least .admin.bad_arguments $(($(was bad_arguments) + 2))
check "a client that connects and says nothing: config set admin.idle_timeout_ms 300" \
	code 0 ctl config set admin.idle_timeout_ms 300
socat -u "UNIX-CONNECT:$sock" STDOUT >"$work/idle.out" 2>&1 &
silent=$!
holders+=("$silent")
check "  it is told and closed" bash -c "for _ in \$(seq 50); do kill -0 $silent 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
check "  with 'idle too long'" grep -q "idle too long" "$work/idle.out"
check "  counted as idle_closed" at_least .admin.idle_closed $(($(was idle_closed) + 1))
check "admin.idle_timeout_ms back to 30 s for the flood" code 0 ctl config set admin.idle_timeout_ms 30000
check "traffic still committed" rising

# 1,000 connections at once: $max_conn served and held open, the rest told and closed
ulimit -n 8192 2>/dev/null
refused0=$(admin refused_full)
accepted0=$(admin accepted)
c=$(committed)
for _ in $(seq 1000); do
	socat -u "UNIX-CONNECT:$sock" STDOUT >>"$work/flood.out" 2>/dev/null &
	holders+=($!)
done
check "1,000 connections at once: all accepted by the kernel and the server" \
	at_least .admin.accepted $((accepted0 + 1000))
check "  the $((1000 - max_conn)) over admin.max_connections told so and counted refused_full" \
	settle .admin.refused_full $((refused0 + 1000 - max_conn))
check "  each of them got the words" test "$(grep -c 'too many admin connections' "$work/flood.out")" -eq $((1000 - max_conn))
check "  $max_conn held open" settle .admin.open "$max_conn"
check "  ledgerctl while full: exit 3, saying so" code 3 ctl status || show
check "  (too many admin connections)" grep -q "too many admin connections" "$work/err"
check "  the daemon kept committing through the flood" test "$(committed)" -gt "$c"
kill "${holders[@]}" 2>/dev/null
wait "${holders[@]}" 2>/dev/null
holders=()
check "after the flood ledgerctl status works" bash -c "
	for _ in \$(seq 50); do '$bin/ledgerctl' -s '$sock' status >/dev/null && exit 0; sleep 0.1; done; exit 1"
check "and traffic is still committed" rising

# --- top, while the traffic flows ---
check "top --count 2 (not a terminal): plain frames, no escapes" bash -c "
	'$bin/ledgerctl' -s '$sock' top --count 2 --interval 0.5 >'$work/top' &&
	test \$(grep -c '^ledgerctl top' '$work/top') -eq 2 && ! grep -q \$'\\e' '$work/top' &&
	grep -Eq '^records committed +[0-9.,kM]+ +[0-9,]+$' '$work/top'" || sed 's/^/# /' "$work/top"
check "top --json: per-stage rates, drops, backpressure, rings, latency" bash -c "
	'$bin/ledgerctl' -s '$sock' top --json --count 2 --interval 0.5 | tail -1 |
	jq -e '.rates.records_committed.rate > 0 and .rates.rx_packets.rate > 0 and
	       .state == \"running\" and .commit_latency.commits > 0 and .commit_latency.p50_us > 0 and
	       .rings.rx_to_order_capacity > 0 and (.drops | has(\"unknown_client\")) and
	       (.backpressure | has(\"port_imissed\")) and .accel.backend == \"cpu\"'"
kill "$traffic" 2>/dev/null
wait "$traffic" 2>/dev/null
traffic=

# --- shutdown drains: everything receipted is in the ledger ---
ip netns exec "$cli" "$bin/txgen" send --keys "$work/ed" --to 10.77.0.1:7400 --count 1500 --records 2 \
	--receipt --rate 3000 --wait 3 --receipts-out "$work/r4" >"$work/send" 2>/dev/null &
last=$!
sleep 0.3
check "shutdown --wait: returns once drained and its socket closed" bash -c \
	"'$bin/ledgerctl' -s '$sock' --timeout 30 shutdown --wait | grep -qx 'state: stopped'"
wait "$daemon"
rc=$?
daemon=
check "ledgerlined exited 0" test "$rc" -eq 0 || { echo "# exit $rc"; tail -30 "$work/daemon.log" | sed "s/^/# /"; }
check "its admin socket is gone" test ! -e "$sock"
wait "$last"
check "status after shutdown: exit 3 (no socket), and says what to try" code 3 ctl status
check "  (is ledgerlined running?)" grep -q "is ledgerlined running" "$work/err"
cat "$work"/r[1-4] >"$work/receipted"
check "$(wc -l <"$work/receipted") receipted txids, every one in the ledger with its proof" \
	"$bin/llaudit" txs --ledger "$work/ledger" --txids "$work/receipted"
check "the ledger verifies" "$bin/llaudit" verify --ledger "$work/ledger"
"$bin/llaudit" tx --ledger "$work/ledger" --txid "$txid" >"$work/audit_tx"
check "llaudit agrees with ledgerctl proof: the merkle root and the block proof" bash -c "
	grep -q '^proof: ok' '$work/audit_tx' && grep -q '^log_proof: ok' '$work/audit_tx' &&
	test \"\$(sed -n 's/^merkle_root //p' '$work/audit_tx')\" = \"\$(jq -r .block.merkle_root '$work/proof')\" &&
	diff <(sed -n 's/^proof_node //p' '$work/audit_tx') <(jq -r '.block.proof[]' '$work/proof')"

# --- the audit log: one line per changing command, who, when, what ---
audit() { jq -c "select($1)" "$work/audit.log" | wc -l; }
check "audit log: JSON lines with time, who (unix uid=0), request, ok" \
	jq -e 'select((.time | test("^20..-..-..T..:..:..\\....Z$")) and (.who | startswith("unix uid=0 pid=")) and has("request") and has("ok")) | true' "$work/audit.log"
check "  every line a changing command; status, stats and reads are not there" \
	test "$(audit '.request.cmd | IN("config.set","pause","resume","snapshot","clients.add","clients.remove","shutdown") | not')" -eq 0
check "  config.set block.max_wait_us, log.level, admin.idle_timeout_ms (twice each), stats.interval_ms" \
	test "$(audit '.request.cmd == "config.set" and .ok')" -eq 7
check "  the refused config.set, with its error" \
	test "$(audit '.request.cmd == "config.set" and (.ok | not) and (.error | test("block.max_records"))')" -eq 1
check "  pause, resume, shutdown" test "$(audit '.request.cmd | IN("pause","resume","shutdown")')" -eq 3
check "  snapshot (twice ok, once refused)" test "$(audit '.request.cmd == "snapshot"')" -eq 3
check "  clients.add and clients.remove (two refused)" \
	test "$(audit '.request.cmd | IN("clients.add","clients.remove")')" -eq 7 -a \
	"$(audit '(.request.cmd | IN("clients.add","clients.remove")) and (.ok | not)')" -eq 2
check "  the one over TCP says so" \
	test "$(audit '(.who | startswith("tcp 127.0.0.1:")) and .request.key == "stats.interval_ms"')" -eq 1

# --- ledgerctl itself: usage (2) and connection (3) exit codes, help, the man page ---
check "no command: exit 2" code 2 "$bin/ledgerctl"
check "an unknown command: exit 2" code 2 "$bin/ledgerctl" launch
check "an option the command does not take: exit 2" code 2 "$bin/ledgerctl" status --txids
check "a malformed number: exit 2" code 2 "$bin/ledgerctl" block x
check "a socket that is not there: exit 3, with what to try" code 3 "$bin/ledgerctl" -s "$work/none.sock" status
check "  (-s PATH)" grep -q -- "-s PATH" "$work/err"
check "--help and help: exit 0, with the exit codes" bash -c \
	"'$bin/ledgerctl' --help | grep -q '^Exit status:' && '$bin/ledgerctl' help >/dev/null"
check "block --help and help block: the same text" \
	diff <("$bin/ledgerctl" block --help) <("$bin/ledgerctl" help block)
check "help clients add" bash -c "'$bin/ledgerctl' help clients add | grep -q -- '--scheme'"
check "--version" bash -c "'$bin/ledgerctl' --version | grep -Eq '^ledgerctl [0-9]+\.[0-9]+'"
# groff and man come with Debian's man-db (and groff-base), which scripts/deps.sh does not list
if command -v groff >/dev/null && command -v man >/dev/null; then
	check "the man page renders without a warning (groff -ww)" \
		test -z "$(groff -man -Tutf8 -ww -z host/ctl/ledgerctl.1 2>&1)"
	check "man -l renders it, every section there" bash -c "
		MANWIDTH=80 man -l host/ctl/ledgerctl.1 2>/dev/null | grep -c -E \
		'^(NAME|SYNOPSIS|DESCRIPTION|COMMANDS|OPTIONS|EXIT STATUS|ENVIRONMENT|FILES|EXAMPLES|SEE ALSO)$' |
		grep -qx 10"
else
	echo "# skipped: the man page checks (no groff or man here: apt-get install man-db)"
fi
check "lab down" "$lab" down
tally
