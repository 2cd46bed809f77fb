#!/bin/sh
# In-VM checks of hugetlbfs, whose mmap_prepare reserves the huge pages,
# mmap_complete records the reservation and grows i_size, and mmap_abort
# gives the reservation back (nestmap-hugetlb has the cases): directly
# (A), through SysV shm (G, SHM_HUGETLB: shm's own hooks, with
# hugetlbfs's nested inside them) and memfd (MFD_HUGETLB).
#
# No filesystem stack carries hugetlbfs: hugetlbfs sets its s_stack_depth
# to FILESYSTEM_MAX_STACK_DEPTH, so stackfs (B, F) and overlayfs (C, D, F)
# refuse it as a lower layer and FUSE passthrough (E) refuses its files as
# backing files. Each refusal is checked below.
set -eu

FS_SUITE=hugetlb
. "$(dirname "$0")/fs-lib.inc"
WORK=/tmp/nestmap-hugetlb
. "$(dirname "$0")/stacks.inc"

HT=$BIN/nestmap-hugetlb
H=$WORK/huge
PAGES=8

rsvd() {
	awk '$1 == "HugePages_Rsvd:" { print $2 }' /proc/meminfo
}

# outcomes_are WANT DIR LOWER PATH: "nestmap-hugetlb outcomes" prints WANT.
outcomes_are() {
	want=$1
	shift
	got=$("$HT" outcomes "$@" | grep -v '^#' | tr '\n' ' ')
	echo "got:  $got"
	echo "want: $want"
	[ "$got" = "$want " ]
}

# refused WHY CMD [ARGS...]: CMD fails, and its output or the kernel log
# since says WHY.
refused() {
	why=$1
	shift
	lines=$(dmesg | wc -l)
	if "$@" >"$WORK/refused.out" 2>&1; then
		echo "$* succeeded"
		return 1
	fi
	{ cat "$WORK/refused.out"; dmesg | tail -n +"$((lines + 1))"; } |
		tee /dev/stderr | grep -q "$why"
}

# What mmap() of a hugetlbfs file gives: the same before and after the
# conversion (the length is rounded up to a huge page).
DIRECT="aligned ok unaligned-offset EINVAL unaligned-length ok unaligned-address EINVAL beyond-free-pages ENOMEM"

mount_pseudo
setup_tracing >/dev/null
setup_fault_injection >/dev/null
mkdir -p "$WORK" "$H"
check "reserve $PAGES huge pages" \
	eval 'echo $PAGES >/proc/sys/vm/nr_hugepages &&
		grep -q "^HugePages_Free: *$PAGES$" /proc/meminfo'
check "mount hugetlbfs" mount -t hugetlbfs none "$H"
check "insmod stackfs" insmod "$FS_MODDIR/stackfs.ko"
rsvd0=$(rsvd)

dir=$H/A
mkdir -p "$dir"
check "A hugetlbfs: shared mapping completes, reserves, grows i_size" \
	"$HT" shared "$dir" "$dir" direct
check "A hugetlbfs: private mapping completes, reserves, grows i_size" \
	"$HT" private "$dir" "$dir" direct
check "A hugetlbfs: fork keeps shared and private mappings apart" \
	"$HT" fork "$dir" "$dir" direct
check "A hugetlbfs: mremap moves a mapping" \
	"$HT" mremap "$dir" "$dir" direct
check "A hugetlbfs: fail-nth: every failed mmap leaves the pool and i_size" \
	"$HT" fail-nth "$dir" "$dir" direct
grep '^# ' "$FS_LOG.cur" || true	# where the injected failures landed
check "A hugetlbfs: unaligned and oversized inputs fail as before" \
	outcomes_are "$DIRECT" "$dir" "$dir" direct

check "G SysV shm: SHM_HUGETLB attaches through mmap_complete" "$HT" shm
check "G SysV shm: fail-nth: every failed shmat leaves the attach count and the pool" \
	"$HT" shm-fail-nth
grep '^# ' "$FS_LOG.cur" || true
check "memfd: MFD_HUGETLB maps through mmap_complete" "$HT" memfd

# The stacks that cannot carry hugetlbfs, and the error each gives.
mkdir -p "$H/lower" "$H/upper" "$H/work" "$WORK/B" "$WORK/C" "$WORK/E" \
	"$WORK/upper" "$WORK/work"
check "B stackfs refuses a hugetlbfs lower" \
	refused "maximum stacking depth" mount -t stackfs -o "lowerdir=$H/lower" none "$WORK/B"
check "C overlayfs refuses a hugetlbfs lower layer" \
	refused "maximum fs stacking depth" mount -t overlay none \
		-o "lowerdir=$H/lower,upperdir=$WORK/upper,workdir=$WORK/work" \
		"$WORK/C"
check "D overlayfs refuses a hugetlbfs upper layer" \
	refused "maximum fs stacking depth" mount -t overlay none \
		-o "lowerdir=$WORK/upper,upperdir=$H/upper,workdir=$H/work" \
		"$WORK/C"
if check "E FUSE passthrough mounts over hugetlbfs" fuse "$WORK/E" "$H/lower"
then
	# The daemon's passthrough open fails with ELOOP; the caller sees EIO.
	check "E FUSE passthrough refuses a hugetlbfs backing file" \
		refused "Input/output error" touch "$WORK/E/file"
	check "E FUSE passthrough unmounts" teardown_stack
fi

check "HugePages_Rsvd is back to $rsvd0" eval '[ "$(rsvd)" = "$rsvd0" ]'
check "umount hugetlbfs" umount "$H"
check "rmmod stackfs" rmmod stackfs
check "free the huge pages" \
	eval 'echo 0 >/proc/sys/vm/nr_hugepages &&
		grep -q "^HugePages_Total: *0$" /proc/meminfo'

fs_summary
