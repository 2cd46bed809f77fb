#!/bin/bash
# Download Debian's linux-source-7.3 7.3.4-1~bpo13+1 with a private apt
# configuration (its own sources list with trixie-backports, lists, cache
# and state under build/apt) and print the path of the tarball inside it.
# The system's apt configuration and sources are left untouched.
set -eu
. "$(dirname "$0")/lib.sh"

PACKAGE=linux-source-7.3
VERSION=7.3.4-1~bpo13+1
MIRROR=${NESTMAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=${NESTMAP_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
APT_DIR=$BUILD_DIR/apt
TARBALL=$APT_DIR/$PACKAGE.tar.xz
HINT="or set KERNEL_TARBALL=/path/to/$PACKAGE.tar.xz (or KERNEL_SRC=/path/to/linux)"

if [ -f "$TARBALL" ]; then
	echo "$TARBALL"
	exit 0
fi
command -v apt-get >/dev/null || die "apt-get not found; $HINT"
[ -r "$KEYRING" ] || die "$KEYRING missing: install debian-archive-keyring, $HINT"

mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" \
	"$APT_DIR/sources.list.d" "$APT_DIR/preferences.d" "$APT_DIR/deb"
printf 'deb [signed-by=%s] %s trixie-backports main\n' "$KEYRING" "$MIRROR" \
	>"$APT_DIR/sources.list"
: >"$APT_DIR/status"

apt_private() {
	apt-get -q \
		-o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d" \
		-o Dir::Etc::Preferences="$APT_DIR/preferences" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::State::status="$APT_DIR/status" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Debug::NoLocking=true \
		-o APT::Sandbox::User="$(id -un)" \
		"$@"
}

log=$LOG_DIR/apt-download.log
mkdir -p "$LOG_DIR"
stage "apt-get update (private config, $MIRROR trixie-backports)" >&2
if ! apt_private update >"$log" 2>&1 || grep -Eq '^(E:|W: (GPG error|Failed|Some index))' "$log"; then
	cat "$log" >&2
	die "could not fetch the trixie-backports index from $MIRROR" \
		"(no network or mirror unreachable?); fix the network, set" \
		"NESTMAP_DEBIAN_MIRROR to a reachable mirror, $HINT"
fi
stage "apt-get download $PACKAGE=$VERSION" >&2
if ! (cd "$APT_DIR/deb" && apt_private download "$PACKAGE=$VERSION") \
	>>"$log" 2>&1; then
	cat "$log" >&2
	die "apt-get download $PACKAGE=$VERSION failed (package or version" \
		"no longer in trixie-backports?); $HINT"
fi
deb=$(find "$APT_DIR/deb" -name "${PACKAGE}_*.deb" | head -n1)
[ -n "$deb" ] || die "apt-get download left no .deb in $APT_DIR/deb; $HINT"
stage "extract $PACKAGE.tar.xz from $(basename "$deb")" >&2
rm -rf "$APT_DIR/x"
dpkg-deb -x "$deb" "$APT_DIR/x"
[ -f "$APT_DIR/x/usr/src/$PACKAGE.tar.xz" ] ||
	die "$deb has no usr/src/$PACKAGE.tar.xz; $HINT"
mv "$APT_DIR/x/usr/src/$PACKAGE.tar.xz" "$TARBALL"
rm -rf "$APT_DIR/x" "$deb"
echo "$TARBALL"
