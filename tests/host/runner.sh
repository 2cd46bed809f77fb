#!/bin/bash
# qemu/run against the real kernel and initramfs: exit statuses come back,
# --add and --output work, kernel splats and panics fail the run, a hung
# guest is killed at the timeout, bad arguments give usage errors.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"
BUILD=${NESTMAP_BUILD:-$ROOT/build}
KERNEL=${NESTMAP_KERNEL:-$BUILD/kernel/default/arch/x86/boot/bzImage}
INITRD=${NESTMAP_INITRD:-$BUILD/initramfs.cpio.gz}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-runner-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
err=$scratch/err

# vm STATUS [qemu/run args...]: the run's exit status is STATUS.
vm() {
	local want=$1 got=0

	shift
	"$ROOT/qemu/run" --kernel "$KERNEL" --initrd "$INITRD" \
		${NESTMAP_VM_MEM:+--mem "$NESTMAP_VM_MEM"} "$@" \
		>"$scratch/console" 2>"$err" || got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "# expected status $want, got $got:"
	sed 's/^/# /' "$err"
	return 1
}

said() {
	grep -q -- "$1" "$err"
}

check "bad option: usage, status 2" \
	eval 'vm 2 --bogus && said "usage:"'
check "bad --timeout: usage, status 2" \
	eval 'vm 2 --timeout soon true && said "bad --timeout"'
check "missing kernel: clear error" \
	eval 'vm 1 --kernel "$scratch/none" true && said "no kernel at"'

# Bad arguments to the runner and the other entry points. Each is refused
# before anything boots or builds; hostile holds the inputs tried.
hostile=0
# refused STATUS TEXT CMD...: CMD exits with STATUS and says TEXT (on
# stdout or stderr).
refused() {
	local want=$1 text=$2 got=0

	shift 2
	hostile=$((hostile + 1))
	"$@" >"$scratch/console" 2>"$err" </dev/null || got=$?
	[ "$got" -eq "$want" ] &&
		grep -q -- "$text" "$err" "$scratch/console" && return 0
	echo "# $*: expected status $want and '$text', got $got:"
	sed 's/^/# /' "$err"
	return 1
}
run_bad() {
	local ok=0 a

	for a in "--mem|needs a value" "--mem 0|bad --mem" "--mem 1T|bad --mem" \
		"--mem -1G|bad --mem" "--smp 0|bad --smp" "--smp two|bad --smp" \
		"--timeout 0|bad --timeout" "--timeout -5|bad --timeout" \
		"--timeout 1e3|bad --timeout" "--accel bogus|bad --accel" \
		"--accel|needs a value" "--kernel|needs a value" "-x|unknown option"; do
		# shellcheck disable=SC2086 # the options are words on purpose
		refused 2 "${a#*|}" "$ROOT/qemu/run" ${a%|*} || ok=1
	done
	# any file will do as the kernel: the initramfs is checked first
	: >"$scratch/bzImage"
	refused 1 "no initramfs at" "$ROOT/qemu/run" --kernel "$scratch/bzImage" \
		--initrd "$scratch/none" true || ok=1
	return $ok
}
check "qemu/run: bad option values refused, status 2 or 1" run_bad
run_add_missing() {
	[ -f "$KERNEL" ] && [ -f "$INITRD" ] || return 0
	refused 1 "no such file" "$ROOT/qemu/run" --kernel "$KERNEL" \
		--initrd "$INITRD" --add "$scratch/none" true
}
check "qemu/run: --add of a missing path refused before booting" run_add_missing
matrix_bad() {
	local m=$ROOT/tests/vm/matrix.sh

	refused 2 "unknown argument" sh "$m" --bogus &&
		refused 2 "usage:" sh "$m" --stacks &&
		refused 2 "no stack 'Z'" sh "$m" --stacks Z &&
		refused 2 "no stack 'Z'" sh "$m" --stacks A,Z &&
		refused 2 "usage:" sh "$m" --lower &&
		refused 2 "not a directory" sh "$m" --lower "$scratch/none" &&
		refused 2 "no stack 'A'" sh "$m" --lower "$scratch" --stacks A
}
check "matrix.sh: bad arguments refused before mounting, status 2" matrix_bad
runtests_bad() {
	refused 2 "unexpected argument" "$ROOT/tests/run-tests.sh" --bogus &&
		refused 2 "unexpected argument" "$ROOT/tests/run-tests.sh" vm &&
		refused 0 "usage:" "$ROOT/tests/run-tests.sh" --help
}
check "run-tests.sh: arguments refused, status 2" runtests_bad
initramfs_bad() {
	local i=$ROOT/qemu/mkinitramfs.sh

	refused 2 "unknown argument" "$i" --bogus &&
		refused 2 "usage:" "$i" -o &&
		refused 1 "no such file" "$i" --extra-only -o "$scratch/x.gz" \
			--add "$scratch/none"
}
check "mkinitramfs.sh: bad arguments refused" initramfs_bad
echo "# runner: $hostile bad arguments tried"

if [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
	for name in "status 0" "status 1" "status 42" "panic" "WARNING" \
		"KASAN report" "RCU stall" "plain text" "hang"; do
		skip "guest $name" "no kernel or initramfs (make kernel initramfs)"
	done
	ktap_done
	exit
fi

echo "payload-$$" >"$scratch/payload"
check "guest status 0, --add file seen, --output kept" \
	eval 'vm 0 --timeout 60 --add "$scratch/payload" \
		--output "$scratch/out" -- cat /opt/nestmap/add/payload &&
		grep -qx "payload-$$" "$scratch/out"'
check "guest status 1" vm 1 --timeout 60 -- false
check "guest status 42" vm 42 --timeout 60 -- exit 42
check "guest panic: 255" \
	eval 'vm 255 --timeout 60 -- "echo c >/proc/sysrq-trigger" &&
		said "kernel panic"'
check "guest kernel WARNING: 254, line printed" \
	eval 'vm 254 --timeout 60 -- "echo \"WARNING: mm/mmap.c:1 at f+0x1/0x2, CPU#0: sh/1\" >/dev/kmsg" &&
		said "WARNING: mm/mmap.c:1"'
check "guest KASAN report: 254" \
	vm 254 --timeout 60 -- \
	'echo "BUG: KASAN: slab-use-after-free in f+0x1/0x2" >/dev/kmsg'
check "guest RCU stall: 254" \
	vm 254 --timeout 60 -- \
	'echo "rcu: INFO: rcu_preempt self-detected stall on CPU" >/dev/kmsg'
check "guest prints WARNING/BUG as plain text: 0" \
	vm 0 --timeout 60 -- 'echo "WARNING: BUG: Oops"'
start=$SECONDS
check "guest hangs: killed at the timeout, 255" \
	eval 'vm 255 --timeout 15 -- sleep 999 && said timeout &&
		[ $((SECONDS - start)) -lt 40 ]'

ktap_done
