package fs2

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// FreezeTimeout bounds how long Freeze and Thaw wait for the kernel to
// report the new state in cgroup.events.
const FreezeTimeout = 5 * time.Second

// Freeze stops every process in the container's cgroup (and below) and
// waits until cgroup.events says "frozen 1". If that does not happen in
// time, the cgroup is thawed again and an error returned.
func (m *Manager) Freeze() error {
	err := m.setFrozen("1")
	if err == nil {
		return nil
	}
	// Leave the container running rather than half frozen.
	if thawErr := m.setFrozen("0"); thawErr != nil {
		err = errors.Join(err, thawErr)
	}
	return fmt.Errorf("freeze: %w", err)
}

// Thaw resumes the container's processes and waits until cgroup.events
// says "frozen 0" (it stays frozen while an ancestor is frozen).
func (m *Manager) Thaw() error {
	if err := m.setFrozen("0"); err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}

// setFrozen writes want to cgroup.freeze, then polls cgroup.events: the
// write only starts freezing, which completes once every task has reached
// a point where it can stop.
func (m *Manager) setFrozen(want string) error {
	if err := fscommon.WriteFile(m.dir, "cgroup.freeze", want); err != nil {
		return err
	}
	err := fscommon.Poll(time.Now().Add(FreezeTimeout), func() (bool, error) {
		events, err := fscommon.ReadFile(m.dir, "cgroup.events")
		if err != nil {
			return true, err
		}
		for _, line := range strings.Split(events, "\n") {
			if line == "frozen "+want {
				return true, nil
			}
		}
		return false, nil
	})
	if errors.Is(err, fscommon.ErrTimeout) {
		return fmt.Errorf("%s/cgroup.events did not show \"frozen %s\" within %v", m.dir, want, FreezeTimeout)
	}
	return err
}

// Frozen reports whether the container's cgroup is set to be frozen
// (cgroup.freeze is 1), which is how Container.Status tells a paused
// container from a running one.
func (m *Manager) Frozen() bool { return FrozenDir(m.dir) }

// FrozenDir reports whether cgroup dir is set to be frozen.
func FrozenDir(dir string) bool {
	v, err := fscommon.ReadFile(dir, "cgroup.freeze")
	return err == nil && strings.TrimSpace(v) == "1"
}
