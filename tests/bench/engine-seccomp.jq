# tests/bench/engine-seccomp.jq: podman's default seccomp profile
# (containers-common's seccomp.json) as the OCI linux.seccomp object an engine
# sends for an unprivileged amd64 container with the default capabilities:
# rules that need a capability are left out and the ones for processes
# without one are kept, close to what podman sends (its rule list differs by
# a few entries for the capabilities it grants by default).
{
  defaultAction, defaultErrnoRet,
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [.syscalls[]
    | select((.includes.caps // []) == [])
    | select((.includes.arches // []) == [] or ((.includes.arches // []) | index("amd64")))
    | {names, action} + (if .args then {args} else {} end) + (if .errnoRet then {errnoRet} else {} end)]
}
