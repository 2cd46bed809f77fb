#!/bin/bash
# userspace/build-xfstests-tools.sh from a copy of the script in a scratch
# repository root (so build/ and ../shared/ are the scratch's): the source
# lookup order, the checksum and commit checks, the message without any
# source, static binaries, and the up-to-date stamp.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"
NAME=xfstests-63a29724.tar.xz
REAL=${XFSTESTS_TARBALL:-$ROOT/../shared/xfstests-src/$NAME}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-xfstests-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
repo=$scratch/repo
out=$scratch/out
mkdir -p "$repo/userspace"
cp "$ROOT/userspace/build-xfstests-tools.sh" "$repo/userspace/"

build() {
	env -u XFSTESTS_SRC -u XFSTESTS_TARBALL "$@" \
		"$repo/userspace/build-xfstests-tools.sh" >"$out" 2>&1
}

says() {
	grep -q "$1" "$out"
}

bins() {
	[ -x "$repo/build/xfstests/bin/fsx" ] &&
		[ -x "$repo/build/xfstests/bin/fsstress" ]
}

# Linked statically: the guest has no shared libraries.
static_bins() {
	bins && for b in fsx fsstress; do
		LC_ALL=C ldd "$repo/build/xfstests/bin/$b" 2>&1 |
			grep -q 'not a dynamic executable' || return 1
	done
}

check "no source: fails, says how to clone it" \
	eval '! build && says "git clone" && says 63a29724a85f1999e49bf0a9bf0d22643b6116e5 && ! bins'
check "XFSTESTS_TARBALL missing: refused" \
	eval '! build XFSTESTS_TARBALL="$scratch/none.tar.xz" && says "no such file"'
echo junk | xz >"$scratch/$NAME"
check "XFSTESTS_TARBALL with another checksum: refused" \
	eval '! build XFSTESTS_TARBALL="$scratch/$NAME" && says "SHA256 mismatch" && ! bins'
check "XFSTESTS_SRC not a git checkout: refused" \
	eval '! build XFSTESTS_SRC="$scratch" && says "not a git checkout"'
git init -q "$scratch/other"
echo x >"$scratch/other/x"
git -C "$scratch/other" add x
git -C "$scratch/other" -c user.name=t -c user.email=t@t commit -qm x
check "XFSTESTS_SRC at another commit: refused" \
	eval '! build XFSTESTS_SRC="$scratch/other" && says "neither commit" && ! bins'

if [ ! -f "$REAL" ]; then
	for t in "default ../shared tarball" "up to date" "XFSTESTS_TARBALL" \
		"XFSTESTS_SRC with the pinned tree"; do
		skip "$t" "no $NAME (set XFSTESTS_TARBALL)"
	done
	ktap_done
	exit
fi

mkdir -p "$scratch/shared/xfstests-src"
ln -s "$REAL" "$scratch/shared/xfstests-src/$NAME"
check "default ../shared tarball: static fsx and fsstress" \
	eval 'build && static_bins'
check "up to date: not rebuilt" \
	eval 'build && says "up to date"'
rm -rf "$scratch/shared" "$repo/build"
check "XFSTESTS_TARBALL: static fsx and fsstress" \
	eval 'build XFSTESTS_TARBALL="$REAL" && static_bins'
# A checkout without the commit but with its tree: imported from the
# tarball (every file, .gitignore'd ones too).
mkdir "$scratch/co"
tar -xJf "$REAL" -C "$scratch/co" --strip-components=1
git -C "$scratch/co" init -q
git -C "$scratch/co" add -f -A .
git -C "$scratch/co" -c user.name=t -c user.email=t@t commit -qm import
rm -rf "$repo/build"
check "XFSTESTS_SRC with the pinned tree: static fsx and fsstress" \
	eval 'build XFSTESTS_SRC="$scratch/co" && says "(HEAD)" && static_bins'
ktap_done
