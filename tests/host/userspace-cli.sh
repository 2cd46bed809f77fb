#!/bin/sh
# Host-side checks of the userspace programs' command lines and output:
# bad arguments give usage and exit 2, and the test binary prints KTAP
# with kselftest exit codes. Needs `make -C userspace` first.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${NESTMAP_BIN:-$ROOT/build/userspace}
TMP=$(mktemp -d)
# A daemon that mounted when a check wanted it refused must not be walked
# into by rm -rf (it may be waiting for itself): detach it first.
cleanup() {
	awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
. "$ROOT/tests/lib/ktap.sh"
hostile=0

# expect NAME WANT_RC WANT_TEXT CMD...: run CMD, check its status and output.
expect() {
	name=$1 want_rc=$2 want_text=$3
	shift 3
	[ "$want_rc" -eq 0 ] || hostile=$((hostile + 1))
	rc=0
	"$@" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want_rc" ] && grep -q -- "$want_text" "$TMP/out"; then
		ktap_pass "userspace-cli/$name"
	else
		ktap_fail "userspace-cli/$name # exit $rc (want $want_rc)"
		sed 's/^/#   /' "$TMP/out"
	fi
}

F=$BIN/nestmap-fuse
T=$BIN/nestmap-mmaptest
mkdir -p "$TMP/dir"

expect "fuse: no arguments" 2 "usage:" "$F"
expect "fuse: unknown option" 2 "usage:" "$F" --bogus
expect "fuse: no mount point" 2 "usage:" "$F" --backing "$TMP/dir"
expect "fuse: two mount points" 2 "usage:" "$F" --backing "$TMP/dir" a b
expect "fuse: missing backing dir" 1 "backing directory" "$F" --backing "$TMP/none" "$TMP/dir"
expect "fuse: mount point not a dir" 1 "Not a directory" "$F" --backing "$TMP/dir" "$F"
expect "fuse: help" 0 "usage:" "$F" --help
: >"$TMP/file"
long=$(printf '%5000s' '' | tr ' ' x)
expect "fuse: backing dir is a file" 1 "backing directory .*Not a directory" "$F" --backing "$TMP/file" "$TMP/dir"
expect "fuse: empty backing dir" 1 "backing directory .*No such file" "$F" --backing "" "$TMP/dir"
expect "fuse: backing dir name too long" 1 "File name too long" "$F" --backing "$TMP/$long" "$TMP/dir"
expect "fuse: nonexistent mount point" 1 "mount point .*No such file" "$F" --backing "$TMP/dir" "$TMP/none"
expect "fuse: empty mount point" 1 "mount point .*No such file" "$F" --backing "$TMP/dir" ""
expect "fuse: mount point name too long" 1 "File name too long" "$F" --backing "$TMP/dir" "$TMP/$long"
mkdir -p "$TMP/dir/sub"
expect "fuse: mount point inside the backing dir" 1 "inside the backing directory" "$F" --backing "$TMP/dir" "$TMP/dir/sub"
expect "fuse: mount point inside the backing dir, relative" 1 "inside the backing directory" \
	sh -c 'cd "$1" && "$2" --backing . sub' sh "$TMP/dir" "$F"
expect "fuse: --backing without a value" 2 "usage:" "$F" "$TMP/dir" --backing

expect "mmaptest: no arguments" 2 "usage:" "$T"
expect "mmaptest: bad stack" 2 "usage:" "$T" --stack Z
expect "mmaptest: stack without dirs" 2 "needs --dir" "$T" --stack B
expect "mmaptest: G with a dir" 2 "takes no directories" "$T" --stack G --dir "$TMP/dir"
expect "mmaptest: unknown case" 2 "unknown case" "$T" --stack G --case nope
expect "mmaptest: bad hookfs dev" 2 "MAJ:MIN" "$T" --stack A --dir "$TMP/dir" --lower-dir "$TMP/dir" --hookfs-dev 1:2x
expect "mmaptest: missing dir" 2 "does not exist" "$T" --stack A --dir "$TMP/none" --lower-dir "$TMP/dir"
expect "mmaptest: stray argument" 2 "usage:" "$T" --stack G extra
expect "mmaptest: empty case list" 2 "no case" "$T" --stack G --case ""
expect "mmaptest: case list of commas" 2 "no case" "$T" --stack G --case ,,
expect "mmaptest: lower-case stack" 2 "A..G" "$T" --stack g
expect "mmaptest: two-letter stack" 2 "A..G" "$T" --stack AB
expect "mmaptest: dir is a file" 2 "does not exist" "$T" --stack A --dir "$TMP/file" --lower-dir "$TMP/dir"
expect "mmaptest: hookfs dev that is not mounted" 2 "does not exist" \
	"$T" --stack A --dir "$TMP/dir" --lower-dir "$TMP/dir" --hookfs-dev 4294967295:0

# nestmap-mmap-errno: bad arguments, then a run on the host's own
# filesystem (no hookfs: the pfn and bad-complete files are plain).
E=$BIN/nestmap-mmap-errno
D=$TMP/mm
mkdir -p "$D"
dd if=/dev/zero of="$D/data" bs=4096 count=64 2>/dev/null
dd if=/dev/zero of="$D/rw" bs=4096 count=16 2>/dev/null
: >"$D/pfn"
: >"$D/bad-complete"
expect "mmap-errno: no arguments" 2 "usage:" "$E"
expect "mmap-errno: unknown option" 2 "usage:" "$E" --bogus "$D"
expect "mmap-errno: two directories" 2 "usage:" "$E" "$D" "$D"
expect "mmap-errno: --noexec without a value" 2 "usage:" "$E" "$D" --noexec
expect "mmap-errno: help" 0 "usage:" "$E" --help
expect "mmap-errno: nonexistent dir" 1 "No such file" "$E" "$TMP/none"
expect "mmap-errno: dir is a file" 1 "Not a directory" "$E" "$TMP/file"
expect "mmap-errno: dir without the files" 1 "data: No such file" "$E" "$TMP/dir"
expect "mmap-errno: bad noexec dir" 1 "No such file" "$E" --noexec "$TMP/none" "$D"
expect "mmap-errno: len 0 is EINVAL" 0 "^len-zero EINVAL$" "$E" "$D"
expect "mmap-errno: misaligned offset is EINVAL" 0 "^off-one EINVAL$" "$E" "$D"
expect "mmap-errno: past EOF maps, reading gives SIGBUS" 0 "^off-past-eof ok SIGBUS SIGBUS$" "$E" "$D"
expect "mmap-errno: MAP_FIXED replaced a page of the mapping" 0 \
	"^fixed-split-existing ok same-addr 00 SIGBUS 00$" "$E" "$D"
expect "mmap-errno: no noexec lines without --noexec" 0 "^exec ok" sh -c \
	'! "$1" "$2" | grep noexec && "$1" "$2"' sh "$E" "$D"

# nestmap-hugetlb: bad arguments are refused before the machine is looked at.
HT=$BIN/nestmap-hugetlb
expect "hugetlb: no arguments" 2 "usage:" "$HT"
expect "hugetlb: unknown case" 2 "usage:" "$HT" bogus "$D" "$D" direct
expect "hugetlb: case without its directories" 2 "usage:" "$HT" shared
expect "hugetlb: bad path" 2 "usage:" "$HT" shared "$D" "$D" sideways
expect "hugetlb: shm takes no directory" 2 "usage:" "$HT" shm "$D"

# KTAP: plan, one line per case, totals, and the kselftest exit code.
expect "mmaptest: KTAP header" 0 "^TAP version 13" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP plan" 0 "^1\.\.2$" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP names" 0 "^ok 2 G/maps$" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP totals" 0 "^# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0$" \
	"$T" --stack G --case coherence,maps
expect "mmaptest: skip only exits 4" 4 "^ok 1 G/pfn # SKIP " "$T" --stack G --case pfn

echo "# userspace-cli: $hostile bad inputs tried (each must be refused)"
ktap_summary userspace-cli
ktap_done
