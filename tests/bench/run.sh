#!/usr/bin/env bash
# tests/bench/run.sh: hull vs runc vs crun, CPU, wall time and memory of the
# container lifecycle, in one interleaved run (`make bench`).
#
# Each round runs every runtime once, in an order that rotates by round, and
# for each runtime, with its own --root and unique container ids:
#   run     `run` of /bin/true in the foreground (deletes itself)
#   create  `create`, then state/list with that 1 container, then the
#           waiting init is probed (/proc/PID: private memory, threads, CPU)
#   start   `start`, then (unmeasured) wait until the container has stopped
#   delete  `delete`
# Then MANY (default 200) created containers per runtime are made and MANY_ROUNDS
# interleaved rounds of `state` and `list` are measured with them in place.
#
# Every measured command runs under rusage (rusage.c, built here): CPU is
# user+sys of the runtime and every descendant reaped within its tree, plus
# orphans reparented to rusage (a subreaper) that exited before the runtime did
# ("orphans" in the CSV: 0 means the runtime reaps its whole tree itself).
# A created container's init is still running when `create` returns, so its
# CPU is not in create's; it is read from /proc/PID/task/*/schedstat and
# reported as its own row (and added in "create + waiting init").
#
# Environment: ROUNDS (30), MANY (200), MANY_ROUNDS (10), HULL (./hull),
# RUNC, CRUN (from PATH), RUNTIMES ("hull runc crun"), BENCH_OUT (CSV dir,
# default ${XDG_CACHE_HOME:-~/.cache}/hull-bench).
# Must run as root. Cleans up containers, cgroups and temp dirs on any exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-30}
MANY=${MANY:-200}
MANY_ROUNDS=${MANY_ROUNDS:-10}
read -r -a RTS <<<"${RUNTIMES:-hull runc crun}"
declare -A BIN=(
	[hull]=$(realpath "${HULL:-$repo/hull}")
	[runc]=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
	[crun]=${CRUN:-$(command -v crun || echo /usr/bin/crun)}
)
OUTDIR=${BENCH_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/hull-bench}

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for rt in "${RTS[@]}"; do
	[ -x "${BIN[$rt]:-}" ] || die "no $rt binary (${BIN[$rt]:-unset})"
done
command -v jq >/dev/null || die "jq is needed"
command -v gcc >/dev/null || die "gcc is needed (for rusage.c)"

T=$(mktemp -d /tmp/hull-bench.XXXXXX)
CGP=$(basename "$T") # parent cgroup of every container made here
RUS=$T/rusage
mkdir -p "$OUTDIR"
stamp=$(date +%Y%m%d-%H%M%S)
CSV=$OUTDIR/bench-$stamp.csv
MD=$OUTDIR/bench-$stamp.md
BG=() # background jobs, killed by cleanup

rt() { # rt RUNTIME ARGS...: the runtime with its own --root
	local r=$1
	shift
	"${BIN[$r]}" --root "$T/root/$r" "$@"
}

cleanup() {
	local rc=$? r d pid hier
	set +e
	trap - EXIT INT TERM
	for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	for r in "${RTS[@]}"; do
		for d in "$T/root/$r"/*/; do
			[ -d "$d" ] && rt "$r" delete -f "$(basename "$d")" >/dev/null 2>&1
		done
	done
	# anything still alive in our cgroups is a container init we made
	for hier in /sys/fs/cgroup/*/"$CGP"; do
		[ -d "$hier" ] || continue
		for pid in $(cat "$hier"/*/cgroup.procs 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	for hier in /sys/fs/cgroup/*/"$CGP"; do
		[ -d "$hier" ] || continue
		for _ in 1 2 3 4 5; do
			find "$hier" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$hier" ] || break
			sleep 0.2
		done
		[ -d "$hier" ] && echo "bench: could not remove $hier" >&2
	done
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gcc -O2 -Wall -o "$RUS" "$here/rusage.c"

# one bundle, and per runtime a config template pointing at its rootfs;
# each container gets a copy with its own absolute cgroupsPath under $CGP
"$repo/tests/mkbundle.sh" "${BIN[hull]}" "$T/base" true >/dev/null
declare -A TMPL
for r in "${RTS[@]}"; do
	mkdir -p "$T/root/$r"
	filter='.root.path = $r | .linux.cgroupsPath = "@CG@"'
	# Debian's crun 1.8 refuses ociVersion 1.3.0
	[ "$r" = crun ] && filter+=' | .ociVersion = "1.0.2"'
	TMPL[$r]=$(jq -c --arg r "$T/base/rootfs" "$filter" "$T/base/config.json")
done
# the same with the seccomp profile an engine sends (podman's default, from
# containers-common), when that file is installed: engines always send one
ENGINE_SECCOMP=/usr/share/containers/seccomp.json
declare -A TMPL_SC
if [ -r "$ENGINE_SECCOMP" ]; then
	sc=$(jq -c -f "$here/engine-seccomp.jq" "$ENGINE_SECCOMP")
	for r in "${RTS[@]}"; do
		TMPL_SC[$r]=$(jq -c --argjson s "$sc" '.linux.seccomp = $s' <<<"${TMPL[$r]}")
	done
fi
bundle() { # bundle RUNTIME ID [TEMPLATE]: prints the bundle dir made for ID
	local d=$T/b/$2 t=${3:-${TMPL[$1]}}
	mkdir -p "$d"
	printf '%s\n' "${t//@CG@//$CGP/$2}" >"$d/config.json"
	echo "$d"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "runtime,op,round,containers,metric,value" >"$CSV"
row() { echo "$1,$2,$3,$4,$5,$6" >>"$CSV"; }

# measure RUNTIME OP ROUND NCONTAINERS ARGS...: one measured runtime command;
# its stdout is left in $T/out
measure() {
	local r=$1 op=$2 round=$3 n=$4 rc wall cpu maxrss orphans ocpu minflt majflt nvcsw nivcsw
	shift 4
	"$RUS" -s -o "$T/rus" -- "${BIN[$r]}" --root "$T/root/$r" "$@" </dev/null >"$T/out" 2>"$T/err"
	read -r rc wall cpu maxrss orphans ocpu minflt majflt nvcsw nivcsw _ <"$T/rus"
	if [ "$rc" != 0 ]; then
		cat "$T/err" >&2
		die "$r $* exited $rc (round $round)"
	fi
	row "$r" "$op" "$round" "$n" wall_us "$wall"
	row "$r" "$op" "$round" "$n" cpu_us "$cpu"
	row "$r" "$op" "$round" "$n" maxrss_kb "$maxrss"
	row "$r" "$op" "$round" "$n" orphans "$orphans"
	row "$r" "$op" "$round" "$n" orphan_cpu_us "$ocpu"
	row "$r" "$op" "$round" "$n" minflt "$minflt"
	row "$r" "$op" "$round" "$n" ctxsw $((nvcsw + nivcsw))
}

# probe RUNTIME ROUND PID: the process waiting after create
probe() {
	local r=$1 round=$2 pid=$3 f ns=0 a priv threads
	for f in /proc/"$pid"/task/*/schedstat; do
		read -r a _ <"$f" && ns=$((ns + a))
	done
	priv=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$pid/smaps_rollup")
	threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
	row "$r" init_wait "$round" 1 cpu_us $((ns / 1000))
	row "$r" init_wait "$round" 1 private_kb "$priv"
	row "$r" init_wait "$round" 1 threads "$threads"
}

# stopped RUNTIME ID PID: waits (unmeasured) until the container has stopped
stopped() {
	local i st
	for ((i = 0; i < 500; i++)); do
		if [ ! -e "/proc/$3" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$3/status" 2>/dev/null)" = Z ]; then
			st=$(rt "$1" state "$2" 2>/dev/null | jq -r .status) || st=
			[ "$st" = stopped ] && return 0
		fi
		sleep 0.01
	done
	die "$1 $2 did not stop"
}

order() { # order ROUND: the runtimes rotated by ROUND
	local k=$(($1 % ${#RTS[@]}))
	echo "${RTS[@]:k}" "${RTS[@]:0:k}"
}

echo "bench: $ROUNDS rounds of ${RTS[*]}; CSV $CSV" >&2
for ((round = 1; round <= ROUNDS; round++)); do
	for r in $(order "$round"); do
		id=$r-run-$round
		measure "$r" run "$round" 0 run -b "$(bundle "$r" "$id")" "$id"
		if [ -n "${TMPL_SC[$r]:-}" ]; then
			id=$r-runsc-$round
			measure "$r" run_seccomp "$round" 0 run -b "$(bundle "$r" "$id" "${TMPL_SC[$r]}")" "$id"
		fi

		id=$r-c-$round
		measure "$r" create "$round" 1 create -b "$(bundle "$r" "$id")" "$id"
		measure "$r" state "$round" 1 state "$id"
		pid=$(grep -o '"pid": *[0-9]*' "$T/out" | head -1 | grep -o '[0-9]*$')
		[ "$pid" -gt 0 ] 2>/dev/null || die "$r state $id has no pid"
		measure "$r" list "$round" 1 list
		probe "$r" "$round" "$pid"
		measure "$r" start "$round" 1 start "$id"
		stopped "$r" "$id" "$pid"
		measure "$r" delete "$round" 1 delete "$id"
	done
	printf '.' >&2
done
echo " ($SECONDS s)" >&2

# the MANY containers are made and deleted (unmeasured) one job per runtime
many_create() {
	local r=$1 i id
	for ((i = 1; i <= MANY; i++)); do
		id=$r-m-$i
		rt "$r" create -b "$(bundle "$r" "$id")" "$id" </dev/null >/dev/null 2>"$T/err-$r" ||
			{ cat "$T/err-$r" >&2; echo "bench: $r create $id failed" >&2; return 1; }
	done
}
many_delete() {
	local r=$1 i
	for ((i = 1; i <= MANY; i++)); do
		rt "$r" delete -f "$r-m-$i" >/dev/null 2>&1 || { echo "bench: $r delete -f $r-m-$i failed" >&2; return 1; }
	done
}
parallel_each() { # parallel_each FUNC: FUNC RUNTIME for every runtime at once
	local r p fail=0
	BG=()
	for r in "${RTS[@]}"; do
		"$1" "$r" &
		BG+=($!)
	done
	for p in "${BG[@]}"; do wait "$p" || fail=1; done
	BG=()
	[ "$fail" = 0 ] || die "$1 failed"
}

if [ "$MANY" -gt 0 ] && [ "$MANY_ROUNDS" -gt 0 ]; then
	echo "bench: creating $MANY containers per runtime ($SECONDS s)" >&2
	parallel_each many_create
	mid=$(((MANY + 1) / 2))
	for ((round = 1; round <= MANY_ROUNDS; round++)); do
		for r in $(order "$round"); do
			measure "$r" state "$round" "$MANY" state "$r-m-$mid"
			measure "$r" list "$round" "$MANY" list
			[ "$(grep -c -- "$r-m-" "$T/out")" = "$MANY" ] || die "$r list does not show $MANY containers"
		done
	done
	echo "bench: deleting them ($SECONDS s)" >&2
	parallel_each many_delete
fi

# summary: medians per runtime, ratios hull/crun and hull/runc
summary() {
	local rows=(
		"run /bin/true: CPU ms|run|0|cpu_us|1000"
		"run /bin/true: wall ms|run|0|wall_us|1000"
		"run /bin/true, engine seccomp profile: CPU ms|run_seccomp|0|cpu_us|1000"
		"run /bin/true, engine seccomp profile: wall ms|run_seccomp|0|wall_us|1000"
		"create: CPU ms|create|1|cpu_us|1000"
		"create: wall ms|create|1|wall_us|1000"
		"create + waiting init: CPU ms|create+init|1|cpu_us|1000"
		"start: CPU ms|start|1|cpu_us|1000"
		"start: wall ms|start|1|wall_us|1000"
		"delete: CPU ms|delete|1|cpu_us|1000"
		"delete: wall ms|delete|1|wall_us|1000"
		"state, 1 container: CPU ms|state|1|cpu_us|1000"
		"state, 1 container: wall ms|state|1|wall_us|1000"
		"list, 1 container: CPU ms|list|1|cpu_us|1000"
		"list, 1 container: wall ms|list|1|wall_us|1000"
		"state, $MANY containers: CPU ms|state|$MANY|cpu_us|1000"
		"state, $MANY containers: wall ms|state|$MANY|wall_us|1000"
		"list, $MANY containers: CPU ms|list|$MANY|cpu_us|1000"
		"list, $MANY containers: wall ms|list|$MANY|wall_us|1000"
		"run /bin/true: page faults|run|0|minflt|1"
		"run /bin/true: context switches|run|0|ctxsw|1"
		"create: peak RSS MB (ru_maxrss)|create|1|maxrss_kb|1024"
		"waiting init: private KB|init_wait|1|private_kb|1"
		"waiting init: threads|init_wait|1|threads|1"
		"waiting init: CPU ms so far|init_wait|1|cpu_us|1000"
		"run: orphans not reaped by the runtime|run|0|orphans|1"
		"create: orphans not reaped by the runtime|create|1|orphans|1"
		"delete: orphans not reaped by the runtime|delete|1|orphans|1"
	)
	# derived rows: create+init = create cpu + waiting init cpu, per round
	awk -F, 'NR > 1 && (($2 == "create" && $5 == "cpu_us") || ($2 == "init_wait" && $5 == "cpu_us")) {
		s[$1 "," $3] += $6 } END { for (k in s) { split(k, a, ","); print a[1] ",create+init," a[2] ",1,cpu_us," s[k] } }' "$CSV" >"$T/derived"
	cat "$CSV" "$T/derived" >"$T/all"
	local hdr="| median |" sep="|---|"
	for r in "${RTS[@]}"; do hdr+=" $r |"; sep+="---:|"; done
	local has_ratio=0
	if [[ " ${RTS[*]} " == *" hull "* && " ${RTS[*]} " == *" crun "* && " ${RTS[*]} " == *" runc "* ]]; then
		hdr+=" hull/crun | hull/runc |"
		sep+="---:|---:|"
		has_ratio=1
	fi
	echo "$hdr"
	echo "$sep"
	local spec label op n metric div line r med
	for spec in "${rows[@]}"; do
		IFS='|' read -r label op n metric div <<<"$spec"
		line="| $label |"
		declare -A M=()
		for r in "${RTS[@]}"; do
			med=$(awk -F, -v r="$r" -v op="$op" -v n="$n" -v m="$metric" \
				'$1 == r && $2 == op && $4 == n && $5 == m {print $6}' "$T/all" | sort -g |
				awk -v d="$div" '{v[NR] = $1} END {
					if (NR == 0) { print "-"; exit }
					x = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					x /= d
					printf (x == int(x) || x >= 100 ? "%.0f\n" : x >= 10 ? "%.1f\n" : "%.2f\n"), x }')
			M[$r]=$med
			line+=" $med |"
		done
		if [ "$has_ratio" = 1 ]; then
			line+=" $(awk -v a="${M[hull]}" -v b="${M[crun]}" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }') |"
			line+=" $(awk -v a="${M[hull]}" -v b="${M[runc]}" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }') |"
		fi
		echo "$line"
		unset M
	done
}

{
	echo "## hull bench $stamp: $ROUNDS rounds, $MANY_ROUNDS rounds with $MANY containers"
	echo
	echo "Load average at start: $LOAD0; at end: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores: other work on the machine inflates every number)."
	echo
	for r in "${RTS[@]}"; do echo "- $r: ${BIN[$r]} ($("${BIN[$r]}" --version 2>/dev/null | head -1))"; done
	echo
	summary
	echo
	[ -n "${TMPL_SC[hull]:-}" ] && echo "Engine seccomp profile: $ENGINE_SECCOMP as an engine sends it (tests/bench/engine-seccomp.jq); hull reuses filters it compiled before (/run/hull-cache/seccomp), runc and crun compile on every run."
	echo "CPU = user+sys of the runtime's whole process tree (RUSAGE_CHILDREN; orphans that exited are counted too)."
	echo "A created container's init is not in create's CPU: see 'waiting init: CPU ms so far' and 'create + waiting init'."
	echo "The container process of start (/bin/true) is not start's child and is not counted in start."
	echo "Raw numbers: $CSV"
} | tee "$MD"
