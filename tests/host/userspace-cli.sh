#!/bin/sh
# Host-side checks of the userspace programs' command lines and output:
# bad arguments give usage and exit 2, and the test binary prints KTAP
# with kselftest exit codes. Needs `make -C userspace` first.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${NESTMAP_BIN:-$ROOT/build/userspace}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

# expect NAME WANT_RC WANT_TEXT CMD...: run CMD, check its status and output.
expect() {
	name=$1 want_rc=$2 want_text=$3
	shift 3
	rc=0
	"$@" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want_rc" ] && grep -q -- "$want_text" "$TMP/out"; then
		pass=$((pass + 1))
		echo "ok $((pass + fail)) userspace-cli/$name"
	else
		fail=$((fail + 1))
		echo "not ok $((pass + fail)) userspace-cli/$name # exit $rc (want $want_rc)"
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

expect "mmaptest: no arguments" 2 "usage:" "$T"
expect "mmaptest: bad stack" 2 "usage:" "$T" --stack Z
expect "mmaptest: stack without dirs" 2 "needs --dir" "$T" --stack B
expect "mmaptest: G with a dir" 2 "takes no directories" "$T" --stack G --dir "$TMP/dir"
expect "mmaptest: unknown case" 2 "unknown case" "$T" --stack G --case nope
expect "mmaptest: bad hookfs dev" 2 "MAJ:MIN" "$T" --stack A --dir "$TMP/dir" --lower-dir "$TMP/dir" --hookfs-dev 1:2x
expect "mmaptest: missing dir" 2 "does not exist" "$T" --stack A --dir "$TMP/none" --lower-dir "$TMP/dir"
expect "mmaptest: stray argument" 2 "usage:" "$T" --stack G extra

# KTAP: plan, one line per case, totals, and the kselftest exit code.
expect "mmaptest: KTAP header" 0 "^TAP version 13" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP plan" 0 "^1\.\.2$" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP names" 0 "^ok 2 G/maps$" "$T" --stack G --case coherence,maps
expect "mmaptest: KTAP totals" 0 "^# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0$" \
	"$T" --stack G --case coherence,maps
expect "mmaptest: skip only exits 4" 4 "^ok 1 G/pfn # SKIP " "$T" --stack G --case pfn

echo "userspace-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
