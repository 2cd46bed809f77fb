#!/bin/bash
# Usage: build-kernel.sh [--config-only] [default|debug|bench]
# Build the patched kernel out of tree in build/kernel/<config>: tinyconfig,
# plus kernel/config/base.config (and debug.config for debug, bench.config
# for bench: no debug options, for benchmarks), olddefconfig,
# then a check that every requested option survived.  The config step runs
# again only when the fragments or the source series change.  Builds
# bzImage and what out-of-tree modules need.  Holds the machine-wide build
# lock while it compiles.  Full log: build/logs/kernel-<config>.log.
# --config-only stops after the option check (seconds, not minutes).
# NESTMAP_CONFIG=FRAGMENT[:FRAGMENT...] merges your own fragments last into
# every configuration, and they are checked like the project's.
set -eu
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $PROG [--config-only] [default|debug|bench]" >&2
	exit 2
}

config_only=0
if [ "${1:-}" = --config-only ]; then
	config_only=1
	shift
fi
[ "$#" -le 1 ] || usage
cfg=${1:-default}
case "$cfg" in
default) fragments=("$CONFIG_DIR/base.config") ;;
debug) fragments=("$CONFIG_DIR/base.config" "$CONFIG_DIR/debug.config") ;;
bench) fragments=("$CONFIG_DIR/base.config" "$CONFIG_DIR/bench.config") ;;
*) usage ;;
esac

# Your own options (a filesystem to test, say), merged last.
if [ -n "${NESTMAP_CONFIG:-}" ]; then
	IFS=: read -r -a user_fragments <<<"$NESTMAP_CONFIG"
	for f in "${user_fragments[@]}"; do
		[ -f "$f" ] && [ -r "$f" ] ||
			die "NESTMAP_CONFIG: $f is not a readable file"
		bad=$(grep -nEv '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set|#.*|[[:space:]]*)$' "$f" |
			head -n 1) || true
		[ -z "$bad" ] ||
			die "NESTMAP_CONFIG: $f:${bad%%:*}: not a config option: ${bad#*:}"
		fragments+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
	done
fi

OUT=${NESTMAP_KERNEL_OUT:-$BUILD_DIR/kernel/$cfg}
JOBS=${NESTMAP_JOBS:-$(($(nproc) + 1))}
log=$LOG_DIR/kernel-$cfg.log
mkdir -p "$LOG_DIR"
: >"$log"

run() {
	echo "+ $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

"$NESTMAP_ROOT/kernel/fetch-source.sh"
if [ -n "${KERNEL_SRC:-}" ]; then
	src=$(cd "$KERNEL_SRC" && pwd)
	source_id="tree $src $(series_hash "$src")"
else
	src=$SRC_DIR
	source_id="stamp $(sed -n 's/^series //p' "$SRC_DIR.stamp")"
fi

# Configuring alone compiles nothing but kconfig, in an OUT of its own.
if [ "$config_only" = 0 ]; then
	exec 9>"$KBUILD_LOCK"
	if ! flock -n 9; then
		stage "waiting for the machine-wide build lock $KBUILD_LOCK"
		flock 9
	fi
fi

# A build directory is reused only with the tree it was made from.
mkdir -p "$OUT"
if [ -f "$OUT/.nestmap-srctree" ] &&
	[ "$(cat "$OUT/.nestmap-srctree")" != "$src" ]; then
	stage "$OUT was built from another tree: starting it afresh"
	rm -rf "$OUT"
	mkdir -p "$OUT"
fi
echo "$src" >"$OUT/.nestmap-srctree"

config_hash=$({
	echo "$source_id"
	for f in "${fragments[@]}"; do
		echo "$(basename "$f") $(sha256_of "$f")"
	done
} | sha256sum | cut -d' ' -f1)

if [ -f "$OUT/.config" ] && [ -f "$OUT/.nestmap-config" ] &&
	[ "$(cat "$OUT/.nestmap-config")" = "$config_hash" ]; then
	stage "config $cfg unchanged"
else
	rm -f "$OUT/.nestmap-config"
	stage "configure $cfg: tinyconfig + $(cd "$CONFIG_DIR" &&
		echo "${fragments[@]##*/}")"
	run make -C "$src" O="$OUT" tinyconfig
	run "$src/scripts/kconfig/merge_config.sh" -m -O "$OUT" \
		"$OUT/.config" "${fragments[@]}"
	run make -C "$src" O="$OUT" olddefconfig
	"$NESTMAP_ROOT/kernel/check-config.sh" "$OUT/.config" "${fragments[@]}" ||
		die "the $cfg configuration lost options (see above)"
	echo "$config_hash" >"$OUT/.nestmap-config"
fi
if [ "$config_only" = 1 ]; then
	stage "config $cfg checked: $OUT/.config"
	exit 0
fi

stage "build bzImage and modules_prepare ($JOBS jobs, log: $log)"
run make -C "$src" O="$OUT" -j"$JOBS" bzImage modules modules_prepare
"$NESTMAP_ROOT/kernel/check-config.sh" "$OUT/.config" "${fragments[@]}" ||
	die "the $cfg configuration changed during the build (see above)"
stage "kernel ready: $OUT/arch/x86/boot/bzImage"
