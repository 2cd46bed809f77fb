#!/bin/sh
# xfstests' own tools through every stack over hookfs (A-F, H, I).
#
# fsx (data integrity: every read, mapped or not, is compared with what it
# should be) runs with mapped reads and writes on, three seeds per stack:
# with -X (read the whole file back after every op), with -f (msync
# MS_INVALIDATE after every write) and with small page-aligned ops. It
# passes if it completed every op and did mapped reads and writes.
# fsstress runs 3 processes with only splice, copy_file_range, mapped
# reads and writes, truncate and the ops that make files to work on; it
# does not check data, so it passes if it exits 0, each of those ops
# succeeded at least once and none failed with EIO. Both pass only if the
# kernel logged no splat meanwhile. One result line per run per stack.
#
# fsx also tries fallocate, punch hole, zero, collapse and insert range
# (and clone, dedupe, copy range) once at start and turns off what the
# file system refuses: hookfs has preallocation and punch hole, as tmpfs
# does, and refuses the other modes (EOPNOTSUPP); nestmap-fuse (E) has no
# fallocate. fsstress's fallocate family is not enabled: its ops would
# have to be expected per stack (none succeed on E).
#
# Lockdep reports only its first splat per boot, so after one the later
# runs can pass without the check: read the first failure.
#
#   fstools.sh [--long] [--stacks LIST]
# LIST: stack ids (or letters) from tests/vm/stacks.inc, comma-separated;
# default: every stack but shmem.
# --long runs ten times as many ops; NESTMAP_FSX_OPS and NESTMAP_FSS_OPS
# set the counts. The default run takes about 100 s under TCG here.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/nestmap-fstools
. "$HERE/stacks.inc"
. "$HERE/stress-lib.inc"

stress_args fstools.sh "$@"
FSX_OPS=${NESTMAP_FSX_OPS:-8000}
FSS_OPS=${NESTMAP_FSS_OPS:-1500}
if [ "$LONG" = 1 ]; then
	FSX_OPS=$((FSX_OPS * 10)) FSS_OPS=$((FSS_OPS * 10))
fi
TOOL_LIMIT=$((LONG ? 1800 : 300))

# tool NAME CMD...: run CMD, output in $WORK/out, killed after TOOL_LIMIT
# s; an oops, or a process the kill cannot end, panics the guest
# (give_up) so that the run ends now. Sets RC, SECS and NEW_SPLAT.
tool() {
	name=$1
	shift
	lines=$(dmesg | wc -l)
	t_start=$(date +%s)
	rm -f "$WORK/rc"
	{
		rc=0
		timeout -s KILL "$TOOL_LIMIT" "$@" || rc=$?
		echo "$rc" >"$WORK/rc"
	} >"$WORK/out" 2>&1 &
	pid=$!
	waited=0
	while [ ! -f "$WORK/rc" ]; do
		oops=$(oops_seen)
		if [ -n "$oops" ]; then
			tail -n 20 "$WORK/out" | sed 's/^/# /'
			echo "$oops" | sed 's/^/# /'
			ktap_fail "$name: kernel oops"
			give_up "kernel oops during $name"
		fi
		if [ "$waited" -gt $((TOOL_LIMIT * 5 + 150)) ]; then
			ktap_fail "$name cannot be killed"
			give_up "$name cannot be killed"
		fi
		sleep 0.2
		waited=$((waited + 1))
	done
	wait "$pid" 2>/dev/null || true
	RC=$(cat "$WORK/rc")
	SECS=$(($(date +%s) - t_start))
	NEW_SPLAT=$(dmesg | tail -n +"$((lines + 1))" | splat_lines |
		head -n 3 || true)
}

# verdict NAME OK DETAIL: the run's result line; a splat fails it whatever
# the tool said.
verdict() {
	if [ -n "$NEW_SPLAT" ]; then
		echo "$NEW_SPLAT" | sed 's/^/# kernel: /'
		ktap_fail "$1 $3 (kernel splat)"
	elif [ "$2" = yes ]; then
		ktap_pass "$1 $3"
	else
		ktap_fail "$1 $3"
	fi
}

# fsx_run NAME SEED ARGS...: one fsx run on a new file of the stack.
fsx_run() {
	name=$1 seed=$2
	shift 2
	f=$DIR/fsx-$seed
	rm -rf "$WORK/fsxlog"
	mkdir -p "$WORK/fsxlog"
	tool "$name" "$BIN/fsx" -q -N "$FSX_OPS" -S "$seed" \
		-P "$WORK/fsxlog" --record-ops "$@" "$f"
	ops=$WORK/fsxlog/fsx-$seed.fsxops
	mr=0 mw=0
	if [ -f "$ops" ]; then
		mr=$(grep -c '^mapread ' "$ops" || true)
		mw=$(grep -c '^mapwrite ' "$ops" || true)
	fi
	ok=no
	if [ "$RC" -eq 0 ] &&
		grep -q "^All $FSX_OPS operations completed A-OK!" "$WORK/out" &&
		[ "$mr" -gt 0 ] && [ "$mw" -gt 0 ]; then
		ok=yes
	fi
	# fsx says what went wrong before its op log.
	[ "$ok" = yes ] || sed -n '1,/^LOG DUMP/p' "$WORK/out" | head -n 15 |
		sed 's/^/# /'
	verdict "$name" "$ok" "seed=$seed ops=$FSX_OPS mapread=$mr mapwrite=$mw exit=$RC ${SECS}s"
	rm -f "$f"
}

# The ops fsstress must have done, and succeeded at, in every run.
FSS_MUST="splice copyrange mread mwrite truncate"

fsstress_run() {
	name=$1 seed=$2
	tool "$name" "$BIN/fsstress" -d "$DIR/fsstress" -p 3 -n "$FSS_OPS" \
		-s "$seed" -v -z -f creat=4 -f write=4 -f read=2 -f unlink=1 \
		-f splice=6 -f copyrange=6 -f mread=6 -f mwrite=6 \
		-f truncate=3 -f fsync=1
	ok=yes
	[ "$RC" -eq 0 ] || ok=no
	counts=
	for op in $FSS_MUST; do
		# Done on a file and succeeded: "P/N: op fname[...] ... 0"; for
		# the copies "... -> fname[...] [off,len] 0" with len > 0
		# (copyrange prints no 0).
		case $op in
		splice) re="^[0-9]+/[0-9]+: $op [^ ]+\[.*\] \[[0-9]+,[1-9][0-9]*\] 0$" ;;
		copyrange) re="^[0-9]+/[0-9]+: $op [^ ]+\[.*\] \[[0-9]+,[1-9][0-9]*\]$" ;;
		*) re="^[0-9]+/[0-9]+: $op [^ ]+\[.* 0$" ;;
		esac
		n=$(grep -cE "$re" "$WORK/out" || true)
		counts="$counts $op=$n"
		[ "$n" -gt 0 ] || ok=no
	done
	# EIO means the stack broke: no layer here should ever return it.
	eio=$(grep -cE '^[0-9]+/[0-9]+: .* (failed |error )?5$' "$WORK/out" || true)
	if [ "$eio" -gt 0 ]; then
		ok=no
		grep -E '^[0-9]+/[0-9]+: .* (failed |error )?5$' "$WORK/out" | head -n 5 |
			sed 's/^/# EIO: /'
	fi
	[ "$ok" = yes ] || tail -n 5 "$WORK/out" | sed 's/^/# /'

	verdict "$name" "$ok" "seed=$seed procs=3 ops=$FSS_OPS$counts eio=$eio exit=$RC ${SECS}s"
	# Left in place: removing thousands of files through FUSE under TCG
	# takes longer than the run; stack_tools removes them on hookfs.
}

# stack_tools STACK I: the runs on STACK (an id), seeds from I; the
# results are named by its letter.
stack_tools() {
	id=$1 s=$(letter_of "$1") i=$2
	if ! setup_stack "$id" "$BASE"; then
		ktap_fail "$s/fstools-setup"
		teardown_stack || true
		return
	fi
	t0=$(date +%s)
	fsx_run "$s/fsx-X" $((100 + i)) -X
	fsx_run "$s/fsx-msync-invalidate" $((200 + i)) -f
	fsx_run "$s/fsx-page-aligned" $((300 + i)) -r 4096 -w 4096 -t 4096 \
		-o 16384
	fsstress_run "$s/fsstress" $((400 + i))
	teardown_stack || ktap_fail "$s/fstools-unmount"
	# Free the stack's files on hookfs directly: fast, and the next
	# stacks need the memory.
	rm -rf "${BASE:?}/$id"
	echo "# fstools: $s ($id) took $(($(date +%s) - t0)) s;" \
		"$(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MiB available"
}

for p in fsx fsstress; do
	[ -x "$BIN/$p" ] || {
		echo "Bail out! no $BIN/$p in the guest (userspace/build-xfstests-tools.sh)"
		exit 1
	}
done
start=$(date +%s)
start_suite
echo "# fstools: stacks $STACKS; fsx $FSX_OPS ops x3, fsstress 3 x $FSS_OPS ops per stack"

i=0
for id in $STACKS; do
	i=$((i + 1))
	stack_tools "$id" "$i"
done

umount "$BASE" || ktap_fail "fstools-unmount-hookfs"
unload_modules
check "fstools-kernel-log-clean" kernel_log_clean
ktap_summary fstools
echo "# fstools: $(($(date +%s) - start)) s"
ktap_done
