#!/bin/bash
# Run every test suite and total the results.
#
#   tests/host/*.sh  run on the host, one after another
#   tests/vm/*.sh    run together inside one guest boot (qemu/run), from a
#                    copy of tests/vm (and of tests/lib, which they
#                    source) passed with --add
#
# Suites print KTAP-style lines (tests/lib/ktap.sh): "ok N name",
# "not ok N name" and "ok N name # SKIP reason".  A suite that fails
# without saying which test, or prints no result, counts as one failure;
# so does a guest kernel splat, panic or timeout.  The last line is "N passed, N failed, N skipped".
#
# Environment: NESTMAP_TESTS_DIR (default tests/), NESTMAP_KERNEL,
# NESTMAP_INITRD, NESTMAP_VM_MEM, NESTMAP_VM_TIMEOUT and
# NESTMAP_SUITE_TIMEOUT (seconds, for the boot and for each host suite),
# NESTMAP_SUITES (shell patterns such as "vm/*" or "host/fetch vm/matrix";
# default: every suite).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TESTS=${NESTMAP_TESTS_DIR:-$ROOT/tests}
LOG_DIR=${NESTMAP_BUILD:-$ROOT/build}/logs
VM_TIMEOUT=${NESTMAP_VM_TIMEOUT:-900}
SUITE_TIMEOUT=${NESTMAP_SUITE_TIMEOUT:-1800}
SUITES=${NESTMAP_SUITES:-*}
passed=0
failed=0
skipped=0
start=$SECONDS

usage() {
	echo "usage: tests/run-tests.sh   (no arguments; see the comment at its top for the environment)"
}

# Everything is chosen through the environment; an argument is a mistake,
# and running the whole suite because of it would cost minutes.
case $# in
0) ;;
*)
	case "$1" in
	-h | --help) usage; exit 0 ;;
	*) echo "run-tests.sh: unexpected argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	;;
esac

progress() {
	printf '[%4ds] run-tests: %s\n' "$((SECONDS - start))" "$*"
}

# Is suite NAME (e.g. vm/matrix) among NESTMAP_SUITES?
selected() {
	local pat found=1

	set -f	# the patterns are for suite names, not for files here
	for pat in $SUITES; do
		# shellcheck disable=SC2254
		case "$1" in $pat) found=0; break ;; esac
	done
	set +f
	return $found
}

fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# tally SUITE FILE STATUS: count FILE's result lines for SUITE.
tally() {
	local suite=$1 file=$2 status=$3 line results=0 fails=0

	while IFS= read -r line; do
		case "$line" in
		"ok "*" # SKIP"* | "ok "*" # skip"*)
			skipped=$((skipped + 1))
			echo "SKIP $suite: ${line#ok }"
			;;
		"ok "*)
			passed=$((passed + 1))
			;;
		"not ok "*)
			fails=$((fails + 1))
			fail "$suite: ${line#not ok }"
			;;
		*) continue ;;
		esac
		results=$((results + 1))
	done < <(tr -d '\r' <"$file")
	if [ "$results" -eq 0 ]; then
		fail "$suite: no test results (exit status $status; log: $file)"
	elif [ "$status" -ne 0 ] && [ "$fails" -eq 0 ]; then
		fail "$suite: exited with status $status (log: $file)"
	fi
}

run_host_suites() {
	local suite name log status

	for suite in "$TESTS"/host/*.sh; do
		[ -f "$suite" ] || continue
		name=host/$(basename "$suite" .sh)
		selected "$name" || continue
		log=$LOG_DIR/test-${name//\//-}.log
		progress "$name"
		timeout -k 10 "$SUITE_TIMEOUT" bash "$suite" </dev/null 2>&1 |
			tee "$log"
		status=${PIPESTATUS[0]}
		[ "$status" -ne 124 ] ||
			echo "not ok - killed after ${SUITE_TIMEOUT}s" >>"$log"
		tally "$name" "$log" "$status"
	done
}

# All VM suites in one boot; each suite's output is framed by markers so
# that its results and exit status can be told apart.
run_vm_suites() {
	local out=$LOG_DIR/test-vm.out console=$LOG_DIR/test-vm-console.log
	local -a args=(--timeout "$VM_TIMEOUT" --output "$out" --add "$TESTS/vm")
	local -a names=()
	local cmd status name part

	for name in "$TESTS"/vm/*.sh; do
		[ -f "$name" ] || continue
		name=${name##*/}
		! selected "vm/${name%.sh}" || names+=("$name")
	done
	[ "${#names[@]}" -gt 0 ] || return 0
	# as add/lib next to add/vm: the suites source ../lib
	[ ! -d "$TESTS/lib" ] || args+=(--add "$TESTS/lib")
	# vm/bench-smoke runs ../bench/guest-bench.sh
	[ ! -d "$TESTS/bench" ] || args+=(--add "$TESTS/bench")
	[ -z "${NESTMAP_KERNEL:-}" ] || args+=(--kernel "$NESTMAP_KERNEL")
	[ -z "${NESTMAP_INITRD:-}" ] || args+=(--initrd "$NESTMAP_INITRD")
	[ -z "${NESTMAP_VM_MEM:-}" ] || args+=(--mem "$NESTMAP_VM_MEM")
	cmd="for s in ${names[*]}; do
	echo \"# suite \$s\"
	sh /opt/nestmap/add/vm/\$s </dev/null
	echo \"# suite-status \$?\"
done"
	progress "vm suites: one boot (console: $console)"
	status=0
	"$ROOT/qemu/run" "${args[@]}" -- "$cmd" >"$console" 2>&1 || status=$?
	tail -n 5 "$console" | grep '^qemu/run:' || true
	[ -f "$out" ] || : >"$out"

	part=$LOG_DIR/test-vm-suite.out
	while IFS= read -r name; do
		awk -v s="$name" '
			$0 == "# suite " s { on = 1; next }
			on && /^# suite-status / { print; exit }
			on { print }' "$out" >"$part"
		cat "$part"
		tally "vm/${name%.sh}" "$part" \
			"$(sed -n 's/^# suite-status //p' "$part" | grep . || echo 255)"
	done < <(printf '%s\n' "${names[@]}")

	case "$status" in
	0) ;;
	254) fail "vm: the guest kernel reported a WARNING/BUG/Oops/lockdep/KASAN/RCU problem (tests/lib/splat.sh; log: $console)" ;;
	255) fail "vm: kernel panic, timeout or lost exit marker (log: $console)" ;;
	*) fail "vm: qemu/run exited with status $status (log: $console)" ;;
	esac
}

mkdir -p "$LOG_DIR"
run_host_suites
run_vm_suites
[ $((passed + failed + skipped)) -gt 0 ] ||
	fail "no suite ran (NESTMAP_SUITES=$SUITES)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
