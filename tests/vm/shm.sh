#!/bin/sh
# In-VM checks that SysV shm, converted to mmap_prepare by the series,
# gives what it gave with a legacy ->mmap: "fs-probe shm-outcomes" attaches,
# detaches, splits, forks, mremap()s, remap_file_pages()s and removes a
# shmem segment and prints each result and the attach count it left. The
# expected lines below were printed by a kernel whose shm still has a
# legacy ->mmap (Linux 6.18). The last remap_file_pages() reaches
# shm_mmap_prepare() with the segment gone, which must fail it cleanly.
#
# The hooks themselves (shm's own on path direct, hugetlbfs's nested) and
# the attach count after every injected failure are checked by
# tests/vm/hugetlb.sh and the kselftest's shmem variant.
set -eu

FS_SUITE=shm
. "$(dirname "$0")/fs-lib.inc"

EXPECTED='attach ok nattch=1 data=ad
attach-rdonly ok nattch=2
rdonly-mprotect-write EACCES
detach-one nattch=1
split ok nattch=2
shmdt-after-split ok nattch=0 mapped=0
after-unmap nattch=0
fork child-saw-2=1 nattch=1
mremap ok nattch=1 data=b
remap-file-pages ok nattch=2 data=cb
detach-remapped ok nattch=1
unmap-remapped nattch=0
unaligned EINVAL
unaligned-rnd ok at-area=1
occupied EINVAL
occupied-remap ok nattch=1
detach-remap nattch=0
attach-removed ok nattch=2
remap-file-pages-removed EINVAL mapped=0 nattch=-1
attach-destroyed EINVAL'

OUT=/tmp/nestmap-shm-outcomes
check "fs-probe shm-outcomes runs" sh -c "'$FS_PROBE' shm-outcomes >$OUT"

# line_is N WANT: line N of the output is WANT.
line_is() {
	got=$(sed -n "$1p" "$OUT" 2>/dev/null)
	[ "$got" = "$2" ] && return 0
	echo "#   got '$got'"
	return 1
}

n=0
while IFS= read -r want; do
	n=$((n + 1))
	check "as with a legacy ->mmap: $want" line_is "$n" "$want" </dev/null
done <<LINES
$EXPECTED
LINES
check "no other output" [ "$(wc -l <"$OUT" 2>/dev/null)" -eq "$n" ]
check "no segment left" sh -c '! grep -q "^ *[0-9]" /proc/sysvipc/shm'

fs_summary
