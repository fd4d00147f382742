// Package fs2 manages a container's cgroup on a pure cgroup v2 (unified)
// host by writing to the cgroup2 file system directly.
package fs2

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// Manager handles one container's cgroup. It is not safe for concurrent
// use.
type Manager struct {
	dir     string
	made    []string // dirs Apply made, parents first
	loaded  bool     // made by Load: Destroy removes dir
	applied bool     // Apply ran: made is what it made
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
		base := filepath.Dir(ownCgroup)
		if err := fscommon.CheckBase("", base); err != nil {
			return nil, err
		}
		if err := fscommon.CheckReserved("", inner); err != nil {
			return nil, err
		}
		hierPath = filepath.Join(base, inner)
	} else if err := fscommon.CheckReserved("", hierPath); err != nil {
		return nil, err
	}
	return &Manager{dir: filepath.Join(root, hierPath)}, nil
}

// Load returns a Manager for a cgroup directory saved from Paths()[""],
// which must lie below root, and for the parents saved from Parents.
// Destroy on it removes that directory, and the parents if empty.
func Load(root, dir string, parents []string) (*Manager, error) {
	if err := fscommon.CheckSavedPath(root, "", dir); err != nil {
		return nil, err
	}
	ps, err := fscommon.CheckSavedParents(root, []string{dir}, parents)
	if err != nil {
		return nil, err
	}
	return &Manager{dir: dir, made: append(ps, dir), loaded: true}, nil
}

// Apply makes the container's cgroup directory where missing, noting which
// directories it made, enables the available controllers for each new one
// and moves process pid into it.
func (m *Manager) Apply(pid int) error {
	m.applied = true
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
// container's cgroup directory and the saved parents), deepest first,
// waiting briefly for cgroups the kernel has not freed yet; parents go
// only if empty. A missing directory is fine. The processes must already
// be gone.
func (m *Manager) Destroy() error {
	var leaves, parents []string
	for _, d := range m.made {
		if d == m.dir {
			leaves = []string{d}
		} else {
			parents = append(parents, d)
		}
	}
	if m.loaded {
		leaves = []string{m.dir}
	}
	return fscommon.RemoveCgroups(leaves, fscommon.DeepestFirst(parents))
}

// Parents returns the parent directories Apply made, or before Apply,
// those it would make; see fs.Manager.Parents.
func (m *Manager) Parents() []string {
	if m.applied {
		var ps []string
		for _, d := range m.made {
			if d != m.dir {
				ps = append(ps, d)
			}
		}
		return ps
	}
	return fscommon.MissingParents([]string{m.dir})
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
