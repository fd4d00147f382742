package libcontainer

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hull-oci/hull/internal/unixsock"
	"github.com/hull-oci/hull/libcontainer/planner"
	"github.com/hull-oci/hull/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccompCache keeps compiled filters: libseccomp needs ~20 ms of CPU for an
// engine's default profile, and every container of an engine has the same.
// It lives outside any --root, so `list` never sees it.
var seccompCache = &seccomp.Cache{Dir: "/run/hull-cache/seccomp"}

// compileSeccomp turns linux.seccomp into the filter the init loads. A
// filter with SCMP_ACT_NOTIFY rules also gets a connection to the agent at
// listenerPath, passed to the init as agentFd.
func compileSeccomp(l *specs.Linux, agentFd int) (*planner.Seccomp, *os.File, error) {
	if l == nil || l.Seccomp == nil {
		return nil, nil, nil
	}
	p, err := seccompCache.Compile(l.Seccomp)
	if err != nil {
		return nil, nil, configErr(err)
	}
	if p == nil {
		return nil, nil, nil
	}
	filter := &planner.Seccomp{BPF: p.BPF, Flags: p.Flags}
	if !p.Notify {
		return filter, nil, nil
	}
	agent, err := unixsock.Dial(l.Seccomp.ListenerPath)
	if err != nil {
		return nil, nil, configErr(fmt.Errorf("linux.seccomp.listenerPath: %w", err))
	}
	filter.AgentFd = agentFd
	return filter, agent, nil
}

// agentState is what the seccomp agent receives with the listener fd.
func (c *Container) agentState(status Status) []byte {
	spec, _ := c.Config()
	st := c.OCIState()
	st.Status = specs.ContainerState(status)
	st.Pid = c.State.Pid
	ps := specs.ContainerProcessState{
		Version: specs.Version, Fds: []string{specs.SeccompFdName}, Pid: c.State.Pid, State: st.State,
	}
	if spec != nil && spec.Linux != nil && spec.Linux.Seccomp != nil {
		ps.Metadata = spec.Linux.Seccomp.ListenerMetadata
	}
	b, _ := json.Marshal(ps)
	return b
}
