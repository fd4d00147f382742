#!/usr/bin/env bash
# Build the OCI runtime-tools validation suite (pinned) into a cache dir.
# Idempotent: a second run only prints the location. Prints the suite dir on stdout.
set -euo pipefail

MOD=github.com/opencontainers/runtime-tools
VER=v0.9.1-0.20251205004911-5e639034dcdc
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HULL_CACHE=${HULL_CACHE:-$(cd "$HERE/../.." && pwd)/.cache}
SUITE=$HULL_CACHE/runtime-tools/$VER

if [[ -f $SUITE/.built ]]; then
	echo "$SUITE"
	exit 0
fi

command -v go >/dev/null || { echo "build.sh: 'go' not found in PATH; install Go to build runtime-tools" >&2; exit 1; }
command -v make >/dev/null || { echo "build.sh: 'make' not found in PATH" >&2; exit 1; }

echo "build.sh: building $MOD@$VER (one-off)" >&2
mkdir -p "$HULL_CACHE"
# Run outside any module so the download does not touch hull's go.mod.
src=$(cd / && GOFLAGS=-mod=mod go mod download -json "$MOD@$VER" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || { echo "build.sh: go mod download $MOD@$VER failed" >&2; exit 1; }

tmp=$(mktemp -d "$HULL_CACHE/runtime-tools.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/." "$tmp/"
chmod -R u+w "$tmp"
# The module zip ships vendor/modules.txt but no vendored code: use the module cache.
(cd "$tmp" && GOFLAGS="-mod=mod -buildvcs=false" make COMMIT=${VER##*-} runtimetest validation-executables >&2)
touch "$tmp/.built"
mkdir -p "$(dirname "$SUITE")"
rm -rf "$SUITE"
mv "$tmp" "$SUITE"
trap - EXIT
echo "$SUITE"
