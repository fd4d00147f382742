#!/usr/bin/env bash
# tests/bench/profile.sh: load-independent counters of `run` of /bin/true for
# hull, runc and crun, to see where hull's CPU goes and to track it over time.
#
#   - task-clock, page faults and context switches (perf stat -r N)
#   - page faults per process (perf record -e page-faults, by command name:
#     hull's parent is "hull", its re-executed init stage shows up under the
#     fd number it was exec'd from, the container process as "true")
#   - syscalls of the whole tree (strace -f -c): total, futex, nanosleep, clone*
#
# On this VM a first-touch page fault costs ~20 us, a syscall ~1.2 us and a
# context switch ~8 us, so these counts explain most of the CPU differences
# (user-space instructions are a small part: ~11M for hull's parent).
#
# Environment: N (20), HULL (./hull), RUNC, CRUN. Needs root, perf and strace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
N=${N:-20}
HULL=$(realpath "${HULL:-$repo/hull}")
RUNC=${RUNC:-$(command -v runc)}
CRUN=${CRUN:-$(command -v crun)}
for t in perf strace jq; do command -v "$t" >/dev/null || { echo "profile: $t is needed" >&2; exit 1; }; done

T=$(mktemp -d /tmp/hull-prof.XXXXXX)
CGP=$(basename "$T")
cleanup() {
	set +e
	for r in hull runc crun; do
		for d in "$T/root/$r"/*/; do
			[ -d "$d" ] && "${BIN[$r]}" --root "$T/root/$r" delete -f "$(basename "$d")" >/dev/null 2>&1
		done
	done
	for h in /sys/fs/cgroup/*/"$CGP"; do
		[ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$T"
}
declare -A BIN=([hull]=$HULL [runc]=$RUNC [crun]=$CRUN)
trap cleanup EXIT

"$repo/tests/mkbundle.sh" "$HULL" "$T/base" true >/dev/null
for r in hull runc crun; do
	mkdir -p "$T/$r" "$T/root/$r"
	f='.root.path = $r | .linux.cgroupsPath = $cg'
	[ "$r" = crun ] && f+=' | .ociVersion = "1.0.2"'
	jq --arg r "$T/base/rootfs" --arg cg "/$CGP/$r" "$f" "$T/base/config.json" >"$T/$r/config.json"
done
# loop.sh RUNTIME COUNT: COUNT foreground runs (each deletes itself)
cat >"$T/loop.sh" <<'EOF'
#!/bin/bash
for ((i = 0; i < $3; i++)); do "$1" --root "$2/root/$4" run -b "$2/$4" p </dev/null >/dev/null || exit 1; done
EOF
chmod +x "$T/loop.sh"

printf '%-5s %10s %8s %8s | %s | %s\n' runtime "task-clock" faults ctxsw "faults per process (per run)" "syscalls: total futex nanosleep clone"
for r in hull runc crun; do
	b=${BIN[$r]}
	st=$(perf stat -x, -r "$N" -e task-clock,page-faults,context-switches "$b" --root "$T/root/$r" run -b "$T/$r" p 2>&1 >/dev/null </dev/null)
	tc=$(awk -F, '$3 == "task-clock" {printf "%.1f ms", $1}' <<<"$st")
	pf=$(awk -F, '$3 ~ /page-faults/ {printf "%.0f", $1}' <<<"$st")
	cs=$(awk -F, '$3 ~ /context-switches/ {printf "%.0f", $1}' <<<"$st")
	perf record -q -o "$T/pf.data" -e page-faults -c 1 -- "$T/loop.sh" "$b" "$T" "$N" "$r" >/dev/null 2>&1
	per=$(perf report -i "$T/pf.data" -n --sort comm --stdio 2>/dev/null |
		awk -v n="$N" '!/^#/ && NF >= 3 && $3 != "loop.sh" {printf "%s=%.0f ", $3, $2 / n}')
	strace -f -c -o "$T/sc" "$b" --root "$T/root/$r" run -b "$T/$r" p </dev/null >/dev/null 2>&1
	sc=$(awk '$NF == "total" {t = $4} $NF == "futex" {f = $4} $NF == "nanosleep" {s = $4} $NF ~ /^clone/ {c += $4}
		END {printf "%s %d %d %d", t, f, s, c}' "$T/sc")
	printf '%-5s %10s %8s %8s | %s| %s\n' "$r" "$tc" "$pf" "$cs" "$per" "$sc"
done
