#!/bin/sh
# The mmap_hooks kselftest (the series' tools/testing/selftests/filesystems/
# mmap_hooks) run through the kernel's own runner, run_kselftest.sh, as
# kernel CI systems run it. Every stack over hookfs is mounted at once and
# named in the environment (MMAP_HOOKS_<VARIANT>_DIR, ...), so no variant
# is skipped for want of a stack. The test's own result lines, which the
# runner prefixes with "# ", count in the totals, and so does the runner's
# verdict; an unmount, rmmod or kernel splat failure fails the suite.
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
export MMAP_HOOKS_HOOKFS_DEV=$HOOKFS_DEV
for s in A B C D E F; do
	if ! setup_stack "$s" "$BASE"; then
		ktap FAIL "kselftest: set up stack $s"
		continue
	fi
	var=$(variant_of "$s" | tr a-z A-Z)
	export "MMAP_HOOKS_${var}_DIR=$DIR" "MMAP_HOOKS_${var}_LOWER=$LOWER_DIR"
	[ -z "$UPPER_DIR" ] || export "MMAP_HOOKS_${var}_UPPER=$UPPER_DIR"
done

# Appending: the runner appends the test's output to /dev/stdout, which
# would otherwise overwrite the start of a file written from offset 0.
: >"$WORK/out"
"$KSELFTEST/run_kselftest.sh" -t filesystems/mmap_hooks:mmap_hooks_test \
	>>"$WORK/out" 2>&1 || true
cat "$WORK/out"
# The test's lines ("# ok N mmap_hooks.VARIANT.TEST") and the runner's
# ("ok 1 selftests: filesystems/mmap_hooks: mmap_hooks_test").
sed -n -e 's/^# \(\(not \)\{0,1\}ok [0-9]* mmap_hooks\.\)/\1/p' \
	-e '/^\(not \)\{0,1\}ok [0-9]* selftests: /p' "$WORK/out" >"$WORK/results"
emit "$WORK/results"
# The test's plan, against the results it printed: none may go missing.
plan=$(sed -n 's/^# 1\.\.\([0-9]*\)$/\1/p' "$WORK/out" | head -n 1)
got=$(grep -c 'mmap_hooks\.' "$WORK/results" || true)
if [ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$got" -eq "$plan" ]; then
	ktap OK "kselftest: $got results for a plan of $plan"
else
	ktap FAIL "kselftest: ${got:-0} results for a plan of ${plan:-none}"
fi

if teardown_stack; then ktap OK "kselftest: unmount the stacks"; else ktap FAIL "kselftest: unmount the stacks"; fi
if umount "$BASE"; then ktap OK "kselftest: unmount hookfs"; else ktap FAIL "kselftest: unmount hookfs"; fi
unload_modules
if kernel_log_clean; then
	ktap OK "kselftest: no kernel splat"
else
	ktap FAIL "kselftest: no kernel splat"
fi
[ "$KTAP_FAILED" -eq 0 ]
