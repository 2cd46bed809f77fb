# Shared helpers for the in-VM filesystem tests (sourced, busybox sh).
#
# Each check prints one KTAP-ish line: "ok N name", "not ok N name" or
# "ok N name # SKIP reason"; fs_summary prints the totals and fails the
# run if any check failed. Command output goes to $FS_LOG.

FS_MODDIR=${FS_MODDIR:-/opt/nestmap/modules}
FS_LOG=${FS_LOG:-/tmp/$FS_SUITE.log}
fs_n=0
fs_pass=0
fs_fail=0
fs_skip=0
: >"$FS_LOG"
fs_dmesg_start=$(dmesg | wc -l)
fs_done=no
# A setup step that fails under "set -e" ends the suite early: say so.
trap '[ "$fs_done" = yes ] || echo "Bail out! $FS_SUITE: a setup step failed after check $fs_n"' EXIT

# check NAME CMD [ARGS...]: pass when CMD succeeds.
check() {
	fs_name=$1
	shift
	fs_n=$((fs_n + 1))
	if "$@" >"$FS_LOG.cur" 2>&1; then
		fs_pass=$((fs_pass + 1))
		echo "ok $fs_n $fs_name"
	else
		fs_fail=$((fs_fail + 1))
		echo "not ok $fs_n $fs_name"
		tail -n 5 "$FS_LOG.cur" | sed 's/^/#   /'
	fi
	{ echo "### $fs_n $fs_name"; cat "$FS_LOG.cur"; } >>"$FS_LOG"
}

# check_probe NAME ARGS...: check "fs-probe ARGS", or skip without it.
FS_PROBE=${FS_PROBE:-/opt/nestmap/bin/fs-probe}
check_probe() {
	if [ -x "$FS_PROBE" ]; then
		fs_probe_name=$1
		shift
		check "$fs_probe_name" "$FS_PROBE" "$@"
	else
		skip "$1" "no $FS_PROBE in the guest"
	fi
}

# probe_is WANT ARGS...: "fs-probe ARGS" prints WANT.
probe_is() {
	fs_want=$1
	shift
	[ "$("$FS_PROBE" "$@")" = "$fs_want" ]
}

# skip NAME REASON
skip() {
	fs_n=$((fs_n + 1))
	fs_skip=$((fs_skip + 1))
	echo "ok $fs_n $1 # SKIP $2"
}

# Kernel log lines printed since the suite started.
dmesg_new() {
	dmesg | tail -n +"$((fs_dmesg_start + 1))"
}

no_kernel_splat() {
	! dmesg_new | grep -E 'WARNING:|BUG:|Oops|KASAN|lockdep|possible circular|possible recursive|UBSAN|Call Trace'
}

# expect_fail CMD [ARGS...]: succeed only when CMD fails.
expect_fail() {
	! "$@"
}

fs_summary() {
	check "no kernel warnings or oopses" no_kernel_splat
	echo "# $FS_SUITE: $fs_pass passed, $fs_fail failed, $fs_skip skipped"
	fs_done=yes
	[ "$fs_fail" -eq 0 ]
}
