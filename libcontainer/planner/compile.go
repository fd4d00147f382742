// Package planner compiles a validated OCI spec into the flat plan of ops
// that the C init stage (nsenter/) executes with raw syscalls before it
// execs the container process.
//
// The Go side decides everything that can be decided ahead of time (which
// namespaces, which mount flags, which devices, which capability masks, the
// final environment) so that the C side stays a dumb, auditable executor.
// Every op carries a description naming the config field it came from: when
// the init fails at op i, the user sees "<desc>: <errno text>".
package planner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CgroupHierarchy is one cgroup hierarchy that a "cgroup" mount expands into.
type CgroupHierarchy struct {
	// Dir is the directory name under the mount destination, e.g. "cpu,cpuacct",
	// "memory", "systemd", "unified"; "" on a pure cgroup v2 host.
	Dir string
	// FSType is "cgroup" or "cgroup2".
	FSType string
	// Data is the mount data for a fresh mount inside a cgroup namespace:
	// "cpu,cpuacct", "none,name=systemd", "" for cgroup2.
	Data string
	// HostPath is the container's cgroup directory on the host, bind-mounted
	// when the container has no cgroup namespace.
	HostPath string
	// Links are extra symlink names pointing at Dir, for co-mounted
	// controllers ("cpu" and "cpuacct" -> "cpu,cpuacct").
	Links []string
}

// Input is everything Compile needs: the validated spec and what the caller
// decided about the host side of the container.
type Input struct {
	// Spec is the container's config, already validated by specconv.
	Spec *specs.Spec
	// Bundle is the absolute bundle directory; relative bind sources are relative to it.
	Bundle string
	// Rootfs is the absolute rootfs path with symlinks resolved.
	Rootfs string
	// NoPivot switches root with chroot instead of pivot_root (--no-pivot).
	NoPivot bool
	// ID is the container id; the session keyring is named after it.
	ID string
	// NoNewKeyring keeps the caller's session keyring (--no-new-keyring).
	NoNewKeyring bool
	// Seccomp is the compiled linux.seccomp filter, nil for none.
	Seccomp *Seccomp
	// ConsoleFd is the fd number, in the init, of the console socket that
	// receives the pty master when process.terminal is set; 0 when none.
	ConsoleFd int
	// FifoFd is the fd number, in the init, of the exec fifo (opened O_RDWR by the parent).
	FifoFd int
	// FirstPrivateFd is the first fd not handed to the container (3 + --preserve-fds);
	// every fd from it up is closed at exec.
	FirstPrivateFd int
	// CreateHooks says prestart or createRuntime hooks exist: the init stops
	// for them after the mounts, before the root switch.
	CreateHooks bool
	// Cgroups is what a "cgroup" mount expands into: several hierarchies on
	// cgroup v1, one with FSType "cgroup2" on v2.
	Cgroups []CgroupHierarchy

	// findMount returns the mount point containing a path; nil means
	// mountinfo of the current process. Tests replace it.
	findMount func(path string) (string, error)
}

// Result is a compiled plan and what the caller should tell the user about it.
type Result struct {
	// Plan is the ordered list of ops for the init.
	Plan *protocol.Plan
	// Warnings are parts of the config that were ignored, and why.
	Warnings []string
}

// compiler carries the state shared by the compilation steps.
type compiler struct {
	in        *Input
	spec      *specs.Spec
	linux     *specs.Linux // never nil
	proc      *specs.Process
	ns        namespaces
	plan      *protocol.Plan
	warnings  []string
	env       []string   // final environment of the process, computed once
	execIn    *ExecInput // set when compiling an exec into a running container
	seccomp   *Seccomp
	fdsClosed bool // OpCloseFds already ran: OpExec need not close fds
}

// Compile turns a validated spec into a plan. It reads the host only where
// the plan depends on it: bind sources (stat), the rootfs' /etc/passwd (HOME)
// and mountinfo (shared rootfs propagation).
func Compile(in *Input) (*Result, error) {
	c, err := newCompiler(in)
	if err != nil {
		return nil, err
	}
	// The order mirrors runc's init, adapted to an executor that runs the
	// pre-clone ops in the caller's namespaces and everything else in the child.
	steps := []func() error{
		func() error { return c.cpuAffinity(false) },
		c.joinNamespaces, // setns by path, user first, mount last
		c.unshareTime,    // a new time ns must exist before the clone
		c.clone,          // new namespaces and id maps
		c.setsid,
		c.keyring,
		c.hostProcWrites, // oom_score_adj, sysctls through the host's /proc
		c.hookState,      // the state JSON for hooks run inside the container
		c.agentState,     // the state for a seccomp agent (SCMP_ACT_NOTIFY)
		c.rootfs,         // mounts, devices, hooks sync, root switch, ro/masked paths
		c.hostname,
		c.rlimits,
		c.processAttrs, // personality, scheduler, I/O priority
		// as root and before any filter, like runc: the cwd is resolved
		// inside the root with openat2 and entered with fchdir, which an
		// older seccomp profile may deny
		c.chdir,
		c.execLabels,   // AppArmor profile, SELinux label: before any filter
		c.seccompEarly, // without no_new_privs only
		c.umask,
		c.dropBounding, // needs CAP_SETPCAP: before the user switch
		c.setUser,
		c.capabilities,
		c.noNewPrivs,
		c.findExec,
		c.readyAndWait,
		c.startContainerHooks,
		func() error { return c.cpuAffinity(true) },
		c.seccompLate, // with no_new_privs: the last step before execve
		c.exec,
	}
	return c.run(steps)
}

// run takes the steps in order, each adding its ops to the plan, and
// returns the plan once it is known to hold no string with a NUL.
func (c *compiler) run(steps []func() error) (*Result, error) {
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := checkNUL(c.plan); err != nil {
		return nil, err
	}
	return &Result{Plan: c.plan, Warnings: c.warnings}, nil
}

// newCompiler checks the parts of the input only the caller can get wrong.
func newCompiler(in *Input) (*compiler, error) {
	if in == nil || in.Spec == nil {
		return nil, errors.New("planner: no spec given")
	}
	if in.Spec.Process == nil {
		return nil, errors.New("process: missing, nothing to run")
	}
	if len(in.Spec.Process.Args) == 0 {
		return nil, errors.New("process.args: empty, nothing to run")
	}
	if in.FirstPrivateFd < 3 {
		return nil, fmt.Errorf("planner: first private fd %d would close stdio", in.FirstPrivateFd)
	}
	// A fifo fd below FirstPrivateFd would survive the exec and let the
	// container process start itself.
	if in.FifoFd < in.FirstPrivateFd {
		return nil, fmt.Errorf("planner: exec fifo fd %d would be inherited by the container (first private fd %d)",
			in.FifoFd, in.FirstPrivateFd)
	}
	linux := in.Spec.Linux
	if linux == nil {
		linux = &specs.Linux{}
	}
	ns, err := parseNamespaces(linux.Namespaces)
	if err != nil {
		return nil, err
	}
	return &compiler{
		in: in, spec: in.Spec, linux: linux, proc: in.Spec.Process,
		ns: ns, plan: &protocol.Plan{}, seccomp: in.Seccomp,
	}, nil
}

// warnf records a part of the config that the plan does not apply.
func (c *compiler) warnf(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// keyring gives the container a session keyring of its own, so it cannot
// read the caller's keys (runc does the same unless --no-new-keyring).
func (c *compiler) keyring() error {
	if !c.in.NoNewKeyring {
		c.plan.Add("session keyring (--no-new-keyring to keep the caller's)", protocol.OpJoinKeyring, nil, "_ses."+c.in.ID)
	}
	return nil
}

// console creates the container's pty once its devpts is mounted.
func (c *compiler) console() {
	if !c.proc.Terminal {
		return
	}
	var rows, cols uint64
	if sz := c.proc.ConsoleSize; sz != nil {
		rows, cols = uint64(sz.Height), uint64(sz.Width)
	}
	bind := uint64(1) // the init's pty is /dev/console; an exec'd process's is not
	if c.execIn != nil {
		bind = 0
	}
	c.plan.Add("process.terminal: create the console", protocol.OpConsole, []uint64{uint64(c.in.ConsoleFd), rows, cols, bind})
}

// setsid gives the init its own session, detached from the caller's terminal.
func (c *compiler) setsid() error {
	c.plan.Add("setsid", protocol.OpSetsid, nil)
	return nil
}

// readyAndWait reports the container created, then blocks on the exec fifo
// until `start`.
func (c *compiler) readyAndWait() error {
	c.plan.Add("report the container created", protocol.OpReady, nil)
	c.plan.Add("wait for start on the exec fifo", protocol.OpWaitStart, []uint64{uint64(c.in.FifoFd)})
	return nil
}

// checkNUL rejects strings the C side would silently truncate: every str is
// NUL-terminated on the wire, so "a\x00b" would arrive as "a".
func checkNUL(p *protocol.Plan) error {
	for i, op := range p.Ops() {
		if op.Code == protocol.OpSeccomp {
			continue // binary: the C side uses its length, not a NUL
		}
		for _, s := range op.Strs {
			if strings.IndexByte(s, 0) >= 0 {
				return fmt.Errorf("%s: %q contains a NUL byte", p.Desc(i), s)
			}
		}
	}
	return nil
}
