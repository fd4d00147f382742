package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hull-oci/hull/hooks"
	"github.com/hull-oci/hull/internal/proc"
	"github.com/hull-oci/hull/libcontainer/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Start lets a created container's init exec the user process.
func (c *Container) Start() error {
	_, err := c.StartNotify("")
	return err
}

// release lets the init go on to exec the user process.
func (c *Container) release() error {
	fifo := c.store.FifoPath(c.ID)
	// O_NONBLOCK: the open fails with ENXIO instead of hanging when no init holds the fifo
	f, err := os.OpenFile(fifo, os.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("container init is not waiting: %w", err)
	}
	_, err = f.Write([]byte{0})
	f.Close()
	if err != nil {
		return fmt.Errorf("signal container start: %w", err)
	}
	return os.Remove(fifo)
}

// poststart runs the poststart hooks; their failure is only a warning.
func (c *Container) poststart() {
	spec, err := c.Config()
	if err == nil && spec.Hooks != nil {
		if err := hooks.RunAllContinue("poststart", spec.Hooks.Poststart, c.stateJSON(Running)); err != nil {
			logrus.Warn(err)
		}
	}
}

// Signal sends sig to the init, or with all to every process of the container.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	s := c.Status()
	if s == Stopped && !all {
		return fmt.Errorf("container %q: %w", c.ID, ErrNotRunning)
	}
	if all {
		return c.signalAll(sig)
	}
	if err := unix.Kill(c.State.Pid, sig); err != nil {
		return fmt.Errorf("kill %d: %w", c.State.Pid, err)
	}
	if sig == unix.SIGKILL {
		c.thawAfterKill() // a frozen process dies only once thawed
	}
	return nil
}

func (c *Container) signalAll(sig unix.Signal) error {
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	pids, err := m.Pids()
	if err != nil {
		return err
	}
	// nothing left is fine: containerd's shim sends kill --all after the
	// init exited, to catch orphans of a shared pid namespace (runc: exit 0)
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("kill %d: %w", pid, err)
		}
	}
	if sig == unix.SIGKILL {
		c.thawAfterKill()
	}
	return nil
}

// Delete removes a stopped container; with force, it kills a live one first.
func (c *Container) Delete(force bool) error {
	unlock, err := c.store.Lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	s := c.Status()
	if s != Stopped && !force {
		return fmt.Errorf("cannot delete container %q that is %s: %w", c.ID, s, ErrNotStopped)
	}
	if c.State.Pid != 0 && s != Stopped {
		_ = unix.Kill(c.State.Pid, unix.SIGKILL)
		c.thawAfterKill()
		c.waitDead(5 * time.Second)
	}
	var errs []error
	if m, err := c.cgroup(); err == nil {
		killCgroup(m)
		errs = append(errs, m.Destroy())
	}
	if spec, err := c.Config(); err == nil && spec.Hooks != nil {
		if err := hooks.RunAllContinue("poststop", spec.Hooks.Poststop, c.stateJSON(Stopped)); err != nil {
			logrus.Warn(err)
		}
	}
	errs = append(errs, c.store.Remove(c.ID))
	return errors.Join(errs...)
}

func (c *Container) waitDead(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for d := 100 * time.Microsecond; proc.Alive(c.State.Pid, c.State.PidStartTime) && time.Now().Before(deadline); d *= 2 {
		time.Sleep(min(d, 50*time.Millisecond))
	}
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	if len(c.State.CgroupPaths) == 0 {
		return nil, fmt.Errorf("container %q has no cgroup", c.ID)
	}
	return cgroups.Load(c.State.CgroupPaths, c.State.CgroupParents...)
}

// killCgroup SIGKILLs whatever is left in the cgroup, so its dirs can go.
func killCgroup(m cgroups.Manager) {
	for i := 0; i < 3; i++ {
		pids, err := m.Pids()
		if err != nil || len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
}

func hasCreateHooks(s *specs.Spec) bool {
	return s.Hooks != nil && (len(s.Hooks.Prestart) > 0 || len(s.Hooks.CreateRuntime) > 0) //nolint:staticcheck // prestart is deprecated but must still run
}

// runCreateHooks runs prestart and createRuntime hooks in the runtime's
// namespaces, while the init waits between its mounts and the root switch.
func (c *Container) runCreateHooks(s *specs.Spec) error {
	// runc reports "created" here, and runtime-tools' hooks_stdin expects it
	st := c.stateJSON(Created)
	if err := hooks.RunAll("prestart", s.Hooks.Prestart, st); err != nil { //nolint:staticcheck
		return err
	}
	return hooks.RunAll("createRuntime", s.Hooks.CreateRuntime, st)
}

func (c *Container) stateJSON(status Status) []byte {
	s := c.OCIState()
	s.Status = specs.ContainerState(status)
	s.Pid = c.State.Pid
	b, _ := json.Marshal(s)
	return b
}
