#!/bin/sh
# In-VM checks that hookfs is a correct filesystem, that overlayfs takes it
# as upper and lower layer without falling back, and that its statistics
# and knobs behave. mmap() is driven by exec'ing a copy of busybox that
# lives on hookfs: the ELF loader maps it with MAP_PRIVATE.
set -eu

FS_SUITE=fs-hookfs
. "$(dirname "$0")/fs-lib.inc"

M=/mnt/hookfs

# write_knob FILE VALUE: fails when the kernel rejects the write.
write_knob() {
	(printf '%s\n' "$2" >"$1") 2>/dev/null
}

# bad_write KNOB VALUE: rejected, and the knob keeps its value.
bad_write() {
	before=$(cat "$SB/$1")
	! write_knob "$SB/$1" "$2" && [ "$(cat "$SB/$1")" = "$before" ]
}

good_write() {
	write_knob "$SB/$1" "$2" && [ "$(cat "$SB/$1")" = "$3" ]
}

reset_stats() {
	write_knob "$SB/stats" 0
}

stats_are() {
	for kv in "$@"; do
		[ "$(stat_val "$SB" "${kv%=*}")" = "${kv#*=}" ] || {
			echo "${kv%=*} is $(stat_val "$SB" "${kv%=*}"), want ${kv#*=}"
			return 1
		}
	done
}

uptime_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# --- mount -------------------------------------------------------------

check "insmod hookfs" insmod "$FS_MODDIR/hookfs.ko"
mkdir -p "$M"
check "mount hookfs" mount -t hookfs none "$M"
SB=$(sb_dir "$M")
check "debugfs directory for the superblock" test -f "$SB/stats"
knob_modes() {
	for f in stats prepopulate fail_complete fail_prepare fail_action \
		 prepare_delay_ms complete_delay_ms; do
		[ "$(stat -c '%a %u' "$SB/$f")" = '600 0' ] || return 1
	done
	[ "$(stat -c '%a %u' "$DBG/total/stats")" = '600 0' ]
}
check "debugfs files are root-only (0600)" knob_modes

# --- file operations -----------------------------------------------------

file_rw() {
	echo hello >"$M/f" && [ "$(cat "$M/f")" = hello ] &&
		echo world >>"$M/f" && [ "$(cat "$M/f")" = "hello
world" ]
}
check "write, append and read back" file_rw

file_truncate() {
	truncate -s 3 "$M/f" && [ "$(cat "$M/f")" = hel ] &&
		truncate -s 9000 "$M/f" && [ "$(stat -c %s "$M/f")" = 9000 ] &&
		[ "$(tail -c 10 "$M/f" | od -An -tx1 | tr -d ' \n')" = 00000000000000000000 ]
}
check "truncate shrinks and zero-extends" file_truncate

file_fsync() {
	dd if=/dev/zero of="$M/synced" bs=4096 count=2 conv=fsync &&
		[ "$(stat -c %s "$M/synced")" = 8192 ]
}
check "fsync" file_fsync

dir_ops() {
	mkdir "$M/d" && mkdir "$M/d/sub" && [ "$(stat -c %h "$M/d")" = 3 ] &&
		! rmdir "$M/d" 2>/dev/null && rmdir "$M/d/sub" &&
		[ "$(stat -c %h "$M/d")" = 2 ] && rmdir "$M/d" && [ ! -e "$M/d" ]
}
check "mkdir, rmdir, rmdir of a non-empty dir fails" dir_ops

rename_ops() {
	echo a >"$M/ra" && echo b >"$M/rb" && mv "$M/ra" "$M/rc" &&
		[ ! -e "$M/ra" ] && [ "$(cat "$M/rc")" = a ] &&
		mv -f "$M/rc" "$M/rb" && [ "$(cat "$M/rb")" = a ] &&
		mkdir -p "$M/rd/x" && mv "$M/rd" "$M/re" && [ -d "$M/re/x" ]
}
check "rename files and directories, replace a target" rename_ops

link_ops() {
	echo t >"$M/target" && ln -s target "$M/sym" &&
		[ "$(readlink "$M/sym")" = target ] && [ "$(cat "$M/sym")" = t ] &&
		ln "$M/target" "$M/hard" && [ "$(stat -c %h "$M/target")" = 2 ] &&
		rm "$M/hard" && [ "$(stat -c %h "$M/target")" = 1 ]
}
check "symlink, hard link, unlink" link_ops

mknod_ops() {
	mknod "$M/wh" c 0 0 && [ "$(stat -c '%F %t:%T' "$M/wh")" = "character special file 0:0" ] &&
		mkfifo "$M/fifo" && [ -p "$M/fifo" ] && rm "$M/wh" "$M/fifo"
}
check "mknod a 0:0 whiteout and a fifo" mknod_ops

setattr_ops() {
	chmod 0640 "$M/target" && [ "$(stat -c %a "$M/target")" = 640 ] &&
		chown 12:34 "$M/target" && [ "$(stat -c %u:%g "$M/target")" = 12:34 ] &&
		touch -d '2001-02-03 04:05:06' "$M/target" &&
		[ "$(stat -c %Y "$M/target")" = "$(date -d '2001-02-03 04:05:06' +%s)" ]
}
check "chmod, chown, utimes" setattr_ops

check_probe "user.* xattr set, get, list, remove" xattr "$M/target" user.t v1
check_probe "trusted.* xattr set, get, list, remove" xattr "$M/target" trusted.t v2
check_probe "xattr on a directory" xattr "$M" user.dir v3
tmpfile_ops() {
	"$FS_PROBE" tmpfile "$M" tmpf && [ "$(cat "$M/tmpf")" = tmp ]
}
whiteout_ops() {
	echo w >"$M/wa" && "$FS_PROBE" whiteout "$M" wa wb &&
		[ "$(stat -c '%F %t:%T' "$M/wa")" = "character special file 0:0" ] &&
		[ "$(cat "$M/wb")" = w ]
}
if [ -x "$FS_PROBE" ]; then
	check "O_TMPFILE, then link it in" tmpfile_ops
	check "rename with RENAME_WHITEOUT" whiteout_ops
else
	skip "O_TMPFILE, then link it in" "no $FS_PROBE in the guest"
	skip "rename with RENAME_WHITEOUT" "no $FS_PROBE in the guest"
fi

# --- file kinds ------------------------------------------------------------

pfn_content() {
	[ "$(stat -c %s "$M/pfn0")" = 65536 ] &&
		[ "$(head -c 1 "$M/pfn0")" = A ] &&
		[ "$(dd if="$M/pfn0" bs=4096 skip=15 count=1 2>/dev/null | head -c 1)" = P ] &&
		[ "$(dd if="$M/pfn0" bs=4096 skip=1 count=1 2>/dev/null | tr -d B | wc -c)" = 0 ]
}
touch "$M/pfn0"
check "pfn file: 64 KiB, byte at o is 'A' + o / 4096" pfn_content

pfn_write() {
	printf xy | dd of="$M/pfn0" bs=1 seek=4097 conv=notrunc 2>/dev/null &&
		[ "$(dd if="$M/pfn0" bs=1 skip=4096 count=4 2>/dev/null)" = BxyB ] &&
		! truncate -s 100 "$M/pfn0" 2>/dev/null &&
		[ "$(stat -c %s "$M/pfn0")" = 65536 ]
}
check "pfn file: writes land in the buffer, size is fixed" pfn_write

pfn_mmap() {
	probe_is D mmap-byte "$M/pfn0" 12288 && probe_is P mmap-byte "$M/pfn0" 65535
}
if [ -x "$FS_PROBE" ]; then
	check "pfn file: mmap shows the remapped buffer" pfn_mmap
else
	skip "pfn file: mmap shows the remapped buffer" "no $FS_PROBE in the guest"
fi
check_probe "pfn file: mapping past the buffer fails with EINVAL" \
	mmap-errno "$M/pfn0" 0 69632 22
check_probe "pfn file: offset past the buffer fails with EINVAL" \
	mmap-errno "$M/pfn0" 65536 4096 22
: >"$M/bad-complete-file"
: >"$M/bad-abort-file"
check_probe "bad-complete file: mmap fails with ENODEV" \
	mmap-errno "$M/bad-complete-file" 0 4096 19
check_probe "bad-abort file: mmap fails with ENODEV" \
	mmap-errno "$M/bad-abort-file" 0 4096 19
echo revocable >"$M/revocable-data"
check_probe "revocable file: SIGBUS after REVOKE, readable after RESTORE" \
	revoke "$M/revocable-data"
check "no context outstanding after the kinds" stats_are contexts_outstanding=0

cp "$BUSYBOX" "$M/prog"
reset_stats
exec_normal() {
	run_copy "$M/prog" && p=$(stat_val "$SB" prepare) && [ "$p" -gt 0 ] &&
		stats_are complete="$p" abort=0 complete_failed=0 \
			context_mismatch=0 contexts_outstanding=0
}
check "exec from hookfs: every prepare completes, no context left" exec_normal

total_counts() {
	[ "$(stat_val "$DBG/total" prepare)" -ge "$(stat_val "$SB" prepare)" ]
}
check "total/stats counts at least the superblock's calls" total_counts

stats_reset() {
	write_knob "$SB/stats" 0 && stats_are prepare=0 complete=0 abort=0 &&
		! write_knob "$SB/stats" 1 && ! write_knob "$SB/stats" x
}
check "stats: writing 0 resets, anything else is rejected" stats_reset

for kind in bad-complete bad-abort; do
	cp "$BUSYBOX" "$M/$kind-prog"
	misdeclared() {
		reset_stats && ! run_copy "$M/$kind-prog" 2>/dev/null &&
			stats_are prepare=0 complete=0 abort=0 contexts_outstanding=0
	}
	check "$kind file: mmap fails before any hook runs" misdeclared
done

cp "$BUSYBOX" "$M/revocable-prog"
revocable_exec() {
	reset_stats && run_copy "$M/revocable-prog" &&
		[ "$(stat_val "$SB" pages_prepopulated)" -gt 0 ] &&
		stats_are contexts_outstanding=0
}
check "revocable file: complete prepopulates" revocable_exec

# --- knobs -------------------------------------------------------------------

knob_validation() {
	bad_write prepopulate 2 && bad_write prepopulate x &&
		bad_write prepopulate -1 && bad_write prepopulate '' &&
		bad_write fail_complete 1 && bad_write fail_complete '1 0' &&
		bad_write fail_complete '0 5' && bad_write fail_complete '1 4096' &&
		bad_write fail_complete '1 5 6' && bad_write fail_complete 'a b' &&
		bad_write fail_complete '-1 5' && bad_write fail_prepare '1 x' &&
		bad_write fail_prepare '99999999999 5' &&
		bad_write prepare_delay_ms 1001 && bad_write prepare_delay_ms -1 &&
		bad_write complete_delay_ms abc && bad_write complete_delay_ms 1.5
}
check "knobs reject bad values and keep their value" knob_validation

knob_set() {
	good_write prepopulate 1 1 && good_write prepopulate 0 0 &&
		good_write fail_complete '3 5' '3 5' &&
		good_write fail_complete '0 0' '0 0' &&
		good_write prepare_delay_ms 1000 1000 &&
		good_write prepare_delay_ms 0 0
}
check "knobs accept good values" knob_set

fail_complete() {
	reset_stats && write_knob "$SB/fail_complete" '1 5' &&
		! run_copy "$M/prog" 2>/dev/null &&
		stats_are complete=0 complete_failed=1 abort=0 \
			contexts_outstanding=0 &&
		[ "$(cat "$SB/fail_complete")" = '0 5' ] && run_copy "$M/prog"
}
check "fail_complete fails exactly the next N completes" fail_complete

fail_prepare() {
	reset_stats && write_knob "$SB/fail_prepare" '1 12' &&
		! run_copy "$M/prog" 2>/dev/null &&
		stats_are prepare=0 prepare_failed=1 complete=0 abort=0 \
			contexts_outstanding=0 &&
		run_copy "$M/prog"
}
check "fail_prepare fails the next prepare, nothing outstanding" fail_prepare

prepopulate_knob() {
	write_knob "$SB/prepopulate" 0 && reset_stats && run_copy "$M/prog" &&
		stats_are pages_prepopulated=0 &&
		write_knob "$SB/prepopulate" 1 && run_copy "$M/prog" &&
		[ "$(stat_val "$SB" pages_prepopulated)" -gt 0 ] &&
		write_knob "$SB/prepopulate" 0
}
check "prepopulate knob turns prepopulation on and off" prepopulate_knob

# delay_knob KNOB: one exec takes at least as long as one delay.
delay_knob() {
	write_knob "$SB/$1" 300 && t0=$(uptime_cs) && run_copy "$M/prog" &&
		t1=$(uptime_cs) && write_knob "$SB/$1" 0 &&
		echo "took $((t1 - t0)) cs" && [ $((t1 - t0)) -ge 30 ]
}
check "prepare_delay_ms delays prepare" delay_knob prepare_delay_ms
check "complete_delay_ms delays complete" delay_knob complete_delay_ms

mkdir -p /mnt/hookfs-pre
mount_option() {
	mount -t hookfs -o prepopulate none /mnt/hookfs-pre &&
		[ "$(cat "$(sb_dir /mnt/hookfs-pre)/prepopulate")" = 1 ] &&
		grep -q ' /mnt/hookfs-pre hookfs .*prepopulate' /proc/mounts &&
		umount /mnt/hookfs-pre
}
check "prepopulate mount option" mount_option
check "unknown mount option is rejected" \
	expect_fail mount -t hookfs -o bogus none /mnt/hookfs-pre

# --- overlayfs on hookfs -------------------------------------------------------

O=/mnt/ovl
overlay_mount() {
	mkdir -p "$M/lower/dir" "$M/upper" "$M/work" "$O" &&
		echo lower >"$M/lower/file" && echo gone >"$M/lower/dir/x" &&
		mount -t overlay -o "lowerdir=$M/lower,upperdir=$M/upper,workdir=$M/work" \
			overlay "$O"
}
check "overlayfs mounts with upper and lower on hookfs" overlay_mount

no_fallback() {
	! dmesg_new | grep -iE 'overlayfs: .*(not support|falling back|failed to set xattr|needs to support|missing)'
}
check "overlayfs printed no fallback warnings" no_fallback

overlay_ops() {
	[ "$(cat "$O/file")" = lower ] && echo upper >"$O/file" &&
		[ "$(cat "$M/upper/file")" = upper ] &&
		[ "$(cat "$M/lower/file")" = lower ] &&
		rm "$O/file" && [ ! -e "$O/file" ] &&
		[ "$(stat -c '%F %t:%T' "$M/upper/file")" = "character special file 0:0" ]
}
check "overlayfs copy-up and whiteout on hookfs" overlay_ops

overlay_opaque() {
	rm -r "$O/dir" && mkdir "$O/dir" && [ -z "$(ls -A "$O/dir")" ] &&
		[ -e "$M/lower/dir/x" ]
}
check "overlayfs opaque directory (trusted xattr) on hookfs" overlay_opaque

overlay_exec() {
	cp "$BUSYBOX" "$M/lower/prog" && reset_stats &&
		run_copy "$O/prog" && p=$(stat_val "$SB" prepare) && [ "$p" -gt 0 ] &&
		stats_are complete="$p" context_mismatch=0 contexts_outstanding=0
}
check "exec through overlayfs reaches hookfs's hooks" overlay_exec
umount "$O" || true

# --- teardown ----------------------------------------------------------------

umount_clean() {
	umount "$M" && [ ! -e "$SB" ] && ! grep -q " $M " /proc/mounts
}
check "umount removes the debugfs directory" umount_clean
check "rmmod hookfs" rmmod hookfs
check "debugfs hookfs/ is gone after rmmod" test ! -e "$DBG"

fs_summary
