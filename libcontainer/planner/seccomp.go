package planner

import "github.com/hull-oci/hull/internal/protocol"

// Seccomp is a filter compiled by the parent (libcontainer/seccomp).
type Seccomp struct {
	BPF   []byte // struct sock_filter array
	Flags uint64 // SECCOMP_FILTER_FLAG_*
	// AgentFd is the fd (in the init) of the connection to linux.seccomp.listenerPath
	// that receives the listener fd of a filter with SCMP_ACT_NOTIFY rules; 0 for none.
	AgentFd int
}

// agentState fetches, while the init socket is still open, the process
// state the seccomp agent receives with the listener fd.
func (c *compiler) agentState() error {
	if c.seccomp != nil && c.seccomp.AgentFd != 0 {
		c.plan.Add("linux.seccomp.listenerPath: get the state for the seccomp agent", protocol.OpSync,
			[]uint64{uint64(protocol.SyncSeccomp)})
	}
	return nil
}

// seccompEarly loads the filter before the user switch when the process may
// gain privileges: without no_new_privs the kernel wants CAP_SYS_ADMIN to
// load a filter, and the capabilities set next may drop it (as in runc).
func (c *compiler) seccompEarly() error {
	if c.seccomp != nil && !c.proc.NoNewPrivileges {
		c.addSeccomp()
	}
	return nil
}

// seccompLate loads the filter as the very last step before execve, so the
// filter never constrains hull's own setup: only execve runs under it.
func (c *compiler) seccompLate() error {
	if c.seccomp != nil && c.proc.NoNewPrivileges {
		c.addSeccomp()
	}
	return nil
}

// addSeccomp marks hull's fds close-on-exec first: profiles that predate
// close_range(2) deny it, and nothing after the filter may need it.
func (c *compiler) addSeccomp() {
	c.plan.Add("close hull's fds before the seccomp filter", protocol.OpCloseFds, []uint64{uint64(c.in.FirstPrivateFd)})
	c.fdsClosed = true
	c.plan.Add("linux.seccomp: load the filter", protocol.OpSeccomp, []uint64{c.seccomp.Flags, uint64(c.seccomp.AgentFd)}, string(c.seccomp.BPF))
}
