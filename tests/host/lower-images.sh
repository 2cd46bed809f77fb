#!/bin/bash
# The worked example of validating a real filesystem: an ext4 and an xfs
# image made here with mkfs, attached to the guest with qemu/run --disk,
# and run through matrix.sh --lower on stacks B, C and E (stackfs, and
# overlayfs and FUSE passthrough over ext4 and xfs). Every case that does
# not need the hooks must pass; the hook cases SKIP, saying that the lower
# has no mmap_complete. The image must be byte-identical afterwards.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"
BUILD=${NESTMAP_BUILD:-$ROOT/build}
KERNEL=$BUILD/kernel/default/arch/x86/boot/bzImage
INITRD=$BUILD/initramfs.cpio.gz

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-images.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# mkfs_image FS FILE: a small empty filesystem. mkfs.xfs refuses less than
# 300 MiB unless fstests' variables say this is a test device.
mkfs_image() {
	truncate -s 64M "$2"
	case $1 in
	ext4) mkfs.ext4 -q -F "$2" ;;
	xfs) TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f "$2" ;;
	esac
}

# The matrix's summary line and its SKIP reasons for the hook cases.
summary_ok() {
	grep -q '^matrix: [0-9]* passed, 0 failed, [0-9]* skipped' "$1"
}

hook_skips_say_why() {
	local bad

	# Every SKIP must give a reason, and the hook cases must name the
	# missing mmap_complete.
	bad=$(grep -a '# SKIP' "$1" | grep -v 'mmap_complete\|shmem\|nothing to merge' || true)
	[ -z "$bad" ] || { printf '# %s\n' "$bad"; return 1; }
	grep -a 'mmap_hooks\.[a-z_]*\.hooks # SKIP' "$1" | grep -q 'mmap_complete'
}

# Bad images are refused with a clear error before anything boots, and a
# filesystem the guest kernel lacks is refused by the guest. Neither is
# ever written to.
export PATH=$PATH:/sbin:/usr/sbin
run_dry() {
	"$ROOT/qemu/run" --kernel "$KERNEL" --initrd "$INITRD" --dry-run \
		--disk "$1" -- true >"$scratch/dry.out" 2>&1
}
refused() {
	local rc=0

	run_dry "$1" || rc=$?
	[ "$rc" -eq 1 ] && grep -q -- "$2" "$scratch/dry.out"
}
truncate -s 1M "$scratch/zeros.img"
mkdir "$scratch/dir.img"
if [ -f "$KERNEL" ] && [ -f "$INITRD" ]; then
	check "--disk: a missing image is refused" \
		refused "$scratch/none.img" "no such file"
	check "--disk: a directory is refused" \
		refused "$scratch/dir.img" "a directory, not an image"
	check "--disk: an image with no filesystem is refused" \
		refused "$scratch/zeros.img" "no filesystem found"
	truncate -s 4M "$scratch/minix.img"
	mkfs.minix "$scratch/minix.img" >/dev/null
	sum=$(sha256sum <"$scratch/minix.img")
	rc=0
	"$ROOT/qemu/run" --kernel "$KERNEL" --initrd "$INITRD" --timeout 120 \
		--disk "$scratch/minix.img" --output "$scratch/minix.out" -- true \
		>/dev/null 2>&1 || rc=$?
	check "--disk: a filesystem the kernel lacks (minix) fails with 2, named" \
		eval '[ "$rc" -eq 2 ] &&
			grep -q "kernel has no minix filesystem" "$scratch/minix.out" &&
			[ "$(sha256sum <"$scratch/minix.img")" = "$sum" ]'
else
	skip "--disk: bad images refused" "no kernel or initramfs: run make initramfs"
fi

for fs in ext4 xfs; do
	if ! command -v "mkfs.$fs" >/dev/null; then
		check "$fs: mkfs.$fs installed (make deps)" false
		continue
	fi
	if [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
		skip "$fs: matrix --lower on stacks B, C and E" \
			"no kernel or initramfs: run make initramfs"
		continue
	fi
	img=$scratch/$fs.img
	out=$scratch/$fs.out
	mkfs_image "$fs" "$img"
	sum=$(sha256sum <"$img")
	rc=0
	"$ROOT/qemu/run" --kernel "$KERNEL" --initrd "$INITRD" \
		--timeout 600 --disk "$img" --output "$out" -- \
		'tests/vm/matrix.sh --lower "$NESTMAP_DISK" --stacks stackfs,ovl-tmpfs,fuse' \
		>"$scratch/$fs.console" 2>&1 || rc=$?
	[ -f "$out" ] || : >"$out"
	grep -a '^matrix:' "$out" | sed "s/^/# $fs: /" || true
	check "$fs: matrix --lower on stacks B, C and E passes (exit $rc)" \
		eval '[ "$rc" -eq 0 ] && summary_ok "$out"'
	check "$fs: hook cases SKIP for want of mmap_complete, nothing else" \
		hook_skips_say_why "$out"
	check "$fs: the image is byte-identical after the run" \
		eval '[ "$(sha256sum <"$img")" = "$sum" ]'
done

ktap_done
