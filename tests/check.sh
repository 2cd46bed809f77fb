#!/bin/bash
# Every test on both kernels: `make test` (the default configuration, all
# suites), then `make test-debug` (KASAN: the matrix, the revoke race and
# the short stress).
# The second runs even if the first failed.  The last line totals both:
# "N passed, N failed, N skipped".  A run that ends without its own totals
# line (a build failure, say) counts as one failure.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOG_DIR=${NESTMAP_BUILD:-$ROOT/build}/logs
passed=0
failed=0
skipped=0
start=$SECONDS

mkdir -p "$LOG_DIR"
for target in test test-debug; do
	log=$LOG_DIR/check-$target.log
	printf '[%4ds] check: make %s (log: %s)\n' "$((SECONDS - start))" \
		"$target" "$log"
	make -C "$ROOT" --no-print-directory "$target" </dev/null 2>&1 |
		tee "$log"
	status=${PIPESTATUS[0]}
	# make adds its own error line after a failed run's totals.
	totals=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		"$log" | tail -n 1)
	if [ -z "$totals" ]; then
		echo "FAIL make $target: exit status $status and no totals line (log: $log)"
		failed=$((failed + 1))
		continue
	fi
	read -r p f s <<<"$totals"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL make $target: exit status $status (log: $log)"
		failed=$((failed + 1))
	fi
	printf '[%4ds] check: make %s: %s passed, %s failed, %s skipped\n' \
		"$((SECONDS - start))" "$target" "$p" "$f" "$s"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
