#!/usr/bin/env bash
# mkimage.sh OUT: builds a one-layer busybox image from Debian's busybox-static,
# without any registry, as OUT/busybox.tar, a docker archive (`docker save`
# format, loaded by `docker load`, `ctr images import` and `podman load`) tagged
# hulltest/busybox:latest. Uses tar, sha256sum and jq only; the result is
# byte-for-byte reproducible.
set -euo pipefail
out=$1
tag=hulltest/busybox:latest
busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "mkimage: $busybox is not static (install busybox-static)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
w=$(mktemp -d "$out/w.XXXXXX")
root=$w/root
mkdir -p "$root"/{bin,etc,tmp,root,proc,sys,dev}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# The layer: a plain tar, sorted, owned by root, dated 1970.
layer=$w/layer.tar
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-C "$root" -cf "$layer" .
sha() { sha256sum "$1" | cut -d' ' -f1; }
diffid=$(sha "$layer")

config=$w/config.json
jq -cn --arg d "sha256:$diffid" '{
	architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
	config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		Cmd: ["sh"], WorkingDir: "/"},
	rootfs: {type: "layers", diff_ids: [$d]},
	history: [{created: "1970-01-01T00:00:00Z", created_by: "tests/engines/mkimage.sh"}]
}' | tr -d '\n' >"$config"
cfgid=$(sha "$config")

# Docker archive: <config>.json, <diffid>/layer.tar, manifest.json, repositories.
d=$w/docker
mkdir -p "$d/$diffid"
cp "$config" "$d/$cfgid.json"
cp "$layer" "$d/$diffid/layer.tar"
echo 1.0 >"$d/$diffid/VERSION"
jq -cn --arg c "$cfgid.json" --arg t "$tag" --arg l "$diffid/layer.tar" \
	'[{Config: $c, RepoTags: [$t], Layers: [$l]}]' >"$d/manifest.json"
jq -cn --arg r "${tag%:*}" --arg id "$diffid" '{($r): {latest: $id}}' >"$d/repositories"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$d" -cf "$out/busybox.tar" .

rm -rf "$w"
