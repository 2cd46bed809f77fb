#!/bin/bash
# qemu/run against the real kernel and initramfs: exit statuses come back,
# --add and --output work, kernel splats and panics fail the run, a hung
# guest is killed at the timeout, bad arguments give usage errors, and
# --dry-run prints the QEMU command line without booting (no kernel needed:
# those checks use a stand-in QEMU, kernel and initramfs).
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
		"--accel|needs a value" "--kernel|needs a value" "-x|unknown option" \
		"--icount --accel kvm|--icount needs TCG"; do
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
		refused 2 "no stack 'A'" sh "$m" --lower "$scratch" --stacks A &&
		refused 2 "no stack 'hookfs'" sh "$m" --lower "$scratch" \
			--stacks stackfs,hookfs &&
		refused 2 "no stack 'ovl'" sh "$m" --stacks hookfs,ovl
}
check "matrix.sh: bad arguments refused before mounting, status 2" matrix_bad
# The stress suites take the same stack names, shmem (G) aside.
stress_bad() {
	local s

	for s in stress revoke-race fstools; do
		refused 2 "no stack 'shmem'" sh "$ROOT/tests/vm/$s.sh" \
			--stacks fuse,shmem &&
			refused 2 "no stack 'G'" sh "$ROOT/tests/vm/$s.sh" --stacks G &&
			refused 2 "usage:" sh "$ROOT/tests/vm/$s.sh" --bogus ||
			return 1
	done
}
check "stress suites: bad --stacks refused before mounting, status 2" stress_bad
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

# --dry-run, with a stand-in QEMU that records every start, and a kernel and
# an initramfs whose paths need quoting.  Nothing here boots.
dry=$scratch/dry
mkdir -p "$dry/bin" "$dry/build" "$dry/boot files"
cat >"$dry/bin/qemu-system-x86_64" <<'EOF'
#!/bin/sh
echo "$*" >>"${0%/*}/started"
EOF
chmod +x "$dry/bin/qemu-system-x86_64"
dry_kernel="$dry/boot files/bzImage"
dry_initrd="$dry/boot files/initramfs 'x'.cpio.gz"
: >"$dry_kernel"
: >"$dry_initrd"
dry_cmd='cat /opt/nestmap/add/payload; echo "it'\''s  done" | tr a-z A-Z'
# dry_run [qemu/run args...]: qemu/run --dry-run with the stand-ins (auto
# accel, so a KVM probe would show as a start); status in dry_rc.
dry_run() {
	dry_rc=0
	NESTMAP_QEMU=$dry/bin/qemu-system-x86_64 NESTMAP_BUILD=$dry/build \
		NESTMAP_ACCEL=auto "$ROOT/qemu/run" --dry-run "$@" \
		>"$dry/out" 2>"$err" </dev/null || dry_rc=$?
}
dry_run --kernel "$dry_kernel" --initrd "$dry_initrd" --add "$ROOT/README.md" \
	--append "loglevel=4 quiet" -- "$dry_cmd"
dry_sane() {
	[ "$dry_rc" -eq 0 ] && [ ! -e "$dry/bin/started" ] &&
		[ -z "$(ls -A "$dry/build")" ] && return 0
	echo "# status $dry_rc (want 0); QEMU started: $(cat "$dry/bin/started" 2>/dev/null)"
	echo "# written under NESTMAP_BUILD: $(ls -A "$dry/build")"
	sed 's/^/# /' "$err"
	return 1
}
check "qemu/run --dry-run: status 0, QEMU not started, nothing written" \
	dry_sane
# The one line that starts QEMU, read back as the shell would read it: the
# kernel and the initramfs follow -kernel and -initrd word for word.
dry_argv() {
	local line i kernel_ok=no initrd_ok=no
	local -a words

	dry_append=
	line=$(grep -m1 '^[^#].*qemu-system-x86_64 ' "$dry/out") || return 1
	eval "words=($line)" || return 1
	[ "${words[0]##*/}" = qemu-system-x86_64 ] || return 1
	for ((i = 1; i + 1 < ${#words[@]}; i++)); do
		case "${words[i]}" in
		-kernel) [ "${words[i + 1]}" = "$dry_kernel" ] && kernel_ok=yes ;;
		-initrd) [ "${words[i + 1]}" = "$dry_initrd" ] && initrd_ok=yes ;;
		-append) dry_append=${words[i + 1]} ;;
		esac
	done
	[ "$kernel_ok" = yes ] && [ "$initrd_ok" = yes ]
}
dry_line() {
	dry_argv && return 0
	echo "# no qemu-system-x86_64 line with -kernel and -initrd as given:"
	sed 's/^/# /' "$dry/out"
	return 1
}
check "qemu/run --dry-run: qemu-system-x86_64 line with the kernel and initramfs" \
	dry_line
# The guest command is printed as given, and is what nestmap.cmd= carries;
# --append's words follow it.
dry_guest() {
	local arg cmd=

	dry_argv || return 1
	for arg in $dry_append; do
		case "$arg" in nestmap.cmd=*) cmd=$(printf '%s' "${arg#*=}" | base64 -d) ;; esac
	done
	[ "$cmd" = "$dry_cmd" ] && grep -qxF -- "$dry_cmd" "$dry/out" &&
		case "$dry_append" in *" loglevel=4 quiet") true ;; *) false ;; esac &&
		return 0
	echo "# guest command: want '$dry_cmd', nestmap.cmd= has '$cmd'; -append '$dry_append'"
	sed 's/^/# /' "$dry/out"
	return 1
}
check "qemu/run --dry-run: prints the guest command that nestmap.cmd= carries" \
	dry_guest
# Bad arguments and a missing kernel are refused as in a real run.
dry_refused() {
	local real_rc=0

	dry_run --kernel "$dry/none" --initrd "$dry_initrd" true
	if [ "$dry_rc" -ne 1 ] || ! grep -q "no kernel at $dry/none" "$err"; then
		echo "# missing kernel: status $dry_rc (want 1):"
		sed 's/^/# /' "$err"
		return 1
	fi
	cp "$err" "$dry/err-dry"
	NESTMAP_QEMU=$dry/bin/qemu-system-x86_64 NESTMAP_BUILD=$dry/build \
		"$ROOT/qemu/run" --kernel "$dry/none" --initrd "$dry_initrd" true \
		>/dev/null 2>"$err" </dev/null || real_rc=$?
	if [ "$real_rc" -ne 1 ] || ! cmp -s "$err" "$dry/err-dry"; then
		echo "# a real run said otherwise (status $real_rc):"
		sed 's/^/# /' "$err"
		return 1
	fi
	dry_run --kernel "$dry_kernel" --initrd "$dry_initrd" --smp 0 true
	if [ "$dry_rc" -ne 2 ] || ! grep -q "bad --smp" "$err"; then
		echo "# --smp 0: status $dry_rc (want 2):"
		sed 's/^/# /' "$err"
		return 1
	fi
	[ ! -e "$dry/bin/started" ]
}
check "qemu/run --dry-run: missing kernel and bad options refused as in a real run" \
	dry_refused
# --icount: TCG, whatever the KVM verdict, with the instruction clock and
# one CPU.
dry_icount() {
	local line

	dry_run --icount --kernel "$dry_kernel" --initrd "$dry_initrd" true
	line=$(grep -m1 '^[^#].*qemu-system-x86_64 ' "$dry/out") || line=
	case "$line" in
	*" -accel tcg -icount shift=0,sleep=off "*" -smp 1 "*)
		[ "$dry_rc" -eq 0 ] && return 0 ;;
	esac
	echo "# status $dry_rc, want 0 and '-accel tcg -icount shift=0,sleep=off ... -smp 1' in:"
	sed 's/^/# /' "$dry/out" "$err"
	return 1
}
check "qemu/run --dry-run --icount: TCG, -icount shift=0,sleep=off, one CPU" \
	dry_icount
# The dry run's line is the command line a real run starts: a stand-in
# QEMU keeps its arguments and reports status 0 on the second serial port.
dry_is_real() {
	local real=$scratch/real line
	local -a words args=(--accel tcg --kernel "$dry_kernel" --initrd "$dry_initrd"
		--mem 512M --append "loglevel=4" -- "$dry_cmd")

	mkdir -p "$real/bin"
	cat >"$real/bin/qemu-system-x86_64" <<'EOF'
#!/bin/bash
printf '%s\n' "$@" >"${0%/*}/../argv"
prev= out= nonce=
for a in "$@"; do
	case "$prev" in
	-serial) case "$a" in file:*) out=${a#file:} ;; esac ;;
	-append) nonce=$(printf '%s\n' $a | sed -n 's/^nestmap.nonce=//p') ;;
	esac
	prev=$a
done
echo "NESTMAP-EXIT[$nonce]: 0" >"$out"
EOF
	chmod +x "$real/bin/qemu-system-x86_64"
	NESTMAP_QEMU=$real/bin/qemu-system-x86_64 NESTMAP_BUILD=$real/build \
		"$ROOT/qemu/run" --dry-run "${args[@]}" >"$real/dry" 2>"$err" ||
		return 1
	line=$(grep -m1 '^[^#].*qemu-system-x86_64 ' "$real/dry") &&
		eval "words=($line)" || return 1
	printf '%s\n' "${words[@]:1}" >"$real/dry-argv"
	NESTMAP_QEMU=$real/bin/qemu-system-x86_64 NESTMAP_BUILD=$real/build \
		"$ROOT/qemu/run" "${args[@]}" >/dev/null 2>"$err" </dev/null || {
		echo "# the real run with the stand-in QEMU failed:"
		sed 's/^/# /' "$err"
		return 1
	}
	# Each run has its own nonce and log name.
	sed -i -E -e 's/nestmap\.nonce=[0-9a-f]+/nestmap.nonce=N/' \
		-e 's/vm-[0-9]{8}-[0-9]{6}-[0-9]+\./vm-N./' \
		"$real/argv" "$real/dry-argv"
	cmp -s "$real/argv" "$real/dry-argv" && return 0
	echo "# dry run (<) and real run (>) differ:"
	diff "$real/dry-argv" "$real/argv" | sed 's/^/# /'
	return 1
}
check "qemu/run --dry-run: the line is the one a real run starts" dry_is_real

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
