#!/usr/bin/env bash
# Installs what building and testing hull needs on Debian 12, only if missing.
set -euo pipefail
pkgs=(gcc libc6-dev linux-libc-dev make pkg-config libseccomp-dev musl-tools busybox-static file jq runc crun apparmor)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "go is required (expected at /usr/local/go)" >&2; exit 1; }
