#!/bin/sh
# The guest half of `make bench` (busybox sh, as root, in the bench VM).
#
#   guest-bench.sh [--quick] zero|stacks|prepop...
#
# zero    mmap+munmap loop on tmpfs, anonymous memory and ext2 (RAM disk);
#         runs on the patched and on the unpatched kernel alike
# stacks  mmap+munmap and mmap+touch of 64 MiB through hookfs direct,
#         stackfs, overlayfs, FUSE passthrough and stackfs over overlayfs,
#         all over the same hookfs files
# prepop  mmap+touch of 64K/4M/64M/256M: hookfs prepopulating in
#         mmap_complete (directly, and through stackfs in both modes and
#         overlayfs), demand faulting, MAP_POPULATE, the pfn file
#
# Prints nestmap-bench's "result ..." lines and "info ..." lines for the
# host (tests/bench/run-bench.sh).  Any mount or measurement that fails
# ends the script with status 1: a missing figure is never papered over.
set -eu

BIN=${NESTMAP_BIN:-/opt/nestmap/bin}
MODULES=${NESTMAP_BENCH_MODULES:-/opt/nestmap/add/modules}
W=/tmp/nestmap-bench
MOUNTS=
QUICK=no

usage() {
	echo "usage: guest-bench.sh [--quick] zero|stacks|prepop..." >&2
	exit 2
}

fail() {
	echo "guest-bench: error: $*" >&2
	exit 1
}

progress() {
	echo "# [$(cut -d' ' -f1 /proc/uptime)s] $*"
}

# bench ARGS...: nestmap-bench with the run's round limits.
bench() {
	if [ "$QUICK" = yes ]; then
		set -- --min-rounds 3 --max-rounds 5 "$@"
	fi
	"$BIN/nestmap-bench" "$@" || fail "nestmap-bench $* failed"
}

mnt() {	# mnt MOUNTPOINT MOUNT-ARGS...
	target=$1
	shift
	mkdir -p "$target"
	mount "$@" "$target" || fail "mount $* $target failed"
	MOUNTS="$target $MOUNTS"
}

unmount_all() {
	for m in $MOUNTS; do
		umount "$m" || fail "umount $m failed"
	done
	MOUNTS=
}

mkfile() {	# mkfile PATH KIB
	dd if=/dev/zero of="$1" bs=64k count=$(($2 / 64)) 2>/dev/null ||
		fail "cannot write $1"
}

load_modules() {
	for m in hookfs stackfs; do
		grep -q "^$m " /proc/modules && continue
		insmod "$MODULES/$m.ko" ||
			fail "cannot load $MODULES/$m.ko (built for this kernel?)"
	done
}

# Question 1: nothing of the series is in use here.
run_zero() {
	progress "zero: setup"
	mnt "$W/tmpfs" -t tmpfs none
	mkfile "$W/tmpfs/f" 64
	[ -b /dev/ram0 ] || fail "no /dev/ram0: kernel without CONFIG_BLK_DEV_RAM"
	mke2fs -F /dev/ram0 >/dev/null 2>&1 || fail "mke2fs /dev/ram0 failed"
	mnt "$W/ext2" -t ext2 /dev/ram0
	mkfile "$W/ext2/f" 64
	progress "zero: measure"
	bench --question zero loop tmpfs="$W/tmpfs/f" anon=anon \
		ext2="$W/ext2/f"
	unmount_all
}

# Question 2: one set of hookfs files, seen through every stack.
run_stacks() {
	progress "stacks: setup"
	load_modules
	mnt "$W/h" -t hookfs none
	mkdir -p "$W/h/d"
	mkfile "$W/h/d/small" 64
	mkfile "$W/h/d/big" 65536
	mnt "$W/B" -t stackfs -o "lowerdir=$W/h/d" none
	mnt "$W/t" -t tmpfs none
	mkdir -p "$W/t/Cu" "$W/t/Cw" "$W/t/Fu" "$W/t/Fw"
	mnt "$W/C" -t overlay \
		-o "lowerdir=$W/h/d,upperdir=$W/t/Cu,workdir=$W/t/Cw" none
	mkdir -p "$W/E"
	"$BIN/nestmap-fuse" --backing "$W/h/d" "$W/E" ||
		fail "nestmap-fuse --backing $W/h/d $W/E failed"
	MOUNTS="$W/E $MOUNTS"
	mnt "$W/Fo" -t overlay \
		-o "lowerdir=$W/h/d,upperdir=$W/t/Fu,workdir=$W/t/Fw" none
	mnt "$W/F" -t stackfs -o "lowerdir=$W/Fo" none
	set -- direct="$W/h/d" stackfs="$W/B" overlayfs="$W/C" \
		fuse="$W/E" stackfs-overlayfs="$W/F"
	loop=''
	touch=''
	for t; do
		loop="$loop ${t}/small"
		touch="$touch ${t}/big"
	done
	progress "stacks: mmap+munmap"
	# shellcheck disable=SC2086 # one word per target
	bench --question stacks-loop loop $loop
	progress "stacks: mmap+touch 64M"
	# shellcheck disable=SC2086
	bench --question stacks-touch --size 64M touch $touch
	unmount_all
}

# Question 3: demand and MAP_POPULATE on one hookfs, prepopulation on a
# second one mounted with -o prepopulate (same file sizes, both in RAM),
# directly and through stackers: stackfs in both modes and overlayfs.
run_prepop() {
	progress "prepop: setup"
	load_modules
	mnt "$W/d" -t hookfs none
	mnt "$W/p" -t hookfs -o prepopulate none
	mnt "$W/pl" -t stackfs -o "lowerdir=$W/p" none
	mnt "$W/pp" -t stackfs -o "lowerdir=$W/p,mmap=prepare" none
	mnt "$W/pt" -t tmpfs none
	mkdir -p "$W/pt/u" "$W/pt/w"
	mnt "$W/po" -t overlay -o "lowerdir=$W/p,upperdir=$W/pt/u,workdir=$W/pt/w" none
	touch "$W/p/pfn"
	sizes="64 4096 65536 262144"
	[ "$QUICK" = no ] || sizes="64 4096"
	for kib in $sizes; do
		mkfile "$W/d/s$kib" "$kib"
		mkfile "$W/p/s$kib" "$kib"
		progress "prepop: ${kib}K"
		set -- prepopulated="$W/p/s$kib" demand="$W/d/s$kib" \
			populate="populate:$W/d/s$kib" \
			stackfs-legacy="$W/pl/s$kib" stackfs-prepare="$W/pp/s$kib" \
			overlayfs="$W/po/s$kib"
		[ "$kib" != 64 ] || set -- "$@" pfn="$W/p/pfn"
		bench --question "prepop-${kib}K" --size "${kib}K" touch "$@"
		rm -f "$W/d/s$kib" "$W/p/s$kib"
	done
	dev=$(awk -v m="$W/p" '$5 == m { print $3 }' /proc/self/mountinfo)
	echo "info prepop-stats $(tr '\n' ' ' \
		</sys/kernel/debug/hookfs/"$dev"/stats)"
	unmount_all
}

[ $# -gt 0 ] || usage
if [ "$1" = --quick ]; then
	QUICK=yes
	shift
fi
[ $# -gt 0 ] || usage
for q; do
	case $q in
	zero | stacks | prepop) ;;
	*) echo "guest-bench: unknown question '$q'" >&2; usage ;;
	esac
done

echo "info kernel $(uname -r) $(uname -v)"
echo "info cpus $(grep -c ^processor /proc/cpuinfo) mem_kib $(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
mkdir -p "$W"
for q; do
	"run_$q"
done
progress "done"
