#!/usr/bin/env bash
# tests/engines/run.sh: proves that containerd, podman and docker can use hull
# in place of runc (`make engines`). What each engine calls is written down in
# shared/ENGINES.md.
#
# Each engine runs on private sockets and state dirs under one temp dir, with
# the runtime behind a logging shim (shim.sh: argv, exit code, stderr and --log
# lines of every call):
#   containerd 1.6  own config, socket, root and state; `ctr run --runc-binary
#                   SHIM --runc-root DIR` (runc v2 shim), namespace "he"
#   podman 4.3      --runtime SHIM, own --root/--runroot/--tmpdir and a
#                   containers.conf (runtime_supports_json, capped rlimits,
#                   cgroupfs, no network) + conmon
#   docker 20.10    dockerd --add-runtime NAME=SHIM --default-runtime NAME
#                   --bridge=none --iptables=false, own -H, --data-root,
#                   --exec-root, --pidfile, and its managed containerd
# The image is busybox built here (mkimage.sh: docker archive from Debian's
# busybox-static), no registry. Then it runs the scenarios below on each
# engine, stops everything it started (by PID), removes its mounts, cgroups
# and temp dir, and prints a table, the details of each failure with the
# runtime calls that failed, and `N passed, N failed, N skipped`.
# Exit status 1 if any scenario failed.
#
# Environment:
#   RUNTIME   the runtime under test (default: the repo's ./hull);
#             RUNTIME=/usr/sbin/runc proves the scenarios themselves
#   ENGINES   "containerd podman docker" (default: all three)
#   ONLY      regex: run only the scenarios whose name matches
#   CALLS_OUT copy the shim's log of every runtime call there at the end
#   KEEP=1    keep the temp dir (engines are stopped all the same)
#   NO_INSTALL=1  do not apt-get install missing engines
# Must run as root, on a Debian 12 machine kind with cgroup v1 (the limits are
# read from v1 files).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RUNTIME=$(realpath "${RUNTIME:-$repo/hull}")
read -r -a ENGS <<<"${ENGINES:-containerd podman docker}"
ONLY=${ONLY:-.}
TMO=60 # seconds allowed to one engine command

die() { echo "engines: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$RUNTIME" ] || die "no runtime at $RUNTIME (run 'make all' or set RUNTIME)"

# ---------------------------------------------------------------- packages
pkgs=(containerd podman conmon docker.io tini catatonit busybox-static jq file bsdutils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	[ -z "${NO_INSTALL:-}" ] || die "missing packages: ${missing[*]}"
	echo "engines: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed"
fi
DOCKER=/usr/bin/docker # not /usr/local/bin/docker, another CLI this machine kind has

# ---------------------------------------------------------------- work dir
# Short on purpose: podman stalls 20 s per `run --rm` with a work path of 36+ chars.
T=$(mktemp -d /tmp/he.XXXXXX)
CALLS=$T/calls.log
FAILS=$T/failures
: >"$CALLS"
: >"$FAILS"
RTNAME=$(basename "$RUNTIME")
SHIM=$T/bin/$RTNAME
mkdir -p "$T/bin" "$T/vol/ro" "$T/vol/rw"
sed -e "s|@REAL@|$RUNTIME|" -e "s|@CALLS@|$CALLS|" "$here/shim.sh" >"$SHIM"
chmod 755 "$SHIM"
echo content >"$T/vol/ro/f"
# the runtime's default --root, which podman uses (it never passes --root)
RTROOT=$("$RUNTIME" --help 2>&1 | sed -n 's/.*--root.*(default: "\([^"]*\)").*/\1/p' | head -1)
HOST_IFS=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | sort | tr '\n' ' ')
HOST_CAPBND=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
HOST_DISK=$(for b in /sys/block/*; do case ${b##*/} in loop* | ram* | zram*) continue ;; esac; cat "$b/dev"; break; done)

declare -A DPID=()  # engine -> daemon pid we started
declare -A RES=() NOTE=()
SEQ=0

# ---------------------------------------------------------------- cleanup
kill_pid() { # kill_pid PID: SIGTERM, up to 15 s, then SIGKILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill "$p" 2>/dev/null
	for i in $(seq 75); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
	kill -9 "$p" 2>/dev/null
}
stop_engine() { # stop_engine ENGINE: removes its containers, then stops its daemon
	local e=$1
	case $e in
	containerd)
		[ -n "${DPID[$e]:-}" ] || return 0
		local t
		for t in $("${C[@]}" task ls -q 2>/dev/null); do
			"${C[@]}" task kill -s SIGKILL "$t" >/dev/null 2>&1
			"${C[@]}" task rm -f "$t" >/dev/null 2>&1
		done
		for t in $("${C[@]}" c ls -q 2>/dev/null); do "${C[@]}" c rm "$t" >/dev/null 2>&1; done
		;;
	docker)
		[ -n "${DPID[$e]:-}" ] || return 0
		local ids
		ids=$(timeout 30 "${D[@]}" ps -aq 2>/dev/null)
		[ -z "$ids" ] || timeout 60 "${D[@]}" rm -f $ids >/dev/null 2>&1
		;;
	podman)
		[ -n "${P[*]:-}" ] || return 0
		timeout 60 "${P[@]}" rm -a -f -t 0 >/dev/null 2>&1
		return 0
		;;
	esac
	kill_pid "${DPID[$e]}"
	unset "DPID[$e]"
}
cleanup() {
	local e p m
	trap - EXIT INT TERM
	for e in "${!DPID[@]}" podman; do stop_engine "$e"; done
	# shims, conmons and anything else whose command line names the work dir
	for p in $(grep -lsF "$T" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$p" != $$ ] && kill -9 "$p" 2>/dev/null
	done
	sleep 0.3
	for m in $(awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	# parent cgroups the engines made (empty ones only: rmdir fails otherwise)
	for p in /sys/fs/cgroup/*/he /sys/fs/cgroup/*/docker /sys/fs/cgroup/*/libpod_parent \
		/sys/fs/cgroup/unified/he /sys/fs/cgroup/he /sys/fs/cgroup/docker /sys/fs/cgroup/libpod_parent; do
		[ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ -z "${CALLS_OUT:-}" ] || cp "$CALLS" "$CALLS_OUT"
	if [ -n "${KEEP:-}" ]; then echo "engines: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
short() { tr '\n' ' ' <<<"$1" | tr -s ' ' | cut -c1-${2:-200}; }
cap() { OUT=$(timeout "$TMO" "$@" 2>&1 </dev/null); RC=$?; }                 # OUT, RC of CMD
capin() { OUT=$(printf '%s' "$STDIN" | timeout "$TMO" "$@" 2>&1); RC=$?; }  # same, $STDIN piped in
captty() { # same under a pseudo-terminal (util-linux script)
	local q
	printf -v q '%q ' "$@"
	OUT=$(timeout "$TMO" script -qec "$q" /dev/null 2>&1 </dev/null); RC=$?
	OUT=${OUT//$'\r'/}
	# script(1) sends its stdin's EOF into the terminal as a byte, which the
	# container's tty may echo (as ^@ or ^D) into the output at any point.
	OUT=${OUT//^@/}
	OUT=${OUT//^D/}
}
want_rc() { [ "$RC" = "$1" ] || { WHY="exit code $RC, want $1: $(short "$OUT")"; return 1; }; }
want_out() { grep -qE -- "$1" <<<"$OUT" || { WHY="output does not match /$1/: $(short "$OUT")"; return 1; }; }
na() { NA=$1; return 200; }

# In-container shell function: cg CONTROLLER FILE prints the container's own cgroup
# file, through the path in /proc/self/cgroup when the host's tree is bound in
# (ctr mounts no cgroupfs), else at the root of the container's cgroup mount.
CG='cg() { p=$(awk -F: -v c="$1" "{ n = split(\$2, a, \",\"); for (i = 1; i <= n; i++) if (a[i] == c) print \$3 }" /proc/self/cgroup); f=/sys/fs/cgroup/$1$p/$2; [ -n "$p" ] && [ "$p" != / ] && [ -e "$f" ] || f=/sys/fs/cgroup/$1/$2; cat "$f"; }'

# xlate OPTS...: the engine's flags for abstract options, in FL; MODE says how to
# run the client (plain, in: $STDIN piped, tty: under a pty). Returns 200 with NA
# set when the engine's client has no such option.
xlate() {
	local o v c ctr=
	FL=() MODE=plain
	[ "$E" = containerd ] && ctr=1 || FL+=(--network none)
	for o; do
		v=${o#*=}
		case $o in
		-i) MODE=in; [ -n "$ctr" ] || FL+=(-i) ;; # ctr always attaches stdin
		-t) MODE=tty; FL+=(-t) ;;
		mem=*) [ -n "$ctr" ] && FL+=(--memory-limit $((${v%m} * 1048576))) || FL+=(--memory "$v") ;;
		pids=*) [ -z "$ctr" ] || { na "ctr run has no pids limit option"; return; }; FL+=(--pids-limit "$v") ;;
		cpus=*) FL+=(--cpus "$v") ;;
		ro) FL+=(--read-only) ;;
		user=*) [ -z "$ctr" ] || { na "ctr run has no --user option"; return; }; FL+=(--user "$v") ;;
		bind=*)
			if [ -n "$ctr" ]; then
				local src=${v%%:*} rest=${v#*:} m=rw
				local dst=${rest%%:*}
				[ "$rest" = "$dst:ro" ] && m=ro
				FL+=(--mount "type=bind,src=$src,dst=$dst,options=rbind:$m")
			else
				FL+=(-v "$v")
			fi ;;
		nethost) [ -n "$ctr" ] && FL+=(--net-host) || FL=("${FL[@]/#none/host}") ;;
		# ctr has no --pid host: it joins the host's pid namespace by path instead
		pidhost) [ -n "$ctr" ] && FL+=(--with-ns "pid:/proc/$$/ns/pid") || FL+=(--pid host) ;;
		init) [ -z "$ctr" ] || { na "ctr run has no --init option"; return; }; FL+=(--init) ;;
		capdrop=ALL) # ctr wants CAP_ names, has no ALL and drops after adding: drop its defaults but CHOWN
			if [ -n "$ctr" ]; then
				for c in DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP \
					NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE; do FL+=(--cap-drop "CAP_$c"); done
			else
				FL+=(--cap-drop ALL)
			fi ;;
		capadd=*) [ -n "$ctr" ] && FL+=(--cap-add "CAP_$v") || FL+=(--cap-add "$v") ;;
		# ctr mounts no cgroupfs: bind the host's, cg() finds the container's own dir in it
		cgroupfs) [ -z "$ctr" ] || FL+=(--mount "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,options=rbind:ro") ;;
		privileged) FL+=(--privileged) ;;
		*) die "unknown option $o" ;;
		esac
	done
}
runmode() { case $MODE in plain) cap "$@" ;; in) capin "$@" ;; tty) captty "$@" ;; esac; }

# ---------------------------------------------------------------- engine verbs
# Each sets OUT and RC; returns 200 (with NA) when the engine cannot do it.
e_run() { # e_run OPTS... -- CMD...: run in the foreground, removed after
	local o=()
	while [ "$1" != -- ]; do o+=("$1"); shift; done
	shift
	xlate "${o[@]}" || return
	case $E in
	docker) runmode "${D[@]}" run --rm "${FL[@]}" "$IMG" "$@" ;;
	podman) runmode "${P[@]}" run --rm "${FL[@]}" "$IMG" "$@" ;;
	containerd) runmode "${C[@]}" run --rm "${CR[@]}" "${FL[@]}" "$IMG" "r$((++SEQ))" "$@" ;;
	esac
	return 0
}
e_start() { # e_start NAME OPTS... -- CMD...: run detached
	local n=$1 o=()
	shift
	while [ "$1" != -- ]; do o+=("$1"); shift; done
	shift
	xlate "${o[@]}" || return
	case $E in
	docker) cap "${D[@]}" run -d --name "$n" "${FL[@]}" "$IMG" "$@" ;;
	podman) cap "${P[@]}" run -d --name "$n" "${FL[@]}" "$IMG" "$@" ;;
	containerd) cap "${C[@]}" run -d "${CR[@]}" "${FL[@]}" "$IMG" "$n" "$@" ;;
	esac
	[ "$RC" = 0 ] || { WHY="detached run failed ($RC): $(short "$OUT")"; return 1; }
}
e_exec() { # e_exec NAME [-t] CMD...
	local n=$1 t=()
	shift
	[ "$1" = -t ] && { t=(-t); shift; }
	local f=cap
	((${#t[@]})) && f=captty
	case $E in
	docker) $f "${D[@]}" exec "${t[@]}" "$n" "$@" ;;
	podman) $f "${P[@]}" exec "${t[@]}" "$n" "$@" ;;
	containerd) $f "${C[@]}" task exec "${t[@]}" --fifo-dir "$T/c/fifo" --exec-id "x$((++SEQ))" "$n" "$@" ;;
	esac
}
e_verb() { # e_verb pause|resume|kill|rm|top|restart NAME
	local v=$1 n=$2
	case $E:$v in
	docker:resume | podman:resume) v=unpause ;;
	docker:rm) v="rm -f" ;;
	podman:rm) v="rm -f -t 0" ;; # else 10 s of SIGTERM first
	docker:restart | podman:restart) v="restart -t 1" ;;
	containerd:pause | containerd:resume | containerd:kill) v="task $v" ;;
	containerd:top) v="task ps" ;;
	containerd:rm) cap "${C[@]}" task rm -f "$n"; cap "${C[@]}" c rm "$n"; return ;;
	containerd:restart) # ctr has no restart: a new task in the same container, as engines do
		cap "${C[@]}" task kill -s SIGKILL "$n" || return
		wait_status "$n" exited || return
		cap "${C[@]}" task rm "$n" || return
		cap "${C[@]}" task start -d --fifo-dir "$T/c/fifo" "$n"
		return ;;
	esac
	[ "$E:$v" = "containerd:task kill" ] && v="task kill -s SIGKILL"
	case $E in
	docker) cap "${D[@]}" $v "$n" ;;
	podman) cap "${P[@]}" $v "$n" ;;
	containerd) cap "${C[@]}" $v "$n" ;;
	esac
}
e_status() { # e_status NAME: prints created|running|paused|exited
	case $E in
	docker) "${D[@]}" inspect -f '{{.State.Status}}' "$1" ;;
	podman) "${P[@]}" inspect -f '{{.State.Status}}' "$1" ;;
	containerd) "${C[@]}" task ls | awk -v n="$1" '$1 == n { s = tolower($3); print (s == "stopped" ? "exited" : s) }' ;;
	esac 2>/dev/null
}
e_pid() {
	case $E in
	docker) "${D[@]}" inspect -f '{{.State.Pid}}' "$1" ;;
	podman) "${P[@]}" inspect -f '{{.State.Pid}}' "$1" ;;
	containerd) "${C[@]}" task ls | awk -v n="$1" '$1 == n { print $2 }' ;;
	esac 2>/dev/null
}
wait_status() { # wait_status NAME STATUS: up to 10 s
	local i s
	for i in $(seq 50); do
		s=$(e_status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.2
	done
	WHY="status is '$s', want '$2'${OUT:+ (last output: $(short "$OUT" 120))}"
	return 1
}
e_update_mem() { # e_update_mem NAME SIZE: memory limit of a running container
	case $E in
	docker) cap "${D[@]}" update --memory "$2" --memory-swap "$(( ${2%m} * 2 ))m" "$1" ;;
	podman) cap "${P[@]}" update --memory "$2" "$1" ;;
	containerd) na "ctr 1.6 has no task update" ;;
	esac
}

# ---------------------------------------------------------------- scenarios
# Each returns 0 (pass), 200 (n/a, reason in NA) or other (fail, reason in WHY).
# Detached containers are named d<N>; they are removed by the scenario, or by
# stop_engine if it failed half way.
newname() { N=d$((++SEQ)); }

s_exit_code() { e_run -- sh -c 'exit 3' || return; want_rc 3; }
s_stdin() {
	STDIN=$'hello\n'
	e_run -i -- sh -c 'read x; echo "got:$x"' || return # a line, not EOF: ctr does not forward EOF
	want_rc 0 && want_out '^got:hello$'
}
s_no_leaked_fds() { # engines leak fds into the runtime (containerd's shim: fd 3)
	e_run -- sh -c 'ls /proc/1/fd; true' || return
	want_rc 0 || return
	[ "$(tr '\n' ' ' <<<"$OUT")" = "0 1 2 " ] || { WHY="fds of the container's pid 1: $(short "$OUT")"; return 1; }
}
s_dev_nodes() { # no engine lists /dev nodes: the runtime makes them, and allows them in the device cgroup
	e_run -- sh -c 'for d in null zero full random urandom tty; do test -c /dev/$d || echo "no /dev/$d"; done
		echo x >/dev/null && head -c 8 /dev/urandom | wc -c && head -c 3 /dev/zero | wc -c
		mknod /tmp/disk b '"${HOST_DISK/:/ }"' 2>/dev/null && head -c1 /tmp/disk >/dev/null 2>&1 && echo "host disk '"$HOST_DISK"' readable"
		ls -l /dev/ptmx /dev/shm >/dev/null || echo "no ptmx or shm"; true' || return
	want_rc 0 || return
	[ "$(tr '\n' ' ' <<<"$OUT")" = "8 3 " ] || { WHY="unexpected: $(short "$OUT")"; return 1; }
}
s_detached_exec_kill_rm() {
	newname
	e_start "$N" -- sleep 300 || return
	wait_status "$N" running || return
	e_exec "$N" echo hi
	want_rc 0 && want_out '^hi$' || return
	e_exec "$N" sh -c 'exit 5'
	want_rc 5 || { WHY="exec: $WHY"; return 1; }
	e_exec "$N" sh -c 'ls /proc/$$/fd; true'
	[ "$RC" = 0 ] && [ "$(tr '\n' ' ' <<<"$OUT")" = "0 1 2 " ] || { WHY="fds of an exec'd process: $(short "$OUT")"; return 1; }
	e_verb kill "$N"
	want_rc 0 || { WHY="kill: $WHY"; return 1; }
	wait_status "$N" exited || return
	local code
	case $E in
	docker) code=$("${D[@]}" inspect -f '{{.State.ExitCode}}' "$N") ;;
	podman) code=$("${P[@]}" inspect -f '{{.State.ExitCode}}' "$N") ;;
	containerd) code=$("${C[@]}" task rm "$N" 2>&1 | grep -o 'exit code [0-9]*' | grep -o '[0-9]*$') ;;
	esac
	[ "$code" = 137 ] || { WHY="exit code after SIGKILL '$code', want 137"; return 1; }
	e_verb rm "$N"
	want_rc 0 || { WHY="rm: $WHY"; return 1; }
	[ -z "$(e_status "$N")" ] || { WHY="still listed after rm"; return 1; }
}
s_pause_resume() {
	newname
	e_start "$N" -- sleep 300 || return
	e_verb pause "$N"
	want_rc 0 || { WHY="pause: $WHY"; return 1; }
	wait_status "$N" paused || return
	e_verb resume "$N"
	want_rc 0 || { WHY="resume: $WHY"; return 1; }
	wait_status "$N" running || return
	e_exec "$N" echo ok
	want_rc 0 && want_out '^ok$' || { WHY="exec after resume: $WHY"; return 1; }
	e_verb rm "$N"
}
s_ps_top() {
	newname
	e_start "$N" -- sleep 300 || return
	local pid
	pid=$(e_pid "$N")
	e_verb top "$N"
	want_rc 0 || return
	case $E in
	containerd) want_out "^$pid( |$)" ;; # ctr task ps lists host pids
	*) want_out 'sleep 300' ;;
	esac || return
	e_verb rm "$N"
}
s_restart() {
	newname
	e_start "$N" -- sleep 300 || return
	local p1 p2
	p1=$(e_pid "$N")
	e_verb restart "$N"
	want_rc 0 || { WHY="restart: $WHY"; return 1; }
	wait_status "$N" running || return
	p2=$(e_pid "$N")
	[ -n "$p2" ] && [ "$p2" != 0 ] && [ "$p2" != "$p1" ] || { WHY="pid $p1 -> '$p2' after restart"; return 1; }
	e_exec "$N" echo ok
	want_rc 0 && want_out '^ok$' || { WHY="exec after restart: $WHY"; return 1; }
	e_verb rm "$N"
}
s_tty() {
	e_run -t -- sh -c 'tty; test -t 0 && echo stdin-is-tty' || return
	want_rc 0 && want_out '/dev/pts/[0-9]+$' && want_out '^stdin-is-tty$'
}
s_exec_tty() {
	newname
	e_start "$N" -- sleep 300 || return
	e_exec "$N" -t sh -c 'tty; test -t 0 && echo stdin-is-tty'
	want_rc 0 && want_out '/dev/pts/[0-9]+$' && want_out '^stdin-is-tty$' || return
	e_verb rm "$N"
}
s_memory_limit() {
	e_run mem=64m cgroupfs -- sh -c "$CG; cg memory memory.limit_in_bytes" || return
	want_rc 0 && want_out '^67108864$'
}
s_pids_limit() {
	e_run pids=100 cgroupfs -- sh -c "$CG; cg pids pids.max" || return
	want_rc 0 && want_out '^100$'
}
s_cpu_limit() {
	e_run cpus=0.5 cgroupfs -- sh -c "$CG; echo quota=\$(cg cpu cpu.cfs_quota_us) period=\$(cg cpu cpu.cfs_period_us)" || return
	want_rc 0 && want_out '^quota=50000 period=100000$'
}
s_update_running() {
	[ "$E" = containerd ] && { na "ctr 1.6 has no task update"; return; }
	newname
	e_start "$N" mem=64m -- sleep 300 || return
	e_update_mem "$N" 128m || return
	want_rc 0 || { WHY="update: $WHY"; return 1; }
	e_exec "$N" sh -c "$CG; cg memory memory.limit_in_bytes"
	want_rc 0 && want_out '^134217728$' || return
	e_verb rm "$N"
}
s_cap_drop() {
	e_run capdrop=ALL capadd=CHOWN -- grep CapEff /proc/self/status || return
	want_rc 0 && want_out 'CapEff:\s+0000000000000001$'
}
s_read_only() {
	e_run ro -- sh -c 'touch /x 2>/dev/null && echo writable || echo read-only; echo ok >/dev/null && echo dev-ok' || return
	want_rc 0 && want_out '^read-only$' && want_out '^dev-ok$'
}
s_user() {
	local cmd='echo "uid=$(id -u) gid=$(id -g)"; touch /root/x 2>/dev/null && echo root-writable || echo denied'
	if [ "$E" = containerd ]; then # ctr run has no --user, ctr task exec has
		newname
		e_start "$N" -- sleep 300 || return
		cap "${C[@]}" task exec --user 65534:65534 --fifo-dir "$T/c/fifo" --exec-id "x$((++SEQ))" "$N" sh -c "$cmd"
		want_rc 0 && want_out '^uid=65534 gid=65534$' && want_out '^denied$' || { WHY="exec --user: $WHY"; return 1; }
		e_verb rm "$N"
		return
	fi
	e_run user=65534:65534 -- sh -c "$cmd" || return
	want_rc 0 && want_out '^uid=65534 gid=65534$' && want_out '^denied$'
}
s_bind_mounts() {
	rm -f "$T/vol/rw/out"
	e_run "bind=$T/vol/ro:/ro:ro" "bind=$T/vol/rw:/rw" -- \
		sh -c 'cat /ro/f; touch /ro/x 2>/dev/null && echo ro-writable || echo ro-denied; echo written >/rw/out' || return
	want_rc 0 && want_out '^content$' && want_out '^ro-denied$' || return
	[ "$(cat "$T/vol/rw/out" 2>/dev/null)" = written ] || { WHY="file written in /rw not on the host"; return 1; }
}
s_host_network() {
	e_run -- sh -c "awk -F: 'NR > 2 { gsub(/ /, \"\", \$1); print \$1 }' /proc/net/dev | sort | tr '\n' ' '" || return
	want_rc 0 || return
	[ "$OUT" = "lo " ] || { WHY="own network namespace has: $(short "$OUT")"; return 1; }
	e_run nethost -- sh -c "awk -F: 'NR > 2 { gsub(/ /, \"\", \$1); print \$1 }' /proc/net/dev | sort | tr '\n' ' '" || return
	want_rc 0 || return
	[ "$OUT" = "$HOST_IFS" ] || { WHY="host network has '$(short "$OUT")', want '$HOST_IFS'"; return 1; }
}
s_host_pid() {
	e_run pidhost -- sh -c "test -d /proc/$$ && echo sees-host-pid; echo self=\$\$" || return
	want_rc 0 && want_out '^sees-host-pid$' || return
	e_run -- sh -c 'echo self=$$' || return
	want_rc 0 && want_out '^self=1$'
}
s_host_pid_orphans() { # without its own pid namespace the kernel kills nothing when init exits:
	# the engine asks the runtime (kill --all, delete) to kill what is left in the container
	e_run pidhost -- sh -c 'sleep 567 & echo "child=$!"' || return
	want_rc 0 && want_out '^child=[0-9]+$' || return
	local pid i
	pid=$(sed -n 's/^child=//p' <<<"$OUT")
	for i in $(seq 25); do
		grep -qs 'sleep.567' "/proc/$pid/cmdline" || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
	WHY="host pid $pid (sleep 567, started by the container's init) still ran 5 s after the container was removed"
	return 1
}
s_host_pid_stop() { # the same for a detached container that is stopped (podman: kill --all ID 15)
	newname
	e_start "$N" pidhost -- sh -c 'sleep 568 & echo $! >/tmp/child; exec sleep 300' || return
	local pid i
	for i in $(seq 10); do
		e_exec "$N" cat /tmp/child
		[ "$RC" = 0 ] && break
		sleep 0.2
	done
	pid=$OUT
	[[ $pid =~ ^[0-9]+$ ]] || { WHY="no child pid: $(short "$OUT")"; return 1; }
	case $E in
	docker) cap "${D[@]}" stop -t 2 "$N" ;;
	podman) cap "${P[@]}" stop -t 2 "$N" ;;
	containerd) cap "${C[@]}" task kill "$N" ;; # SIGTERM
	esac
	want_rc 0 || { WHY="stop: $WHY"; return 1; }
	wait_status "$N" exited || return
	for i in $(seq 25); do
		grep -qs 'sleep.568' "/proc/$pid/cmdline" || { e_verb rm "$N"; return 0; }
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
	WHY="host pid $pid (sleep 568, started by the container's init) still ran 5 s after the container stopped"
	return 1
}
s_init() {
	e_run init -- sh -c 'cat /proc/1/comm; echo self=$$' || return
	want_rc 0 && want_out '^(docker-init|podman-init|catatonit|tini.*)$' && want_out '^self=[0-9]+$'
}
s_privileged() {
	e_run privileged -- sh -c 'grep CapEff /proc/self/status; test -c /dev/kmsg && echo host-devices' || return
	if [ "$E" = docker ]; then
		# shared/ENGINES.md: fails with every runtime on this machine kind
		if [ "$RC" != 0 ]; then
			na "docker --privileged fails on this machine with every runtime; here too: $(short "$OUT" 110)"
		else
			na "docker --privileged fails with runc on this machine, but passed here"
		fi
		return
	fi
	want_rc 0 && want_out "CapEff:\s+$HOST_CAPBND$" && want_out '^host-devices$'
}

SCENARIOS=(exit_code stdin no_leaked_fds dev_nodes detached_exec_kill_rm pause_resume ps_top restart tty exec_tty
	memory_limit pids_limit cpu_limit update_running cap_drop read_only user bind_mounts host_network
	host_pid host_pid_orphans host_pid_stop init privileged)

bad_calls() { # bad_calls LINE: the shim's records after LINE of calls that exited non-zero
	tail -n +$(($1 + 1)) "$CALLS" | awk '
		/^== / { n++; if ($0 !~ / rc=0 /) bad[n] = 1 }
		n { r[n] = r[n] $0 "\n" }
		END { for (i = 1; i <= n; i++) if (bad[i]) printf "%s", r[i] }'
}

scenario() { # scenario NAME: runs s_NAME on engine $E and records the result
	local name=$1 mark rc t0 res
	[[ $name =~ $ONLY ]] || [[ $name =~ ^(leftovers|no_failed_calls)$ ]] || return 0
	mark=$(wc -l <"$CALLS")
	WHY= NA= OUT= RC=
	t0=$SECONDS
	"s_$name"
	rc=$?
	case $rc in
	0) res=PASS ;;
	200) res=n/a ;;
	*) res=FAIL ;;
	esac
	RES[$E/$name]=$res
	NOTE[$E/$name]=${NA:-$WHY}
	printf '  %-10s %-22s %-4s %3ss %s\n' "$E" "$name" "$res" $((SECONDS - t0)) "$(short "${NA:-$WHY}" 100)"
	if [ "$res" = FAIL ]; then
		{
			echo "---- $E / $name: $WHY"
			if [ "$name" = no_failed_calls ]; then
				cat "$T/quiet.$E"
			else
				echo "runtime calls during the scenario that failed (or the last 2):"
				bad_calls "$mark" >"$T/scen.calls"
				if [ -s "$T/scen.calls" ]; then cat "$T/scen.calls"
				elif [ "$(wc -l <"$CALLS")" = "$mark" ]; then echo "(none)"
				else tail -n +$((mark + 1)) "$CALLS" | awk '/^== / { n++ } n { r[n] = r[n] $0 "\n" }
					END { for (i = (n > 1 ? n - 1 : 1); i <= n; i++) printf "%s", r[i] }'
				fi
			fi
		} >>"$FAILS"
	elif [ "$name" != privileged ]; then
		# calls that failed though the scenario passed: the engine hid an error
		bad_calls "$mark" | sed "1s/^/(during $name)\n/" >>"$T/quiet.$E"
	fi
	# a failed scenario may leave its detached container: remove it now
	[ "$res" != PASS ] && [ -n "${N:-}" ] && [ -n "$(e_status "$N")" ] && e_verb rm "$N" >/dev/null 2>&1
	N=
}

s_leftovers() { # after the engine removed everything: runtime state and cgroups it left
	local what=() d
	case $E in
	containerd) d=$T/c/rt/he ;;
	docker) d=$T/d/exec/runtime-runc/moby ;;
	podman) d=$RTROOT ;;
	esac
	if [ -d "$d" ]; then
		local s
		for s in "$d"/*; do
			[ -e "$s" ] || continue
			# podman shares the runtime's default root: only its 64-hex ids are counted
			[ "$E" != podman ] || [[ $(basename "$s") =~ ^[0-9a-f]{64}$ ]] || continue
			[ "$E" != podman ] || ! grep -qxF "$(basename "$s")" "$T/p/before" || continue
			what+=("state $s")
		done
	fi
	local parent
	case $E in containerd) parent=he ;; docker) parent=docker ;; podman) parent=libpod_parent ;; esac
	for d in /sys/fs/cgroup/*/"$parent"/* /sys/fs/cgroup/"$parent"/*; do
		[ -d "$d" ] && [ "${d##*/}" != conmon ] && what+=("cgroup $d") # conmon's is podman's own
	done
	((${#what[@]} == 0)) || { WHY="left behind: $(short "${what[*]}" 300)"; return 1; }
}

s_no_failed_calls() { # every runtime call of a passed scenario and of the cleanup exited 0
	[ -s "$T/quiet.$E" ] || return 0
	local n
	n=$(grep -c '^== ' "$T/quiet.$E")
	WHY="$n runtime call(s) failed though the engine went on, first: $(grep -m1 -A1 '^== ' "$T/quiet.$E" | sed -n 's/^   argv: //p' | sed -E 's/ --(root|log) [^ ]+//g; s/ --log=[^ ]+//; s/ --log-format[= ]json//' | cut -c1-160)"
	return 1
}

# ---------------------------------------------------------------- engines
# Each start_* sets the client command and IMG, starts the daemon, loads the image.
start_containerd() {
	local c=$T/c
	mkdir -p "$c/fifo"
	cat >"$c/config.toml" <<-EOF
		version = 2
		root = "$c/root"
		state = "$c/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$c/sock"
		[ttrpc]
		  address = "$c/sock.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$c/opt"
	EOF
	setsid containerd --config "$c/config.toml" </dev/null >"$c/log" 2>&1 &
	DPID[containerd]=$!
	C=(ctr -a "$c/sock" -n he)
	CR=(--runc-binary "$SHIM" --runc-root "$c/rt" --fifo-dir "$c/fifo")
	IMG=docker.io/hulltest/busybox:latest
	local i
	for i in $(seq 50); do "${C[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
	cap "${C[@]}" images import "$T/img/busybox.tar"
}
start_podman() {
	local p=$T/p
	mkdir -p "$p/hooks" "$p/net"
	# rlimits: podman asks for nofile 1048576 and nproc up to 32768, which this
	# machine kind refuses without CAP_SYS_RESOURCE (with runc too)
	cat >"$p/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
		netns = "none"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		runtime_supports_json = ["crun", "runc", "$RTNAME"]
		init_path = "/usr/bin/catatonit"
		hooks_dir = ["$p/hooks"]
		[network]
		network_config_dir = "$p/net"
	EOF
	cat >"$p/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$p/root"
		runroot = "$p/run"
	EOF
	: >"$p/registries.conf"
	P=(env "CONTAINERS_CONF=$p/containers.conf" "CONTAINERS_STORAGE_CONF=$p/storage.conf"
		"CONTAINERS_REGISTRIES_CONF=$p/registries.conf" podman --root "$p/root" --runroot "$p/run" --tmpdir "$p/tmp" --runtime "$SHIM")
	IMG=localhost/hulltest/busybox:latest
	ls "$RTROOT" 2>/dev/null >"$p/before"
	cap "${P[@]}" load -i "$T/img/busybox.tar"
}
start_docker() {
	local d=$T/d name=$RTNAME
	[ "$name" = runc ] && name=runc-logged # "runc" is docker's own, reserved
	mkdir -p "$d/cli"
	echo '{}' >"$d/daemon.json" # not /etc/docker/daemon.json
	setsid dockerd --config-file "$d/daemon.json" -H "unix://$d/sock" --data-root "$d/root" \
		--exec-root "$d/exec" --pidfile "$d/pid" --bridge=none --iptables=false --ip-masq=false \
		--userland-proxy=false --add-runtime "$name=$SHIM" --default-runtime "$name" \
		</dev/null >"$d/log" 2>&1 &
	DPID[docker]=$!
	D=(env "DOCKER_CONFIG=$d/cli" "$DOCKER" -H "unix://$d/sock")
	IMG=hulltest/busybox:latest
	local i
	for i in $(seq 100); do "${D[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
	cap "${D[@]}" load -i "$T/img/busybox.tar"
}

# ---------------------------------------------------------------- main
echo "engines: runtime $RUNTIME, work dir $T"
"$here/mkimage.sh" "$T/img" || die "could not build the image"
for E in "${ENGS[@]}"; do
	t0=$SECONDS
	echo "engines: $E"
	"start_$E"
	if [ "$RC" != 0 ]; then
		for s in "${SCENARIOS[@]}" leftovers no_failed_calls; do
			RES[$E/$s]=FAIL NOTE[$E/$s]="engine did not start or load the image: $(short "$OUT" 150)"
		done
		echo "---- $E: did not start or load the image: $OUT" >>"$FAILS"
		stop_engine "$E"
		continue
	fi
	for s in "${SCENARIOS[@]}"; do scenario "$s"; done
	mark=$(wc -l <"$CALLS")
	stop_engine "$E" # removes the containers first: leftovers are what the runtime left
	bad_calls "$mark" | sed "1s/^/(while the engine removed its containers)\n/" >>"$T/quiet.$E"
	scenario leftovers
	scenario no_failed_calls
	echo "engines: $E done in $((SECONDS - t0))s"
done

# ---------------------------------------------------------------- report
pass=0 fail=0 skip=0
echo
printf '%-22s' "scenario ($RTNAME)"
for E in "${ENGS[@]}"; do printf ' %-10s' "$E"; done
echo
for s in "${SCENARIOS[@]}" leftovers no_failed_calls; do
	[[ $s =~ $ONLY ]] || [[ $s =~ ^(leftovers|no_failed_calls)$ ]] || continue
	printf '%-22s' "$s"
	for E in "${ENGS[@]}"; do
		r=${RES[$E/$s]:--}
		printf ' %-10s' "$r"
		case $r in PASS) ((pass++)) ;; FAIL) ((fail++)) ;; n/a) ((skip++)) ;; esac
	done
	echo
done
echo
for E in "${ENGS[@]}"; do
	for s in "${SCENARIOS[@]}" leftovers no_failed_calls; do
		case ${RES[$E/$s]:-} in
		n/a) echo "n/a   $E/$s: ${NOTE[$E/$s]}" ;;
		FAIL) echo "FAIL  $E/$s: $(short "${NOTE[$E/$s]}" 300)" ;;
		esac
	done
done
if [ -s "$FAILS" ]; then
	echo
	echo "==== failure details (runtime calls as the logging shim saw them)"
	cut -c1-2000 "$FAILS"
fi
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
