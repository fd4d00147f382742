package planner

import (
	"fmt"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecInput describes a process to start inside a running container.
type ExecInput struct {
	// Spec is the container's config with Process replaced by the process to run.
	Spec *specs.Spec
	// Rootfs is the host path of the container's rootfs (HOME lookup).
	Rootfs string
	// InitPid is the container init, whose namespaces are joined.
	InitPid int
	// RootFd is the fd, in the new process, of /proc/<InitPid>/root, opened
	// by the parent: once in the container's mount namespace that path is gone.
	RootFd int
	// FirstPrivateFd is the first fd not handed to the process (3 + --preserve-fds).
	FirstPrivateFd int
	// ConsoleFd receives the pty master when Process.Terminal is set.
	ConsoleFd int
	// Seccomp is the compiled filter of the container (or of the process), nil for none.
	Seccomp *Seccomp
}

// CompileExec plans a process joining every namespace of a running container:
// the same executor as the init, without rootfs setup and without waiting for start.
func CompileExec(in *ExecInput) (*Result, error) {
	c, err := newCompiler(&Input{
		Spec: in.Spec, Rootfs: in.Rootfs, FirstPrivateFd: in.FirstPrivateFd,
		FifoFd: in.FirstPrivateFd, ConsoleFd: in.ConsoleFd, NoNewKeyring: true, Seccomp: in.Seccomp,
	})
	if err != nil {
		return nil, err
	}
	c.execIn = in
	steps := []func() error{
		func() error { return c.cpuAffinity(false) },
		c.joinContainer,
		c.forkIntoPidNamespace,
		c.agentState,
		c.enterRoot,
		c.execConsole,
		c.rlimits,
		c.processAttrs,
		c.chdir,
		c.execLabels,
		c.seccompEarly,
		c.umask,
		c.dropBounding,
		c.setUser,
		c.capabilities,
		c.noNewPrivs,
		c.findExec,
		c.ready,
		func() error { return c.cpuAffinity(true) },
		c.seccompLate,
		c.exec,
	}
	return c.run(steps)
}

// joinContainer joins each namespace the container has, through its init.
func (c *compiler) joinContainer() error {
	for _, t := range setnsOrder {
		if !c.ns.has(t) {
			continue
		}
		path := fmt.Sprintf("/proc/%d/ns/%s", c.execIn.InitPid, nsProcName(t))
		c.plan.Add(fmt.Sprintf("join the container's %s namespace", t), protocol.OpSetns, []uint64{nsCloneFlag[t]}, path)
	}
	return nil
}

// nsProcName is the name of a namespace under /proc/<pid>/ns.
func nsProcName(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	default:
		return string(t)
	}
}

// forkIntoPidNamespace forks once: a joined pid (or time) namespace only
// applies to children.
func (c *compiler) forkIntoPidNamespace() error {
	c.plan.Add("fork into the container's pid namespace", protocol.OpClone, []uint64{0, 0}, "", "")
	return nil
}

func (c *compiler) enterRoot() error {
	c.plan.Add("enter the container's root", protocol.OpEnterRoot, []uint64{uint64(c.execIn.RootFd)})
	return nil
}

// execConsole gives a terminal process its own session and pty.
func (c *compiler) execConsole() error {
	if c.proc.Terminal {
		c.plan.Add("setsid", protocol.OpSetsid, nil)
		c.console()
	}
	return nil
}

func (c *compiler) ready() error {
	c.plan.Add("report the process ready", protocol.OpReady, nil)
	return nil
}
