#!/bin/bash
# Logging shim that the engines call instead of the runtime: run.sh copies it
# to <tmp>/bin/<runtime name>, with @REAL@ and @CALLS@ filled in. Each call
# appends one record to @CALLS@: time, duration, exit code, caller, argv, the
# stderr of the call and the lines the call added to its --log file.
#
# stderr is captured only for calls that start no container process: create,
# run and exec hand their stdio to the container, so for them it is left alone
# (the --log file says why they failed).
#
# Only bash builtins besides the runtime itself: a fork costs ~30 ms on this
# machine kind and engines make several runtime calls per container.
real=@REAL@
calls=@CALLS@

logf= sub= prev=
for a in "$@"; do
	[ "$prev" = --log ] && logf=$a
	if [ -z "$sub" ]; then
		case $a in
		--log=*) logf=${a#--log=} ;;
		-*) ;;
		*) case $prev in --root | --log | --log-format | --criu | --rootless) ;; *) sub=$a ;; esac ;;
		esac
	fi
	prev=$a
done

before=()
[ -n "$logf" ] && [ -f "$logf" ] && mapfile -t before <"$logf"
start=$EPOCHREALTIME
errf=
case $sub in
create | run | exec) "$real" "$@"; rc=$? ;;
*)
	errf=$calls.err.$$
	"$real" "$@" 2>"$errf"
	rc=$?
	;;
esac
end=$EPOCHREALTIME
err=()
if [ -n "$errf" ]; then
	mapfile -t err <"$errf"
	((${#err[@]})) && printf '%s\n' "${err[@]}" >&2
	: >"$errf"
fi

caller=
[ -r /proc/$PPID/cmdline ] && { read -r -d '' caller </proc/$PPID/cmdline; caller=${caller##*/}; }
s=${start/./} e=${end/./}
printf -v rec '== %(%T)T %d.%03ds rc=%d pid=%d caller=%s\n' -1 $(((e - s) / 1000000)) $(((e - s) / 1000 % 1000)) "$rc" $$ "$caller"
printf -v argv '%q ' "$real" "$@"
rec+="   argv: $argv"$'\n'
for l in "${err[@]}"; do rec+="   stderr: $l"$'\n'; done
if [ -n "$logf" ] && [ -f "$logf" ]; then
	mapfile -t after <"$logf"
	for l in "${after[@]:${#before[@]}}"; do rec+="   log: $l"$'\n'; done
fi
printf '%s' "$rec" >>"$calls"
exit $rc
