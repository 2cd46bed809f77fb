#!/bin/sh
# Host-side checks of the userspace programs' command lines and output:
# bad arguments give usage and exit 2, and the mmap_hooks kselftest prints
# KTAP with kselftest exit codes and skips a stack it was not given.
# Needs `make -C userspace` first.
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
T=${NESTMAP_KSELFTEST:-$ROOT/build/kselftest}/filesystems/mmap_hooks/mmap_hooks_test
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

expect "kselftest: unknown option" 1 "Usage:" "$T" --stack
expect "kselftest: unknown short option" 1 "Usage:" "$T" -x
expect "kselftest: missing stack dir" 1 "^not ok 1 mmap_hooks.stackfs.hooks$" \
	env MMAP_HOOKS_STACKFS_DIR="$TMP/none" MMAP_HOOKS_STACKFS_LOWER="$TMP/dir" \
	"$T" -r mmap_hooks.stackfs.hooks
expect "kselftest: stack dir is a file" 1 "a directory does not exist" \
	env MMAP_HOOKS_STACKFS_DIR="$TMP/file" MMAP_HOOKS_STACKFS_LOWER="$TMP/dir" \
	"$T" -r mmap_hooks.stackfs.hooks
expect "kselftest: bad hookfs dev" 1 "wants MAJ:MIN" \
	env MMAP_HOOKS_HOOKFS_DIR="$TMP/dir" MMAP_HOOKS_HOOKFS_LOWER="$TMP/dir" \
	MMAP_HOOKS_HOOKFS_DEV=1:2x "$T" -r mmap_hooks.hookfs.hooks
expect "kselftest: hookfs dev that is not mounted" 1 "does not exist" \
	env MMAP_HOOKS_HOOKFS_DIR="$TMP/dir" MMAP_HOOKS_HOOKFS_LOWER="$TMP/dir" \
	MMAP_HOOKS_HOOKFS_DEV=4095:4095 "$T" -r mmap_hooks.hookfs.hooks

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

# The kselftest: its listing, KTAP plan, names, totals and exit codes.
expect "kselftest: -l lists every variant" 4 "stackfs_ovl" "$T" -l
expect "kselftest: -l lists the cases" 4 " no_merge$" "$T" -l
expect "kselftest: KTAP header" 0 "^TAP version 13" "$T" -r mmap_hooks.shmem.coherence -r mmap_hooks.shmem.maps
expect "kselftest: KTAP plan" 0 "^1\.\.2$" "$T" -r mmap_hooks.shmem.coherence -r mmap_hooks.shmem.maps
expect "kselftest: KTAP names" 0 "^ok 2 mmap_hooks.shmem.maps$" "$T" -r mmap_hooks.shmem.coherence -r mmap_hooks.shmem.maps
expect "kselftest: KTAP totals" 0 "^# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0$" \
	"$T" -r mmap_hooks.shmem.coherence -r mmap_hooks.shmem.maps
expect "kselftest: a stack not given is skipped" 0 \
	"^ok 1 mmap_hooks.fuse.hooks # SKIP stack not set up" \
	env -u MMAP_HOOKS_FUSE_DIR "$T" -r mmap_hooks.fuse.hooks

# Every program parses its command line alike: --help prints the usage on
# stdout and exits 0; a bad argument prints "PROGRAM: message" and the
# usage on stderr, nothing on stdout, and exits 2.
help_ok() {
	"$1" --help >"$TMP/o" 2>"$TMP/e" &&
		grep -q "^usage: $2 " "$TMP/o" && [ ! -s "$TMP/e" ]
}

# refused PROGRAM MESSAGE CMD...: CMD exits 2 with the first line of stderr
# "PROGRAM: " and MESSAGE, then the usage; stdout stays empty.
refused() {
	prog=$1 msg=$2
	shift 2
	rc=0
	"$@" >"$TMP/o" 2>"$TMP/e" || rc=$?
	[ "$rc" -eq 2 ] && [ ! -s "$TMP/o" ] &&
		head -n 1 "$TMP/e" | grep -q -- "^$prog: .*$msg" &&
		grep -q "^usage: $prog " "$TMP/e" || {
		echo "# exit $rc; stdout:"; sed 's/^/#   /' "$TMP/o"
		echo "# stderr:"; sed 's/^/#   /' "$TMP/e"
		return 1
	}
}

# uniform NAME CHECK ARGS...: one result line for "CHECK ARGS...".
uniform() {
	name=$1
	shift
	[ "$1" = help_ok ] || hostile=$((hostile + 1))
	if "$@"; then
		ktap_pass "userspace-cli/$name"
	else
		ktap_fail "userspace-cli/$name"
	fi
}

S=$BIN/nestmap-stress
B=$BIN/nestmap-bench
P=$BIN/fs-probe
SARGS="--dir $TMP/dir --lower-dir $TMP/dir --hookfs-dev 1:2"
for p in nestmap-fuse nestmap-stress nestmap-mmap-errno nestmap-hugetlb \
	nestmap-bench fs-probe; do
	uniform "$p: --help on stdout, exit 0" help_ok "$BIN/$p" "$p"
	uniform "$p: unknown option" refused "$p" "unrecognized option '--bogus'" \
		"$BIN/$p" --bogus
done
uniform "fuse: no mount point, said" refused nestmap-fuse "missing MOUNTPOINT" \
	"$F" --backing "$TMP/dir"
uniform "fuse: option without its value" refused nestmap-fuse "requires an argument" \
	"$F" --backing
uniform "fuse: bad io mode, said" refused nestmap-fuse "--io wants passthrough, cached or direct-io, not 'mixed'" \
	"$F" --io mixed --backing "$TMP/dir" "$TMP/mnt"
uniform "stress: no subcommand" refused nestmap-stress "missing subcommand" "$S"
uniform "stress: unknown subcommand" refused nestmap-stress "unknown subcommand 'bogus'" \
	"$S" bogus $SARGS
uniform "stress: missing directories" refused nestmap-stress "needs --dir" "$S" stress
uniform "stress: bad hookfs dev" refused nestmap-stress "--hookfs-dev wants MAJ:MIN" \
	"$S" race --dir "$TMP/dir" --lower-dir "$TMP/dir" --hookfs-dev 1:2x
uniform "stress: too many threads" refused nestmap-stress "--threads wants a number from 1 to 16" \
	"$S" stress $SARGS --threads 17
uniform "stress: negative seconds" refused nestmap-stress "--seconds wants" \
	"$S" stress $SARGS --seconds -1
uniform "stress: bad path" refused nestmap-stress "--path wants direct, compat or nested" \
	"$S" race $SARGS --path sideways
uniform "stress: stray argument" refused nestmap-stress "unexpected argument 'extra'" \
	"$S" race $SARGS extra
uniform "mmap-errno: two directories, said" refused nestmap-mmap-errno "unexpected argument" \
	"$E" "$D" "$D"
uniform "mmap-errno: no directory, said" refused nestmap-mmap-errno "missing DIR" "$E"
uniform "hugetlb: unknown case, said" refused nestmap-hugetlb "unknown case 'bogus'" \
	"$HT" bogus "$D" "$D" direct
uniform "hugetlb: bad path, said" refused nestmap-hugetlb "direct or compat, not 'sideways'" \
	"$HT" shared "$D" "$D" sideways
uniform "hugetlb: shm takes no directory, said" refused nestmap-hugetlb "shm takes no arguments" \
	"$HT" shm "$D"
uniform "bench: no mode" refused nestmap-bench "missing mode" "$B"
uniform "bench: bad size" refused nestmap-bench "bad --size '12Q'" "$B" --size 12Q loop a=anon
uniform "bench: zero iterations" refused nestmap-bench "bad --iters '0'" "$B" -n 0 loop a=anon
uniform "bench: bad target" refused nestmap-bench "bad target 'anon'" "$B" loop anon
uniform "fs-probe: no subcommand" refused fs-probe "missing subcommand" "$P"
uniform "fs-probe: unknown subcommand" refused fs-probe "unknown subcommand 'bogus'" "$P" bogus
uniform "fs-probe: bad mapping kind, said" refused fs-probe "HOW is shared or private, not 'both'" \
	"$P" mmap-hooks "$TMP/dir" both
uniform "fs-probe: wrong argument count" refused fs-probe "mmap-byte takes 2 argument" \
	"$P" mmap-byte "$D/data"
expect "fs-probe: arguments after the subcommand are not options" 1 "beyond" \
	"$P" mmap-byte "$D/data" -1

# nestmap-stress prints KTAP like kselftest: header, plan, results or a
# bail-out, totals. Without hookfs the run bails out in its setup.
expect "stress: KTAP header" 1 "^TAP version 13$" "$S" race $SARGS --stack A
expect "stress: KTAP plan of race" 1 "^1\.\.7$" "$S" race $SARGS --stack A
expect "stress: KTAP plan of stress" 1 "^1\.\.5$" "$S" stress $SARGS --stack A
expect "stress: bail out when the run cannot start" 1 "^Bail out! A/race-setup" \
	"$S" race $SARGS --stack A
expect "stress: KTAP totals" 1 "^# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0$" \
	"$S" stress $SARGS --stack A

echo "# userspace-cli: $hostile bad inputs tried (each must be refused)"
ktap_summary userspace-cli
ktap_done
