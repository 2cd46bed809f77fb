#!/bin/bash
# The config check: kernel/check-config.sh on synthetic files, every
# configuration (default, debug, bench) configured from the real Kconfig
# and checked, and build-kernel.sh on the real Kconfig with a fragment
# whose option Kconfig must drop.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/ktap.sh"
CHECK=$ROOT/kernel/check-config.sh
BUILD=${NESTMAP_BUILD:-$ROOT/build}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nestmap-config-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
err=$scratch/err

cat >"$scratch/frag" <<'EOF'
CONFIG_A=y
# CONFIG_B is not set
CONFIG_C="text"
CONFIG_D=4
EOF
printf 'CONFIG_A=y\nCONFIG_C="text"\nCONFIG_D=4\n' >"$scratch/good"
printf 'CONFIG_C="text"\nCONFIG_D=4\n' >"$scratch/no-a"
printf 'CONFIG_A=y\nCONFIG_B=y\nCONFIG_C="text"\nCONFIG_D=4\n' >"$scratch/b-set"
printf 'CONFIG_A=y\nCONFIG_C="text"\nCONFIG_D=8\n' >"$scratch/d-8"
printf '# CONFIG_A is not set\n' >"$scratch/frag-off"
printf '# CONFIG_A is not set\nCONFIG_C="text"\nCONFIG_D=4\n' >"$scratch/a-off"

check "all requested options present: accepted" \
	"$CHECK" "$scratch/good" "$scratch/frag"
check "dropped =y option: rejected, named" \
	eval '! "$CHECK" "$scratch/no-a" "$scratch/frag" 2>"$err" &&
		grep -q "CONFIG_A=y requested" "$err"'
check "option set that must not be: rejected, named" \
	eval '! "$CHECK" "$scratch/b-set" "$scratch/frag" 2>"$err" &&
		grep -q "CONFIG_B=n requested" "$err"'
check "wrong value: rejected, named" \
	eval '! "$CHECK" "$scratch/d-8" "$scratch/frag" 2>"$err" &&
		grep -q "CONFIG_D=4 requested" "$err"'
check "later fragment overrides earlier" \
	"$CHECK" "$scratch/a-off" "$scratch/frag" "$scratch/frag-off"

# Every configuration the project builds is configured from the real
# Kconfig (no compiling, a few seconds each) and checked against its
# fragments, so that a fragment change that breaks one fails here and not
# minutes into `make bench`.
for cfg in default debug bench; do
	if [ ! -f "$BUILD/src/linux.stamp" ]; then
		echo "# no extracted source in $BUILD/src: run make kernel"
		check "the $cfg configuration keeps every requested option" false
		continue
	fi
	check "the $cfg configuration keeps every requested option" \
		eval 'KERNEL_SRC="$BUILD/src/linux" \
			NESTMAP_KERNEL_OUT="$scratch/$cfg" \
			NESTMAP_BUILD="$scratch/build" \
			"$ROOT/kernel/build-kernel.sh" --config-only "$cfg" \
			>"$err" 2>&1 || { sed "s/^/# /" "$err"; false; }'
done

# The real Kconfig: SLUB_TINY=y must make KASAN disappear, and the build
# must stop and say so.  Only the config step runs (a few seconds).
if [ -f "$BUILD/src/linux.stamp" ]; then
	mkdir -p "$scratch/config"
	cp "$ROOT/kernel/config/base.config" "$scratch/config/base.config"
	printf 'CONFIG_SLUB_TINY=y\nCONFIG_KASAN=y\n' \
		>"$scratch/config/debug.config"
	check "build-kernel.sh stops on an option Kconfig dropped (KASAN)" \
		eval '! KERNEL_SRC="$BUILD/src/linux" \
			NESTMAP_CONFIG_DIR="$scratch/config" \
			NESTMAP_KERNEL_OUT="$scratch/out" \
			NESTMAP_BUILD="$scratch/build" \
			"$ROOT/kernel/build-kernel.sh" --config-only debug \
			>"$err" 2>&1 &&
			grep -q "CONFIG_KASAN=y requested" "$err" &&
			[ ! -e "$scratch/out/vmlinux" ]'
else
	echo "# no extracted source in $BUILD/src: run make kernel"
	check "build-kernel.sh stops on an option Kconfig dropped (KASAN)" false
fi

# NESTMAP_CONFIG: your own fragments, merged last and checked the same way.
if [ -f "$BUILD/src/linux.stamp" ]; then
	printf 'CONFIG_EXT4_FS_POSIX_ACL=y\n' >"$scratch/mine.config"
	# romfs sits behind CONFIG_MISC_FILESYSTEMS, which tinyconfig turns off.
	printf 'CONFIG_ROMFS_FS=y\n' >"$scratch/dropped.config"
	# config_user FRAGMENTS: configure default with NESTMAP_CONFIG set.
	config_user() {
		KERNEL_SRC="$BUILD/src/linux" NESTMAP_CONFIG="$1" \
			NESTMAP_KERNEL_OUT="$scratch/user" \
			NESTMAP_BUILD="$scratch/build" \
			"$ROOT/kernel/build-kernel.sh" --config-only default \
			>"$err" 2>&1
	}
	check "NESTMAP_CONFIG: an option of yours ends up in .config" \
		eval 'config_user "$scratch/mine.config" &&
			grep -qx "CONFIG_EXT4_FS_POSIX_ACL=y" "$scratch/user/.config"'
	check "NESTMAP_CONFIG: an option Kconfig drops stops the build, named" \
		eval '! config_user "$scratch/mine.config:$scratch/dropped.config" &&
			grep -q "CONFIG_ROMFS_FS=y requested" "$err"'
	check "NESTMAP_CONFIG: a missing fragment is refused" \
		eval '! config_user "$scratch/none.config" &&
			grep -q "none.config is not a readable file" "$err"'
	printf 'ROMFS_FS=y\n' >"$scratch/typo.config"
	check "NESTMAP_CONFIG: a line that is no option is refused, located" \
		eval '! config_user "$scratch/typo.config" &&
			grep -q "typo.config:1: not a config option" "$err"'
else
	echo "# no extracted source in $BUILD/src: run make kernel"
	check "NESTMAP_CONFIG fragments" false
fi

ktap_done
