# KTAP-style result lines, for every suite: the host suites (bash) and the
# in-VM ones (busybox sh; qemu/mkinitramfs.sh packs tests/lib next to
# tests/vm, and tests/run-tests.sh adds it to the guest with the suites).
# Sourced, not run.  tests/run-tests.sh counts the lines this prints.
#
#   check NAME CMD [ARGS...]  "ok N NAME" if CMD succeeds, else "not ok N NAME"
#   skip NAME REASON          "ok N NAME # SKIP REASON"
#   ktap_pass NAME            "ok N NAME", for an outcome the suite decided
#   ktap_fail NAME            "not ok N NAME"
#   ktap_emit FILE            FILE's own result lines (a test program's
#                             KTAP output), renumbered into the suite's;
#                             its header and plan dropped, every other
#                             line as it is
#   ktap_summary SUITE        "# SUITE: N passed, N failed, N skipped"
#   ktap_done                 status 0 if no result failed
#
# NAME may end in " # comment".  Without KTAP_LOG, CMD's output goes where
# the suite's does.  With KTAP_LOG set, it goes to $KTAP_LOG.cur, is added
# to $KTAP_LOG after a "### N NAME" line, and the last 5 lines of a failed
# check's output are printed as "#   " comments.

# shellcheck disable=SC3043 # local: bash, dash and busybox sh all have it
ktap_n=0
ktap_passed=0
ktap_failed=0
ktap_skipped=0

ktap_pass() {
	ktap_n=$((ktap_n + 1))
	ktap_passed=$((ktap_passed + 1))
	echo "ok $ktap_n $1"
}

ktap_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_n $1"
}

skip() {
	ktap_n=$((ktap_n + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

check() {
	local ktap_name="$1" ktap_rc=0

	shift
	if [ -z "${KTAP_LOG:-}" ]; then
		"$@" || ktap_rc=$?
	else
		"$@" >"$KTAP_LOG.cur" 2>&1 || ktap_rc=$?
	fi
	if [ "$ktap_rc" -eq 0 ]; then
		ktap_pass "$ktap_name"
	else
		ktap_fail "$ktap_name"
		[ -z "${KTAP_LOG:-}" ] ||
			tail -n 5 "$KTAP_LOG.cur" | sed 's/^/#   /'
	fi
	[ -z "${KTAP_LOG:-}" ] ||
		{ echo "### $ktap_n $ktap_name"; cat "$KTAP_LOG.cur"; } >>"$KTAP_LOG"
	# Always 0: a failed check must not end a suite that runs with set -e.
	return 0
}

ktap_emit() {
	local ktap_line

	while IFS= read -r ktap_line; do
		case $ktap_line in
		"TAP version "* | 1..[0-9]*)
			# the program's own header and plan, not the suite's
			;;
		"not ok "*)
			ktap_line=${ktap_line#not ok }
			ktap_fail "${ktap_line#* }"
			;;
		"ok "*" # SKIP"* | "ok "*" # skip"*)
			ktap_line=${ktap_line#ok }
			ktap_line=${ktap_line#* }
			ktap_n=$((ktap_n + 1))
			ktap_skipped=$((ktap_skipped + 1))
			echo "ok $ktap_n $ktap_line"
			;;
		"ok "*)
			ktap_line=${ktap_line#ok }
			ktap_pass "${ktap_line#* }"
			;;
		*) printf '%s\n' "$ktap_line" ;;
		esac
	done <"$1"
}

ktap_summary() {
	echo "# $1: $ktap_passed passed, $ktap_failed failed, $ktap_skipped skipped"
}

ktap_done() {
	[ "$ktap_failed" -eq 0 ]
}
