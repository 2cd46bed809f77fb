#!/bin/sh
# Build fsx and fsstress, the data-integrity and stress tools of xfstests
# (fstests), as static programs for the guest, from the pinned commit
# 63a29724a85f1999e49bf0a9bf0d22643b6116e5.
#
# Source, in this order:
#   XFSTESTS_SRC=DIR        a git checkout of the public fstests tree that
#                           holds that commit (or a HEAD with its tree)
#   XFSTESTS_TARBALL=FILE   a `git archive` tarball of it (SHA256 pinned)
#   ../shared/xfstests-src/xfstests-63a29724.tar.xz from the repo root
#   otherwise a clone of XFSTESTS_GIT_URL (default: the public fstests
#   tree on git.kernel.org) into build/xfstests-git, at that commit
# Output: build/xfstests/bin/{fsx,fsstress}
# Log:    build/logs/xfstests-tools.log
#
# Only ltp/fsx.c and ltp/fsstress.c are compiled, straight with gcc and a
# small config.h written here, instead of running autoconf and make for all
# of xfstests: no AIO, no io_uring, no libxfs or libhandle. fsstress still
# needs the XFS ioctl headers (Debian xfslibs-dev, in make deps).
set -eu

COMMIT=63a29724a85f1999e49bf0a9bf0d22643b6116e5
# The tree of that commit: lets a checkout whose history lacks the commit
# (a re-import, a squashed mirror) pass when its content is the same.
TREE=d08ca18d6efb587209dd43f5498e6840c73ab4a7
TARBALL_NAME=xfstests-63a29724.tar.xz
TARBALL_SHA256=9d2791185b31d1a82236715bba6b41c6018a6f0ffbb3206b415faf9a5155f558

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
OUT=$BUILD/xfstests
LOG=$BUILD/logs/xfstests-tools.log
DEFAULT_TARBALL=$(cd "$ROOT/.." && pwd)/shared/xfstests-src/$TARBALL_NAME
CC=${CC:-gcc}
# -DXFS as xfstests' ltp/Makefile has it; HAVE_COPY_FILE_RANGE and
# FALLOCATE as its configure finds them on Linux.
CFLAGS="-O2 -static -D_GNU_SOURCE -DXFS -DHAVE_COPY_FILE_RANGE -DFALLOCATE"
START=$(date +%s.%N)

progress() {
	printf '[xfstests-tools %6.1fs] %s\n' \
		"$(echo "$(date +%s.%N) - $START" | bc)" "$*"
}

die() {
	echo "build-xfstests-tools: error: $*" >&2
	[ ! -s "$LOG" ] || echo "build-xfstests-tools: full log: $LOG" >&2
	exit 1
}

logged() {
	echo "+ $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || die "'$*' failed"
}

how_to_get() {
	cat >&2 <<EOF
build-xfstests-tools: no xfstests source. Either
  - put $TARBALL_NAME (SHA256 $TARBALL_SHA256)
    in ../shared/xfstests-src/ next to this repository, or set
    XFSTESTS_TARBALL=/path/to/$TARBALL_NAME; or
  - clone the public fstests tree and set XFSTESTS_SRC to it:
      git clone https://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git xfstests
      git -C xfstests checkout $COMMIT
      make XFSTESTS_SRC=\$PWD/xfstests ...
EOF
	exit 1
}

mkdir -p "$BUILD/logs"
: >"$LOG"

# No source given and no tarball beside the repository: fetch the pinned
# commit from its public home, once.
if [ -z "${XFSTESTS_SRC:-}${XFSTESTS_TARBALL:-}" ] && [ ! -f "$DEFAULT_TARBALL" ]; then
	url=${XFSTESTS_GIT_URL:-https://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git}
	clone=$BUILD/xfstests-git
	if ! git -C "$clone" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
		progress "clone $url (log: $LOG)"
		rm -rf "$clone"
		git clone --quiet "$url" "$clone" >>"$LOG" 2>&1 || {
			echo "build-xfstests-tools: cloning $url failed" >&2
			how_to_get
		}
	fi
	git -C "$clone" -c advice.detachedHead=false checkout --quiet "$COMMIT" \
		>>"$LOG" 2>&1 || die "$clone has no commit $COMMIT"
	XFSTESTS_SRC=$clone
fi

progress "verify source"
if [ -n "${XFSTESTS_SRC:-}" ]; then
	[ -d "$XFSTESTS_SRC" ] || die "XFSTESTS_SRC=$XFSTESTS_SRC is not a directory"
	git -C "$XFSTESTS_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
		die "XFSTESTS_SRC=$XFSTESTS_SRC is not a git checkout (clone the fstests tree, or use XFSTESTS_TARBALL)"
	if git -C "$XFSTESTS_SRC" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
		rev=$COMMIT
	elif [ "$(git -C "$XFSTESTS_SRC" rev-parse -q --verify 'HEAD^{tree}')" = "$TREE" ]; then
		rev=HEAD
	else
		die "XFSTESTS_SRC=$XFSTESTS_SRC has neither commit $COMMIT nor its tree at HEAD: git -C $XFSTESTS_SRC fetch && git -C $XFSTESTS_SRC checkout $COMMIT"
	fi
	source_id="git $(git -C "$XFSTESTS_SRC" rev-parse "$rev^{tree}")"
	source_desc="$XFSTESTS_SRC ($rev)"
else
	tarball=${XFSTESTS_TARBALL:-}
	if [ -z "$tarball" ]; then
		[ -f "$DEFAULT_TARBALL" ] || how_to_get
		tarball=$DEFAULT_TARBALL
	fi
	[ -f "$tarball" ] || die "XFSTESTS_TARBALL=$tarball: no such file"
	echo "$TARBALL_SHA256  $tarball" | sha256sum --quiet -c - >>"$LOG" 2>&1 ||
		die "$tarball is not $TARBALL_NAME (SHA256 mismatch; want $TARBALL_SHA256)"
	source_id="tarball $TARBALL_SHA256"
	source_desc=$tarball
fi
progress "source: $source_desc"

# Rebuild only when an input changed: the source, this script, the flags.
stamp=$( (echo "$source_id $CC $CFLAGS"; cat "$0") | sha256sum | cut -d' ' -f1)
if [ -x "$OUT/bin/fsx" ] && [ -x "$OUT/bin/fsstress" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	progress "up to date: $OUT/bin"
	exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/bin"

progress "unpack ltp/, src/, include/"
if [ -n "${XFSTESTS_SRC:-}" ]; then
	echo "+ git -C $XFSTESTS_SRC archive $rev ltp src include | tar -x" >>"$LOG"
	git -C "$XFSTESTS_SRC" archive --format=tar "$rev" ltp src include |
		tar -x -C "$OUT/src" 2>>"$LOG" || die "git archive of $rev failed"
else
	logged tar -xJf "$tarball" -C "$OUT/src" --strip-components=1 \
		--wildcards '*/ltp/*' '*/src/*' '*/include/*'
fi
for f in ltp/fsx.c ltp/fsstress.c src/global.h; do
	[ -f "$OUT/src/$f" ] || die "the source has no $f"
done

progress "config.h"
# What xfstests' configure finds on Debian's glibc for these two tools.
cat >"$OUT/config.h" <<'EOF'
#define STDC_HEADERS 1
#define HAVE_ASSERT_H 1
#define HAVE_DIRENT_H 1
#define HAVE_ERRNO_H 1
#define HAVE_ERR_H 1
#define HAVE_LIBGEN_H 1
#define HAVE_LINUX_FALLOC_H 1
#define HAVE_LINUX_FIEMAP_H 1
#define HAVE_MALLOC_H 1
#define HAVE_RENAMEAT2 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_FCNTL_H 1
#define HAVE_SYS_IOCTL_H 1
#define HAVE_SYS_MMAN_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_SYS_PRCTL_H 1
#define HAVE_SYS_STATVFS_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_WAIT_H 1
#define HAVE_UNISTD_H 1
#define HAVE_XFS_XFS_H 1
EOF
[ -f /usr/include/xfs/xfs.h ] ||
	die "/usr/include/xfs/xfs.h is missing: install xfslibs-dev (make deps)"

for tool in fsx fsstress; do
	progress "compile $tool"
	# shellcheck disable=SC2086 # CFLAGS is a word list
	logged "$CC" $CFLAGS -I"$OUT" -I"$OUT/src/include" -I"$OUT/src/src" \
		"$OUT/src/ltp/$tool.c" -o "$OUT/bin/$tool" -lm
done
echo "$stamp" >"$OUT/stamp"
progress "done: $OUT/bin/fsx, $OUT/bin/fsstress"
