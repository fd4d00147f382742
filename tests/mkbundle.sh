#!/usr/bin/env bash
# mkbundle.sh HULL DEST [ARGS...]: makes an OCI bundle with a busybox-static
# rootfs and hull's default config (no terminal), running ARGS (default sh).
set -euo pipefail
hull=$(realpath "$1")
dest=$2
shift 2
busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "mkbundle: $busybox is not static (install busybox-static)" >&2; exit 1; }
rm -rf "$dest"
rootfs=$dest/rootfs
mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp,root}
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
(cd "$dest" && "$hull" spec)
args=$(jq -cn '$ARGS.positional' --args -- "${@:-sh}")
jq --argjson a "$args" '.process.terminal = false | .process.args = $a' "$dest/config.json" >"$dest/config.json.new"
mv "$dest/config.json.new" "$dest/config.json"
