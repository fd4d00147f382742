// Package fs manages a container's cgroups on a cgroup v1 host, and on a
// hybrid host (v1 controllers plus a cgroup2 hierarchy, usually at
// /sys/fs/cgroup/unified), by writing to the cgroup file systems directly.
package fs

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// Manager handles one container's cgroups in every mounted hierarchy. It
// is not safe for concurrent use.
type Manager struct {
	paths   map[string]string // controller -> cgroup dir; "" = unified
	dirs    []string          // the distinct dirs of paths, in a fixed order
	leaves  []string          // dirs of paths that Apply made
	parents []string          // parent dirs that Apply made, in that order
	loaded  bool              // made by Load: Destroy removes all of dirs
	applied bool              // Apply ran: parents is what it made
}

// New resolves the container's cgroup directory in each hierarchy mounted
// directly under root, as listed in mountinfo (/proc/self/mountinfo
// text). inner is a path from fscommon.InnerPath; a relative one is joined
// to the caller's own cgroups, own (from fscommon.ParseSelfCgroup), which
// may be nil for an absolute one. Nothing is created yet.
func New(root string, mountinfo io.Reader, inner string, own map[string]string) (*Manager, error) {
	hs, err := parseMounts(mountinfo, root)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("no cgroup hierarchies are mounted under %s", root)
	}
	paths, err := resolve(hs, inner, own)
	if err != nil {
		return nil, err
	}
	// Without the devices controller a container could open any device
	// node it can reach; runc refuses to go on without it too.
	if _, ok := paths["devices"]; !ok {
		return nil, fmt.Errorf("the devices cgroup controller is not mounted under %s", root)
	}
	return newManager(paths), nil
}

// Load returns a Manager for cgroup directories saved from Paths, e.g. in
// a state file, and the parent directories saved from Parents. Each must
// lie below root, and each parent above one of the paths. Destroy on a
// loaded Manager removes every one of these directories, parents only if
// empty.
func Load(root string, paths map[string]string, parents []string) (*Manager, error) {
	if len(paths) == 0 {
		return nil, errors.New("no cgroup paths were saved")
	}
	for ctrl, dir := range paths {
		if err := fscommon.CheckSavedPath(root, ctrl, dir); err != nil {
			return nil, err
		}
	}
	m := newManager(maps.Clone(paths))
	ps, err := fscommon.CheckSavedParents(root, m.dirs, parents)
	if err != nil {
		return nil, err
	}
	m.parents = ps
	m.loaded = true
	return m, nil
}

func newManager(paths map[string]string) *Manager {
	m := &Manager{paths: paths}
	for _, ctrl := range slices.Sorted(maps.Keys(paths)) {
		if !slices.Contains(m.dirs, paths[ctrl]) {
			m.dirs = append(m.dirs, paths[ctrl])
		}
	}
	return m
}

// Apply makes the container's cgroup directories where missing, noting
// which ones it made, and moves process pid into each.
func (m *Manager) Apply(pid int) error {
	m.applied = true
	for _, dir := range m.dirs {
		made, err := fscommon.Mkdir(dir)
		m.remember(dir, made)
		if err != nil {
			return err
		}
		if len(made) > 0 && dir == m.paths["cpuset"] {
			if err := initCpuset(made); err != nil {
				return err
			}
		}
		if err := fscommon.WritePid(dir, pid); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) remember(dir string, made []string) {
	if n := len(made); n > 0 && made[n-1] == dir {
		m.leaves = append(m.leaves, dir)
		made = made[:n-1]
	}
	m.parents = append(m.parents, made...)
}

// Pids returns every process in the container's cgroup and below it. The
// pids hierarchy is read if mounted, else freezer, else any other.
func (m *Manager) Pids() ([]int, error) {
	return fscommon.AllPids(m.primary())
}

// primary is the directory Pids and Exists look at.
func (m *Manager) primary() string {
	for _, ctrl := range []string{"pids", "freezer", "devices", "memory"} {
		if dir, ok := m.paths[ctrl]; ok {
			return dir
		}
	}
	return m.dirs[0]
}

// Destroy removes the cgroup directories Apply made (for a loaded
// Manager: all of its directories), deepest first, waiting briefly for
// cgroups the kernel has not freed yet, then the parents made, if empty.
// Missing directories are fine. The processes must already be gone.
func (m *Manager) Destroy() error {
	leaves := m.leaves
	if m.loaded {
		leaves = m.dirs
	}
	return fscommon.RemoveCgroups(leaves, fscommon.DeepestFirst(m.parents))
}

// Parents returns the parent directories of the container's cgroups that
// Apply made, or before Apply, those it would make (the missing ones), so
// that they can be saved with Paths before the init is started and given
// back to Load: a `delete` after a create that was killed half way then
// removes them too.
func (m *Manager) Parents() []string {
	if m.applied {
		return slices.Clone(m.parents)
	}
	return fscommon.MissingParents(m.dirs)
}

// Paths returns the container's cgroup directory for each controller; the
// key "" is the unified hierarchy of a hybrid host. The map is a copy.
func (m *Manager) Paths() map[string]string {
	return maps.Clone(m.paths)
}

// Exists reports whether the container's cgroup directory (the one Pids
// reads) exists.
func (m *Manager) Exists() bool {
	_, err := os.Stat(m.primary())
	return err == nil
}
