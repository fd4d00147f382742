// Package fs2 manages a container's cgroup on a pure cgroup v2 (unified)
// host by writing to the cgroup2 file system directly.
package fs2

import (
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// Manager handles one container's cgroup. It is not safe for concurrent
// use.
type Manager struct {
	dir    string
	made   []string // dirs Apply made, parents first
	loaded bool     // made by Load: Destroy removes dir
}

// New resolves the container's cgroup directory below root, the cgroup2
// mount. inner is a path from fscommon.InnerPath. An absolute one is taken
// below root; a relative one is joined to the parent of ownCgroup (the
// caller's "0::" line in /proc/self/cgroup), as runc does: the caller's
// own cgroup most likely has processes in it, and a v2 cgroup with
// processes cannot enable controllers for its children. Nothing is
// created yet.
func New(root, inner, ownCgroup string) (*Manager, error) {
	hierPath := inner
	if !filepath.IsAbs(inner) {
		if ownCgroup == "" {
			return nil, errors.New("/proc/self/cgroup has no line (0::) for the unified hierarchy")
		}
		hierPath = filepath.Join(filepath.Dir(ownCgroup), inner)
	}
	if err := fscommon.CheckReserved("", hierPath); err != nil {
		return nil, err
	}
	return &Manager{dir: filepath.Join(root, hierPath)}, nil
}

// Load returns a Manager for a cgroup directory saved from Paths()[""],
// which must lie below root. Destroy on it removes that directory.
func Load(root, dir string) (*Manager, error) {
	if err := fscommon.CheckSavedPath(root, "", dir); err != nil {
		return nil, err
	}
	return &Manager{dir: dir, loaded: true}, nil
}

// Apply makes the container's cgroup directory where missing, noting which
// directories it made, enables the available controllers for each new one
// and moves process pid into it.
func (m *Manager) Apply(pid int) error {
	made, err := fscommon.Mkdir(m.dir)
	m.made = append(m.made, made...)
	if err != nil {
		return err
	}
	if err := enableControllers(made); err != nil {
		return err
	}
	return fscommon.WritePid(m.dir, pid)
}

// Pids returns every process in the container's cgroup and below it.
func (m *Manager) Pids() ([]int, error) {
	return fscommon.AllPids(m.dir)
}

// Destroy removes the directories Apply made (for a loaded Manager: the
// container's cgroup directory), deepest first, waiting briefly for
// cgroups the kernel has not freed yet. A missing directory is fine. The
// processes must already be gone.
func (m *Manager) Destroy() error {
	var leaves []string
	parents := slices.Clone(m.made)
	if n := len(parents); n > 0 && parents[n-1] == m.dir {
		leaves, parents = []string{m.dir}, parents[:n-1]
	}
	if m.loaded {
		leaves = []string{m.dir}
	}
	slices.Reverse(parents)
	return fscommon.RemoveCgroups(leaves, parents)
}

// Paths returns the container's cgroup directory under the key "".
func (m *Manager) Paths() map[string]string {
	return map[string]string{"": m.dir}
}

// Exists reports whether the container's cgroup directory exists.
func (m *Manager) Exists() bool {
	_, err := os.Stat(m.dir)
	return err == nil
}
