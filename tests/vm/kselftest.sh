#!/bin/sh
# The mmap_hooks kselftest (the series' tools/testing/selftests/filesystems/
# mmap_hooks) run through the kernel's own runner, run_kselftest.sh, as
# kernel CI systems run it. Every stack of stacks.inc is mounted over
# hookfs at once and named in the environment (MMAP_HOOKS_<VARIANT>_DIR,
# ...), so no variant is skipped for want of its stack. The test's own
# result lines, which the runner prefixes with "# ", count in the totals,
# and so does the runner's verdict; the results must match the test's
# plan, and a failed setup, unmount or rmmod or a kernel splat fails too.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/nestmap-kselftest
KSELFTEST=${NESTMAP_KSELFTEST:-/opt/nestmap/kselftest}
. "$HERE/stacks.inc"
. "$HERE/stress-lib.inc"

[ -x "$KSELFTEST/run_kselftest.sh" ] || {
	echo "Bail out! no $KSELFTEST/run_kselftest.sh (make userspace installs it)"
	exit 1
}

start_suite
setup_tracing
setup_fault_injection
export MMAP_HOOKS_HOOKFS_DEV="$HOOKFS_DEV"
for id in $(file_stack_ids); do
	if ! setup_stack "$id" "$BASE"; then
		ktap_fail "kselftest: set up $id"
		continue
	fi
	var=$(echo "$id" | tr a-z- A-Z_)
	export "MMAP_HOOKS_${var}_DIR=$DIR" "MMAP_HOOKS_${var}_LOWER=$LOWER_DIR"
	[ -z "$UPPER_DIR" ] || export "MMAP_HOOKS_${var}_UPPER=$UPPER_DIR"
done

# Appending: the runner appends the test's output to /dev/stdout, which
# would otherwise overwrite the start of a file written from offset 0.
: >"$WORK/out"
"$KSELFTEST/run_kselftest.sh" -t filesystems/mmap_hooks:mmap_hooks_test \
	>>"$WORK/out" 2>&1 || true
# The test's results ("# ok N mmap_hooks.VARIANT.TEST") become the
# suite's, next to the runner's verdict ("ok 1 selftests: ...").
sed -e 's/^# \(\(not \)\{0,1\}ok [0-9]* mmap_hooks\.\)/\1/' "$WORK/out" \
	>"$WORK/results"
ktap_emit "$WORK/results"
# The test's plan, against the results it printed: none may go missing.
plan=$(sed -n 's/^# 1\.\.\([0-9]*\)$/\1/p' "$WORK/out" | head -n 1)
got=$(grep -c '^\(not \)\{0,1\}ok [0-9]* mmap_hooks\.' "$WORK/results" || true)
if [ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$got" -eq "$plan" ]; then
	ktap_pass "kselftest: $got results for a plan of $plan"
else
	ktap_fail "kselftest: ${got:-0} results for a plan of ${plan:-none}"
fi

check "kselftest: unmount the stacks" teardown_stack
check "kselftest: unmount hookfs" umount "$BASE"
trace_restore
unload_modules
check "kselftest: no kernel splat" kernel_log_clean
ktap_summary kselftest
ktap_done
