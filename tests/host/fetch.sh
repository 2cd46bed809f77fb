#!/bin/bash
# kernel/fetch-source.sh on a tiny fake tarball and series, in a scratch
# directory: checksum enforcement, re-extraction on any change to the
# series (by content, not timestamps), mtimes that make incremental builds
# recompile what changed, and KERNEL_SRC detection.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-fetch-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
tree=$scratch/build/src/linux
out=$scratch/out

# The fake release: hello.c says v0; files are dated in the past like the
# real tarball's.
mkdir -p "$scratch/rel/linux-source-7.3"
echo "hello v0" >"$scratch/rel/linux-source-7.3/hello.c"
echo "all:" >"$scratch/rel/linux-source-7.3/Makefile"
echo "# Kconfig" >"$scratch/rel/linux-source-7.3/Kconfig"
touch -d 2020-01-01 "$scratch/rel/linux-source-7.3"/*
tar -cJf "$scratch/fake.tar.xz" -C "$scratch/rel" linux-source-7.3
sha256sum "$scratch/fake.tar.xz" >"$scratch/fake.sha256"
mkdir -p "$scratch/patches"

# make_patch FILE FROM TO: a -p1 patch turning hello.c from FROM to TO.
make_patch() {
	mkdir -p "$scratch/mk/a" "$scratch/mk/b"
	echo "hello $2" >"$scratch/mk/a/hello.c"
	echo "hello $3" >"$scratch/mk/b/hello.c"
	(cd "$scratch/mk" && diff -u a/hello.c b/hello.c) >"$1" || [ "$?" -eq 1 ]
}

fetch() {
	env -u KERNEL_SRC NESTMAP_BUILD="$scratch/build" \
		NESTMAP_PATCH_DIR="$scratch/patches" \
		NESTMAP_TARBALL_SHA256="$scratch/fake.sha256" \
		KERNEL_TARBALL="$scratch/fake.tar.xz" "$@" \
		"$ROOT/kernel/fetch-source.sh" >"$out" 2>&1
}

says() {
	grep -q "$1" "$out"
}

hello_is() {
	grep -qx "hello $1" "$2/hello.c"
}

check "good tarball, empty series: pristine tree" \
	eval 'fetch && hello_is v0 "$tree"'

touch "$tree/sentinel"
check "unchanged series: tree kept" \
	eval 'fetch && says "up to date" && [ -e "$tree/sentinel" ]'

cp "$scratch/fake.tar.xz" "$scratch/tampered.tar.xz"
printf 'X' | dd of="$scratch/tampered.tar.xz" bs=1 seek=200 conv=notrunc \
	2>/dev/null
check "tampered tarball rejected, tree untouched" \
	eval '! fetch KERNEL_TARBALL="$scratch/tampered.tar.xz" &&
		says "checksum mismatch" && [ -e "$tree/sentinel" ]'

check "missing tarball: clear error" \
	eval '! fetch KERNEL_TARBALL="$scratch/none.tar.xz" && says "no such file"'

check "no network (unreachable mirror): clear error saying what to do" \
	eval '! env -u KERNEL_TARBALL -u KERNEL_SRC \
		NESTMAP_BUILD="$scratch/apt-build" \
		NESTMAP_DEBIAN_MIRROR=http://127.0.0.1:9/debian \
		"$ROOT/kernel/fetch-source.sh" >"$out" 2>&1 &&
		says "could not fetch" && says "KERNEL_TARBALL="'

make_patch "$scratch/patches/0001-v1.patch" v0 v1
check "added patch: re-extracted and applied" \
	eval 'fetch && hello_is v1 "$tree" && [ ! -e "$tree/sentinel" ]'

make_patch "$scratch/patches/0001-v1.patch" v0 v2
check "edited patch (same name): re-extracted and applied" \
	eval 'fetch && hello_is v2 "$tree"'

touch "$scratch/built-object"
sleep 1
rm "$scratch/patches/0001-v1.patch"
check "removed patch: pristine again, newer than the build's objects" \
	eval 'fetch && hello_is v0 "$tree" &&
		[ "$tree/hello.c" -nt "$scratch/built-object" ]'
check "removed patch: untouched files keep their mtime" \
	eval '! [ "$tree/Makefile" -nt "$scratch/built-object" ]'

touch "$scratch/built-object"
sleep 1
rm -rf "$tree" "$tree.stamp"
check "tree lost: every file newer than the build's objects" \
	eval 'fetch && [ "$tree/Makefile" -nt "$scratch/built-object" ]'

make_patch "$scratch/patches/0001-bad.patch" v7 v8
check "patch that does not apply: error, tree not marked ready" \
	eval '! fetch && says "0001-bad.patch does not apply" &&
		[ ! -e "$tree.stamp" ]'
rm "$scratch/patches/0001-bad.patch"
check "fixed series after a failure: pristine tree" \
	eval 'fetch && hello_is v0 "$tree"'

# KERNEL_SRC: a two-patch series where the second needs the first.
make_patch "$scratch/patches/0001-v1.patch" v0 v1
make_patch "$scratch/patches/0002-v2.patch" v1 v2
cp -a "$scratch/rel/linux-source-7.3" "$scratch/user"
check "KERNEL_SRC pristine: series applied" \
	eval 'fetch KERNEL_SRC="$scratch/user" && hello_is v2 "$scratch/user"'
check "KERNEL_SRC with the series: detected as applied, left alone" \
	eval 'fetch KERNEL_SRC="$scratch/user" && says "already applied" &&
		hello_is v2 "$scratch/user"'
make_patch "$scratch/patches/0002-v2.patch" v1 v3
check "KERNEL_SRC with another version of the series: refused, untouched" \
	eval '! fetch KERNEL_SRC="$scratch/user" && says "neither applies" &&
		hello_is v2 "$scratch/user"'

ktap_done
