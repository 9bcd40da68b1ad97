#!/usr/bin/env bash
# The Grafana dashboard (contrib/grafana/ledgerline.json) against the appliance
# that serves its metrics: the JSON has what Grafana's import needs (title, uid,
# the DS_PROMETHEUS input, the instance variable, panels with unique ids and
# non-overlapping gridPos, a Prometheus target with an expr on each); then
# ledgerlined runs (net_null0 in the root namespace, and net_af_xdp with the XDP
# filter in a lab namespace for the families only such a port has), /metrics is
# scraped, and every metric, label (matchers, by/on clauses, legends) and matched
# label value the dashboard uses must be one the appliance serves; counters are
# only read through rate()/increase() over $__rate_interval, every selector is
# filtered by the instance variable. Mutants of the dashboard (a metric, a label,
# a value misspelled, a filter or a rate() left out) must be caught. promtool
# parses every expr, and evaluates each over the scraped series (as Prometheus
# would hold them): each must give series; and the accelerator state stat's
# expr gives 1, 0 and -1 for a card in service, the CPU, a card taken out.
# usage: tests/integration/test_grafana.sh BINDIR     (root, from the repo root)
# LL_GRAFANA_DASHBOARD=FILE checks another dashboard file.
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
dash=${LL_GRAFANA_DASHBOARD:-contrib/grafana/ledgerline.json}
bpf=$(cd "$bin/.." && pwd)/bpf/ll_xdp_filter.o
[[ -f $bpf ]] || bpf=$PWD/build/bpf/ll_xdp_filter.o
export LL_LAB_PREFIX=llg$(($$ % 10000))
app=$LL_LAB_PREFIX-app
work=$(mktemp -d)
daemon=
lab_up=
cleanup() {
	if [[ -n $daemon ]]; then
		kill -TERM "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	[[ -n $lab_up ]] && scripts/lab.sh down >/dev/null 2>&1
	rm -rf "$work" "/var/run/dpdk/llgrafnull$$" "/var/run/dpdk/llgrafxdp$$"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

# why: the reasons the last checker gave, shown under a "not ok"
why=$work/why
explain() { sed 's/^/# /' "$why" | head -40; }
problem() { echo "$*" >>"$why"; }

# ---------------------------------------------------------------- the JSON
# every panel, the ones inside rows too
PANELS='[.panels[], (.panels[] | .panels[]?)]'
jqd() { jq -e "$@" "$dash" >/dev/null; }

check "the dashboard is valid JSON" jq -e . "$dash" || { tally; exit 1; }
check "a title, a uid Grafana accepts, a schemaVersion, panels" jqd '
	(.title | type == "string" and length > 0) and
	(.uid | type == "string" and test("^[A-Za-z0-9_-]{1,40}$")) and
	(.schemaVersion | type == "number") and
	(.panels | type == "array" and length > 0)'
check "__inputs: DS_PROMETHEUS, a prometheus datasource" jqd '
	[.__inputs[]? | select(.name == "DS_PROMETHEUS" and .type == "datasource" and
			       .pluginId == "prometheus")] | length == 1'
check "every datasource is \${DS_PROMETHEUS} (or Grafana's own annotations)" jqd '
	[.. | objects | select(has("datasource")) | .datasource |
	 if type == "object" then .uid else . end] |
	length > 0 and all(. == "${DS_PROMETHEUS}" or . == "-- Grafana --")'
check "the instance variable: label_values(ledgerline_info, instance) on DS_PROMETHEUS" jqd '
	[.templating.list[] | select(.name == "instance" and .type == "query" and
		.datasource.uid == "${DS_PROMETHEUS}" and
		((if (.query | type) == "object" then .query.query else .query end) |
		 gsub("\\s"; "") == "label_values(ledgerline_info,instance)"))] | length == 1'
check "panel ids: integers, unique" jqd "$PANELS"' | map(.id) |
	all(type == "number" and . == floor) and (unique | length) == length'
check "every panel has a gridPos inside the 24 columns" jqd "$PANELS"' | all(.gridPos |
	(.x, .y, .w, .h | type == "number" and . == floor) and .x >= 0 and .y >= 0 and
	.w >= 1 and .h >= 1 and .x + .w <= 24)'
overlaps() {
	: >"$why"
	jq -r "$PANELS"' | [.[] | {id, g: .gridPos}] | . as $p |
		[range(length) as $i | range($i + 1; length) as $j | [$p[$i], $p[$j]] |
		 select(.[0].g.x < .[1].g.x + .[1].g.w and .[1].g.x < .[0].g.x + .[0].g.w and
			.[0].g.y < .[1].g.y + .[1].g.h and .[1].g.y < .[0].g.y + .[0].g.h) |
		 "panels \(.[0].id) and \(.[1].id) overlap"] | .[]' "$dash" >"$why"
	[[ ! -s $why ]]
}
check "no two panels overlap" overlaps || explain
check "every panel but a row has a description, a unit, targets with an expr and a refId" jqd \
	"$PANELS"' | map(select(.type != "row")) | length > 0 and all(
	(.description | type == "string" and length > 20) and
	(.fieldConfig.defaults.unit | type == "string" and length > 0) and
	(.targets | type == "array" and length > 0) and
	(.targets | all((.expr | type == "string" and length > 0) and
			(.refId | type == "string" and length > 0))) and
	(.targets | map(.refId) | (unique | length) == length))'
check "rows: Overview, Throughput, Drops, Backpressure, Commit latency, Accelerator, Admin" jqd \
	"$PANELS"' | map(select(.type == "row") | .title) as $rows |
	["Overview", "Throughput", "Drops", "Backpressure", "Commit latency", "Accelerator",
	 "Admin"] | all(. as $want | $rows | any(startswith($want)))'
check "liveness stats: ingest, consensus and store, 0 red and 1 green" jqd "$PANELS"' |
	map(select(.type == "stat" and
		   (.targets[0].expr | test("ledgerline_live\\{[^}]*component=")))) |
	(map(.targets[0].expr | capture("component=\"(?<c>[a-z]+)\"").c) | sort ==
	 ["consensus", "ingest", "store"]) and
	all(.fieldConfig.defaults.thresholds.steps |
	    (map(select(.color == "red"))[0].value // -1) <= 0 and
	    map(select(.color == "green"))[0].value == 1)'
check "commit latency: p50, p99, p99.9 and a heatmap of the buckets" jqd "$PANELS"' |
	[.[].targets[]?.expr] as $e |
	(["0.5", "0.99", "0.999"] | all(. as $q | $e | any(
		test("histogram_quantile\\(" + $q + ",.*ledgerline_commit_latency_seconds_bucket")))) and
	any(.[]; .type == "heatmap" and all(.targets[]; .format == "heatmap" and
		(.expr | test("ledgerline_commit_latency_seconds_bucket"))))'

# one line a target: panel id, refId, expr, legend (newlines in an expr made spaces)
jq -r "$PANELS"' | .[] | select(.type != "row") | .id as $id | .targets[] |
	"\($id)\u001f\(.refId)\u001f\(.expr | gsub("\n"; " "))\u001f\(.legendFormat // "")"' \
	"$dash" >"$work/targets"

# ---------------------------------------------------------------- the appliance
pick_port() {
	local p=$((20000 + $$ % 20000))
	while [[ -n $(ss -Hltn "sport = :$p") ]]; do p=$((p + 1)); done
	echo "$p"
}
# serve NAME NETNS VDEV: runs ledgerlined on VDEV (in NETNS when not empty), scrapes
# /metrics into $work/NAME.prom once /healthz answers, and stops it
serve() {
	local name=$1 ns=$2 vdev=$3 port run=()
	port=$(pick_port)
	[[ -n $ns ]] && run=(ip netns exec "$ns")
	mkdir -p "$work/$name"
	"${run[@]}" "$bin/ledgerlined" -l 0-1 --no-huge -m 256 --no-pci \
		--file-prefix "llgraf$name$$" --vdev "$vdev" -- \
		--ledger "$work/$name/ledger" --admin-socket "$work/$name/admin.sock" \
		--audit-log "$work/$name/audit.log" --metrics-listen "127.0.0.1:$port" \
		>"$work/$name/daemon.log" 2>&1 &
	daemon=$!
	local up=
	for _ in $(seq 300); do
		if "${run[@]}" curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then
			up=1
			break
		fi
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $up ]] && "${run[@]}" curl -sf -o "$work/$name.prom" "http://127.0.0.1:$port/metrics"
	local rc=$?
	kill -TERM "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	daemon=
	rm -rf "/var/run/dpdk/llgraf$name$$"	# EAL's runtime files, left behind
	[[ -n $up && $rc -eq 0 && -s $work/$name.prom ]] && return 0
	tail -20 "$work/$name/daemon.log" >"$why"
	return 1
}

check "ledgerlined on net_null0 serves /healthz and /metrics" serve null "" net_null0 ||
	{ explain; tally; exit 1; }
if scripts/lab.sh up >/dev/null 2>&1; then
	lab_up=1
	check "ledgerlined on net_af_xdp with the XDP filter (the lab) serves /metrics" \
		serve xdp "$app" "net_af_xdp0,iface=$LL_LAB_PREFIX-app0,xdp_prog=$bpf" ||
		explain
	scripts/lab.sh down >/dev/null 2>&1
	lab_up=
else
	check "the lab comes up (for the XDP port's metrics)" false
fi
check "the XDP port serves the XDP filter's family (which net_null0 does not)" bash -c "
	grep -q '^ledgerline_xdp_packets_total{verdict=' '$work/xdp.prom' &&
	! grep -q '^ledgerline_xdp_packets_total' '$work/null.prom'"

# a sample line: name, then {labels}; a label: name="value" (escapes kept), then the rest
sample_re='^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?[[:space:]]+([^[:space:]]+)'
label_re='^([a-zA-Z_][a-zA-Z0-9_]*)="(([^"\\]|\\.)*)",?(.*)$'
matcher_re='^[[:space:]]*([a-zA-Z_][a-zA-Z0-9_]*)[[:space:]]*(=~|!~|!=|=)[[:space:]]*"(([^"\\]|\\.)*)"[[:space:]]*,?(.*)$'

# what is served, from both scrapes: series names; TYPE by family; (series, label);
# (series, label, value); and each sample (scrape, name, labels, value: \x1f between,
# as a tab is whitespace to read and two would be one)
for f in types labels values names samples; do : >"$work/$f"; done
for f in "$work"/null.prom "$work"/xdp.prom; do
	[[ -f $f ]] || continue
	scrape=$(basename "$f" .prom)
	while IFS= read -r line; do
		if [[ $line =~ ^#\ TYPE\ ([^ ]+)\ ([^ ]+) ]]; then
			printf '%s\t%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" >>"$work/types"
			continue
		fi
		[[ $line == \#* || -z $line ]] && continue
		[[ $line =~ $sample_re ]] || continue
		name=${BASH_REMATCH[1]} rest=${BASH_REMATCH[3]}
		echo "$name" >>"$work/names"
		printf '%s\x1f%s\x1f%s\x1f%s\n' "$scrape" "$name" "$rest" "${BASH_REMATCH[4]}" \
			>>"$work/samples"
		while [[ $rest =~ $label_re ]]; do
			printf '%s\t%s\n' "$name" "${BASH_REMATCH[1]}" >>"$work/labels"
			printf '%s\t%s\t%s\n' "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
				>>"$work/values"
			rest=${BASH_REMATCH[4]}
		done
	done <"$f"
done
for f in types labels values names; do sort -u -o "$work/$f" "$work/$f"; done
check "the scrapes parse: families, series and labels" bash -c "
	[[ \$(wc -l <'$work/names') -gt 40 && -s '$work/labels' ]] &&
	grep -qx 'ledgerline_commit_latency_seconds	histogram' '$work/types' &&
	grep -qx 'ledgerline_rx_frames_dropped_total	reason' '$work/labels'"

served() { grep -qxF "$1" "$work/names"; }
has_label() { grep -qxF "$1"$'\t'"$2" "$work/labels"; }
# series_type NAME: counter, gauge... (a histogram's _bucket, _sum, _count: counter)
series_type() {
	local t
	t=$(awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$work/types")
	if [[ -z $t && $1 =~ ^(.*)_(bucket|sum|count)$ ]]; then
		t=$(awk -F'\t' -v n="${BASH_REMATCH[1]}" '$1 == n { print $2 }' "$work/types")
		[[ $t == histogram || $t == summary ]] && t=counter
	fi
	echo "${t:-none}"
}
# value_served NAME LABEL OP VALUE: a served value of LABEL on NAME equals (=) or
# fully matches (=~) VALUE; != and !~ are not checked
value_served() {
	local v
	[[ $3 == "!=" || $3 == "!~" ]] && return 0
	while IFS=$'\t' read -r _ _ v; do
		if [[ $3 == "=" ]]; then
			[[ $v == "$4" ]] && return 0
		elif [[ $v =~ ^($4)$ ]]; then
			return 0
		fi
	done < <(awk -F'\t' -v n="$1" -v l="$2" '$1 == n && $2 == l' "$work/values")
	return 1
}

# each checker reads a targets file ("$work/targets" or a mutant's) and writes
# what is wrong to $why, one line a problem
selectors() { grep -oE '[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}' <<<"$1"; }
metric_of() { echo "${1%%\{*}"; }
# matchers SELECTOR: "label<TAB>op<TAB>value" lines
matchers() {
	local rest=${1#*\{}
	rest=${rest%\}}
	while [[ $rest =~ $matcher_re ]]; do
		printf '%s\t%s\t%b\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
		rest=${BASH_REMATCH[5]}
	done
	[[ -z ${rest//[[:space:]]/} ]] || printf '?\t?\t%s\n' "$rest"
}
# grouping LABELS of by/without/on/ignoring/group_left/group_right clauses
clause_labels() {
	grep -oE "\\b($2)[[:space:]]*\\([^)]*\\)" <<<"$1" | sed -E 's/^[a-z_]+[[:space:]]*\(//; s/\)$//' |
		tr -s ', ' '\n' | grep -v '^$'
}

check_metrics() {
	: >"$why"
	local id ref expr legend sel m
	while IFS=$'\x1f' read -r id ref expr legend; do
		grep -qE '(^|[^a-zA-Z0-9_:])\{' <<<"$expr" &&
			problem "panel $id/$ref: a selector without a metric name: $expr"
		[[ $(grep -oE 'ledgerline_[a-zA-Z0-9_:]*' <<<"$expr" | wc -l) -eq \
		   $(grep -oE 'ledgerline_[a-zA-Z0-9_:]*\{' <<<"$expr" | wc -l) ]] ||
			problem "panel $id/$ref: a metric without {instance=~\"\$instance\"}: $expr"
		[[ -n $(selectors "$expr") ]] || problem "panel $id/$ref: no metric at all: $expr"
		while IFS= read -r sel; do
			m=$(metric_of "$sel")
			served "$m" || problem "panel $id/$ref: $m is not served by the appliance"
		done < <(selectors "$expr")
	done <"$1"
	[[ ! -s $why ]]
}

check_instance_filter() {
	: >"$why"
	local id ref expr legend sel
	while IFS=$'\x1f' read -r id ref expr legend; do
		while IFS= read -r sel; do
			# (grep -q would close the pipe early: a SIGPIPE, and pipefail)
			grep -qxF $'instance\t=~\t$instance' <<<"$(matchers "$sel")" ||
				problem "panel $id/$ref: $sel is not filtered by instance=~\"\$instance\""
		done < <(selectors "$expr")
	done <"$1"
	[[ ! -s $why ]]
}

check_labels() {
	: >"$why"
	local id ref expr legend sel m l op v metrics
	while IFS=$'\x1f' read -r id ref expr legend; do
		metrics=$(selectors "$expr" | sed 's/{.*//' | sort -u)
		# matchers: on their own selector's metric; = and =~ values served
		while IFS= read -r sel; do
			m=$(metric_of "$sel")
			while IFS=$'\t' read -r l op v; do
				[[ $l == instance || $l == job ]] && continue
				if [[ $l == "?" ]]; then
					problem "panel $id/$ref: cannot read the matchers of $sel"
				elif ! has_label "$m" "$l"; then
					problem "panel $id/$ref: $m has no label $l"
				elif ! value_served "$m" "$l" "$op" "$v"; then
					problem "panel $id/$ref: $m has no $l $op \"$v\""
				fi
			done < <(matchers "$sel")
		done < <(selectors "$expr")
		# by/without/on/ignoring/group_*: on every metric the expr reads
		while IFS= read -r l; do
			[[ $l == instance || $l == job ]] && continue
			for m in $metrics; do
				has_label "$m" "$l" || problem "panel $id/$ref: $m has no label $l (grouped by)"
			done
		done < <(clause_labels "$expr" 'by|without|on|ignoring|group_left|group_right')
		# legend labels: on every metric, and kept by every by() clause
		while IFS= read -r l; do
			if [[ $l != instance && $l != job ]]; then
				for m in $metrics; do
					has_label "$m" "$l" || problem "panel $id/$ref: legend {{$l}}: $m has no label $l"
				done
			fi
			while IFS= read -r by; do
				grep -qxF "$l" <<<"$(clause_labels "$by" by)" ||
					problem "panel $id/$ref: legend {{$l}} is aggregated away by $by"
			done < <(grep -oE '\bby[[:space:]]*\([^)]*\)' <<<"$expr")
		done < <(grep -oE '\{\{[[:space:]]*[a-zA-Z_][a-zA-Z0-9_]*[[:space:]]*\}\}' <<<"$legend" |
			 tr -d '{} ' | sort -u)
	done <"$1"
	[[ ! -s $why ]]
}

check_counters() {
	: >"$why"
	local id ref expr legend hit fn m t
	while IFS=$'\x1f' read -r id ref expr legend; do
		while IFS= read -r hit; do
			fn='' m=${hit%\{}
			if [[ $hit == *\(* ]]; then
				fn=${hit%%(*}
				m=${m#*(}
				m=${m//[[:space:]]/}
			fi
			t=$(series_type "$m")
			case $t in
			counter)
				[[ $fn =~ ^(rate|irate|increase)$ ]] ||
					problem "panel $id/$ref: counter $m read without rate()/increase()" ;;
			gauge)
				[[ $fn =~ ^(rate|irate|increase)$ ]] &&
					problem "panel $id/$ref: gauge $m read with $fn()" ;;
			*) problem "panel $id/$ref: $m has no TYPE in the scrape" ;;
			esac
		done < <(grep -oE '([a-zA-Z_]+\([[:space:]]*)?[a-zA-Z_:][a-zA-Z0-9_:]*\{' <<<"$expr")
		# every range: [$__rate_interval]
		while IFS= read -r hit; do
			[[ $hit == '[$__rate_interval]' ]] ||
				problem "panel $id/$ref: range $hit, not [\$__rate_interval]"
		done < <(grep -oE '\[[^]]*\]' <<<"$expr")
		grep -qE '\b(rate|irate|increase)\(' <<<"$expr" && ! grep -qF '[$__rate_interval]' <<<"$expr" &&
			problem "panel $id/$ref: a rate without a range"
	done <"$1"
	[[ ! -s $why ]]
}

check "every metric the dashboard queries is served by the appliance" \
	check_metrics "$work/targets" || explain
check "every selector is filtered by instance=~\"\$instance\"" \
	check_instance_filter "$work/targets" || explain
check "every label (matchers, by/on, legends) is on its metric; matched values are served" \
	check_labels "$work/targets" || explain
check "counters only through rate()/increase(), gauges never; ranges are \$__rate_interval" \
	check_counters "$work/targets" || explain

# the checkers catch a dashboard that names what the appliance does not serve:
# caught CHECKER NAME FROM TO: CHECKER fails on the targets with the first FROM
# (a sed ERE) made TO
caught() {
	sed -E "0,/$3/s//$4/" "$work/targets" >"$work/mutant.$2"
	if cmp -s "$work/targets" "$work/mutant.$2"; then
		echo "the mutant's pattern $3 is in no expr or legend: update the test" >"$why"
		return 1
	fi
	if "$1" "$work/mutant.$2"; then
		echo "$1 passed a dashboard with $3 made $4" >"$why"
		return 1
	fi
}
said() { head -1 "$why" | sed 's/^/#   /'; }
check "a misspelled metric is caught" caught check_metrics metric \
	'ledgerline_records_committed_total' 'ledgerline_record_committed_total' && said || explain
check "a label the metric lacks is caught (by)" caught check_labels by \
	'by \(instance, reason\) \(rate\(ledgerline_rx_frames_dropped_total' \
	'by (instance, verdict) (rate(ledgerline_rx_frames_dropped_total' && said || explain
check "a label the metric lacks is caught (matcher)" caught check_labels matcher \
	'component="ingest"' 'lcore="ingest"' && said || explain
check "a label the metric lacks is caught (legend)" caught check_labels legend \
	'\{\{reason\}\}' '{{cause}}' && said || explain
check "a label value the appliance never serves is caught" caught check_labels value \
	'reason="overload"' 'reason="overloaded"' && said || explain
check "a selector without the instance filter is caught" caught check_instance_filter filter \
	'ledgerline_chain_height\{instance=~"\$instance"\}' 'ledgerline_chain_height{job="x"}' && said || explain
check "a counter read without rate() is caught" caught check_counters raw \
	'rate\((ledgerline_blocks_committed_total\{[^}]*\})\[\$__rate_interval\]\)' '\1' && said || explain

# promtool: one recording rule an expr, Grafana's variables given values
if command -v promtool >/dev/null; then
	jq "$PANELS"' | {groups: [{name: "ledgerline_dashboard", rules: [.[] |
		select(.type != "row") | .id as $id | .targets[] | {
		record: "dashboard:panel_\($id)_\(.refId)",
		expr: (.expr | gsub("\\$__rate_interval"; "1m") | gsub("\\$__range"; "1h") |
		       gsub("\\$__interval"; "1m") | gsub("\\$instance"; ".+"))}]}]}' \
		"$dash" >"$work/rules.json"
	check "promtool parses every expr (one recording rule each)" bash -c "
		promtool check rules '$work/rules.json' >'$why' 2>&1" || explain

	# the scraped series as a Prometheus would hold them (instance and job added),
	# 10 minutes of them: counters climbing, gauges at the value served
	while IFS=$'\x1f' read -r scrape name labels value; do
		if [[ $(series_type "$name") == counter ]]; then
			value='0+1x40'
		else
			value="$value+0x40"
		fi
		printf '%s{instance="%s:9470",job="ledgerline"%s}\t%s\n' "$name" "$scrape" \
			"${labels:+,$labels}" "$value"
	done <"$work/samples" >"$work/series"
	# every expr, at 5 minutes: absent(EXPR) is empty, so EXPR gives series
	jq -n --rawfile series "$work/series" --slurpfile d "$dash" '{
		rule_files: [], evaluation_interval: "1m",
		tests: [{interval: "15s",
			input_series: [$series | split("\n")[] | select(length > 0) |
				split("\t") | {series: .[0], values: .[1]}],
			promql_expr_test: [$d[0] | '"$PANELS"' | .[] | select(.type != "row") |
				.targets[] | {eval_time: "5m", exp_samples: [],
				expr: ("absent(" + (.expr | gsub("\\$__rate_interval"; "1m") |
					gsub("\\$__range"; "1h") | gsub("\\$__interval"; "1m") |
					gsub("\\$instance"; ".+")) + ")")}]}]}' >"$work/eval.json"
	check "every expr returns series from what the appliance serves (promtool test rules)" \
		bash -c "promtool test rules '$work/eval.json' >'$why' 2>&1" || explain

	# the accelerator state stat: 1 a device in service, 0 the CPU by design, -1 a
	# device taken out (backend cpu, a card still named in device)
	jq -n --slurpfile d "$dash" '($d[0] | '"$PANELS"' | .[] |
		select(.title == "Accelerator in service") | .targets[0].expr |
		gsub("\\$instance"; ".+")) as $e | {
		rule_files: [], evaluation_interval: "1m",
		tests: [{interval: "15s", input_series: [
			{series: "ledgerline_accel_info{instance=\"card\",job=\"ledgerline\",backend=\"xrt\",requested=\"auto\",device=\"xrt device 0: xilinx_u250 (0000:65:00.1)\"}", values: "1x10"},
			{series: "ledgerline_accel_in_service{instance=\"card\",job=\"ledgerline\"}", values: "1x10"},
			{series: "ledgerline_accel_info{instance=\"cpu\",job=\"ledgerline\",backend=\"cpu\",requested=\"auto\",device=\"cpu (sha256: avx512, sm3: avx512)\"}", values: "1x10"},
			{series: "ledgerline_accel_in_service{instance=\"cpu\",job=\"ledgerline\"}", values: "0x10"},
			{series: "ledgerline_accel_info{instance=\"out\",job=\"ledgerline\",backend=\"cpu\",requested=\"xrt\",device=\"xrt device 0: xilinx_u250 (0000:65:00.1)\"}", values: "1x10"},
			{series: "ledgerline_accel_in_service{instance=\"out\",job=\"ledgerline\"}", values: "0x10"}],
		promql_expr_test: [{expr: $e, eval_time: "1m", exp_samples: [
			{labels: "ledgerline_accel_in_service{instance=\"card\",job=\"ledgerline\"}", value: 1},
			{labels: "ledgerline_accel_in_service{instance=\"cpu\",job=\"ledgerline\"}", value: 0},
			{labels: "{instance=\"out\",job=\"ledgerline\"}", value: -1}]}]}]}' \
		>"$work/accel.json"
	check "Accelerator in service: 1 in service, 0 cpu, -1 taken out (promtool test rules)" \
		bash -c "promtool test rules '$work/accel.json' >'$why' 2>&1" || explain
else
	echo "# promtool not installed: exprs not parsed"
fi

tally
