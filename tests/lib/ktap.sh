# KTAP-style result lines for host suites.  Sourced, not run.
#   check NAME COMMAND...   "ok N NAME" if COMMAND succeeds, else "not ok"
#   skip NAME REASON        "ok N NAME # SKIP REASON"
# The suite exits non-zero if any check failed.

ktap_n=0
ktap_failed=0

check() {
	local name=$1

	shift
	ktap_n=$((ktap_n + 1))
	if "$@"; then
		echo "ok $ktap_n $name"
	else
		echo "not ok $ktap_n $name"
		ktap_failed=$((ktap_failed + 1))
	fi
}

skip() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

ktap_done() {
	[ "$ktap_failed" -eq 0 ]
}
