# Sourced by the integration scripts: the TAP-like "ok - name" lines and the tally
# that scripts/run-tests.sh reads.
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND quietly; ok when it exits 0. Returns 1 when
# not ok, so a caller can show what went wrong (check ... || show_log).
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		failed=$((failed + 1))
		return 1
	fi
}

# The appliance's stats file, $work/stats.json, read with jq: stats EXPR.
stats() { jq -r "$1" "$work/stats.json" 2>/dev/null; }

# settle EXPR VALUE / at_least EXPR N: wait (up to $settle_seconds, 10 by
# default) until the stats say EXPR == VALUE, or EXPR >= N; say what they said.
settle_seconds=${settle_seconds:-10}
settle() {
	for _ in $(seq $((settle_seconds * 10))); do
		[[ $(stats "$1") == "$2" ]] && return 0
		sleep 0.1
	done
	echo "# $1 is $(stats "$1"), wanted $2"
	return 1
}
at_least() {
	for _ in $(seq $((settle_seconds * 10))); do
		[[ $(stats "$1") -ge $2 ]] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# $1 is $(stats "$1"), wanted at least $2"
	return 1
}

# send KEYS [txgen send options]: txgen in the lab's client namespace ($cli),
# with the keys file $work/KEYS, to the appliance's ingest port.
send() {
	local keys=$1
	shift
	ip netns exec "$cli" "$bin/txgen" send --keys "$work/$keys" --to 10.77.0.1:7400 "$@" \
		2>/dev/null
}

# tally: the last line, and the script's exit status.
tally() {
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]]
}
