#!/bin/sh
# The review's race: prepopulation in mmap_complete
# against a revoke's unmap_mapping_range(), on hookfs's "revocable" file.
#
# Per path, nestmap-stress races mmap() against HOOKFS_IOC_REVOKE many
# times, in three windows (no delay; complete_delay_ms, the revoke lands
# before complete populates; populated_delay_ms, it lands after complete
# populated and before mmap() returns). A mapping that still reads the
# file's pages after the revoke returned is stale. No path may show one.
# Every path must also have prepopulated. When the compat paths (B-F) ran
# complete before the VMA was in the file's rmap, about one attempt in
# five was stale there; now complete runs on the linked VMA on every path.
# Every path also fails on unpaired hooks, a leftover VMA, a failed
# unmount or a splat.
#
#   revoke-race.sh [--long] [--stacks LIST]
# LIST: stack ids (or letters) from tests/vm/stacks.inc, comma-separated;
# default: every stack but shmem.
# Short (make test): up to 600 attempts per path; --long, or
# NESTMAP_STRESS_LONG=1: up to 6000 (make stress).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/nestmap-race
. "$HERE/stacks.inc"
. "$HERE/stress-lib.inc"

stress_args revoke-race.sh "$@"
if [ "$LONG" = 1 ]; then
	ATTEMPTS=6000 SECS=300
else
	ATTEMPTS=600 SECS=15
fi

start_suite
echo "# revoke race: stacks $STACKS, up to $ATTEMPTS attempts or $SECS s each"

for id in $STACKS; do
	s=$(letter_of "$id")
	start=$(date +%s)
	if ! precreate "$(lower_of "$id" "$BASE")" || ! setup_stack "$id" "$BASE"; then
		ktap_fail "$s/race-setup"
		teardown_stack || true
		continue
	fi
	set -- --stack "$s" --dir "$DIR" --lower-dir "$LOWER_DIR" \
		--hookfs-dev "$HOOKFS_DEV" --path "$(path_of "$id")" \
		--seconds "$SECS" --iterations "$ATTEMPTS"
	set -- "$@" --no-stale
	run_tool "$s/race" $((SECS + 120)) race "$@"
	grep '^# race ' "$WORK/out" >>"$WORK/summary" || true
	check "$s/race-unmount" teardown_stack
	echo "# stack $s ($id): $(($(date +%s) - start)) s"
done

check "race-unmount-hookfs" umount "$BASE"
trace_restore
unload_modules
check "race-kernel-log-clean" kernel_log_clean
echo "# revoke race, stale mappings per path:"
cat "$WORK/summary" 2>/dev/null || true
ktap_summary "revoke race"
ktap_done
