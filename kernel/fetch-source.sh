#!/bin/bash
# Put the pinned kernel source, with kernel/patches/*.patch applied, in place.
#
#   KERNEL_SRC=/path      the user's own tree: the series is applied unless
#                         it already is; a tree it fits neither way is refused
#   KERNEL_TARBALL=/path  extract that linux-source-7.3.tar.xz
#   (neither)             apt-get download the pinned Debian package
#
# Tarballs must match kernel/linux-source-7.3.sha256.  The extracted tree is
# build/src/linux; build/src/linux.stamp records the tarball hash and the
# content hash of the series.  Any change to either re-extracts from scratch.
set -eu
. "$(dirname "$0")/lib.sh"

STAMP=$SRC_DIR.stamp
CHECK_LOG=$LOG_DIR/patch-check.log

# Does the series apply to a copy of the files it touches in TREE?
# With -R: does it revert from them, i.e. is it already applied?
series_fits() {
	local tree=$1 dir=$2 scratch=$BUILD_DIR/tmp/series-check f p
	local -a order=("${PATCHES[@]}")

	rm -rf "$scratch"
	mkdir -p "$scratch"
	patch_files "${PATCHES[@]}" | while read -r f; do
		if [ -e "$tree/$f" ]; then
			mkdir -p "$scratch/$(dirname "$f")"
			cp -P "$tree/$f" "$scratch/$f"
		fi
	done
	if [ "$dir" = -R ]; then
		order=()
		for p in "${PATCHES[@]}"; do
			order=("$p" "${order[@]}")
		done
	fi
	for p in "${order[@]}"; do
		echo "== git apply $dir $p" >>"$CHECK_LOG"
		git_apply "$scratch" $dir "$p" >>"$CHECK_LOG" 2>&1 || return 1
	done
	rm -rf "$scratch"
}

use_user_tree() {
	local tree p

	tree=$(cd "$KERNEL_SRC" 2>/dev/null && pwd) ||
		die "KERNEL_SRC=$KERNEL_SRC: no such directory"
	[ -f "$tree/Makefile" ] && [ -f "$tree/Kconfig" ] ||
		die "KERNEL_SRC=$tree does not look like a Linux source tree"
	if [ "${#PATCHES[@]}" -eq 0 ]; then
		stage "KERNEL_SRC=$tree: the series is empty, nothing to apply"
		return
	fi
	: >"$CHECK_LOG"
	if series_fits "$tree" -R; then
		stage "KERNEL_SRC=$tree: the series is already applied"
	elif series_fits "$tree" --; then
		for p in "${PATCHES[@]}"; do
			stage "KERNEL_SRC=$tree: apply $(basename "$p")"
			git_apply "$tree" "$p"
		done
	else
		cat "$CHECK_LOG" >&2
		die "the series in $PATCH_DIR neither applies to nor is applied" \
			"in KERNEL_SRC=$tree (partly applied, an older version of" \
			"it applied, or another base?). Restore the tree (e.g." \
			"git checkout/stash) and run again; details: $CHECK_LOG"
	fi
}

find_tarball() {
	if [ -n "${KERNEL_TARBALL:-}" ]; then
		[ -f "$KERNEL_TARBALL" ] ||
			die "KERNEL_TARBALL=$KERNEL_TARBALL: no such file"
		(cd "$(dirname "$KERNEL_TARBALL")" &&
			echo "$(pwd)/$(basename "$KERNEL_TARBALL")")
	else
		"$NESTMAP_ROOT/kernel/apt-download.sh"
	fi
}

verify_tarball() {
	local tarball=$1 expected actual

	expected=$(awk 'NR == 1 { print $1 }' "$TARBALL_SHA256_FILE")
	[ "${#expected}" -eq 64 ] ||
		die "no SHA256 in $TARBALL_SHA256_FILE"
	stage "verify SHA256 of $tarball" >&2
	actual=$(sha256_of "$tarball")
	if [ "$actual" != "$expected" ]; then
		die "checksum mismatch for $tarball: got $actual, expected" \
			"$expected ($TARBALL_SHA256_FILE). The file is damaged or" \
			"is not linux-source-7.3 7.3.4-1~bpo13+1: fetch it again" \
			"(delete it if it is build/apt's cached copy) or point" \
			"KERNEL_TARBALL at a good copy."
	fi
	echo "$actual"
}

# Extract and patch into a fresh directory, then swap it in.  When the old
# tree came from the same tarball, its files keep their mtimes except those
# either series touches, which are touched so that incremental builds
# recompile them; otherwise every file gets a new mtime.
extract_and_patch() {
	local tarball=$1 sum=$2 want=$3 new=$SRC_DIR.new keep=no f p
	local old_files=""

	if [ -d "$SRC_DIR" ] && [ -f "$STAMP" ] &&
		[ "$(sed -n 's/^tarball //p' "$STAMP")" = "$sum" ]; then
		keep=yes
		old_files=$(sed -n 's/^file //p' "$STAMP")
	fi
	rm -f "$STAMP"
	rm -rf "$new"
	mkdir -p "$new"
	stage "extract $(basename "$tarball") into $new"
	if [ "$keep" = yes ]; then
		tar -xf "$tarball" -C "$new" --strip-components=1
	else
		tar -xf "$tarball" -C "$new" --strip-components=1 --touch
	fi
	for p in "${PATCHES[@]}"; do
		stage "apply $(basename "$p")"
		git_apply "$new" "$p" ||
			die "$p does not apply to the pristine tree; fix the" \
				"series (the tree was not built)"
	done
	if [ "$keep" = yes ]; then
		{ echo "$old_files"; patch_files "${PATCHES[@]}"; } |
			while read -r f; do
				[ -z "$f" ] || [ ! -e "$new/$f" ] ||
					touch -h "$new/$f"
			done
	fi
	[ ! -d "$SRC_DIR" ] || mv "$SRC_DIR" "$SRC_DIR.old.$$"
	mv "$new" "$SRC_DIR"
	{
		echo "tarball $sum"
		echo "series $want"
		patch_files "${PATCHES[@]}" | sed 's/^/file /'
	} >"$STAMP.tmp"
	mv "$STAMP.tmp" "$STAMP"
	# Deleting a kernel tree can take minutes on a busy disk: do not wait.
	for f in "$SRC_DIR".old.*; do
		[ ! -d "$f" ] || (rm -rf "$f" >/dev/null 2>&1 &)
	done
	stage "source ready: $SRC_DIR (${#PATCHES[@]} patches)"
}

mkdir -p "$LOG_DIR" "$BUILD_DIR/src"
exec 8>"$BUILD_DIR/src/.lock"
flock 8
mapfile -t PATCHES < <(list_patches)

if [ -n "${KERNEL_SRC:-}" ]; then
	use_user_tree
	exit 0
fi
tarball=$(find_tarball)
sum=$(verify_tarball "$tarball")
want=$(series_hash "$sum")
if [ -d "$SRC_DIR" ] && [ -f "$STAMP" ] &&
	[ "$(sed -n 's/^series //p' "$STAMP")" = "$want" ]; then
	stage "source up to date: $SRC_DIR (${#PATCHES[@]} patches)"
	exit 0
fi
extract_and_patch "$tarball" "$sum" "$want"
