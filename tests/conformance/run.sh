#!/usr/bin/env bash
# Run the OCI runtime-tools validation programs against $RUNTIME.
# Usage: RUNTIME=/abs/path/to/runtime run.sh [PROGRAM...]
# Env: RUNTIME (default <repo>/hull), HULL_CACHE (default <repo>/.cache),
#      TIMEOUT per program in seconds (default 120),
#      EXPECTED (known-exceptions file, default expected-failures.txt here).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export HULL_CACHE=${HULL_CACHE:-$ROOT/.cache}
RUNTIME=${RUNTIME:-$ROOT/hull}
TIMEOUT=${TIMEOUT:-120}
EXPECTED=${EXPECTED:-$HERE/expected-failures.txt}
# Programs that pass by exiting 0 without printing anything.
SILENT_OK=" process_capabilities_fail process_rlimits_fail "

[[ $RUNTIME == /* && -x $RUNTIME ]] || { echo "run.sh: RUNTIME=$RUNTIME is not an absolute path to an executable" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run.sh: must run as root" >&2; exit 2; }
# Runs share the suite's fixed cgroup names (/cgrouptest, testdir/...): one at a time per machine.
exec 9>/run/lock/hull-conformance.lock
flock -n 9 || { echo "run.sh: waiting for another conformance run to finish" >&2; flock 9; }
SUITE=$("$HERE/build.sh")
NAME=$(basename "$RUNTIME")
LOGS=$HULL_CACHE/conformance-logs/$NAME
mkdir -p "$LOGS"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/hull-conformance.XXXXXX")
trap 'rm -rf --one-file-system "$SCRATCH"' EXIT
chmod 755 "$SCRATCH" # like /tmp: a user-namespaced container root must reach its bundle

if [[ $# -eq 0 ]]; then
	for f in "$SUITE"/validation/*/*.t; do set -- "$@" "$(basename "$f" .t)"; done
fi
if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	echo "run.sh: warning: hugetlb is bound to cgroup2 (crun refuses to run); fix with:" >&2
	echo "  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb" >&2
fi

# Root and own-cgroup directory of every mounted cgroup hierarchy (v1 and v2).
cgroup_bases() {
	local _id ctrls path
	while IFS=: read -r _id ctrls path; do
		awk -v c="$ctrls" -v p="$path" '{
			for (i = 7; $i != "-"; i++) ;
			if ((c == "") != ($(i + 1) == "cgroup2") || ($(i + 1) != "cgroup" && $(i + 1) != "cgroup2")) next
			n = split($(i + 3), o, ","); delete have; for (k = 1; k <= n; k++) have[o[k]] = 1
			m = split(c, w, ","); for (k = 1; k <= m; k++) if (!(w[k] in have)) next
			if (index(p, $4) == 1) p = substr(p, length($4) + 1)
			d = $5 "/" p; gsub(/\/+/, "/", d); sub(/\/$/, "", d); print $5; print d; exit }' /proc/self/mountinfo
	done </proc/self/cgroup | sort -u
}
# Cgroups the suite may create (cgroups.RelCgroupPath/AbsCgroupPath); runtimes resolve
# relative paths against their own cgroup (runc) or the hierarchy root (crun on v1).
suite_cgroups() {
	local d
	for d in $(cgroup_bases); do
		# Other users' cgroups may vanish while we look: ignore find's complaints.
		find "$d" -mindepth 1 -maxdepth 1 -type d \( -name testdir -o -name cgrouptest \) -print0 2>/dev/null |
			xargs -0r -I{} find {} -type d 2>/dev/null || true
	done | sort
}
# Delete containers left behind whose bundle lives in our scratch dir.
reap_containers() {
	local id
	for id in $("$RUNTIME" list -q 2>/dev/null); do
		if "$RUNTIME" state "$id" 2>/dev/null | grep -q "\"bundle\": *\"$SCRATCH/"; then
			"$RUNTIME" delete -f "$id" >/dev/null 2>&1 || true
			echo "$id"
		fi
	done
}

# expected <program> <not-ok numbers...>: succeeds if the failure is a known exception.
expected() {
	local prog=$1 n entries
	shift
	[[ -f $EXPECTED ]] || return 1
	entries=$(awk -v p="$prog" -v r="$NAME" '/^[^#[:space:]]/ {
		split($1, a, "#"); if (a[1] != p) next
		n = split($2, rt, ","); for (k = 1; k <= n; k++) if (rt[k] == "*" || rt[k] == r) {
			if (a[2] == "") print "all"; else { m = split(a[2], num, ","); for (j = 1; j <= m; j++) print num[j] }
			break } }' "$EXPECTED")
	[[ -n $entries ]] || return 1
	grep -qx all <<<"$entries" && return 0
	[[ $# -gt 0 ]] || return 1 # assertion-level entries cover only not-ok assertions
	for n in "$@"; do grep -qx "$n" <<<"$entries" || return 1; done
}

# Programs with a race of their own: killsig signals the container as soon as
# `state` says running, and a signal that reaches the shell before its `trap`
# is set is dropped (the default action is ignored for a PID namespace's
# init), so the container runs on for its `sleep 10` and the program times
# out; on a loaded machine the shell is late often enough to fail a run. An
# unexpected failure of one of these is run once more and said so.
RACY=" killsig "

# attempt PROG: runs one program, cleans up after it and sets ok nok skip,
# verdict (PASS, EXPECTED-FAIL or FAIL) and notes.
attempt() {
	local prog=$1
	bin=$SUITE/validation/$prog/$prog.t
	[[ -x $bin ]] || { echo "run.sh: no such program: $prog" >&2; exit 2; }
	tap=$LOGS/$prog.tap err=$LOGS/$prog.stderr tmp=$SCRATCH/$prog
	mkdir -p "$tmp"
	cg_before=$(suite_cgroups) mnt_before=$(cat /proc/self/mountinfo)
	rc=0
	(cd "$SUITE" && RUNTIME=$RUNTIME TMPDIR=$tmp timeout -k 10 "$TIMEOUT" "$bin" </dev/null >"$tap" 2>"$err" 9>&-) || rc=$?

	notes=()
	leaked=$(reap_containers)
	[[ -z $leaked ]] || notes+=("deleted $(wc -w <<<"$leaked") leftover container(s)")
	# Host mount namespace: new mounts inside our bundles (e.g. linux_ns_itype runs without a
	# mount namespace) and changed pre-existing mounts. Other new mounts are other users'.
	new_mnts=$(awk -v s="$tmp/" 'NR == FNR { b[$1 " " $5] = $0; next }
		($1 " " $5 in b) ? b[$1 " " $5] != $0 : index($5, s) == 1' <(echo "$mnt_before") /proc/self/mountinfo)
	if [[ -n $new_mnts ]]; then
		echo "$new_mnts" >"$LOGS/$prog.mounts"
		n=$(awk -v s="$tmp/" 'index($5, s) == 1' <<<"$new_mnts" | wc -l)
		((n == 0)) || notes+=("$n mount(s) leaked into the host namespace (unmounted), see $prog.mounts")
		((n == $(wc -l <<<"$new_mnts"))) || notes+=("$(($(wc -l <<<"$new_mnts") - n)) host mount(s) changed, see $prog.mounts")
		awk -v s="$tmp/" 'index($5, s) == 1 { print $5 }' <<<"$new_mnts" | sort -r | xargs -r -n1 umount -l || true
	fi
	removed=0
	for d in $(comm -13 <(echo "$cg_before") <(suite_cgroups) | sort -r); do
		[[ $(basename "$d") != process_api ]] || continue
		for _ in 1 2 3 4 5; do rmdir "$d" 2>/dev/null && break; sleep 1; done # tasks may still be exiting
		if [[ -d $d ]]; then
			notes+=("cgroup left: $d")
		else
			removed=$((removed + 1))
		fi
	done
	((removed == 0)) || notes+=("removed $removed leftover cgroup dir(s)")
	rm -rf --one-file-system "$tmp"

	# Some programs print several TAP streams (header, assertions, plan) one after another.
	# A stream whose plan is 1..0 fails if it carries a YAML diagnostic with an "error" key.
	read -r ok nok skip plans bad orphan nums < <(awk '
		function close_stream() {
			if (open && (expect == "" || cnt != expect)) bad++
			if (expect == 0 && errs) orphan++
			open = cnt = errs = 0; expect = ""
		}
		/^TAP version/ { close_stream(); open = 1 }
		/^(not )?ok [0-9]+/ { open = 1; cnt++ }
		/^ok [0-9]+/ { if (toupper($0) ~ /# SKIP/) skip++; else ok++ }
		/^not ok [0-9]+/ { nok++; nums = nums " " $3 }
		/^1\.\.[0-9]+/ { open = 1; plans++; expect = substr($1, 4) + 0 }
		/^  ---$/ { y = 1 } /^  \.\.\.$/ { y = 0 }
		y && /^(    "error":|  error:)/ { errs++ }
		END { close_stream(); printf "%d %d %d %d %d %d%s\n", ok, nok, skip, plans, bad, orphan, nums }' "$tap")
	read -ra nums <<<"${nums:-}"
	why=()
	if ((rc == 124 || rc == 137)); then
		why+=("timeout after ${TIMEOUT}s")
	elif ((rc > 128)); then
		why+=("killed by signal $((rc - 128))")
	elif ((rc != 0)); then
		why+=("exit $rc")
	fi
	if ((plans == 0)); then
		[[ $rc == 0 && ! -s $tap && $SILENT_OK == *" $prog "* ]] || why+=("no TAP plan")
	elif ((bad > 0)); then
		why+=("$bad TAP stream(s) with missing plan or wrong assertion count")
	fi
	((nok == 0)) || why+=("not ok ${nums[*]/#/#}")
	((orphan == 0)) || why+=("error diagnostic under 1..0: $(grep -m1 -o '"error": ".\{0,60\}' "$tap" | cut -c11-)")
	if [[ ${#why[@]} -eq 0 ]]; then
		verdict=PASS
		! expected "$prog" || notes+=("listed in $(basename "$EXPECTED") but passed")
	else
		# Assertion-level entries only excuse runs whose sole problem is not-ok assertions.
		((${#why[@]} == 1 && nok > 0)) || nums=()
		if expected "$prog" "${nums[@]}"; then
			verdict=EXPECTED-FAIL
		else
			verdict=FAIL
		fi
		notes=("${why[@]}" "${notes[@]}")
	fi
}

printf '%-32s %5s %6s %5s %5s  %-13s %s\n' PROGRAM OK NOT-OK SKIP SECS VERDICT NOTE
pass=0 fail=0 xfail=0 tok=0 tnok=0 tskip=0 start=$SECONDS
for prog in "$@"; do
	t0=$SECONDS
	rm -f "$LOGS/$prog".first.*
	attempt "$prog"
	if [[ $verdict == FAIL && $RACY == *" $prog "* ]]; then
		first=$(IFS=';'; echo "${notes[*]}")
		for f in "$LOGS/$prog".{tap,stderr,mounts}; do
			[[ ! -e $f ]] || mv "$f" "$LOGS/$prog.first.${f##*.}"
		done
		attempt "$prog"
		notes+=("second run, the first failed: $first (see $prog.first.*)")
	fi
	case $verdict in
	PASS) pass=$((pass + 1)) ;;
	EXPECTED-FAIL) fail=$((fail + 1)) xfail=$((xfail + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	tok=$((tok + ok)) tnok=$((tnok + nok)) tskip=$((tskip + skip))
	note=$(IFS=';'; echo "${notes[*]}")
	printf '%-32s %5d %6d %5d %5d  %-13s %s\n' "$prog" "$ok" "$nok" "$skip" $((SECONDS - t0)) "$verdict" "${note//;/; }"
done
echo "runtime: $RUNTIME, logs: $LOGS, $((SECONDS - start))s"
echo "assertions: $tok ok, $tnok not ok, $tskip skipped"
echo "$xfail of the failures are known exceptions, $((fail - xfail)) unexpected"
echo "$pass passed, $fail failed"
((fail == xfail))
