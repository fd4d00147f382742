// Package cgroups puts a container's processes into cgroups and takes the
// cgroups down again. New picks, once, the manager for the host's cgroup
// layout: fs for cgroup v1 and hybrid hosts, fs2 for pure cgroup v2.
package cgroups

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hull-oci/hull/internal/readfile"
	"github.com/hull-oci/hull/libcontainer/cgroups/fs"
	"github.com/hull-oci/hull/libcontainer/cgroups/fs2"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Stats is one sample of a container's resource usage, with the JSON of
// runc's `events --stats`.
type Stats = stats.Stats

// Manager handles one container's cgroups. Implementations are not safe
// for concurrent use. Both also have Frozen() bool (Container.Status uses
// it to tell a paused container), Parents (see MadeParents) and NotifyOOM
// (see NotifyOOM).
type Manager interface {
	// Apply makes the container's cgroup directories where missing,
	// remembering which ones it made, and moves process pid into them.
	Apply(pid int) error
	// Set writes resource limits. Nil fields (and zero ones where runc
	// treats zero as unset) are left alone; Devices nil leaves the device
	// rules alone, an empty list applies the default rules (ForCreate).
	Set(r *specs.LinuxResources) error
	// Pids returns every process in the container's cgroup and in the
	// cgroups below it.
	Pids() ([]int, error)
	// Freeze stops the container's processes and waits until the kernel
	// reports them frozen.
	Freeze() error
	// Thaw resumes the container's processes and waits until the kernel
	// reports them thawed.
	Thaw() error
	// Stats reads the container's resource usage.
	Stats() (*Stats, error)
	// Destroy removes the cgroup directories Apply made (for a loaded
	// Manager, the container's directories), deepest first. The
	// container's processes must be gone. Missing directories are fine.
	Destroy() error
	// Paths returns the container's cgroup directory per controller;
	// the key "" is the unified (cgroup2) hierarchy. Callers save it in
	// the state file and give it back to Load.
	Paths() map[string]string
	// Exists reports whether the container's cgroup directory exists.
	Exists() bool
}

var (
	_ Manager = (*fs.Manager)(nil)
	_ Manager = (*fs2.Manager)(nil)
)

// New returns the Manager for a container's cgroups: cgroupsPath is
// config.json's linux.cgroupsPath and id the container id, used as a
// relative path when cgroupsPath is empty (as runc does). An absolute path
// is taken from the root of each hierarchy; a relative one is joined to
// the caller's own cgroup. Nothing is created until Apply.
func New(cgroupsPath, id string) (Manager, error) {
	return realHost.newManager(cgroupsPath, id)
}

// Load returns the Manager for cgroup directories saved from Paths (and
// the parents saved from MadeParents), for commands that find a container
// from its state file (delete, kill --all, update, pause...), including
// one left behind by a runtime killed mid-create.
func Load(paths map[string]string, parents ...string) (Manager, error) {
	return realHost.load(paths, parents)
}

// Frozen reports whether the cgroups saved in paths (as Load takes them)
// are frozen. It reads one file rather than loading a Manager, since list
// asks it of every container.
func Frozen(paths map[string]string) bool {
	root := realHost.root
	if dir, ok := paths["freezer"]; ok { // v1 or hybrid
		return fscommon.CheckSavedPath(root, "freezer", dir) == nil && fs.FrozenDir(dir)
	}
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		return fscommon.CheckSavedPath(root, "", dir) == nil && fs2.FrozenDir(dir)
	}
	return false
}

// MadeParents returns the parent directories of m's cgroups that m made,
// or before Apply, would make. Save them with Paths and give them to Load,
// so that delete removes them too (when empty).
func MadeParents(m Manager) []string {
	if p, ok := m.(interface{ Parents() []string }); ok {
		return p.Parents()
	}
	return nil
}

// host is where the machine's cgroups are and how to read the calling
// process's view of them; tests point one at a fake tree.
type host struct {
	root       string                           // the cgroup root, /sys/fs/cgroup
	fsType     func(path string) (int64, error) // statfs(2) f_type
	mountinfo  func() (io.ReadCloser, error)    // /proc/self/mountinfo
	selfCgroup func() (io.ReadCloser, error)    // /proc/self/cgroup
}

var realHost = host{
	root:       "/sys/fs/cgroup",
	fsType:     statfsType,
	mountinfo:  func() (io.ReadCloser, error) { return readAll("/proc/self/mountinfo") },
	selfCgroup: func() (io.ReadCloser, error) { return readAll("/proc/self/cgroup") },
}

// readAll reads a /proc file at once, without an *os.File.
func readAll(path string) (io.ReadCloser, error) {
	b, err := readfile.Read(path)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func statfsType(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	return int64(st.Type), nil
}

func (h host) newManager(cgroupsPath, id string) (Manager, error) {
	inner, err := fscommon.InnerPath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	var own map[string]string
	if !filepath.IsAbs(inner) {
		if own, err = h.ownCgroups(); err != nil {
			return nil, err
		}
	}
	v2, err := h.isUnified()
	if err != nil {
		return nil, err
	}
	if v2 {
		return fs2.New(h.root, inner, own[""])
	}
	mounts, err := h.mountinfo()
	if err != nil {
		return nil, err
	}
	defer mounts.Close()
	return fs.New(h.root, mounts, inner, own)
}

func (h host) load(paths map[string]string, parents []string) (Manager, error) {
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		return fs2.Load(h.root, dir, parents)
	}
	return fs.Load(h.root, paths, parents)
}

// isUnified tells a pure cgroup v2 host (cgroup2 mounted at the root) from
// a v1 or hybrid one (a tmpfs holding one mount per hierarchy; fs finds
// the hybrid's cgroup2 mount among them).
func (h host) isUnified() (bool, error) {
	t, err := h.fsType(h.root)
	switch {
	case err != nil:
		return false, err
	case t == unix.CGROUP2_SUPER_MAGIC:
		return true, nil
	case t == unix.TMPFS_MAGIC:
		return false, nil
	}
	return false, fmt.Errorf("%s is neither cgroup2 nor tmpfs (file system type %#x)", h.root, t)
}

func (h host) ownCgroups() (map[string]string, error) {
	f, err := h.selfCgroup()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	own, err := fscommon.ParseSelfCgroup(f)
	if err == nil && len(own) == 0 {
		err = errors.New("/proc/self/cgroup is empty")
	}
	return own, err
}
