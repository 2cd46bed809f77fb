#!/bin/sh
# Build libfuse 3.17.2 as a static library from the Debian source package
# fuse3 3.17.2-3 (bookworm's 3.14 has no FUSE passthrough).
#
# Source: $LIBFUSE_SRC (default ../shared/libfuse-src from the repo root);
# if that directory is missing, the package is fetched with apt-get source
# through a private apt configuration under build/apt.
# Output: build/libfuse/install (static libfuse3.a, headers, fuse3.pc).
# Log:    build/logs/libfuse.log
set -eu

VERSION=3.17.2
DEBVERSION=3.17.2-3
ORIG=fuse3_$VERSION.orig.tar.gz
DEBIAN=fuse3_$DEBVERSION.debian.tar.xz
DSC=fuse3_$DEBVERSION.dsc

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
OUT=$BUILD/libfuse
LOG=$BUILD/logs/libfuse.log
SRC_DIR=${LIBFUSE_SRC:-$ROOT/../shared/libfuse-src}
START=$(date +%s.%N)

# The pinned checksums: the source directory's own SHA256SUMS is checked
# too, but these are what make a swapped source directory fail.
PINNED="3d932431ad94e86179e5265cddde1d67aa3bb2fb09a5bd35c641f86f2b5ed06f  $ORIG
eaf7a177761ae8bf99ea97619f2cccf83f169b4f000e17b6106834e69456b5a2  $DEBIAN
1339847e7e6512f31d61cf1fe4598341c4b8aa43ea6dc546914b21f96f29deb3  $DSC"

MESON_OPTS="--prefix=$OUT/install --libdir=lib --buildtype=release
 -Ddefault_library=static -Dexamples=false -Dutils=false -Dtests=false
 -Duseroot=false -Dinitscriptdir="

progress() {
	printf '[libfuse %6.1fs] %s\n' \
		"$(echo "$(date +%s.%N) - $START" | bc)" "$*"
}

die() {
	echo "build-libfuse: error: $*" >&2
	echo "build-libfuse: full log: $LOG" >&2
	exit 1
}

# Run a stage's command with its output in the log only.
logged() {
	echo "+ $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || die "'$*' failed"
}

# Fetch the source package with a private apt configuration: the system's
# apt sources and lists are left as they are.
fetch_source() {
	apt_dir=$BUILD/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
		"$apt_dir/sources.list.d" "$apt_dir/source"
	echo "deb-src http://deb.debian.org/debian trixie main" \
		>"$apt_dir/sources.list"
	cat >"$apt_dir/apt.conf" <<-EOF
	Dir::Etc::SourceList "$apt_dir/sources.list";
	Dir::Etc::SourceParts "$apt_dir/sources.list.d";
	Dir::State::Lists "$apt_dir/lists";
	Dir::Cache "$apt_dir/cache";
	APT::Sandbox::User "root";
	EOF
	export APT_CONFIG="$apt_dir/apt.conf"
	echo "+ apt-get update (private config $APT_CONFIG)" >>"$LOG"
	apt-get update >>"$LOG" 2>&1 ||
		die "apt-get update with the private trixie deb-src config failed (no network to deb.debian.org?); put the fuse3 $DEBVERSION source package in a directory and set LIBFUSE_SRC to it"
	echo "+ apt-get source --download-only fuse3=$DEBVERSION" >>"$LOG"
	(cd "$apt_dir/source" &&
		apt-get source --download-only "fuse3=$DEBVERSION") >>"$LOG" 2>&1 ||
		die "apt-get source fuse3=$DEBVERSION failed; set LIBFUSE_SRC to a directory holding $ORIG, $DEBIAN and $DSC"
	SRC_DIR=$apt_dir/source
}

verify_source() {
	for f in "$ORIG" "$DEBIAN" "$DSC"; do
		[ -f "$SRC_DIR/$f" ] || die "$SRC_DIR/$f is missing"
	done
	if [ -f "$SRC_DIR/SHA256SUMS" ]; then
		(cd "$SRC_DIR" && sha256sum --quiet -c SHA256SUMS) >>"$LOG" 2>&1 ||
			die "$SRC_DIR/SHA256SUMS does not match its files"
	fi
	(cd "$SRC_DIR" && echo "$PINNED" | sha256sum --quiet -c -) \
		>>"$LOG" 2>&1 ||
		die "the files in $SRC_DIR are not fuse3 $DEBVERSION (checksum mismatch)"
}

# Apply debian/patches in quilt series order.
apply_patches() {
	series=$OUT/src/debian/patches/series
	[ -f "$series" ] || return 0
	sed -e 's/#.*//' "$series" | while read -r name _; do
		[ -n "$name" ] || continue
		logged patch -d "$OUT/src" -p1 --forward --batch \
			-i "debian/patches/$name"
	done
}

mkdir -p "$BUILD/logs"
: >"$LOG"

progress "verify source"
if [ ! -d "$SRC_DIR" ]; then
	progress "$SRC_DIR not found: fetching fuse3=$DEBVERSION with apt-get source"
	fetch_source
fi
verify_source

# Rebuild only when an input changed: the tarballs, this script, the options.
stamp=$( (echo "$PINNED" "$MESON_OPTS"; cat "$0") | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/install/lib/libfuse3.a" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	progress "up to date: $OUT/install"
	exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT/src"

progress "unpack"
logged tar -xzf "$SRC_DIR/$ORIG" -C "$OUT/src" --strip-components=1
logged tar -xJf "$SRC_DIR/$DEBIAN" -C "$OUT/src"

progress "apply debian/patches"
apply_patches

progress "meson setup"
# shellcheck disable=SC2086 # MESON_OPTS is a word list
logged meson setup "$OUT/build" "$OUT/src" $MESON_OPTS

progress "ninja"
logged ninja -C "$OUT/build"

progress "install"
logged meson install -C "$OUT/build" --no-rebuild
[ -f "$OUT/install/lib/libfuse3.a" ] || die "no libfuse3.a was installed"
echo "$stamp" >"$OUT/stamp"

progress "done: $OUT/install"
