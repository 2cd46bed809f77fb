#!/bin/sh
# Hostile input, run as root inside the guest: every
# attempt must end in a clear error, never in a kernel splat or a leaked
# mount.
#
#   - stackfs mount options, generated: values (missing, garbage bytes,
#     overlong, relative, nonexistent, a file, self-referential, too deep)
#     times key variants (duplicated, unknown, misspelt, extra flags), and
#     remounts;
#   - hookfs mount options, remount, garbage written to every debugfs
#     knob, and knob files used after their superblock is gone;
#   - nestmap-mmap-errno through every stack with files (A-F, H, I, see
#     stacks.inc): each line must match the direct path (A, hookfs) and
#     every difference is printed;
#   - nestmap-fuse given bad or odd paths.
#
# Every category prints how many inputs it tried; the last line before the
# summary is "# hostile: N inputs tried".
set -eu

FS_SUITE=hostile
. "$(dirname "$0")/fs-lib.inc"
WORK=/tmp/nestmap-hostile
. "$(dirname "$0")/stacks.inc"
MMAP_ERRNO=$BIN/nestmap-mmap-errno
FUSE=$BIN/nestmap-fuse
NL='
'

# The kernel log is moved to $KMSG as the suite goes (dmesg -c), so that
# a message can be told to belong to its input and the ring buffer never
# wraps; the splat check reads $KMSG.
KMSG=/tmp/hostile.kmsg
dmesg_new >"$KMSG"
dmesg -c >/dev/null
klog_take() {	# K: what the kernel logged since the last call
	K=$(dmesg -c)
	printf '%s\n' "$K" >>"$KMSG"
}
no_kernel_splat() {
	klog_take
	! splat_lines "$KMSG"
}

# show STRING: STRING with unprintable bytes as '?', cut to 100 bytes.
show() {
	printf '%s' "$1" | tr -c ' -~' '?' | cut -c1-100
}

# rep STRING N: STRING repeated N times.
rep() {
	printf "%${2}s" '' | sed "s| |$1|g"
}

load_module() {
	lsmod | grep -q "^$1 " || insmod "$FS_MODDIR/$1.ko"
}

rm -rf "$WORK"
mkdir -p "$WORK"
mount_pseudo
MOUNTS_AT_START=$(cat /proc/mounts)
check "insmod hookfs and stackfs" eval 'load_module hookfs && load_module stackfs'

# ---- fixtures: hookfs, a stackfs, overlayfs one and two deep -------------

H=$WORK/h
L=$H/lower
STK=$WORK/stk
FZ=$WORK/fz
mkdir -p "$H" "$STK" "$FZ" "$WORK/ovl1" "$WORK/ovl2" "$WORK/ovlstk" "$WORK/t"
mount -t hookfs none "$H"
mkdir -p "$L/sub" "$H/u1" "$H/w1" "$H/u2" "$H/w2"
: >"$L/file"
mount -t stackfs -o "lowerdir=$L" none "$STK"
mount -t overlay -o "lowerdir=$L,upperdir=$H/u1,workdir=$H/w1" none "$WORK/ovl1"
mount -t overlay -o "lowerdir=$WORK/ovl1,upperdir=$H/u2,workdir=$H/w2" none "$WORK/ovl2"
mount -t tmpfs none "$WORK/t"
mkdir -p "$WORK/t/u" "$WORK/t/w"
# overlayfs over stackfs is depth 2 as well; skip it if overlayfs refuses.
OVLSTK=
if mount -t overlay -o "lowerdir=$STK,upperdir=$WORK/t/u,workdir=$WORK/t/w" \
	none "$WORK/ovlstk" 2>/dev/null; then
	OVLSTK=$WORK/ovlstk
fi
ln -s "$L" "$WORK/link-lower"
ln -s "$WORK/loop" "$WORK/loop"
ln -s "$WORK/none" "$WORK/dangling"
klog_take

# ---- stackfs mount options -------------------------------------------------

# Values, by the step that must refuse them: ok (a usable directory),
# parse (refused while parsing the option), lookup (refused when the
# mount resolves it), long (as lookup, but mount(2) cuts the options at a
# page, so no option after it arrives).
NV=0
val() {
	NV=$((NV + 1))
	eval "VC_$NV=\$1 VV_$NV=\$2"
}
val ok "$L"
val ok "$L/"
val ok "$L/./sub/.."
val ok "$(rep / 3000)$L"
val ok "$WORK/link-lower"
val ok "$FZ"				# the mount point itself
val ok "$WORK/ovl1"			# depth 1 + 1: allowed
val ok /
val parse ""
val parse "mnt/hookfs"
val parse "."
val parse ".."
val parse "~/lower"
val parse " $L"
val parse "\"$L\""
val parse "$(printf '\001\002\033[31m\177\376\377')"
val parse "%s%s%n%p%x"
val parse "$L,extra"
val parse "$L,lowerdir"
val parse "=$L"
val lookup /does/not/exist
val lookup "$L/file"			# a file
val lookup "$L/file/"
val lookup /dev/null
val lookup "$WORK/loop"			# symlink loop
val lookup "$WORK/dangling"
val lookup "/$(rep a 256)"		# component longer than NAME_MAX
val long "$(rep /a 2100)"		# longer than PATH_MAX
val long "/$(rep b 9000)"		# longer than the page mount(2) copies
val lookup "$L/$(printf '\001\377')"
val lookup "$L$NL"
val lookup "$L/sub=x"
val lookup "$STK"			# stackfs on stackfs
val lookup "$STK/sub"
val lookup "$WORK/ovl2"			# depth 2 + 1: too deep
val lookup /proc			# procfs forbids stacking on it
[ -z "$OVLSTK" ] || val lookup "$OVLSTK"

fz_n=0
fz_bad=0
: >"$WORK/fz.res"
# fz WANT OPTIONS: one mount attempt on $FZ. WANT ok: it must mount (and
# is unmounted again); WANT fail: it must fail, and log a kernel line.
# A marker line in the kernel log before each attempt tells the messages
# apart; the log is read every 32 inputs, as forks are slow under TCG.
fz() {
	fz_n=$((fz_n + 1))
	eval "FZ_IN_$fz_n=\$2"
	echo "<7>hostile: input $fz_n" >/dev/kmsg
	got=fail
	if mount -t stackfs -o "$2" none "$FZ" 2>/dev/null; then
		got=ok
		umount "$FZ" || got=umount-failed
	fi
	echo "$fz_n $1 $got ${#2}" >>"$WORK/fz.res"
	[ $((fz_n % 32)) -ne 0 ] || dmesg -c >>"$WORK/fz.kmsg"
}
# Every input with the wrong outcome, or refused without a kernel line.
# A line longer than about 4 KiB never reaches the log (the options are
# cut at a page, and such a message is dropped): those need only fail.
fz_verdicts() {
	dmesg -c >>"$WORK/fz.kmsg"
	cat "$WORK/fz.kmsg" >>"$KMSG"
	awk '
		NR == FNR {
			if ($0 ~ /hostile: input [0-9]+$/) { cur = $NF; next }
			if (cur && !(cur in msg)) msg[cur] = substr($0, 1, 160)
			next
		}
		$2 != $3 { print $1, $3 ", want " $2 ": " msg[$1]; next }
		$3 == "fail" && !($1 in msg) && $4 < 4000 {
			print $1, "failed without a kernel message"
		}' "$WORK/fz.kmsg" "$WORK/fz.res" >"$WORK/fz.bad"
	while read -r n why; do
		fz_bad=$((fz_bad + 1))
		eval "in=\$FZ_IN_$n"
		echo "#   stackfs input $n '$(show "$in")': $why"
	done <"$WORK/fz.bad"
}

stackfs_fuzz() {
	i=0
	while [ "$i" -lt "$NV" ]; do
		i=$((i + 1))
		eval "c=\$VC_$i v=\$VV_$i"
		w=fail
		[ "$c" != ok ] || w=ok
		# a later lowerdir= wins over one that is never looked up
		w_late=$w
		[ "$c" != lookup ] || w_late=ok
		fz "$w" "lowerdir=$v"
		fz "$w" "lowerdir=$L,lowerdir=$v"
		fz "$w_late" "lowerdir=$v,lowerdir=$L"
		fz "$w" "ro,lowerdir=$v,nosuid"
		fz "$w" ",,lowerdir=$v,,"
		fz fail "lowerdir=$v,bogus=1"
		fz fail "LOWERDIR=$v"
		fz fail "lowerdir=$v,source=other"
	done
	for o in "" ro lowerdir "lowerdir==" = "upperdir=$L" "lowerdir:$L" \
		"lowerdir=$L:$L" "$(rep x 5000)" "lowerdir=$L,$(rep y 5000)"; do
		fz fail "$o"
	done
	# the VFS skips an option that starts with '='
	fz ok "=junk,lowerdir=$L"
	fz_verdicts
	echo "# stackfs options: $fz_n inputs, $fz_bad unexpected"
	[ "$fz_bad" -eq 0 ]
}
MOUNTS_BEFORE=$(cat /proc/mounts)
check "stackfs: generated mount options refused with a message or mounted and unmounted" \
	stackfs_fuzz
same_mounts() {
	now=$(cat /proc/mounts)
	[ "$now" = "$1" ] && return
	echo "mounts before:$NL$1${NL}mounts now:$NL$now"
	return 1
}
check "stackfs: no mount left by the $fz_n inputs" same_mounts "$MOUNTS_BEFORE"

# Mounting over the stackfs mount point itself.
over_self() {
	if mount -t stackfs -o "lowerdir=$STK" none "$STK" 2>/dev/null; then
		umount "$STK"
		echo "stackfs over its own mount point, lowerdir= itself, mounted"
		return 1
	fi
	klog_take
	case $K in *"stackfs: "*) ;; *) echo "no stackfs: message"; return 1 ;; esac
	mount -t stackfs -o "lowerdir=$L" none "$STK" && umount "$STK" &&
		grep -q " $STK stackfs " /proc/mounts
}
check "stackfs: on its own mount point: lowerdir=itself refused, a fresh lower mounts" over_self
fz_n=$((fz_n + 2))

# remount_is WANT OPTIONS: remount $STK; the lowerdir shown stays $L.
remounts=0
remount_is() {
	remounts=$((remounts + 1))
	got=fail
	! mount -o "remount,$2" "$STK" 2>"$WORK/fz.err" || got=ok
	klog_take
	echo "remount $(show "$2"): $got $K" >>"$FS_LOG"
	grep -q " $STK stackfs [^ ]*lowerdir=$L[, ]" /proc/mounts || {
		echo "remount,$(show "$2") changed the mount: $(grep " $STK " /proc/mounts)"
		return 1
	}
	[ "$got" = "$1" ] || {
		echo "remount,$(show "$2"): $got, want $1: $K"
		return 1
	}
}
remount_checks() {
	remount_is fail "lowerdir=/does/not/exist" &&
		remount_is fail "lowerdir=$WORK/ovl1" &&
		remount_is fail "lowerdir=relative" &&
		remount_is fail "lowerdir=" &&
		remount_is fail "bogus" &&
		remount_is fail "lowerdir=$L,bogus" &&
		remount_is fail "$(printf '\001\377')" &&
		remount_is ok "lowerdir=$L" &&
		remount_is ok ro && remount_is ok rw && remount_is ok "" &&
		touch "$STK/after-remount" && [ -e "$L/after-remount" ]
}
check "stackfs: remount refuses a new or bad lowerdir, keeps the mount" remount_checks
echo "# stackfs remounts: $remounts inputs"

# ---- hookfs mount options and debugfs knobs ----------------------------

hk_n=0
# hk_mount WANT OPTIONS: as fz, for a hookfs mount; the message may come
# from the VFS ("Multiple sources"), and over 4000 bytes there is none.
hk_mount() {
	hk_n=$((hk_n + 1))
	got=fail
	if mount -t hookfs -o "$2" none "$FZ" 2>/dev/null; then
		got=ok
		umount "$FZ"
	fi
	klog_take
	[ "$got" = "$1" ] || {
		echo "hookfs -o '$(show "$2")': $got, want $1: $K"
		return 1
	}
	[ "$got" = ok ] || [ -n "$K" ] || [ ${#2} -ge 4000 ] || {
		echo "hookfs -o '$(show "$2")': no kernel message"
		return 1
	}
}
hookfs_options() {
	ok=0
	for o in bogus prepopulate=1 prepopulate= Prepopulate noprepopulate \
		"prepopulate,bogus" "source=a" "lowerdir=$L" \
		"$(printf 'prepopulate\001')" "$(rep z 5000)"; do
		hk_mount fail "$o" || ok=1
	done
	# the VFS skips an option that starts with '='
	for o in prepopulate "prepopulate,prepopulate" ",,prepopulate,," "" \
		= "=bogus,prepopulate"; do
		hk_mount ok "$o" || ok=1
	done
	echo "# hookfs mount options: $hk_n inputs"
	return $ok
}
check "hookfs: bad mount options refused with a message" hookfs_options

hookfs_remount() {
	SB=$(sb_dir "$H")
	echo 0 >"$SB/prepopulate" && mount -o remount,prepopulate "$H" &&
		[ "$(cat "$SB/prepopulate")" = 1 ] && echo 0 >"$SB/prepopulate" &&
		! mount -o remount,bogus "$H" 2>/dev/null
}
check "hookfs: remount,prepopulate takes effect, remount,bogus is refused" hookfs_remount
hk_n=$((hk_n + 2))

# Every knob gets a non-default value first, so that a write that is
# wrongly taken shows in the read-back.
kn_n=0
kn_bad=0
# knob_try FILE CONTENT [FORMAT]: writing CONTENT (or what printf makes of
# FORMAT) must fail and FILE keep $before. Shell
# builtins only (printf fails when write() does): a fork costs ~20 ms here.
knob_try() {
	kn_n=$((kn_n + 1))
	if { if [ $# -gt 2 ]; then printf "$3"; else printf '%s' "$2"; fi >"$1"; } 2>/dev/null; then
		kn_bad=$((kn_bad + 1))
		echo "#   ${1#$DBG/} took '$(show "$2")'"
	else
		slurp "$1"
		[ "$S" = "$before" ] || {
			kn_bad=$((kn_bad + 1))
			echo "#   ${1#$DBG/} changed by '$(show "$2")'"
		}
	fi
}
slurp() {	# S: the contents of FILE, read with builtins
	S=
	while IFS= read -r l; do S=$S$l$NL; done <"$1"
}
knob_fuzz() {
	SB=$(sb_dir "$H")
	echo 1 >"$SB/prepopulate"
	echo '2 7' >"$SB/fail_complete"
	echo '3 9' >"$SB/fail_prepare"
	echo '4 11' >"$SB/fail_action"
	echo 5 >"$SB/prepare_delay_ms"
	echo 6 >"$SB/complete_delay_ms"
	# every knob the superblock has, also ones added after this suite
	KNOBS=$(ls "$SB")
	DELAYS=$(cd "$SB" && ls -d -- *_delay_ms)
	for k in $KNOBS; do
		slurp "$SB/$k"
		before=$S
		for g in "$NL" " " "	$NL" x -1 1.5 0x1 1e3 \
			99999999999999999999 4294967296 " 1" "1 " "1$NL$NL" \
			"1 5 6" "1 -5" "a b" "1,5" "1	5" "%s%n" "$(rep 0 40)1x" \
			"$(rep 0 33)1junk" "$(printf '\357\274\221')" \
			"$(printf '\377\376')" "$(rep 7 5000)" "$(rep ' ' 200)"; do
			knob_try "$SB/$k" "$g"
		done
		# NUL bytes cannot live in a shell variable: printf makes them.
		knob_try "$SB/$k" '1\0009' '1\0009'
		[ "$k" = stats ] || knob_try "$SB/$k" '0\000' '0\000'
	done
	slurp "$SB/prepopulate"
	before=$S
	for g in 2 "$(rep 1 30)"; do knob_try "$SB/prepopulate" "$g"; done
	for f in "$SB/stats" "$DBG/total/stats"; do
		slurp "$f"
		before=$S
		for g in 1 2 "0 0" "0x0" "$(rep 0 40)1"; do knob_try "$f" "$g"; done
	done
	for k in fail_complete fail_prepare fail_action; do
		slurp "$SB/$k"
		before=$S
		for g in "1 0" "0 5" "1 4096" "4294967296 5" 1 "1 5 6"; do
			knob_try "$SB/$k" "$g"
		done
		knob_try "$SB/$k" '1 5\0junk' '1 5\000junk'
	done
	for k in $DELAYS; do
		slurp "$SB/$k"
		before=$S
		for g in 1001 4294967297 -0 "$(rep 0 40)1"; do
			knob_try "$SB/$k" "$g"
		done
	done
	echo "# hookfs knobs ($(echo $KNOBS)): $kn_n inputs, $kn_bad taken"
	echo '0 0' >"$SB/fail_complete"
	echo '0 0' >"$SB/fail_prepare"
	echo '0 0' >"$SB/fail_action"
	echo 0 >"$SB/prepare_delay_ms"
	echo 0 >"$SB/complete_delay_ms"
	echo 0 >"$SB/prepopulate"
	[ "$kn_bad" -eq 0 ]
}
check "hookfs: garbage to every debugfs knob is refused, values unchanged" knob_fuzz

# Knob files held open while their superblock goes away: the knobs point
# into the freed superblock info, so reads and writes must fail (debugfs
# gives EIO) rather than touch it; KASAN would report a use after free.
stale_knobs() {
	mount -t hookfs none "$FZ" || return 1
	d=$(sb_dir "$FZ")
	exec 3>"$d/fail_complete" 4<"$d/stats" 5>"$d/prepare_delay_ms"
	rc=0
	# the same descriptors work while it is mounted
	{ printf '0 0' >&3 && printf 0 >&5 && read -r l <&4; } || {
		echo "knob descriptors do not work before umount"
		rc=1
	}
	umount "$FZ" || rc=1
	! { printf '1 5' >&3; } 2>/dev/null || { echo "write after umount taken"; rc=1; }
	! { printf '7' >&5; } 2>/dev/null || { echo "write after umount taken"; rc=1; }
	! read -r l <&4 2>/dev/null || { echo "read after umount: $l"; rc=1; }
	exec 3>&- 4<&- 5>&-
	[ ! -e "$d" ] || { echo "$d is left"; rc=1; }
	return $rc
}
check "hookfs: knob files kept open across umount fail cleanly" stale_knobs
kn_n=$((kn_n + 3))

# ---- mmap through every stack, against the direct path -----------------

mm_n=0
MM_STATS=
MM_A=
# mmap_run STACK: nestmap-mmap-errno on the stack, with a noexec bind
# mount of its directory; the hooks must pair up over the whole run.
mmap_run() {
	s=$1
	setup_stack "$s" "$H/mm" || return 1
	nx=$WORK/nx-$s
	mkdir -p "$nx"
	mount --bind "$DIR" "$nx" && MOUNTS="$nx $MOUNTS" &&
		mount -o remount,bind,noexec "$nx" || return 1
	SB=$(sb_dir "$H")
	echo 0 >"$SB/stats"
	"$MMAP_ERRNO" --noexec "$nx" "$DIR" >"$WORK/mmap.$s" 2>&1 || {
		cat "$WORK/mmap.$s"
		return 1
	}
	mm_n=$((mm_n + $(wc -l <"$WORK/mmap.$s")))
	p=$(stat_val "$SB" prepare)
	pf=$(stat_val "$SB" prepare_failed)
	c=$(stat_val "$SB" complete)
	f=$(stat_val "$SB" complete_failed)
	a=$(stat_val "$SB" abort)
	MM_STATS="prepare $p prepare_failed $pf complete $c complete_failed $f abort $a"
	echo "stack $s: $MM_STATS"
	[ "$p" -gt 0 ] && [ "$p" -eq $((c + f + a)) ] &&
		stats_zero contexts_outstanding context_mismatch || return 1
	# every mapping the direct path hands to hookfs must reach it here too
	if [ "$s" = A ]; then
		MM_A=$MM_STATS
	elif [ "$MM_STATS" != "$MM_A" ]; then
		echo "#   $s: hookfs counted $MM_STATS"
		echo "#   A: hookfs counted $MM_A"
		return 1
	fi
}
stats_zero() {
	for k in "$@"; do
		[ "$(stat_val "$SB" "$k")" = 0 ] || { echo "$k is not 0"; return 1; }
	done
}
# same_as_direct STACK: every line equal to stack A's; print differences.
same_as_direct() {
	awk -v s="$1" '
		NR == FNR { ref[$1] = $0; next }
		{
			seen[$1] = 1
			if (!($1 in ref)) {
				print "#   " s ": " $0 " (no such input on A)"
				bad++
			} else if (ref[$1] != $0) {
				print "#   " s ": " $0 "  <- A: " ref[$1]
				bad++
			}
		}
		END {
			for (k in ref)
				if (!(k in seen)) {
					print "#   " s ": " k " missing  <- A: " ref[k]
					bad++
				}
			exit bad > 0
		}' "$WORK/mmap.A" "$WORK/mmap.$1"
}
mmap_stack() {
	s=$1
	rc=0
	mmap_run "$s" || rc=1
	teardown_stack || rc=1
	[ "$rc" -eq 0 ] || return 1
	[ "$s" = A ] || same_as_direct "$s"
}
# Every stack with files (tests/vm/stacks.inc), by letter: A is hookfs.
for id in $(file_stack_ids); do
	s=$(letter_of "$id")
	if [ "$s" != A ] && [ ! -s "$WORK/mmap.A" ]; then
		skip "mmap: stack $s errnos match the direct path" "no direct-path result"
		continue
	fi
	if [ "$s" = A ]; then
		check "mmap: hostile inputs on hookfs directly, hooks paired" mmap_stack A
	else
		check "mmap: stack $s errnos and hook counts match the direct path" mmap_stack "$s"
	fi
	echo "# stack $s: hookfs $MM_STATS"
	if [ -f "$WORK/mmap.$s" ]; then
		cat "$WORK/mmap.$s" >>"$FS_LOG"
	fi
done
echo "# mmap: $mm_n inputs over the file stacks ($(wc -l <"$WORK/mmap.A" 2>/dev/null || echo 0) per stack)"

# ---- nestmap-fuse given bad or odd paths --------------------------------

fu_n=0
fuse_mounts() {
	grep -c ' fuse\.' /proc/mounts || true
}
# fuse_gone: no nestmap-fuse mount and no daemon are left.
fuse_gone() {
	i=0
	while pidof nestmap-fuse >/dev/null && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! pidof nestmap-fuse >/dev/null && [ "$(fuse_mounts)" = 0 ]
}
# fuse_refused WANT_TEXT ARGS...: exit 1 with WANT_TEXT, nothing mounted.
fuse_refused() {
	fu_n=$((fu_n + 1))
	want=$1
	shift
	rc=0
	timeout -s KILL 30 "$FUSE" "$@" >"$WORK/fu.out" 2>&1 || rc=$?
	cat "$WORK/fu.out"
	[ "$rc" -eq 1 ] && grep -q -- "$want" "$WORK/fu.out" && fuse_gone && return
	fuse_cleanup
	return 1
}
# Lazily unmount whatever nestmap-fuse mounts are left, kill the daemons.
fuse_cleanup() {
	grep ' fuse\.' /proc/mounts | while read -r _ m _; do
		umount -l "$m" || true
	done
	for p in $(pidof nestmap-fuse); do
		kill -9 "$p" || true
	done
}
# fuse_serves MOUNTPOINT ARGS...: mounts, lists, reads, unmounts cleanly.
fuse_serves() {
	fu_n=$((fu_n + 1))
	m=$1
	shift
	timeout -s KILL 30 "$FUSE" "$@" || return 1
	rc=0
	timeout -s KILL 30 ls "$m" >/dev/null &&
		timeout -s KILL 30 cat "$m/file" >/dev/null || rc=1
	umount "$m" || rc=1
	fuse_gone && [ "$rc" -eq 0 ]
}
F=$WORK/fu
mkdir -p "$F/b/sub" "$F/m" "$F/a b,c" "$F/e" "$F/ee"
: >"$F/b/file"
: >"$F/b/sub/file"
ln -s "$F/b" "$F/link"
check "fuse: backing dir = mount point serves the covered dir" \
	fuse_serves "$F/b" --backing "$F/b" "$F/b"
check "fuse: mount point inside the backing dir is refused" \
	fuse_refused "inside the backing directory" --backing "$F/b" "$F/b/sub"
check "fuse: ... also through a symlink, and with / as backing dir" eval \
	'fuse_refused "inside the backing directory" --backing "$F/link" "$F/b/sub/" &&
	 fuse_refused "inside the backing directory" --backing / "$F/m"'
check "fuse: backing dir inside the mount point" \
	fuse_serves "$F/b" --backing "$F/b/sub" "$F/b"
check "fuse: mount point with a space and a comma" \
	fuse_serves "$F/a b,c" --backing "$F/b" "$F/a b,c"
check "fuse: backing dir through a symlink, trailing /./" \
	fuse_serves "$F/m" --backing "$F/link/./" "$F/m/"
check "fuse: mount point on a stackfs mount" \
	fuse_serves "$STK" --backing "$F/b" "$STK"
rel_paths() {
	(cd "$F" && fuse_serves m --backing ./b m)
}
check "fuse: relative backing dir and mount point" rel_paths
fu_n=$((fu_n + 1))
fuse_on_fuse() {
	fu_n=$((fu_n + 1))
	timeout -s KILL 30 "$FUSE" --backing "$F/b" "$F/e" || return 1
	rc=0
	if timeout -s KILL 30 "$FUSE" --backing "$F/e" "$F/ee"; then
		# either a clean error or the data: never a hang
		timeout -s KILL 30 cat "$F/ee/file"
		[ $? -ne 137 ] || { echo "cat through FUSE on FUSE hung"; rc=1; }
		umount "$F/ee" || rc=1
	fi
	# the upper daemon holds its backing dir open until it has exited
	umount_retry "$F/e" || rc=1
	fuse_gone && [ "$rc" -eq 0 ]
}
# umount_retry DIR: unmount DIR, retrying for up to 10 s while it is busy.
umount_retry() {
	i=0
	until umount "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { umount "$1"; return; }
		sleep 0.1
	done
}
check "fuse: backing dir on another nestmap-fuse mount: data or a clean error" fuse_on_fuse
echo "# fuse paths: $fu_n inputs"

# ---- teardown: nothing leaked -------------------------------------------

teardown() {
	rc=0
	for m in "$WORK/ovlstk" "$WORK/t" "$WORK/ovl2" "$WORK/ovl1" "$STK" "$H"; do
		if grep -q " $m " /proc/mounts && ! umount "$m"; then
			echo "umount $m failed"
			rc=1
		fi
	done
	return $rc
}
check "teardown: every fixture unmounts (no reference leaked on hookfs)" teardown
check "teardown: /proc/mounts is as before the suite" same_mounts "$MOUNTS_AT_START"
check "rmmod stackfs" rmmod stackfs
check "rmmod hookfs" rmmod hookfs

total=$((fz_n + remounts + hk_n + kn_n + mm_n + fu_n))
echo "# hostile: $total inputs tried (stackfs options $fz_n, stackfs remounts $remounts, hookfs options $hk_n, hookfs knobs $kn_n, mmap $mm_n, fuse paths $fu_n)"
fs_summary
