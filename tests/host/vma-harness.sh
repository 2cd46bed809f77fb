#!/bin/bash
# Build and run the kernel's userland VMA harness (tools/testing/vma) on the
# patched source, one KTAP line per harness test.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
src=${NESTMAP_KSRC:-$root/build/src/linux}
dir=$src/tools/testing/vma
log=$root/build/logs/vma-harness.log
. "$root/tests/lib/ktap.sh"

if [ ! -f "$dir/Makefile" ]; then
	ktap_fail "vma-harness/build # no source at $src (run make kernel)"
	exit 1
fi
mkdir -p "$(dirname "$log")"

if ! make -C "$dir" -j2 >"$log" 2>&1; then
	ktap_fail "vma-harness/build # see $log"
	exit 1
fi
ktap_pass "vma-harness/build"

out=$(mktemp)
trap 'rm -f "$out"; make -C "$dir" clean >/dev/null 2>&1 || true' EXIT
rc=0
"$dir/vma" >"$out" 2>&1 || rc=$?
cat "$out" >>"$log"

# The harness names only failures, so take the test list from its TEST()s,
# leaving out conditional ones, and check it against the harness's own count.
names=$(awk '/^#if/ { skip++ } /^#endif/ { skip-- }
	!skip && match($0, /^[[:space:]]*TEST\(([a-z0-9_]+)\);/) {
		s = $0; sub(/^[[:space:]]*TEST\(/, "", s); sub(/\);.*/, "", s); print s
	}' "$dir"/tests/*.c)
run=$(sed -n 's/^\([0-9]*\) tests run.*/\1/p' "$out")
# LeakSanitizer's exit can swallow the summary after a failed assertion.
if [ -n "$run" ] && [ "$run" != "$(echo "$names" | wc -w)" ]; then
	ktap_fail "vma-harness/run # harness ran $run tests, the sources name $(echo "$names" | wc -w); see $log"
	exit 1
fi
for name in $names; do
	if grep -q "^Test $name FAILED" "$out"; then
		ktap_fail "vma-harness/$name"
	else
		ktap_pass "vma-harness/$name"
	fi
done

echo "# ${run:-no} tests run by the harness, $ktap_failed failed"
# A crash or a failure the names above missed must not pass silently.
if [ "$rc" -ne 0 ] && [ "$ktap_failed" -eq 0 ]; then
	ktap_fail "vma-harness/exit-status # harness exited $rc, see $log"
	exit 1
fi
[ "$rc" -eq 0 ]
