#!/bin/sh
# In-VM checks of the FUSE mmap_prepare conversion on the mappings that do
# not go through passthrough to hookfs, over plain tmpfs files:
#
# - page cache (nestmap-fuse --io cached) and direct-io MAP_PRIVATE owe no
#   mmap_complete (desc->skip_complete): no complete, no abort, and two
#   adjacent mappings merge into one VMA;
# - direct-io MAP_SHARED enters caching io mode in mmap_prepare, so it owes
#   mmap_complete or mmap_abort: each mapping keeps its own VMA, and under
#   a fail-nth sweep every successful prepare is paired with one of them;
# - passthrough and overlayfs over tmpfs, whose files have no hooks, owe
#   nothing either (mmap_prepare_nested() passes skip_complete up) and
#   merge as tmpfs mappings do.
#
# The hooks are seen through the mmap trace events of the FUSE (or
# overlayfs) inode, via fs-probe mmap-hooks and mmap-fail-nth.
set -eu

FS_SUITE=fuse-io
. "$(dirname "$0")/fs-lib.inc"
WORK=/tmp/nestmap-fuse-io
. "$(dirname "$0")/stacks.inc"

# One tmpfs holds the backing files and overlayfs's upper layer: with both
# layers on one filesystem, overlayfs reports its own device and the real
# inode number, as its trace events do.
T=$WORK/tmpfs
BACK=$T/back

# hooks_are WANT FILE HOW: "fs-probe mmap-hooks FILE HOW" prints WANT.
hooks_are() {
	hr_got=$("$FS_PROBE" mmap-hooks "$2" "$3")
	echo "got:  $hr_got"
	echo "want: $1"
	[ "$hr_got" = "$1" ]
}

# sweep_has FILE HOW K=V...: the fail-nth sweep of FILE prints each K=V;
# K>0 asks for a positive count.
sweep_has() {
	sh_file=$1 sh_how=$2
	shift 2
	sh_got=$("$FS_PROBE" mmap-fail-nth "$sh_file" "$sh_how")
	echo "# $sh_file $sh_how: $sh_got"
	for sh_kv in "$@"; do
		case $sh_kv in
		*'>0')
			sh_k=${sh_kv%>0}
			sh_v=$(echo "$sh_got" | tr ' ' '\n' |
				awk -F= -v k="$sh_k" '$1 == k { print $2 }')
			[ "${sh_v:-0}" -gt 0 ] || { echo "want $sh_kv"; return 1; }
			;;
		*)
			case " $sh_got " in
			*" $sh_kv "*) ;;
			*) echo "want $sh_kv"; return 1 ;;
			esac
			;;
		esac
	done
}

# data_reads FILE: the first byte of a shared mapping is the file's.
data_reads() {
	[ "$("$FS_PROBE" mmap-byte "$1" 0)" = "$(head -c 1 "$BACK/f")" ]
}

mount_pseudo
setup_tracing >/dev/null
setup_fault_injection >/dev/null
mkdir -p "$T"
check "mount the tmpfs backing directory" \
	eval 'mount -t tmpfs none "$T" && mkdir "$BACK"'
check "make a two-page file" \
	eval 'printf "nestmap fuse-io\n" >"$BACK/f" && truncate -s 8192 "$BACK/f"'

for io in cached direct-io passthrough; do
	M=$WORK/$io
	mkdir -p "$M"
	check "$io: mount nestmap-fuse --io $io" \
		"$BIN/nestmap-fuse" --io "$io" --backing "$BACK" "$M"
	check "$io: a shared mapping reads the file" data_reads "$M/f"
done

check "cached: shared mappings owe nothing and merge" \
	hooks_are "prepare=2 complete=0 abort=0 vmas=1" "$WORK/cached/f" shared
check "cached: private mappings owe nothing and merge" \
	hooks_are "prepare=2 complete=0 abort=0 vmas=1" "$WORK/cached/f" private
check "cached: fail-nth: no complete or abort is owed" \
	sweep_has "$WORK/cached/f" shared complete=0 abort=0 'prepared>0'
grep '^# ' "$FS_LOG.cur" || true	# where the injected failures landed

check "direct-io: shared mappings complete, one VMA each" \
	hooks_are "prepare=2 complete=2 abort=0 vmas=2" "$WORK/direct-io/f" shared
check "direct-io: fail-nth: every prepare completes or aborts once" \
	sweep_has "$WORK/direct-io/f" shared unpaired=0 'abort>0' 'failed>0'
grep '^# ' "$FS_LOG.cur" || true
check "direct-io: private mappings owe nothing and merge" \
	hooks_are "prepare=2 complete=0 abort=0 vmas=1" "$WORK/direct-io/f" private
check "direct-io: a shared mapping still reads the file after the sweep" \
	data_reads "$WORK/direct-io/f"

check "passthrough over tmpfs: nothing owed, mappings merge" \
	hooks_are "prepare=2 complete=0 abort=0 vmas=1" "$WORK/passthrough/f" shared

O=$WORK/ovl
mkdir -p "$T/upper" "$T/work" "$O"
check "mount overlayfs over the tmpfs directory" \
	mount -t overlay none "$O" \
		-o "lowerdir=$BACK,upperdir=$T/upper,workdir=$T/work"
check "overlayfs over tmpfs: nothing owed, mappings merge" \
	hooks_are "prepare=2 complete=0 abort=0 vmas=1" "$O/f" shared

for m in "$O" "$WORK/passthrough" "$WORK/direct-io" "$WORK/cached" "$T"; do
	check "umount $m" umount "$m"
done

fs_summary
