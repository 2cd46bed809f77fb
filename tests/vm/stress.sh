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
# Then, on the same mount, quick checks of what fsx and fsstress
# (tests/vm/fstools.sh) exercise: splice, sendfile, copy_file_range and
# tee from a file written through a shared mapping, checked through
# read(), mappings and a new open; and many opens of one file at once,
# read-only and read-write, each mapped (nestmap-fuse once refused any
# second open of a file with EIO).
#
#   stress.sh [--long] [--stacks LIST]
# LIST: stack ids (or letters) from tests/vm/stacks.inc, comma-separated;
# default: every stack but shmem.
# The short run (make test) takes 5-7 s per stack (4 s of stress); --long, or
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

# stress_stack STACK LABEL ARGS...: one nestmap-stress run on STACK (an
# id); LABEL (its letter) names the results.
stress_stack() {
	s=$1 label=$2
	shift 2
	start=$(date +%s)
	if ! precreate "$(lower_of "$s" "$BASE")" || ! setup_stack "$s" "$BASE"; then
		ktap_fail "$label/stress-setup"
		teardown_stack || true
		return
	fi
	set -- "$@" --stack "$label" --dir "$DIR" --lower-dir "$LOWER_DIR" \
		--hookfs-dev "$HOOKFS_DEV" --path "$(path_of "$s")" \
		--seconds "$SECS" --iterations "$ITER" --threads "$THREADS"
	# Over tmpfs uppers a writable open would copy "rw" up off hookfs.
	case $s in ovl-tmpfs|stackfs-ovl|stackfs-prepare-ovl) ;; *) set -- "$@" --rw ;; esac
	run_tool "$label/stress" $((SECS + 120)) stress "$@"
	for op in splice sendfile copy_file_range tee; do
		probe_ktap "$label/$op" copy "$DIR" "$op"
	done
	dd if=/dev/zero of="$DIR/opens" bs=4096 count=1 2>/dev/null
	probe_ktap "$label/opens-64" opens "$DIR/opens" 64
	if (shell_opens "$DIR/opens") >"$WORK/probe.out" 2>&1; then
		ktap_pass "$label/opens-shell"
	else
		sed 's/^/# /' "$WORK/probe.out"
		ktap_fail "$label/opens-shell"
	fi
	check "$label/stress-unmount" teardown_stack
	echo "# $label: $(($(date +%s) - start)) s"
}

# probe_ktap NAME ARGS...: one result line for "fs-probe ARGS".
# A kernel splat meanwhile fails it too, so that it names the culprit.
probe_ktap() {
	name=$1
	shift
	lines=$(dmesg | wc -l)
	if "$BIN/fs-probe" "$@" >"$WORK/probe.out" 2>&1; then
		splat=$(dmesg | tail -n +"$((lines + 1))" | splat_lines |
			head -n 2 || true)
		if [ -z "$splat" ]; then
			ktap_pass "$name"
			return
		fi
		echo "$splat" | sed 's/^/# kernel: /'
		ktap_fail "$name (kernel splat)"
	else
		sed 's/^/# /' "$WORK/probe.out"
		ktap_fail "$name"
	fi
}

# mapped_is FD WANT: the first byte of a shared mapping of FD is WANT.
mapped_is() {
	got=$("$BIN/fs-probe" mmap-fd "$1" 0) || return 1
	[ "$got" = "$2" ] || { echo "fd $1 maps '$got', want '$2'"; return 1; }
}

# One descriptor to write and others to map, opened and closed in turn.
# Run it in a subshell: a failed exec redirection ends the shell.
shell_opens() {
	f=$1
	exec 3<>"$f" 4<"$f" || exit 1
	printf W >&3 && mapped_is 4 W || exit 1
	exec 5<"$f" 6<>"$f" 7<"$f" || exit 1
	printf X >&6 && mapped_is 4 X && mapped_is 5 X && mapped_is 7 X ||
		exit 1
	exec 3<&- 6<&-
	mapped_is 7 X || exit 1
	exec 4<&- 7<&- 5<&-
	exec 3<"$f" || exit 1
	mapped_is 3 X
}

start_suite
trace_bigger 16384
echo "# stress: stacks $STACKS, $SECS s each, $THREADS mapper threads"

for id in $STACKS; do
	stress_stack "$id" "$(letter_of "$id")"
done

check "stress-unmount-hookfs" umount "$BASE"
trace_restore
unload_modules
check "stress-kernel-log-clean" kernel_log_clean
ktap_summary stress
ktap_done
