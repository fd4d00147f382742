package fs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// FreezeTimeout bounds how long Freeze and Thaw wait for the freezer to
// settle. Freezing waits for every task to reach a freezable point, which
// can take a while on a loaded host.
const FreezeTimeout = 5 * time.Second

const stateFile = "freezer.state"

// Freeze stops every process in the container's freezer cgroup and waits
// until the kernel reports the cgroup FROZEN. If that does not happen in
// time, the cgroup is thawed again and an error returned.
func (m *Manager) Freeze() error {
	dir, err := m.freezerDir()
	if err != nil {
		return err
	}
	err = setState(dir, "FROZEN")
	if err == nil {
		return nil
	}
	// Leave the container running rather than half frozen.
	if thawErr := setState(dir, "THAWED"); thawErr != nil {
		err = errors.Join(err, thawErr)
	}
	return fmt.Errorf("freeze: %w", err)
}

// Thaw resumes the container's processes and waits until the kernel
// reports the cgroup THAWED (it stays FROZEN while a parent is frozen).
func (m *Manager) Thaw() error {
	dir, err := m.freezerDir()
	if err != nil {
		return err
	}
	if err := setState(dir, "THAWED"); err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}

func (m *Manager) freezerDir() (string, error) {
	dir, ok := m.paths["freezer"]
	if !ok {
		return "", errors.New("the freezer cgroup controller is not mounted")
	}
	return dir, nil
}

// setState writes want to freezer.state until reading it back gives want.
// Writing FROZEN again to a cgroup still FREEZING makes the kernel retry
// the tasks it could not freeze yet, hence the write inside the loop.
func setState(dir, want string) error {
	err := fscommon.Poll(time.Now().Add(FreezeTimeout), func() (bool, error) {
		if err := fscommon.WriteFile(dir, stateFile, want); err != nil {
			return true, err
		}
		got, err := fscommon.ReadFile(dir, stateFile)
		if err != nil {
			return true, err
		}
		return strings.TrimSpace(got) == want, nil
	})
	if errors.Is(err, fscommon.ErrTimeout) {
		return fmt.Errorf("%s/%s did not become %s within %v", dir, stateFile, want, FreezeTimeout)
	}
	return err
}

// Frozen reports whether the container's freezer cgroup is FROZEN, which
// is how Container.Status tells a paused container from a running one.
func (m *Manager) Frozen() bool {
	dir, err := m.freezerDir()
	return err == nil && FrozenDir(dir)
}

// FrozenDir reports whether the freezer cgroup dir is frozen or freezing.
func FrozenDir(dir string) bool {
	state, err := fscommon.ReadFile(dir, stateFile)
	return err == nil && strings.TrimSpace(state) == "FROZEN"
}
