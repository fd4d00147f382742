package libcontainer

import (
	"context"
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups"
)

// ErrNotPaused is returned by Resume for a container that is not paused.
var ErrNotPaused = errors.New("container is not paused")

// Pause freezes every process of a running (or created) container: cgroup
// v1's freezer, v2's cgroup.freeze. Status then reports Paused.
func (c *Container) Pause() error {
	unlock, err := c.store.Lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if s := c.Status(); s != Running && s != Created {
		return fmt.Errorf("cannot pause container %q that is %s: %w", c.ID, s, ErrNotRunning)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	return m.Freeze()
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	unlock, err := c.store.Lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if s := c.Status(); s != Paused {
		return fmt.Errorf("cannot resume container %q that is %s: %w", c.ID, s, ErrNotPaused)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	return m.Thaw()
}

// Update changes the resource limits of a container that is not stopped,
// paused ones included. Only the fields set in r change. Device rules are
// not updated, as by runc: rewriting them would briefly deny devices the
// container has open, and engines (and device plugins) add their own.
func (c *Container) Update(r *specs.LinuxResources) error {
	unlock, err := c.store.Lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if s := c.Status(); s == Stopped {
		return fmt.Errorf("cannot update container %q that is %s: %w", c.ID, s, ErrNotRunning)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	noDevices := *r
	noDevices.Devices = nil
	return m.Set(&noDevices)
}

// Stats reads the container's resource usage from its cgroups.
func (c *Container) Stats() (*cgroups.Stats, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.Stats()
}

// NotifyOOM returns a channel that receives a value for each out-of-memory
// event in the container's cgroup; see cgroups.NotifyOOM. Cancel ctx when
// done with it.
func (c *Container) NotifyOOM(ctx context.Context) (<-chan struct{}, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cgroups.NotifyOOM(ctx, m)
}

// Processes returns the pids of every process in the container's cgroup,
// sub-cgroups included, as the host sees them.
func (c *Container) Processes() ([]int, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.Pids()
}

// thawAfterKill thaws a paused container after SIGKILL was sent to its
// processes. On cgroup v1 a frozen task does not die, even of SIGKILL,
// until its cgroup is thawed; on v2 it does, but the cgroup stays frozen.
// Without the thaw, `kill` of a paused container does nothing visible and
// `delete --force` waits for processes that cannot exit.
func (c *Container) thawAfterKill() {
	m, err := c.cgroup()
	if err != nil {
		return
	}
	if f, ok := m.(interface{ Frozen() bool }); ok && f.Frozen() {
		_ = m.Thaw()
	}
}
