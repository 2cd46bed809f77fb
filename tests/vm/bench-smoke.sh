#!/bin/sh
# The benchmark's guest half (tests/bench/guest-bench.sh) in its quick
# form, on the test kernel: every mount it makes works and every figure
# `make bench` reads is printed, so a change that would break `make bench`
# fails `make test` first. Times are not judged; the fault counts are:
# a prepopulated mapping, directly and through each stacker, takes no
# fault in mmap() and none on first touch, and demand faulting does.
#
# The zero-cost question is not run: it needs the bench kernel's RAM disk.
set -eu

FS_SUITE=bench-smoke
. "$(dirname "$0")/fs-lib.inc"

GUEST_BENCH=$(dirname "$0")/../bench/guest-bench.sh
OUT=/tmp/bench-smoke.out
PREPOP="prepopulated stackfs-legacy stackfs-prepare overlayfs"

# field QUESTION LABEL KEY: one value of one result line, or nothing.
field() {
	awk -v q="$1" -v l="$2" -v k="$3" '
	$1 == "result" && $2 == q && $3 == l {
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k) print kv[2]
		}
	}' "$OUT"
}

has_results() {	# has_results QUESTION LABEL...
	q=$1
	shift
	for l; do
		[ -n "$(field "$q" "$l" median)" ] ||
			{ echo "no result for $q $l"; return 1; }
	done
}

faults_are() {	# faults_are QUESTION LABEL KEY zero|nonzero
	v=$(field "$1" "$2" "$3")
	echo "$1 $2 $3=$v, want $4"
	case $4 in
	zero) [ "$v" = 0.0 ] ;;
	nonzero) [ -n "$v" ] && [ "$v" != 0.0 ] ;;
	esac
}

if [ ! -f "$GUEST_BENCH" ]; then
	skip "guest-bench.sh runs" "no $GUEST_BENCH (tests/bench not added)"
	fs_summary
	exit
fi

# Modules guest-bench.sh loads are unloaded again, for the suites after.
loaded_before=$(awk '$1 == "hookfs" || $1 == "stackfs" { print $1 }' /proc/modules | tr '\n' ' ')

check "guest-bench.sh --quick stacks prepop runs" \
	sh -c 'NESTMAP_BENCH_MODULES=$1 sh "$2" --quick stacks prepop >"$3" 2>&1' \
	sh "$FS_MODDIR" "$GUEST_BENCH" "$OUT"
grep -v '^result ' "$OUT" >>"$FS_LOG" || true
check "stacks: a figure for every stack" has_results stacks-loop \
	direct stackfs overlayfs fuse stackfs-overlayfs
check "stacks: a touch figure for every stack" has_results stacks-touch \
	direct stackfs overlayfs fuse stackfs-overlayfs
for kib in 64 4096; do
	q=prepop-${kib}K
	# shellcheck disable=SC2086 # one word per mode
	check "$q: a figure for every mode" has_results "$q" $PREPOP demand populate
	for l in $PREPOP; do
		check "$q $l: no fault in mmap()" faults_are "$q" "$l" faults_mmap zero
		check "$q $l: no fault on first touch" faults_are "$q" "$l" faults_touch zero
	done
	check "$q demand: faults on first touch" faults_are "$q" demand faults_touch nonzero
done
check "the pfn file: a figure" has_results prepop-64K pfn
for m in stackfs hookfs; do
	case " $loaded_before " in *" $m "*) continue ;; esac
	! grep -q "^$m " /proc/modules || check "rmmod $m" rmmod "$m"
done

fs_summary
