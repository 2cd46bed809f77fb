#!/bin/bash
# Usage: check-config.sh DOTCONFIG FRAGMENT...
# Check that every option the fragments ask for (later fragments override
# earlier ones) has that value in DOTCONFIG.  Kconfig silently drops options
# whose dependencies are not met; this names each one and fails.
set -eu

[ "$#" -ge 2 ] || { echo "usage: $0 DOTCONFIG FRAGMENT..." >&2; exit 2; }
config=$1
shift
for f in "$config" "$@"; do
	[ -r "$f" ] || { echo "$0: cannot read $f" >&2; exit 2; }
done

awk '
function parse(line,    m) {
	if (match(line, /^CONFIG_[A-Za-z0-9_]+=/)) {
		key = substr(line, 1, RLENGTH - 1)
		val = substr(line, RLENGTH + 1)
		return 1
	}
	if (match(line, /^# CONFIG_[A-Za-z0-9_]+ is not set$/)) {
		key = line
		sub(/^# /, "", key)
		sub(/ is not set$/, "", key)
		val = "n"
		return 1
	}
	return 0
}
FILENAME == ARGV[1] {
	if (parse($0))
		have[key] = val
	next
}
{
	if (parse($0)) {
		want[key] = val
		from[key] = FILENAME
	}
}
END {
	bad = 0
	for (key in want) {
		got = (key in have) ? have[key] : "n"
		if (got != want[key]) {
			printf "config: %s=%s requested by %s, but .config has %s=%s\n",
				key, want[key], from[key], key, got > "/dev/stderr"
			bad++
		}
	}
	if (bad) {
		printf "config: %d requested option(s) dropped by Kconfig " \
			"(unmet dependencies?)\n", bad > "/dev/stderr"
		exit 1
	}
}
' "$config" "$@"
