#!/bin/sh
# The nested-mmap matrix, run as root inside the guest (busybox sh).
#
# Mounts each stack of tests/vm/stacks.inc over hookfs (or, with --lower
# DIR, stackfs, ovl-tmpfs, fuse and stackfs-prepare over the user's
# directory), runs the mmap_hooks kselftest's variant for that stack on it
# (the test's cases are the table's rows), tears it down again and prints
# one table: rows are cases, columns are stacks (by letter). A failed setup, unmount or
# rmmod, and a kernel splat (tests/lib/splat.sh) during the run, are
# failures too. So is a stack over hookfs whose outcome in any case
# differs from the direct path's (A): a stacker, converted or not, must
# not change what the lower's hooks do. The result lines
# (tests/lib/ktap.sh) are the test's, then teardown, rmmod, the
# comparisons with A and the kernel log ones.
set -eu

BIN=${NESTMAP_BIN:-/opt/nestmap/bin}
MODULES=${NESTMAP_MODULES:-/opt/nestmap/modules}
WORK=/tmp/nestmap-matrix
KSELFTEST=${NESTMAP_KSELFTEST:-/opt/nestmap/kselftest}
TEST=$KSELFTEST/filesystems/mmap_hooks/mmap_hooks_test
STACK_TIMEOUT=600
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/stacks.inc"

usage() {
	cat <<-EOF
	usage: matrix.sh [--lower DIR] [--stacks LIST]
	  --lower DIR    run stacks stackfs, ovl-tmpfs, fuse and stackfs-prepare
	                 (B, C, E, H) over DIR instead of hookfs (hooks are then
	                 checked through trace events only)
	  --stacks LIST  only these stacks, by id or letter: e.g.
	                 hookfs,stackfs,shmem or A,B,G (default: all)
	stacks: $(for id in $(stack_ids); do printf '%s=%s ' "$id" "$(letter_of "$id")"; done)
	EOF
}

LOWER=
STACKS=
while [ $# -gt 0 ]; do
	case $1 in
	--lower) [ $# -ge 2 ] || { usage >&2; exit 2; }; LOWER=$2; shift 2 ;;
	--stacks) [ $# -ge 2 ] || { usage >&2; exit 2; }; STACKS=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "matrix.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
if [ -n "$LOWER" ]; then
	[ -d "$LOWER" ] || { echo "matrix.sh: --lower $LOWER is not a directory" >&2; exit 2; }
	LOWER=$(cd "$LOWER" && pwd)
	ALL_STACKS="stackfs ovl-tmpfs fuse stackfs-prepare"
else
	ALL_STACKS=$(stack_ids)
fi
parse_stacks matrix.sh "${STACKS:-$ALL_STACKS}" "$ALL_STACKS" || exit 2
# Below, stacks go by letter: the table's columns.
STACKS=$(for id in $STACKS; do letter_of "$id"; done)

[ -x "$TEST" ] || { echo "matrix.sh: $TEST is missing (make userspace)" >&2; exit 1; }
# The cases are the test's: the third column of its -l listing.
CASES="$("$TEST" -l 2>&1 | awk '$1 == "mmap_hooks" { on = 1 } on && length($0) > 47 { print substr($0, 48) }' |
	tr '\n' ' ')teardown"

START=$(date +%s)
progress() {
	echo "[matrix $(($(date +%s) - START))s] $*"
}

# ---- results: one file per cell, $WORK/results/STACK.CASE ----

set_cell() {
	echo "$3" >"$WORK/results/$1.$2"
}

# Turn one KTAP run into cells; cases it did not report become FAIL,
# with a result line of their own.
record_ktap() {
	stack=$1 ktap=$2
	for c in $CASES; do
		[ "$c" = teardown ] && continue
		line=$(grep -E "^(not )?ok [0-9]+ mmap_hooks\.$(id_of "$stack" | tr - _)\.$c( |\$)" \
			"$ktap" || true)
		case $line in
		"not ok"*) set_cell "$stack" "$c" FAIL ;;
		*"# SKIP"*) set_cell "$stack" "$c" SKIP ;;
		ok*) set_cell "$stack" "$c" PASS ;;
		*) set_cell "$stack" "$c" FAIL
			ktap_fail "$stack/$c # no result from mmap_hooks_test" ;;
		esac
	done
}

fail_all() {
	for c in $CASES; do
		set_cell "$1" "$c" FAIL
	done
	ktap_fail "$1/setup"
}

print_table() {
	printf '%-18s' case
	for s in $STACKS; do printf ' %-4s' "$s"; done
	echo
	for c in $CASES; do
		printf '%-18s' "$c"
		for s in $STACKS; do
			printf ' %-4s' "$(cat "$WORK/results/$s.$c" 2>/dev/null || echo '-')"
		done
		echo
	done
}

run_stack() {
	s=$1 base=$2 hookfs_dev=$3
	ktap=$WORK/ktap.$s
	progress "stack $s: setup"
	if ! setup_stack "$s" "$base"; then
		echo "# stack $s: setup failed"
		fail_all "$s"
		teardown_stack || true
		return
	fi
	progress "stack $s: test"
	v=$(id_of "$s" | tr - _)
	V=$(echo "$v" | tr a-z A-Z)
	rc=0
	env "MMAP_HOOKS_${V}_DIR=$DIR" "MMAP_HOOKS_${V}_LOWER=$LOWER_DIR" \
		"MMAP_HOOKS_${V}_UPPER=$UPPER_DIR" \
		"MMAP_HOOKS_HOOKFS_DEV=$hookfs_dev" \
		timeout -s KILL "$STACK_TIMEOUT" "$TEST" -v "$v" \
		>"$ktap" 2>&1 || rc=$?
	ktap_emit "$ktap"
	echo "# stack $s: mmap_hooks_test -v $v exit status $rc"
	record_ktap "$s" "$ktap"
	progress "stack $s: teardown"
	if teardown_stack; then
		set_cell "$s" teardown PASS
		ktap_pass "$s/teardown"
	else
		set_cell "$s" teardown FAIL
		ktap_fail "$s/teardown"
	fi
}

# ---- main ----

rm -rf "$WORK"
mkdir -p "$WORK/results"
DMESG_LINES=$(dmesg | wc -l)
mount_pseudo
setup_tracing
setup_fault_injection
FAILURES=0

progress "load modules"
for m in hookfs stackfs; do
	[ "$m" = hookfs ] && [ -n "$LOWER" ] && continue
	[ -f "$MODULES/$m.ko" ] || { echo "matrix.sh: $MODULES/$m.ko is missing" >&2; exit 1; }
done
load() {
	insmod "$MODULES/$1.ko" ||
		{ echo "matrix.sh: cannot load $MODULES/$1.ko (built for another kernel?)" >&2; exit 1; }
}
if [ -z "$LOWER" ]; then
	load hookfs
	BASE=$WORK/hookfs
	mkdir -p "$BASE"
	mount -t hookfs none "$BASE"
	HOOKFS_DEV=$(dev_of "$BASE")
	BASE_MOUNT=$BASE
else
	BASE=$LOWER/nestmap-matrix.$$
	HOOKFS_DEV=
	BASE_MOUNT=
fi
load stackfs

for s in $STACKS; do
	run_stack "$s" "$BASE" "$HOOKFS_DEV"
done

# Every stack over hookfs must do what A does, case by case. SysV shm
# (G) maps shmem, not hookfs: A is not its reference.
compare_with_direct() {
	for s in $STACKS; do
		[ "$s" = A ] || [ "$s" = G ] && continue
		diff=
		for c in $CASES; do
			a=$(cat "$WORK/results/A.$c" 2>/dev/null || echo -)
			o=$(cat "$WORK/results/$s.$c" 2>/dev/null || echo -)
			[ "$a" = "$o" ] || diff="$diff $c (A: $a, $s: $o)"
		done
		if [ -z "$diff" ]; then
			ktap_pass "$s/same outcome as A in every case"
		else
			echo "# stack $s differs from the direct path:$diff"
			ktap_fail "$s/same outcome as A in every case"
			FAILURES=$((FAILURES + 1))
		fi
	done
}
if echo "$STACKS" | grep -qx A; then
	compare_with_direct
else
	echo "# stack A (hookfs) not run: no comparison with the direct path"
fi

progress "unload modules"
if [ -n "$BASE_MOUNT" ]; then
	if umount "$BASE_MOUNT"; then
		ktap_pass "umount hookfs"
	else
		ktap_fail "umount hookfs"
		FAILURES=$((FAILURES + 1))
	fi
else
	rm -rf "$BASE"
fi
for m in stackfs hookfs; do
	[ "$m" = hookfs ] && [ -n "$LOWER" ] && continue
	if rmmod "$m"; then
		ktap_pass "rmmod $m"
	else
		ktap_fail "rmmod $m"
		FAILURES=$((FAILURES + 1))
	fi
done
if kernel_log_clean; then
	ktap_pass "kernel log clean"
else
	ktap_fail "kernel log clean # a kernel splat (tests/lib/splat.sh)"
	FAILURES=$((FAILURES + 1))
fi

echo
print_table
echo
echo "fault injection (fail-nth sweeps and hookfs knobs), per stack:"
for s in $STACKS; do
	grep -h -e 'injection points' -e 'injected errors tried' \
		"$WORK/ktap.$s" 2>/dev/null | sed 's/^# /  /' || true
done
pass=$(cat "$WORK"/results/* | grep -c PASS || true)
fail=$(($(cat "$WORK"/results/* | grep -c FAIL || true) + FAILURES))
skip=$(cat "$WORK"/results/* | grep -c SKIP || true)
echo "matrix: $pass passed, $fail failed, $skip skipped"
progress "done"
[ "$fail" -eq 0 ]
