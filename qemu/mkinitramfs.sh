#!/bin/bash
# Build the guest initramfs (build/initramfs.cpio.gz): static busybox,
# qemu/init as /init, and under /opt/nestmap: modules/ (fs/*/*.ko),
# bin/ (build/userspace/*: the nestmap programs and xfstests' fsx and
# fsstress), kselftest/ (build/kselftest: the mmap_hooks kselftest and its
# runner), tests/vm/ and tests/lib/ (the suites source ../lib), and
# add/<name> for each --add PATH.
# With --extra-only, the archive holds only the --add files; the kernel
# unpacks concatenated archives, so qemu/run appends such one to the base.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NESTMAP_BUILD:-$ROOT/build}
BUSYBOX=${NESTMAP_BUSYBOX:-/bin/busybox}
PROG=$(basename "$0")
output=$BUILD/initramfs.cpio.gz
extra_only=no
adds=()

usage() {
	cat <<EOF
usage: $PROG [-o FILE] [--add PATH]... [--extra-only]
  -o FILE       write the archive to FILE (default: $output)
  --add PATH    put file or directory PATH in the guest as /opt/nestmap/add/NAME
  --extra-only  only the --add files (to append to a base archive)
EOF
	exit "$1"
}

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

while [ "$#" -gt 0 ]; do
	case "$1" in
	-o) [ "$#" -ge 2 ] || usage 2; output=$2; shift 2 ;;
	--add) [ "$#" -ge 2 ] || usage 2; adds+=("$2"); shift 2 ;;
	--extra-only) extra_only=yes; shift ;;
	-h | --help) usage 0 ;;
	*) echo "$PROG: unknown argument: $1" >&2; usage 2 ;;
	esac
done

is_dynamic() {
	LC_ALL=C ldd "$1" 2>/dev/null | grep -q '=>'
}

stage_dir=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-initramfs.XXXXXX")
trap 'rm -rf "$stage_dir"' EXIT
guest=$stage_dir/opt/nestmap
mkdir -p "$guest"

for path in "${adds[@]}"; do
	[ -e "$path" ] || die "--add $path: no such file or directory"
	mkdir -p "$guest/add"
	cp -a "$path" "$guest/add/"
done

if [ "$extra_only" = no ]; then
	[ -x "$BUSYBOX" ] ||
		die "$BUSYBOX not found: install busybox-static (make deps)"
	! is_dynamic "$BUSYBOX" ||
		die "$BUSYBOX is dynamically linked: install busybox-static"
	mkdir -p "$stage_dir/bin" "$guest/modules" "$guest/bin" "$guest/tests"
	cp "$BUSYBOX" "$stage_dir/bin/busybox"
	install -m 0755 "$ROOT/qemu/init" "$stage_dir/init"
	find "$ROOT/fs" -name '*.ko' -exec cp {} "$guest/modules/" \; \
		2>/dev/null || true
	if [ -d "$BUILD/userspace" ]; then
		for f in "$BUILD/userspace"/*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			! is_dynamic "$f" ||
				die "$f is dynamically linked; the guest has no" \
					"shared libraries: link it statically"
			cp "$f" "$guest/bin/"
		done
	fi
	for d in vm lib; do
		[ ! -d "$ROOT/tests/$d" ] || cp -a "$ROOT/tests/$d" "$guest/tests/"
	done
	[ ! -d "$BUILD/kselftest" ] || cp -a "$BUILD/kselftest" "$guest/kselftest"
	for f in fsx fsstress; do
		[ -x "$guest/bin/$f" ] ||
			echo "$PROG: warning: no $f in $BUILD/userspace (make userspace): tests/vm/fstools.sh will fail" >&2
	done
fi

mkdir -p "$(dirname "$output")"
(cd "$stage_dir" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -6n >"$output.tmp"
mv "$output.tmp" "$output"
echo "$PROG: $output ($(find "$guest" -mindepth 2 -type f | wc -l) files under /opt/nestmap)"
