#!/bin/sh
# Build and install the series' mmap_hooks kselftest with the kernel's own
# selftests build (tools/testing/selftests), statically linked for the
# guest: build/kselftest holds run_kselftest.sh, the runner and the test,
# as the kselftest install target lays them out.
#
# Source: the patched tree build/src/linux (make kernel prepares it; or
# KERNEL_SRC, as for the kernel). Log: build/logs/kselftest.log
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
SRC=${KERNEL_SRC:-$BUILD/src/linux}
# make runs this from userspace/: a relative KERNEL_SRC is the repository's.
case $SRC in /*) ;; *) SRC=$ROOT/$SRC ;; esac
TARGET=filesystems/mmap_hooks
OUT=$BUILD/kselftest
LOG=$BUILD/logs/kselftest.log
START=$(date +%s)

die() {
	echo "build-kselftest: error: $*" >&2
	exit 1
}

[ -f "$SRC/tools/testing/selftests/$TARGET/Makefile" ] ||
	die "no $SRC/tools/testing/selftests/$TARGET: run make kernel first (the test is part of the patch series)"
command -v rsync >/dev/null ||
	die "rsync is missing (the selftests install uses it): run make deps"
mkdir -p "$BUILD/logs"
echo "[kselftest    0s] build-kselftest: $TARGET (log: $LOG)"
rm -rf "$OUT" "$BUILD/kselftest-obj"
if ! make -C "$SRC/tools/testing/selftests" TARGETS="$TARGET" \
	O="$BUILD/kselftest-obj" LDFLAGS=-static INSTALL_PATH="$OUT" \
	install >"$LOG" 2>&1; then
	tail -n 20 "$LOG" >&2
	die "the selftests build failed; see $LOG"
fi
echo "[kselftest $(printf '%4d' $(($(date +%s) - START)))s] build-kselftest: installed in $OUT"
