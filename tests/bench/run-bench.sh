#!/bin/bash
# `make bench`: build the bench kernels, boot them, time the series, and
# write build/bench/results.md and build/bench/*.png.
#
#   tests/bench/run-bench.sh [--quick] [--report-only]
#
# The four questions the benchmark answers:
#   1. zero cost: the same bench configuration with and without the
#      series, booted alternately, mmap+munmap on tmpfs, anon and ext2;
#      timed by the guest's clock, and again under QEMU's -icount, where
#      that clock counts instructions and ignores the host's load;
#   2. stacking: mmap+munmap and mmap+touch 64 MiB per stack, over hookfs;
#   3. prepopulation: mmap+touch and minor faults, per mode and size;
#   4. the developer loop: incremental kernel and module rebuilds and the
#      matrix under the emulator (and, with BENCH_COLD=1, a cold clone).
# Every figure is a ratio taken within this run; the bench reports and
# never judges, but it stops with an error if a measurement fails.
#
# Environment: KERNEL_TARBALL (as for make run), BENCH_QUICK=1 (same as
# --quick: fewer rounds and sizes, one boot per kernel), BENCH_COLD=1.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
OUT=$BUILD/bench
RAW=$OUT/raw
LOGS=$BUILD/logs
LOCK=${NESTMAP_KBUILD_LOCK:-/tmp/nestmap-kbuild.lock}
PROG=run-bench.sh
START=$SECONDS
QUICK=${BENCH_QUICK:-0}
COLD=${BENCH_COLD:-0}
REPORT_ONLY=0

PATCHED_KDIR=$BUILD/kernel/bench
BASE_BUILD=$OUT/base
BASE_KDIR=$BASE_BUILD/kernel/bench
DEFAULT_KDIR=$BUILD/kernel/default
INITRD=$OUT/initramfs.cpio.gz
COLD_FILE=$OUT/cold-setup.txt

usage() {
	cat >&2 <<EOF
usage: $PROG [--quick] [--report-only]
  --quick        fewer rounds, sizes and boots (a smoke run; also BENCH_QUICK=1)
  --report-only  rewrite results.md and the plots from the last run's
                 build/bench/raw (no build, no boot)
Environment: KERNEL_TARBALL=FILE, BENCH_COLD=1 (also time a cold clone
to the first matrix result, about 10 minutes more).
EOF
	exit 2
}

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

stage() {
	printf '[%4ds] %s: %s\n' "$((SECONDS - START))" "$PROG" "$*"
}

while [ "$#" -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1; shift ;;
	--report-only) REPORT_ONLY=1; shift ;;
	-h | --help) usage ;;
	*) echo "$PROG: unknown argument: $1" >&2; usage ;;
	esac
done
case "$QUICK" in 0 | 1) ;; *) echo "$PROG: BENCH_QUICK must be 0 or 1" >&2; usage ;; esac
case "$COLD" in 0 | 1) ;; *) echo "$PROG: BENCH_COLD must be 0 or 1" >&2; usage ;; esac
# The unpatched twin must come from the very base the series applies to.
[ -z "${KERNEL_SRC:-}" ] ||
	die "KERNEL_SRC is set: the zero-cost question needs the pinned base" \
		"(KERNEL_TARBALL or the apt download), not your own tree"

mkdir -p "$OUT" "$RAW" "$LOGS" "$OUT/empty-series"
rm -f "$OUT/results.md" "$OUT"/*.png "$OUT"/*.dat

# run LOG CMD...: CMD with its output in LOG; on failure, the tail and die.
run() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 25 "$log" >&2
		die "failed: $* (log: $log)"
	fi
}

# Take and drop the machine-wide build lock around timed builds, so that
# the time spent waiting for other builds is not counted.
lock() {
	exec {LOCK_FD}>"$LOCK"
	if ! flock -n "$LOCK_FD"; then
		stage "waiting for the machine-wide build lock $LOCK"
		flock "$LOCK_FD"
	fi
}

unlock() {
	exec {LOCK_FD}>&-
}

# kbuild LOG CONFIG [VAR=VALUE...]: build-kernel.sh, with the machine-wide
# lock already held by us; it gets a private lock of its own to take.
kbuild() {
	local log=$1 cfg=$2
	shift 2
	run "$log" env NESTMAP_KBUILD_LOCK="$OUT/private-build.lock" "$@" \
		"$ROOT/kernel/build-kernel.sh" "$cfg"
}

now() {
	date +%s.%N
}

secs() {	# secs START END
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# ---- prerequisites ----

command -v gnuplot >/dev/null ||
	die "gnuplot not found: make bench installs gnuplot-nox"

measure() {
	rm -f "$RAW"/*.out "$RAW/all.txt" "$RAW/run.env"

	# ---- builds ----

	# Every build (and the rebuilds of question 4) in one hold of the
	# machine-wide lock, rather than one wait per build on a busy machine.
	lock
	stage "patched bench kernel (log: $LOGS/bench-kernel-patched.log)"
	kbuild "$LOGS/bench-kernel-patched.log" bench
	# An empty series dir gives the pinned base itself, in a build tree of its
	# own, so build/src/linux is never touched.
	stage "unpatched bench kernel (log: $LOGS/bench-kernel-base.log)"
	kbuild "$LOGS/bench-kernel-base.log" bench \
		NESTMAP_PATCH_DIR="$OUT/empty-series" NESTMAP_BUILD="$BASE_BUILD"
	grep -q '^CONFIG_EXT2_FS=y' "$BASE_KDIR/.config" ||
		die "the unpatched kernel has no ext2"
	cmp -s <(grep '^CONFIG_' "$PATCHED_KDIR/.config") \
		<(grep '^CONFIG_' "$BASE_KDIR/.config") ||
		die "the patched and unpatched bench configurations differ"

	# Modules for the bench kernel, built in a copy of fs/ so fs/*.ko (for
	# the default kernel) stay as they are.
	stage "hookfs and stackfs for the bench kernel (log: $LOGS/bench-modules.log)"
	rm -rf "$OUT/fs-patched" "$OUT/modules"
	mkdir -p "$OUT/fs-patched" "$OUT/modules"
	(cd "$ROOT/fs" && find . -type f \( -name '*.[ch]' -o -name Kbuild \
		-o -name Makefile \) -print0 | cpio -0pdm --quiet "$OUT/fs-patched")
	run "$LOGS/bench-modules.log" make -C "$OUT/fs-patched" KDIR="$PATCHED_KDIR"
	cp "$OUT/fs-patched/hookfs/hookfs.ko" "$OUT/fs-patched/stackfs/stackfs.ko" \
		"$OUT/modules/"
	stage "default kernel and modules for question 4 (log: $LOGS/bench-default-kernel.log)"
	kbuild "$LOGS/bench-default-kernel.log" default
	run "$LOGS/bench-default-modules.log" make -C "$ROOT/fs" KDIR="$DEFAULT_KDIR"
	unlock

	stage "userspace (log: $LOGS/bench-userspace.log)"
	run "$LOGS/bench-userspace.log" make -C "$ROOT/userspace"
	stage "bench initramfs"
	run "$LOGS/bench-initramfs.log" "$ROOT/qemu/mkinitramfs.sh" -o "$INITRD" \
		--add "$OUT/modules" --add "$ROOT/tests/bench"

	# ---- guest runs ----

	# vm NAME KERNEL QUESTION...: one boot; result lines to RAW/NAME.out.
	# Boots named I* run under -icount.
	ACCEL=
	vm() {
		local name=$1 kernel=$2 log=$LOGS/bench-vm-$1.log rc=0 t0
		local -a clock=()
		shift 2
		local qs=("$@")
		[ "$QUICK" = 0 ] || qs=(--quick "${qs[@]}")
		case $name in I*) clock=(--icount) ;; esac
		stage "boot $name: ${*}${clock:+ (icount)} (log: $log)"
		t0=$SECONDS
		"$ROOT/qemu/run" "${clock[@]}" --kernel "$kernel" --initrd "$INITRD" --mem 2G \
			--timeout 1800 --output "$RAW/$name.out" -- \
			"sh add/bench/guest-bench.sh ${qs[*]}" >"$log" 2>&1 || rc=$?
		[ "$rc" = 0 ] || {
			tail -n 20 "$log" >&2
			die "boot $name failed with status $rc (log: $log)"
		}
		grep -q '^result ' "$RAW/$name.out" ||
			die "boot $name printed no result (log: $log)"
		[ -n "${clock[*]}" ] ||
			ACCEL=$(sed -n 's/.*exit status 0 ([0-9]*s, \([a-z]*\),.*/\1/p' "$log")
		stage "boot $name done in $((SECONDS - t0))s ($ACCEL)"
	}

	# Patched and unpatched boots alternate, so slow drift in the host's load
	# hits both; boots of one kernel against each other give the noise
	# floor.  A boot costs seconds: three of each.
	# The same again under -icount (IP, IU): its noise floor is that of
	# the method, not of the host.
	PBOOTS="P1 P2 P3"
	UBOOTS="U1 U2 U3"
	BOOTS="P1 U1 P2 U2 P3 U3"
	IPBOOTS="IP1 IP2 IP3"
	IUBOOTS="IU1 IU2 IU3"
	IBOOTS="IP1 IU1 IP2 IU2 IP3 IU3"
	if [ "$QUICK" = 1 ]; then
		PBOOTS="P1 P2" UBOOTS=U1 BOOTS="P1 U1 P2"
		IPBOOTS="IP1 IP2" IUBOOTS=IU1 IBOOTS="IP1 IU1 IP2"
	fi
	for b in $BOOTS $IBOOTS; do
		case $b in
		P* | IP*) vm "$b" "$PATCHED_KDIR/arch/x86/boot/bzImage" zero ;;
		U* | IU*) vm "$b" "$BASE_KDIR/arch/x86/boot/bzImage" zero ;;
		esac
	done
	vm S "$PATCHED_KDIR/arch/x86/boot/bzImage" stacks prepop

	# ---- question 4: the developer loop ----

	# The lock is held before the clock starts: its wait is not counted.
	lock
	stage "developer loop: touch mm/vma.c, rebuild the default kernel"
	touch "$BUILD/src/linux/mm/vma.c"
	t0=$(now)
	kbuild "$LOGS/bench-incremental.log" default
	T_INCR=$(secs "$t0" "$(now)")
	grep -q 'CC *mm/vma\.o$' "$LOGS/kernel-default.log" ||
		die "the incremental build did not recompile mm/vma.o"
	stage "developer loop: incremental kernel ${T_INCR}s"

	stage "developer loop: touch fs/*/*.c, rebuild the modules"
	touch "$ROOT"/fs/hookfs/*.c "$ROOT"/fs/stackfs/*.c
	t0=$(now)
	run "$LOGS/bench-modules-rebuild.log" make -C "$ROOT/fs" KDIR="$DEFAULT_KDIR"
	T_MOD=$(secs "$t0" "$(now)")
	unlock
	stage "developer loop: modules ${T_MOD}s"

	stage "developer loop: boot and run the matrix"
	run "$LOGS/bench-default-initramfs.log" "$ROOT/qemu/mkinitramfs.sh"
	t0=$(now)
	rc=0
	# shellcheck disable=SC2016 # expanded in the guest
	"$ROOT/qemu/run" --output "$RAW/matrix.out" -- \
		'/opt/nestmap/tests/vm/matrix.sh; s=$?; echo "info uptime $(cut -d" " -f1 /proc/uptime)"; exit $s' \
		>"$LOGS/bench-matrix.log" 2>&1 || rc=$?
	T_MATRIX=$(secs "$t0" "$(now)")
	[ "$rc" = 0 ] || die "the matrix failed (status $rc, log: $LOGS/bench-matrix.log)"
	T_MATRIX_GUEST=$(sed -n 's/^info uptime //p' "$RAW/matrix.out")
	MATRIX_LINE=$(grep '^matrix: ' "$RAW/matrix.out")
	stage "developer loop: matrix ${T_MATRIX}s wall, ${T_MATRIX_GUEST}s guest"

	COLD_NOTE=
	if [ "$COLD" = 1 ]; then
		stage "developer loop: cold clone to the first matrix result (log: $LOGS/bench-cold.log)"
		cold=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-cold.XXXXXX")
		t0=$(now)
		rc=0
		{ git clone -q "$ROOT" "$cold/nestmap" &&
		  make -C "$cold/nestmap" run KERNEL_TARBALL="${KERNEL_TARBALL:-}"
		} >"$LOGS/bench-cold.log" 2>&1 || rc=$?
		t_cold=$(secs "$t0" "$(now)")
		c_commit=$(git -C "$cold/nestmap" rev-parse --short HEAD 2>/dev/null ||
			echo unknown)
		rm -rf "$cold"
		[ "$rc" = 0 ] || die "the cold run failed (log: $LOGS/bench-cold.log)"
		echo "$t_cold $(date -u +%Y-%m-%dT%H:%MZ) $c_commit" >"$COLD_FILE"
		COLD_NOTE="measured in this run"
		stage "developer loop: cold ${t_cold}s"
	fi

		COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
		END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
		MEASURED_AT=$(date -u '+%Y-%m-%d %H:%M UTC')
		BENCH_SECONDS=$((SECONDS - START))
		declare -p QUICK ACCEL BOOTS PBOOTS UBOOTS IBOOTS IPBOOTS IUBOOTS T_INCR T_MOD T_MATRIX \
			T_MATRIX_GUEST MATRIX_LINE COLD_NOTE COMMIT END_LOAD \
			MEASURED_AT BENCH_SECONDS >"$RAW/run.env"
	}


if [ "$REPORT_ONLY" = 0 ]; then
	measure
else
	[ -f "$RAW/run.env" ] || die "no $RAW/run.env: no complete run to report on"
	# shellcheck disable=SC1091 # written by measure() above
	. "$RAW/run.env"
fi

# ---- the report ----

stage "writing $OUT/results.md and the plots"
ALL=$RAW/all.txt
for f in "$RAW"/*.out; do
	b=$(basename "$f" .out)
	sed -n "s/^result /$b /p" "$f"
done >"$ALL"

# has BOOT QUESTION LABEL: is there such a result line?
has() {
	awk -v b="$1" -v q="$2" -v l="$3" '
	$1 == b && $2 == q && $3 == l { found = 1 }
	END { exit !found }' "$ALL"
}

# Every figure the report uses must be there: command substitutions in
# the report cannot stop the script, so check first.
expect() {	# expect BOOT QUESTION LABEL...
	local b=$1 q=$2 l
	shift 2
	for l; do
		has "$b" "$q" "$l" || die "boot $b has no $q result for $l"
	done
}
for b in $BOOTS $IBOOTS; do
	expect "$b" zero tmpfs anon ext2
done
expect S stacks-loop direct stackfs overlayfs fuse stackfs-overlayfs
expect S stacks-touch direct stackfs overlayfs fuse stackfs-overlayfs
PREPOP_MODES="prepopulated demand populate stackfs-legacy stackfs-prepare overlayfs"
# shellcheck disable=SC2086 # one word per mode
{
	expect S prepop-64K $PREPOP_MODES pfn
	expect S prepop-4096K $PREPOP_MODES
	[ "$QUICK" = 1 ] || {
		expect S prepop-65536K $PREPOP_MODES
		expect S prepop-262144K $PREPOP_MODES
	}
}

# get BOOT QUESTION LABEL KEY: one field of one result line.
get() {
	awk -v b="$1" -v q="$2" -v l="$3" -v k="$4" '
	$1 == b && $2 == q && $3 == l {
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k) { print kv[2]; found = 1 }
		}
	}
	END { if (!found) exit 1 }' "$ALL" ||
		die "no $4 for $3 in $2 of boot $1"
}

# Arithmetic on the figures; "%.2f"-style output.
calc() {	# calc FORMAT EXPR
	awk "BEGIN { printf \"$1\", $2 }"
}

us() {	# ns to microseconds, three digits
	calc "%.1f" "$1 / 1000"
}

ms() {
	calc "%.2f" "$1 / 1000000"
}

# The medians of a list of boots, one a line.
medians() {	# medians "BOOTS" QUESTION LABEL
	local b
	for b in $1; do
		get "$b" "$2" "$3" median
		echo
	done
}

mean_median() {	# mean_median "BOOTS" QUESTION LABEL
	medians "$@" | awk 'NF { s += $1; n++ } END { printf "%.3f", s / n }'
}

# The fastest round among a list of boots.
best() {	# best "BOOTS" QUESTION LABEL
	local b
	for b in $1; do
		get "$b" "$2" "$3" min
		echo
	done | awk 'NF { if (!n++ || $1 < lo) lo = $1 } END { printf "%.3f", lo }'
}

# Noise floor: largest over smallest median among boots of one kernel,
# with DIGITS decimals (default 3).
spread() {	# spread "BOOTS" QUESTION LABEL [DIGITS]
	medians "$1" "$2" "$3" | awk -v d="${4:-3}" '
		NF { if (!n++ || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
		END { if (n < 2) printf "n/a (1 boot)"; else printf "%." d "f", hi / lo }'
}

# The patched/unpatched ratio over every pair of one patched and one
# unpatched boot: "lowest-highest".
ratio_range() {	# ratio_range "PBOOTS" "UBOOTS" QUESTION LABEL
	local p u
	p=$(medians "$1" "$3" "$4" | tr '\n' ' ')
	u=$(medians "$2" "$3" "$4" | tr '\n' ' ')
	awk -v p="$p" -v u="$u" 'BEGIN {
		np = split(p, P, " "); nu = split(u, U, " ")
		for (i = 1; i <= np; i++)
			for (j = 1; j <= nu; j++) {
				r = P[i] / U[j]
				if (!n++ || r < lo) lo = r
				if (r > hi) hi = r
			}
		printf "%.4f-%.4f", lo, hi
	}'
}

# The zero-cost figures of each boot, one row per boot and target.
zero_boot_table() {	# zero_boot_table "BOOTS"
	local b l

	echo "| boot | target | min | median | max | rounds |"
	echo "|---|---|---|---|---|---|"
	for b in $1; do
		for l in tmpfs anon ext2; do
			echo "| $b | $l | $(us "$(get "$b" zero $l min)") | $(us "$(get "$b" zero $l median)") | $(us "$(get "$b" zero $l max)") | $(get "$b" zero $l rounds) |"
		done
	done
}

unstable=$(awk '/stable=no/ { print $1 "/" $2 "/" $3 }' "$ALL" | tr '\n' ' ')
kver_p=$(sed -n 's/^info kernel //p' "$RAW/P1.out")
kver_u=$(sed -n 's/^info kernel //p' "$RAW/U1.out")
series=$(find "$ROOT/kernel/patches" -maxdepth 1 -name '*.patch' | wc -l)
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)

{
	echo "# nestmap benchmark results"
	echo
	echo "\`make bench\`$([ "$QUICK" = 0 ] || echo ' (BENCH_QUICK=1: a smoke run, few rounds)')" \
		"run finished on $MEASURED_AT at commit $COMMIT, in $BENCH_SECONDS s (builds, lock waits and boots included)."
	echo
	echo "- host: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"load average at the end $END_LOAD (other jobs shared the machine)"
	echo "- accelerator: $ACCEL$([ "$ACCEL" != tcg ] || echo ' (emulated: absolute times are not those of real hardware; compare ratios only)')"
	echo "- guest: 2 vCPUs, 2 GiB; kernels built from kernel/config/base.config + bench.config (no lockdep, DEBUG_VM, KASAN, fault injection or tracing)"
	echo "- patched kernel: $kver_p, with the $series patches of kernel/patches"
	echo "- unpatched kernel: $kver_u, the pinned base (linux-source-7.3 7.3.4-1~bpo13+1), same .config"
	echo "- each figure: rounds taken in turn between the targets of one table until every running median moves by < 1 % over 3 rounds (at least 7 rounds, at most 40; one warm-up round dropped); min/median/max are over the rounds"
	if [ -n "$unstable" ]; then
		echo "- did not settle within the round cap: $unstable"
	else
		echo "- every figure settled within the round cap"
	fi
	echo
	echo "## 1. Zero cost when unused"
	echo
	echo "mmap+munmap of one page (PROT_READ, MAP_SHARED of a 64 KiB file; anon: MAP_PRIVATE), 2000 pairs a round, in µs per pair."
	echo "Boots in this order: $BOOTS (P patched, U unpatched)."
	echo
	zero_boot_table "$BOOTS"
	echo
	echo "| target | patched (mean of medians, µs) | unpatched (µs) | patched/unpatched | noise floor: patched boots max/min | unpatched boots max/min | fastest round: patched/unpatched |"
	echo "|---|---|---|---|---|---|---|"
	for l in tmpfs anon ext2; do
		p=$(mean_median "$PBOOTS" zero $l)
		u=$(mean_median "$UBOOTS" zero $l)
		echo "| $l | $(us "$p") | $(us "$u") | $(calc "%.3f" "$p / $u") | $(spread "$PBOOTS" zero $l) | $(spread "$UBOOTS" zero $l) | $(calc "%.3f" "$(best "$PBOOTS" zero $l) / $(best "$UBOOTS" zero $l)") |"
	done
	echo
	echo "Goal: patched/unpatched within 2 % (1.00 ± 0.02), noise permitting: the noise floor is how far the medians of boots of one and the same kernel differ."
	echo "Under TCG the guest clock follows the host's, so other work on the host lands in the figures; the fastest round of each kernel is the least disturbed one and is given as a second estimate."
	echo
	echo "### The same under -icount"
	echo
	echo "The same measurement in boots under QEMU's \`-icount shift=0,sleep=off\` (\`qemu/run --icount\`): the guest's clock advances one nanosecond per instruction the guest executes, whatever the host does, so the figures are instruction counts in disguise (\"µs\" below: thousands of guest instructions per pair). These boots have one vCPU."
	echo "They ignore caches, TLBs and memory latency: a change that costs no instructions but more cache misses is invisible here, and the wall-clock table above stays the figure for time."
	echo "Boots in this order: $IBOOTS (IP patched, IU unpatched)."
	echo
	zero_boot_table "$IBOOTS"
	echo
	echo "| target | patched (mean of medians) | unpatched | patched/unpatched | over every pair of boots | noise floor: patched boots max/min | unpatched boots max/min |"
	echo "|---|---|---|---|---|---|---|"
	for l in tmpfs anon ext2; do
		p=$(mean_median "$IPBOOTS" zero $l)
		u=$(mean_median "$IUBOOTS" zero $l)
		echo "| $l | $(us "$p") | $(us "$u") | $(calc "%.4f" "$p / $u") | $(ratio_range "$IPBOOTS" "$IUBOOTS" zero $l) | $(spread "$IPBOOTS" zero $l 4) | $(spread "$IUBOOTS" zero $l 4) |"
	done
	echo
	echo "The noise floor is again the largest over the smallest median among boots of one kernel, here to four decimals (1.0000: the boots agree to within 0.005 %)."
	echo
	echo "## 2. Cost of stacking"
	echo
	echo "All stacks show the same hookfs files (one page cache). mmap+munmap: one page, 2000 pairs a round, µs per pair."
	echo "mmap+touch: 64 MiB MAP_SHARED read-only, one read per 4 KiB page, demand faulted, ms. Ratios: to hookfs direct, medians."
	echo
	echo "| stack | mmap+munmap min / median / max (µs) | ratio | mmap+touch 64 MiB min / median / max (ms) | ratio |"
	echo "|---|---|---|---|---|"
	d_loop=$(get S stacks-loop direct median)
	d_touch=$(get S stacks-touch direct median)
	for l in direct stackfs overlayfs fuse stackfs-overlayfs; do
		echo "| $l | $(us "$(get S stacks-loop $l min)") / $(us "$(get S stacks-loop $l median)") / $(us "$(get S stacks-loop $l max)") | $(calc "%.2f" "$(get S stacks-loop $l median) / $d_loop") | $(ms "$(get S stacks-touch $l min)") / $(ms "$(get S stacks-touch $l median)") / $(ms "$(get S stacks-touch $l max)") | $(calc "%.2f" "$(get S stacks-touch $l median) / $d_touch") |"
	done
	echo
	echo "Goals: stackfs within 1.3x of direct (mmap+munmap: $(calc "%.2f" "$(get S stacks-loop stackfs median) / $d_loop")x);" \
		"stackfs no slower than overlayfs on the same lower (stackfs/overlayfs: $(calc "%.2f" "$(get S stacks-loop stackfs median) / $(get S stacks-loop overlayfs median)")x mmap+munmap," \
		"$(calc "%.2f" "$(get S stacks-touch stackfs median) / $(get S stacks-touch overlayfs median)")x mmap+touch)."
	echo
	echo "## 3. Prepopulation"
	echo
	echo "hookfs direct, MAP_SHARED read-only, one read per 4 KiB page; time = mmap + touch (munmap untimed)."
	echo "prepopulated: hookfs -o prepopulate (generic_file_mmap_populate() in mmap_complete); demand: no population;"
	echo "populate: MAP_POPULATE; pfn: the 64 KiB pfn file, remap_pfn_range() in mmap_complete."
	echo "stackfs-legacy, stackfs-prepare, overlayfs: the prepopulating hookfs's files through stackfs (legacy ->mmap: the compat path), stackfs -o mmap=prepare and overlayfs (mmap_prepare_nested(): the nested path); vs demand is against hookfs demand faulted directly."
	echo "Minor faults per mapping (getrusage), medians: in mmap() and on first touch. A fault taken for the kernel itself (MAP_POPULATE's GUP, or the helper's page-by-page fallback for a file without ->map_pages()) counts as a minor fault of the task, so the population shows up under mmap()."
	echo
	echo "| size | mode | min / median / max (ms) | vs demand | vs MAP_POPULATE | faults in mmap | faults on touch |"
	echo "|---|---|---|---|---|---|---|"
	# shellcheck disable=SC2013 # one size a line, no spaces
	for kib in $(awk '$2 ~ /^prepop-/ { sub(/^prepop-/, "", $2); sub(/K$/, "", $2); print $2 }' "$ALL" | sort -nu); do
		q=prepop-${kib}K
		for l in $PREPOP_MODES pfn; do
			has S "$q" "$l" || continue
			echo "| $(awk -v k="$kib" 'BEGIN { if (k >= 1024) printf "%d MiB", k / 1024; else printf "%d KiB", k }') | $l | $(calc "%.3f" "$(get S "$q" $l min) / 1e6") / $(calc "%.3f" "$(get S "$q" $l median) / 1e6") / $(calc "%.3f" "$(get S "$q" $l max) / 1e6") | $(calc "%.2f" "$(get S "$q" $l median) / $(get S "$q" demand median)") | $(calc "%.2f" "$(get S "$q" $l median) / $(get S "$q" populate median)") | $(get S "$q" $l faults_mmap) | $(get S "$q" $l faults_touch) |"
		done
	done
	echo
	if has S prepop-65536K prepopulated; then
		echo "Goals: ~0 faults on first touch when prepopulated ($(get S prepop-65536K prepopulated faults_touch) at 64 MiB);" \
			"prepopulated no slower than MAP_POPULATE ($(calc "%.2f" "$(get S prepop-65536K prepopulated median) / $(get S prepop-65536K populate median)")x at 64 MiB);" \
			"at least 1.5x faster than demand faulting at 64 MiB (demand/prepopulated: $(calc "%.2f" "$(get S prepop-65536K demand median) / $(get S prepop-65536K prepopulated median)")x);" \
			"the same through the stacks (demand/prepopulated at 64 MiB: stackfs-legacy $(calc "%.2f" "$(get S prepop-65536K demand median) / $(get S prepop-65536K stackfs-legacy median)")x," \
			"stackfs-prepare $(calc "%.2f" "$(get S prepop-65536K demand median) / $(get S prepop-65536K stackfs-prepare median)")x," \
			"overlayfs $(calc "%.2f" "$(get S prepop-65536K demand median) / $(get S prepop-65536K overlayfs median)")x);" \
			"never slower than demand faulting at any size (see 'vs demand')."
	else
		echo "Goals at 64 MiB: not measured in this quick run."
	fi
	sed -n 's/^info prepop-stats /hookfs stats of the prepopulating mount at the end: /p' "$RAW/S.out"
	echo
	echo "## 4. The developer loop"
	echo
	echo "Wall-clock seconds on the host. The rebuilds start the clock with the machine-wide build lock already held, so waiting for other builds is not counted; the cold row does count it."
	echo
	echo "| step | seconds | goal |"
	echo "|---|---|---|"
	if [ -f "$COLD_FILE" ]; then
		read -r c_s c_date c_commit <"$COLD_FILE"
		if [ -n "$COLD_NOTE" ]; then
			echo "| cold: clean clone to the first matrix table (\`make run\`, build-lock waits included) | $c_s (measured in this run) | < 480 |"
		else
			echo "| cold: clean clone to the first matrix table (\`make run\`, build-lock waits included) | $c_s (NOT measured in this run: from $c_date, commit $c_commit; BENCH_COLD=1 remeasures) | < 480 |"
		fi
	else
		echo "| cold: clean clone to the first matrix table (\`make run\`) | not measured (BENCH_COLD=1 measures it) | < 480 |"
	fi
	echo "| incremental kernel after touching mm/vma.c | $T_INCR | < 90 |"
	echo "| module rebuild (every fs/*/*.c touched) | $T_MOD | |"
	echo "| full matrix, boot to result ($ACCEL), wall | $T_MATRIX | |"
	echo "| full matrix, guest uptime at the result ($ACCEL) | $T_MATRIX_GUEST | < 20 |"
	echo
	echo "Matrix: $MATRIX_LINE"
	echo
	echo "Plots: zero.png (patched/unpatched, wall clock and -icount), stacks.png (latency per stack), prepop-time.png and prepop-faults.png (against mapping size)."
	echo "Raw result lines: raw/all.txt; logs: build/logs/bench-*.log."
} >"$OUT/results.md"

# ---- plots ----

for l in tmpfs anon ext2; do
	echo "$l $(calc "%.4f" "$(mean_median "$PBOOTS" zero $l) / $(mean_median "$UBOOTS" zero $l)") $(ratio_range "$PBOOTS" "$UBOOTS" zero $l | tr - ' ') $(calc "%.4f" "$(mean_median "$IPBOOTS" zero $l) / $(mean_median "$IUBOOTS" zero $l)") $(ratio_range "$IPBOOTS" "$IUBOOTS" zero $l | tr - ' ')"
done >"$OUT/zero.dat"
for l in direct stackfs overlayfs fuse stackfs-overlayfs; do
	echo "$l $(get S stacks-loop $l median) $(get S stacks-loop $l min) $(get S stacks-loop $l max) $(get S stacks-touch $l median) $(get S stacks-touch $l min) $(get S stacks-touch $l max)"
done >"$OUT/stacks.dat"
for l in $PREPOP_MODES; do
	echo "# $l"
	awk -v l="$l" '$1 == "S" && $2 ~ /^prepop-/ && $3 == l {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		print f["size"] / 1048576, f["median"] / 1e6, f["min"] / 1e6, f["max"] / 1e6,
			f["faults_mmap"] + f["faults_touch"], f["faults_touch"]
	}' "$ALL" | sort -g
	printf '\n\n'
done >"$OUT/prepop.dat"

run "$LOGS/bench-gnuplot.log" gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced
set datafile separator whitespace
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set grid ytics
set yrange [0:*]
set output '$OUT/stacks.png'
set multiplot layout 1,2 title 'nestmap: latency per stack ($ACCEL; medians, bars min-max)'
set title 'mmap+munmap, one page'
set ylabel 'microseconds'
set xtics rotate by -30
plot '$OUT/stacks.dat' using (\$2/1000):(\$3/1000):(\$4/1000):xtic(1) notitle lc rgb '#4477aa'
set title 'mmap + touch 64 MiB'
set ylabel 'milliseconds'
plot '$OUT/stacks.dat' using (\$5/1e6):(\$6/1e6):(\$7/1e6):xtic(1) notitle lc rgb '#ee6677'
unset multiplot
set output '$OUT/zero.png'
set title 'nestmap: patched/unpatched, mmap+munmap (bars: lowest-highest over every pair of boots)'
set ylabel 'patched / unpatched'
set yrange [0.5:1.5]
set xtics norotate
set arrow from graph 0, first 1.02 to graph 1, first 1.02 nohead dt 2
set arrow from graph 0, first 0.98 to graph 1, first 0.98 nohead dt 2
plot '$OUT/zero.dat' using 2:3:4:xtic(1) title 'wall clock ($ACCEL)' lc rgb '#4477aa', \
     '' using 5:6:7 title '-icount (instructions)' lc rgb '#228833'
unset arrow
set output '$OUT/prepop-time.png'
set autoscale y
set style data linespoints
set logscale xy 2
set xlabel 'mapping size (MiB)'
set ylabel 'mmap + touch (ms)'
set xtics norotate
set key top left
set title 'nestmap: mmap + touch every page ($ACCEL; medians, bars min-max)'
modes = 'prepopulated demand MAP_POPULATE stackfs-legacy stackfs-prepare overlayfs'
plot for [i=0:5] '$OUT/prepop.dat' index i using 1:2:3:4 with yerrorlines title word(modes, i + 1)
set output '$OUT/prepop-faults.png'
set logscale y 10
set ylabel 'minor faults per mapping'
set title 'nestmap: minor faults, mmap + touch (solid), touch only (dashed); 0 drawn at 0.5'
plot for [i=0:2] '$OUT/prepop.dat' index i using 1:(\$5 > 0 ? \$5 : 0.5) with linespoints lw 2 lc i + 1 title word(modes, i + 1), \
     for [i=0:2] '$OUT/prepop.dat' index i using 1:(\$6 > 0 ? \$6 : 0.5) with linespoints dt 2 lc i + 1 notitle
EOF

stage "done in $((SECONDS - START))s: $OUT/results.md"
cat "$OUT/results.md"
