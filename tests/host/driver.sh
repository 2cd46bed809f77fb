#!/bin/bash
# tests/run-tests.sh on fake suites: it totals ok/not ok/SKIP lines, counts
# a suite that fails silently or prints nothing as a failure, runs the VM
# suites in a guest, and counts a guest kernel splat as a failure.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"
BUILD=${NESTMAP_BUILD:-$ROOT/build}
KERNEL=${NESTMAP_KERNEL:-$BUILD/kernel/default/arch/x86/boot/bzImage}
INITRD=${NESTMAP_INITRD:-$BUILD/initramfs.cpio.gz}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-driver-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
out=$scratch/out

# driver DIR: run the driver on the suites in DIR; its status in $scratch/rc.
driver() {
	local rc=0

	# Every fake suite, whatever NESTMAP_SUITES this run was given.
	NESTMAP_TESTS_DIR=$1 NESTMAP_BUILD=$scratch/build NESTMAP_SUITES='*' \
		NESTMAP_KERNEL=$KERNEL NESTMAP_INITRD=$INITRD \
		NESTMAP_VM_TIMEOUT=60 "$ROOT/tests/run-tests.sh" >"$out" 2>&1 ||
		rc=$?
	echo "$rc" >"$scratch/rc"
}

last_line_is() {
	[ "$(tail -n1 "$out")" = "$1" ] && return 0
	echo "# last line: $(tail -n1 "$out")"
	return 1
}

mkdir -p "$scratch/host/host" "$scratch/mixed/host"
printf 'echo "ok 1 one"\necho "not ok 2 two"\necho "ok 3 three # SKIP why"\n' \
	>"$scratch/host/host/a.sh"
printf 'exit 3\n' >"$scratch/host/host/b.sh"
printf 'echo "ok 1 fine"\nexit 1\n' >"$scratch/host/host/c.sh"
printf 'echo "nothing to report"\n' >"$scratch/host/host/d.sh"
driver "$scratch/host"
check "host suites: totals, silent and failing suites count" \
	eval 'last_line_is "2 passed, 4 failed, 1 skipped" &&
		[ "$(cat "$scratch/rc")" -ne 0 ]'

mkdir -p "$scratch/slow/host"
printf 'echo "ok 1 started"\nsleep 60\n' >"$scratch/slow/host/slow.sh"
NESTMAP_SUITE_TIMEOUT=2 driver "$scratch/slow"
check "a hanging host suite is killed and counts as a failure" \
	eval 'last_line_is "1 passed, 1 failed, 0 skipped" &&
		grep -q "killed after 2s" "$out"'

if [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
	skip "vm suites: one boot, results counted, tests/lib in the guest" \
		"no kernel or initramfs"
	skip "vm suites: a guest kernel WARNING is a failure" \
		"no kernel or initramfs"
	ktap_done
	exit
fi

mkdir -p "$scratch/vm/vm"
printf 'echo "ok 1 in-guest"\necho "ok 2 pid-$$"\n' >"$scratch/vm/vm/a.sh"
printf 'echo "ok 1 second suite"\n' >"$scratch/vm/vm/b.sh"
# A suite that prints through the library, as the real ones do: the guest
# must get tests/lib beside tests/vm.
cp -r "$ROOT/tests/lib" "$scratch/vm/lib"
printf '. "$(dirname "$0")/../lib/ktap.sh"\ncheck "lib check" true\nskip "lib skip" why\nktap_done\n' \
	>"$scratch/vm/vm/c.sh"
driver "$scratch/vm"
check "vm suites: one boot, results counted, tests/lib in the guest" \
	eval 'last_line_is "4 passed, 0 failed, 1 skipped" &&
		[ "$(cat "$scratch/rc")" -eq 0 ]'

cp "$scratch/vm/vm/a.sh" "$scratch/mixed/host/"
mkdir -p "$scratch/mixed/vm"
printf 'echo "ok 1 before"\necho "WARNING: x.c:1 at f+0x0/0x1, CPU#0: sh/1" >/dev/kmsg\n' \
	>"$scratch/mixed/vm/warn.sh"
driver "$scratch/mixed"
check "vm suites: a guest kernel WARNING is a failure" \
	eval 'last_line_is "3 passed, 1 failed, 0 skipped" &&
		grep -q "reported a WARNING" "$out" &&
		[ "$(cat "$scratch/rc")" -ne 0 ]'

ktap_done
