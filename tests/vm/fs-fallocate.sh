#!/bin/sh
# In-VM checks of fallocate() on hookfs, directly and through the stacks
# that pass it down to hookfs, against tmpfs: preallocation (mode 0),
# FALLOC_FL_KEEP_SIZE, and a punched hole in a mapped file that reads as
# zeros through the mapping and pread(); other modes fail with EOPNOTSUPP;
# more than memory can hold fails with ENOSPC.
#
# Stacks (tests/vm/stacks.inc): hookfs (A), stackfs (B), ovl-hookfs (D,
# overlayfs with both layers on hookfs). Not ovl-tmpfs (C) or stackfs-ovl
# (F), whose tmpfs upper takes the copied-up file (tmpfs is checked on its
# own), nor fuse (E): nestmap-fuse does not implement fallocate.
set -eu

FS_SUITE=fs-fallocate
. "$(dirname "$0")/fs-lib.inc"
WORK=/tmp/nestmap-fallocate
. "$(dirname "$0")/stacks.inc"

H=$WORK/hookfs
T=$WORK/tmpfs

# falloc_checks WHAT DIR: the probes, each on a new file in DIR.
falloc_checks() {
	check_probe "$1: fallocate preallocates, keeps data, extends" \
		falloc-prealloc "$2/falloc-prealloc"
	check_probe "$1: FALLOC_FL_KEEP_SIZE keeps the size" \
		falloc-keep-size "$2/falloc-keep-size"
	check_probe "$1: punched hole reads as zeros (mapping, pread)" \
		falloc-punch "$2/falloc-punch"
	check_probe "$1: preallocating more than memory fails with ENOSPC" \
		falloc-too-big "$2/falloc-too-big"
}

check "insmod hookfs" insmod "$FS_MODDIR/hookfs.ko"
check "insmod stackfs" insmod "$FS_MODDIR/stackfs.ko"
mkdir -p "$H" "$T"
mount -t tmpfs none "$T"
mount -t hookfs none "$H"

falloc_checks "tmpfs (reference)" "$T"
for s in hookfs stackfs ovl-hookfs; do
	name="$(letter_of "$s") $s"
	if setup_stack "$s" "$H"; then
		falloc_checks "$name" "$DIR"
	else
		check "$name: stack mounts" false
	fi
	check "$name: stack unmounts" teardown_stack
done

check "umount hookfs" umount "$H"
umount "$T"
check "rmmod stackfs" rmmod stackfs
check "rmmod hookfs" rmmod hookfs

fs_summary
