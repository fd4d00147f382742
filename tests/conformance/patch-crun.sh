#!/usr/bin/env bash
# Make a copy of crun without its ociVersion check, for reference runs.
# crun < 1.9 rejects any config whose ociVersion lacks "1.0" ("unknown version
# specified"); runtime-tools writes ociVersion 1.3.0, so stock Debian crun 1.8.1
# fails nearly every program. This NOPs the `je error` after each
# strstr(oci_version, "1.0") call. Prints the patched binary's path.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HULL_CACHE=${HULL_CACHE:-$(cd "$HERE/../.." && pwd)/.cache}
SRC=${CRUN:-$(command -v crun)}
OUT=$HULL_CACHE/crun-patched/crun # basename stays "crun" (log dir, exceptions column)
mkdir -p "$(dirname "$OUT")"
python3 - "$SRC" "$OUT" <<'EOF'
import re, sys
src, out = sys.argv[1:]
b = bytearray(open(src, "rb").read())
lit = b.find(b"\x001.0\x00") + 1  # the "1.0" literal (file offset == vaddr in crun's PIE)
# lea lit(%rip),%rsi; call strstr; [<=16 bytes]; test %rax,%rax; je rel32
pat = re.compile(rb"\x48\x8d\x35(....)\xe8.{4}.{0,16}?\x48\x85\xc0\x0f\x84.{4}", re.S)
n = 0
for m in pat.finditer(b):
    if m.start() + 7 + int.from_bytes(m.group(1), "little", signed=True) == lit:
        j = m.end() - 6
        b[j:j + 6] = b"\x66\x0f\x1f\x44\x00\x00"  # 6-byte nop
        n += 1
if lit == 0 or n == 0:
    sys.exit(f"patch-crun.sh: version check not found in {src}")
open(out, "wb").write(b)
print(f"patch-crun.sh: patched {n} version check(s)", file=sys.stderr)
EOF
chmod 755 "$OUT"
echo "$OUT"
