# Helpers shared by the kernel scripts: paths, progress lines, errors.
# Sourced, not run.  Every path can be overridden from the environment so
# that tests can work in a scratch directory.

NESTMAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(mkdir -p "${NESTMAP_BUILD:-$NESTMAP_ROOT/build}" &&
	cd "${NESTMAP_BUILD:-$NESTMAP_ROOT/build}" && pwd)
PATCH_DIR=${NESTMAP_PATCH_DIR:-$NESTMAP_ROOT/kernel/patches}
CONFIG_DIR=${NESTMAP_CONFIG_DIR:-$NESTMAP_ROOT/kernel/config}
TARBALL_SHA256_FILE=${NESTMAP_TARBALL_SHA256:-$NESTMAP_ROOT/kernel/linux-source-7.3.sha256}
SRC_DIR=$BUILD_DIR/src/linux
LOG_DIR=$BUILD_DIR/logs
KBUILD_LOCK=${NESTMAP_KBUILD_LOCK:-/tmp/nestmap-kbuild.lock}
PROG=$(basename "$0")
START_SECONDS=$SECONDS

die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# One progress line per stage, with the seconds elapsed since the start.
stage() {
	printf '[%4ds] %s: %s\n' "$((SECONDS - START_SECONDS))" "$PROG" "$*"
}

sha256_of() {
	sha256sum <"$1" | cut -d' ' -f1
}

# The series, in application order, one path per line.
list_patches() {
	[ -d "$PATCH_DIR" ] || return 0
	find "$PATCH_DIR" -maxdepth 1 -type f -name '*.patch' | LC_ALL=C sort
}

# Content hash of the series on top of a tarball hash (or a tree's path).
# Names are included so that reordering or renaming counts as a change.
series_hash() {
	local base=$1 p
	{
		printf 'base %s\n' "$base"
		list_patches | while read -r p; do
			printf 'patch %s %s\n' "$(basename "$p")" "$(sha256_of "$p")"
		done
	} | sha256sum | cut -d' ' -f1
}

# Paths (relative to the tree) that a patch file touches.
patch_files() {
	sed -n -e 's|^diff --git a/\([^ ]*\) b/\(.*\)$|\1\n\2|p' \
		-e 's|^[-+][-+][-+] [^/ ]*/\([^	]*\).*$|\1|p' "$@" |
		grep -v '^dev/null$' | LC_ALL=C sort -u
}

# git apply works outside a repository; the ceiling stops it from taking
# an enclosing repository (such as this project's) for the kernel's.
git_apply() {
	local tree=$1
	shift
	GIT_CEILING_DIRECTORIES=$(dirname "$tree") \
		git -C "$tree" apply --allow-empty --whitespace=nowarn "$@"
}
