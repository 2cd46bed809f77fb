#!/bin/bash
# scripts/checkpatch.pl --strict on every patch of the series: no error and
# no warning allowed; CHECKs are printed and counted, not failed.
#
# Each patch goes in on stdin. Named as a file inside this git checkout,
# checkpatch would see a tracked file and switch to file mode (-f), reading
# the patch as source: the "-- " signature line and the single-space blank
# context lines then count as trailing whitespace.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
src=${NESTMAP_KSRC:-$root/build/src/linux}
patches=${NESTMAP_PATCH_DIR:-$root/kernel/patches}
checkpatch=$src/scripts/checkpatch.pl
. "$root/tests/lib/ktap.sh"
n=0
checks=0

if [ ! -x "$checkpatch" ]; then
	ktap_fail "checkpatch # no $checkpatch (run make kernel)"
	exit 1
fi

for p in "$patches"/*.patch; do
	[ -f "$p" ] || continue
	n=$((n + 1))
	name=checkpatch/$(basename "$p" .patch)
	out=$("$checkpatch" --strict - <"$p" 2>&1 || true)
	total=$(echo "$out" | sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1 \2 \3/p')
	if [ -z "$total" ]; then
		ktap_fail "$name # checkpatch printed no totals"
		echo "$out" | sed 's/^/#   /'
		continue
	fi
	read -r e w c <<<"$total"
	checks=$((checks + c))
	if [ "$e" -eq 0 ] && [ "$w" -eq 0 ]; then
		ktap_pass "$name # $c CHECK(s)"
	else
		ktap_fail "$name # $e error(s), $w warning(s)"
	fi
	[ "$c" -eq 0 ] && [ "$e$w" = 00 ] || echo "$out" |
		grep -E -A3 '^(ERROR|WARNING|CHECK):' | sed 's/^/#   /'
done
if [ "$n" -eq 0 ]; then
	ktap_fail "checkpatch # no patches in $patches"
	exit 1
fi
echo "# checkpatch: $n patches, $ktap_failed failed, $checks CHECK(s)"
ktap_done
