package libcontainer

import (
	"errors"
	"fmt"
	"os"

	"github.com/hull-oci/hull/libcontainer/cgroups"
	"github.com/hull-oci/hull/libcontainer/planner"
	"github.com/hull-oci/hull/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ExecOpts describes a process to run in a running container.
type ExecOpts struct {
	Process      *specs.Process
	PreserveFds  int
	Console      *os.File // receives the pty master when Process.Terminal
	IgnorePaused bool
	SubCgroups   []string // exec --cgroup values
}

// Exec starts a process in every namespace and cgroup of the container,
// through the same C executor as the init. It returns the process's pid;
// the process is a child of the caller.
func (c *Container) Exec(o *ExecOpts) (int, error) {
	switch s := c.Status(); {
	case s == Paused && !o.IgnorePaused:
		return 0, fmt.Errorf("container %q is paused: resume it first or use --ignore-paused", c.ID)
	case s != Running && s != Created && s != Paused:
		return 0, fmt.Errorf("cannot exec in a container that is %s", s)
	}
	if o.Process.Terminal && o.Console == nil {
		return 0, errors.New("cannot allocate tty if hull will detach without setting console socket")
	}
	if wantsLSM(o.Process, nil) {
		if err := specconv.CheckProcessLSM(o.Process, hostLSM()); err != nil {
			return 0, fmt.Errorf("exec: %w", err)
		}
	}
	spec, err := c.store.LoadConfig(c.ID)
	if err != nil {
		return 0, err
	}
	spec.Process = o.Process
	root, err := c.openRoot()
	if err != nil {
		return 0, err
	}
	defer root.Close()
	first := 3 + o.PreserveFds
	filter, agent, err := compileSeccomp(spec.Linux, first+4)
	if err != nil {
		return 0, err
	}
	if agent != nil {
		defer agent.Close()
	}
	res, err := planner.CompileExec(&planner.ExecInput{
		Seccomp: filter,
		Spec:    spec, Rootfs: c.State.Rootfs, InitPid: c.State.Pid,
		RootFd: first + 2, FirstPrivateFd: first, ConsoleFd: consoleFdFor(o, first+3),
	})
	if err != nil {
		return 0, err
	}
	for _, w := range res.Warnings {
		logrus.Warn(w)
	}
	cg, err := c.execCgroup(o.SubCgroups)
	if err != nil {
		return 0, err
	}
	var pid int
	p := &initProcess{
		plan: res.Plan, preserved: o.PreserveFds, files: optional(root, o.Console, agent), cg: cg,
		agentState: func() []byte { return c.agentState(Running) },
		onPid:      func(p int) error { pid = p; return nil },
		onHooks:    func() error { return errors.New("exec: unexpected hooks request") },
	}
	if err := p.run(); err != nil {
		if pid != 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		return 0, err
	}
	return pid, nil
}

// execCgroup is the cgroup an exec'd process joins: the container's, or
// the sub-cgroups that exec --cgroup names.
func (c *Container) execCgroup(subs []string) (cgroups.Manager, error) {
	if len(subs) == 0 {
		return c.cgroup()
	}
	if len(c.State.CgroupPaths) == 0 {
		return nil, fmt.Errorf("container %q has no cgroup", c.ID)
	}
	paths, err := subCgroupPaths(c.State.CgroupPaths, subs)
	if err != nil {
		return nil, err
	}
	if err := checkSubCgroups(c.State.CgroupPaths, paths); err != nil {
		return nil, err
	}
	return cgroups.Load(paths)
}

func consoleFdFor(o *ExecOpts, fd int) int {
	if o.Console == nil || !o.Process.Terminal {
		return 0
	}
	return fd
}

// openRoot opens the container's root from the host side, for a process
// that is about to enter the container's mount namespace.
func (c *Container) openRoot() (*os.File, error) {
	path := fmt.Sprintf("/proc/%d/root", c.State.Pid)
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
