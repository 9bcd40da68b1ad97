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

# tally: the last line, and the script's exit status.
tally() {
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]]
}
