#!/bin/sh
# In-VM checks that stackfs passes every operation to its lower directory
# (on hookfs), that its legacy ->mmap reaches hookfs's hooks through the
# compat path, and that bad mount input is refused cleanly.
set -eu

FS_SUITE=fs-stackfs
. "$(dirname "$0")/fs-lib.inc"

H=/mnt/hookfs
L=$H/lower
S=/mnt/stackfs

# same_stat PATH: stackfs and lower agree on type, mode, owner, size, links.
same_stat() {
	a=$(stat -c '%F %a %u:%g %s %h %Y' "$S/$1") &&
		b=$(stat -c '%F %a %u:%g %s %h %Y' "$L/$1") &&
		echo "stackfs: $a / lower: $b" && [ "$a" = "$b" ]
}

is_mounted() {
	grep -q " $1 " /proc/mounts
}

# mount_rejected OPTIONS MESSAGE: mount fails, logs MESSAGE, mounts nothing.
mount_rejected() {
	! mount -t stackfs -o "$1" none /mnt/bad 2>/dev/null &&
		dmesg_new | grep -E '(^|] )stackfs: ' | grep -F "$2" &&
		! is_mounted /mnt/bad
}

check "insmod hookfs" insmod "$FS_MODDIR/hookfs.ko"
check "insmod stackfs" insmod "$FS_MODDIR/stackfs.ko"
mkdir -p "$H" "$S" /mnt/bad
mount -t hookfs none "$H"
mkdir -p "$L"
echo before >"$L/old"
check "mount stackfs over a hookfs directory" \
	mount -t stackfs -o "lowerdir=$L" none "$S"
SB=$(sb_dir "$H")

old_visible() {
	[ "$(cat "$S/old")" = before ]
}
check "lookup finds what was on the lower before the mount" old_visible

create_ops() {
	echo data >"$S/f" && [ "$(cat "$L/f")" = data ] && same_stat f
}
check "create and write through stackfs land on the lower" create_ops

lower_write() {
	echo more >>"$L/f" && [ "$(cat "$S/f")" = "data
more" ] && same_stat f
}
check "writes on the lower are seen through stackfs" lower_write

append_truncate() {
	echo tail >>"$S/f" && truncate -s 7 "$S/f" &&
		[ "$(stat -c %s "$L/f")" = 7 ] && same_stat f &&
		truncate -s 5000 "$S/f" && same_stat f &&
		cmp "$S/f" "$L/f"
}
check "append and truncate pass to the lower" append_truncate

seek_ops() {
	seq 1 2000 >"$S/seq" &&
		[ "$(dd if="$S/seq" bs=100 skip=3 count=1 2>/dev/null)" = \
		  "$(dd if="$L/seq" bs=100 skip=3 count=1 2>/dev/null)" ] &&
		[ "$(tail -c 5 "$S/seq")" = "2000" ]
}
check "llseek (dd skip, tail -c) matches the lower" seek_ops

check "fsync passes to the lower" \
	dd if=/dev/zero of="$S/synced" bs=4096 count=1 conv=fsync

# Lockdep needs every edge of a cycle in one boot: write() through stackfs
# takes its i_rwsem, then the lower's sb_writers; splice to hookfs takes
# sb_writers, then pipe->mutex; splice to stackfs must not take i_rwsem
# under pipe->mutex.
splice_ops() {
	echo w >"$S/splice-write" &&
		"$FS_PROBE" splice "$L/splice-direct" &&
		"$FS_PROBE" splice "$S/spliced" && same_stat spliced &&
		cmp "$S/spliced" "$L/spliced" &&
		! dmesg_new | grep -F 'possible circular locking'
}
if [ -x "$FS_PROBE" ]; then
	check "splice, copy_file_range and sendfile, no lockdep report" \
		splice_ops
else
	skip "splice, copy_file_range and sendfile, no lockdep report" \
		"no $FS_PROBE in the guest"
fi

dir_ops() {
	mkdir "$S/d" && [ -d "$L/d" ] && same_stat d && mkdir "$S/d/e" &&
		same_stat d && ! rmdir "$S/d" 2>/dev/null && rmdir "$S/d/e" &&
		rmdir "$S/d" && [ ! -e "$L/d" ]
}
check "mkdir and rmdir pass to the lower" dir_ops

rename_ops() {
	echo r >"$S/r1" && mv "$S/r1" "$S/r2" && [ ! -e "$L/r1" ] &&
		[ "$(cat "$L/r2")" = r ] && echo s >"$S/r3" &&
		mv -f "$S/r3" "$S/r2" && [ "$(cat "$S/r2")" = s ] &&
		[ "$(cat "$L/r2")" = s ] && mkdir "$S/rd" && mv "$S/rd" "$S/re" &&
		[ -d "$L/re" ] && [ ! -e "$L/rd" ]
}
check "rename (also over an existing file) passes to the lower" rename_ops

unlink_ops() {
	echo u >"$S/u" && rm "$S/u" && [ ! -e "$L/u" ] && [ ! -e "$S/u" ] &&
		echo v >"$S/u" && [ "$(cat "$L/u")" = v ]
}
check "unlink, then create the same name again" unlink_ops

list_dir() {
	(cd "$1" && find . -mindepth 1 -maxdepth 1 | sort)
}
readdir_ops() {
	mkdir -p "$L/many" && for i in $(seq 1 300); do : >"$L/many/f$i"; done &&
		[ "$(list_dir "$S/many")" = "$(list_dir "$L/many")" ] &&
		[ "$(list_dir "$S")" = "$(list_dir "$L")" ]
}
check "readdir lists what the lower lists" readdir_ops

lower_changes() {
	rm "$L/u" && [ ! -e "$S/u" ] && echo n >"$L/new" &&
		[ "$(cat "$S/new")" = n ]
}
check "changes made on the lower behind stackfs's back are seen" lower_changes

attr_ops() {
	chmod 0600 "$S/f" && same_stat f && chown 5:6 "$S/f" && same_stat f &&
		chmod 0644 "$L/f" && same_stat f &&
		touch -d '2002-03-04 05:06:07' "$S/f" && same_stat f
}
check "setattr passes to the lower, attributes stay in sync" attr_ops

symlink_follow() {
	ln -s f "$L/link" && [ "$(readlink "$S/link")" = f ] &&
		cmp "$S/link" "$L/f"
}
check "a lower symlink reads and follows through stackfs" symlink_follow

cp "$BUSYBOX" "$L/prog"
# exec_hooks DIR: exec of DIR/prog reaches hookfs's prepare and complete,
# paired, once per mapping.
exec_hooks() {
	printf '0\n' >"$SB/stats" && run_copy "$1/prog" &&
		p=$(stat_val "$SB" prepare) && [ "$p" -gt 0 ] &&
		[ "$(stat_val "$SB" complete)" = "$p" ] &&
		[ "$(stat_val "$SB" context_mismatch)" = 0 ] &&
		[ "$(stat_val "$SB" contexts_outstanding)" = 0 ]
}

# fail_complete DIR: a failed complete fails the exec and leaves nothing.
fail_complete() {
	printf '0\n' >"$SB/stats" && printf '1 5\n' >"$SB/fail_complete" &&
		! run_copy "$1/prog" 2>/dev/null &&
		[ "$(stat_val "$SB" complete_failed)" = 1 ] &&
		[ "$(stat_val "$SB" contexts_outstanding)" = 0 ] &&
		run_copy "$1/prog"
}

check "exec through stackfs reaches hookfs's prepare and complete" \
	exec_hooks "$S"
check "a failed complete under stackfs fails the mmap, nothing left" \
	fail_complete "$S"

# mmap=prepare: the same through stackfs's mmap_prepare (the nested path).
SP=/mnt/stackfs-prepare
mkdir -p "$SP"
mount_prepare() {
	mount -t stackfs -o "lowerdir=$L,mmap=prepare" none "$SP" &&
		grep -q " $SP stackfs .*,mmap=prepare" /proc/mounts
}
check "mount stackfs mmap=prepare, shown in /proc/mounts" mount_prepare
check "exec through stackfs mmap=prepare reaches hookfs's prepare and complete" \
	exec_hooks "$SP"
check "a failed complete under stackfs mmap=prepare fails the mmap, nothing left" \
	fail_complete "$SP"
umount "$SP" 2>/dev/null || true

touch "$S/pfn-through"
pfn_through() {
	probe_is F mmap-byte "$S/pfn-through" 20480
}
if [ -x "$FS_PROBE" ]; then
	check "pfn file remapped in complete is visible through stackfs" pfn_through
else
	skip "pfn file remapped in complete is visible through stackfs" \
		"no $FS_PROBE in the guest"
fi

# --- uprobes: d_real() ------------------------------------------------------
#
# uprobes find the inode with the page cache through d_real_inode(). A
# probe is set on fs-probe's uprobe_target() through one path and counts
# the calls made through every path that reaches the same hookfs inode.

TR=/sys/kernel/tracing
[ -e "$TR/uprobe_events" ] || mount -t tracefs none "$TR" 2>/dev/null || true

# uprobe_hits WANT PROBE RUN...: a uprobe on PROBE counts WANT hits when
# each RUN path calls uprobe_target() once.
uprobe_hits() {
	want=$1 probe=$2
	shift 2
	off=$("$probe" uprobe-offset) || return 1
	echo "p:nestmap/fsprobe $probe:$off" >>"$TR/uprobe_events" || return 1
	rc=0
	if echo 1 >"$TR/events/nestmap/fsprobe/enable"; then
		for run in "$@"; do
			"$run" uprobe-target 1 || rc=1
		done
		hits=$(awk '$2 == "fsprobe" { print $3 }' "$TR/uprobe_profile")
		echo "uprobe on $probe at $off: $hits hit(s), want $want"
		[ "$hits" = "$want" ] || rc=1
		echo 0 >"$TR/events/nestmap/fsprobe/enable" || rc=1
	else
		echo "enabling the uprobe on $probe failed"
		rc=1
	fi
	echo "-:nestmap/fsprobe" >>"$TR/uprobe_events" || rc=1
	return $rc
}

UO=/mnt/uprobe-ovl
US=/mnt/uprobe-stk
uprobe_setup() {
	cp "$FS_PROBE" "$L/uprobe-prog" && chmod 755 "$L/uprobe-prog" &&
		mkdir -p "$H/uu" "$H/uw" "$UO" "$US" &&
		mount -t overlay -o "lowerdir=$L,upperdir=$H/uu,workdir=$H/uw" \
			ovl "$UO" &&
		mount -t stackfs -o "lowerdir=$UO" none "$US"
}
# uprobe_check NAME ARGS...: check "uprobe_hits ARGS", or say why not.
uprobe_check() {
	if [ ! -x "$FS_PROBE" ]; then
		skip "$1" "no $FS_PROBE in the guest"
	elif [ ! -e "$TR/uprobe_events" ]; then
		skip "$1" "no uprobe_events in tracefs"
	else
		check "$@"
	fi
}
uprobe_check "uprobe setup: overlayfs on the lower, stackfs on that" \
	uprobe_setup
uprobe_check "uprobe through hookfs (reference), hit through stackfs too" \
	uprobe_hits 2 "$L/uprobe-prog" "$L/uprobe-prog" "$S/uprobe-prog"
uprobe_check "uprobe through stackfs (d_real), hit through hookfs too" \
	uprobe_hits 2 "$S/uprobe-prog" "$S/uprobe-prog" "$L/uprobe-prog"
uprobe_check "uprobe through overlayfs (reference)" \
	uprobe_hits 2 "$UO/uprobe-prog" "$UO/uprobe-prog" "$L/uprobe-prog"
uprobe_check "uprobe through stackfs over overlayfs" \
	uprobe_hits 2 "$US/uprobe-prog" "$US/uprobe-prog" "$L/uprobe-prog"
umount "$US" 2>/dev/null || true
umount "$UO" 2>/dev/null || true

# --- mount input ---------------------------------------------------------------

mkdir -p /mnt/notdir && : >/tmp/plainfile
check "missing lowerdir is rejected" mount_rejected "ro" "missing lowerdir"
check "relative lowerdir is rejected" \
	mount_rejected "lowerdir=mnt/hookfs" "lowerdir must be an absolute path"
check "nonexistent lowerdir is rejected" \
	mount_rejected "lowerdir=/does/not/exist" "lookup failed (-2)"
check "non-directory lowerdir is rejected" \
	mount_rejected "lowerdir=/tmp/plainfile" "is not a directory"
check "unknown option is rejected" \
	mount_rejected "lowerdir=$L,bogus=1" "Unknown parameter 'bogus'"
check "stackfs on stackfs is rejected" \
	mount_rejected "lowerdir=$S" "is on stackfs itself"
check "an unknown mmap mode is rejected" \
	mount_rejected "lowerdir=$L,mmap=fast" "Bad value for 'mmap'"

legacy_default() {
	grep -q " $S stackfs .*,mmap=legacy" /proc/mounts
}
check "mmap=legacy is the default, and shown" legacy_default

remount_mmap() {
	! mount -o "remount,lowerdir=$L,mmap=prepare" "$S" 2>/dev/null &&
		dmesg_new | grep -F "mmap cannot be changed by remount" &&
		legacy_default &&
		mount -o "remount,lowerdir=$L,mmap=legacy" "$S" && legacy_default
}
check "a remount cannot change the mmap mode, may repeat it" remount_mmap

# Two overlayfs levels make depth 2; stackfs on top would be 3.
deep_stack() {
	mkdir -p "$H/o1u" "$H/o1w" "$H/o2u" "$H/o2w" /mnt/o1 /mnt/o2 &&
		mount -t overlay -o "lowerdir=$L,upperdir=$H/o1u,workdir=$H/o1w" ovl /mnt/o1 &&
		mount -t overlay -o "lowerdir=/mnt/o1,upperdir=$H/o2u,workdir=$H/o2w" ovl /mnt/o2 &&
		mount_rejected "lowerdir=/mnt/o2" "maximum stacking depth 2 exceeded" &&
		mount -t stackfs -o lowerdir=/mnt/o1 none /mnt/bad &&
		[ "$(cat /mnt/bad/old)" = before ] && umount /mnt/bad
}
check "depth: on one overlayfs allowed, on two refused" deep_stack
umount /mnt/o2 2>/dev/null || true
umount /mnt/o1 2>/dev/null || true

userns_mount() {
	! unshare -U -r -m mount -t stackfs -o "lowerdir=$L" none /mnt/bad &&
		! is_mounted /mnt/bad
}
check "not mountable from a user namespace" userns_mount

# --- teardown ------------------------------------------------------------------

umount_clean() {
	umount "$S" && ! is_mounted "$S" && [ "$(cat "$L/old")" = before ]
}
check "umount stackfs leaves the lower intact" umount_clean
check "rmmod stackfs" rmmod stackfs
not_loaded() {
	! lsmod | grep -q "^$1 "
}
check "lsmod no longer lists stackfs" not_loaded stackfs
umount "$H"
check "rmmod hookfs" rmmod hookfs

fs_summary
