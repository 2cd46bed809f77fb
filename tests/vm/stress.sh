#!/bin/sh
# Concurrency stress through every stack over hookfs.
#
# Per stack, nestmap-stress runs mapper threads (mmap, touch, mremap, fork,
# partial and full munmap) against threads that truncate, revoke and
# toggle hookfs's knobs, then checks that the hooks paired up (hookfs
# stats, trace events and the mmap() results agree, no context is left)
# and that no VMA is left. The stack must then unmount, and the kernel log
# must stay free of WARNING/BUG/lockdep/KASAN/RCU reports.
#
# hookfs's prepopulate knob toggles on every stack. On the compat stacks
# this once found generic_file_mmap_populate() mapping page-cache folios
# before the VMA was in the file's rmap, where a concurrent truncate could
# not unmap them (VM_BUG_ON_FOLIO(folio_mapped(folio)) in
# filemap_unaccount_folio); complete now runs on a linked VMA on every
# path. A kernel oops panics the guest so that the run ends at once
# (run_tool).
#
#   stress.sh [--long] [--stacks LIST]
# The short run (make test) takes about 4 s per stack; --long, or
# NESTMAP_STRESS_LONG=1, runs 60 s per stack (make stress).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/nestmap-stress
. "$HERE/stacks.inc"
. "$HERE/stress-lib.inc"

stress_args stress.sh "$@"
if [ "$LONG" = 1 ]; then
	SECS=60 THREADS=4 ITER=10000000
else
	SECS=4 THREADS=3 ITER=100000
fi

# stress_stack STACK LABEL ARGS...: one nestmap-stress run on STACK.
stress_stack() {
	s=$1 label=$2
	shift 2
	start=$(date +%s)
	if ! precreate "$(lower_of "$s" "$BASE")" || ! setup_stack "$s" "$BASE"; then
		ktap FAIL "$label/stress-setup"
		teardown_stack || true
		return
	fi
	set -- "$@" --stack "$label" --dir "$DIR" --lower-dir "$LOWER_DIR" \
		--hookfs-dev "$HOOKFS_DEV" --path "$(path_of "$s")" \
		--seconds "$SECS" --iterations "$ITER" --threads "$THREADS"
	# Over tmpfs uppers a writable open would copy "rw" up off hookfs.
	case $s in A|B|D|E) set -- "$@" --rw ;; esac
	run_tool "$label/stress" $((SECS + 120)) stress "$@"
	if teardown_stack; then
		ktap OK "$label/stress-unmount"
	else
		ktap FAIL "$label/stress-unmount"
	fi
	echo "# $label: $(($(date +%s) - start)) s"
}

rm -rf "$WORK"
mkdir -p "$WORK"
DMESG_LINES=$(dmesg | wc -l)
mount_pseudo
load_modules
trace_bigger 16384
BASE=$WORK/hookfs
mkdir -p "$BASE"
mount -t hookfs none "$BASE"
HOOKFS_DEV=$(dev_of "$BASE")
echo "# stress: stacks $STACKS, $SECS s each, $THREADS mapper threads"

for s in $STACKS; do
	stress_stack "$s" "$s"
done

if umount "$BASE"; then ktap OK "stress-unmount-hookfs"; else ktap FAIL "stress-unmount-hookfs"; fi
trace_restore
unload_modules
if kernel_log_clean; then
	ktap OK "stress-kernel-log-clean"
else
	ktap FAIL "stress-kernel-log-clean"
fi
echo "# stress: $KTAP_N checks, $KTAP_FAILED failed"
[ "$KTAP_FAILED" -eq 0 ]
