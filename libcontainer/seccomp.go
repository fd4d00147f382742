package libcontainer

import (
	"github.com/hull-oci/hull/libcontainer/planner"
	"github.com/hull-oci/hull/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccompCache keeps compiled filters: libseccomp needs ~20 ms of CPU for an
// engine's default profile, and every container of an engine has the same.
// It lives outside any --root, so `list` never sees it.
var seccompCache = &seccomp.Cache{Dir: "/run/hull-cache/seccomp"}

// compileSeccomp turns linux.seccomp into the filter the init loads.
func compileSeccomp(l *specs.Linux) (*planner.Seccomp, error) {
	if l == nil || l.Seccomp == nil {
		return nil, nil
	}
	p, err := seccompCache.Compile(l.Seccomp)
	if err != nil {
		return nil, configErr(err)
	}
	if p == nil {
		return nil, nil
	}
	if p.Notify {
		return nil, configErr(errNotifyUnsupported)
	}
	return &planner.Seccomp{BPF: p.BPF, Flags: p.Flags}, nil
}
