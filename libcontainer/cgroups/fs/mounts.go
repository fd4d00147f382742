package fs

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// hierarchy is one cgroup hierarchy as mounted under the cgroup root.
type hierarchy struct {
	// controllers bound to it: ["cpu", "cpuacct"], ["name=systemd"], or
	// [""] for the unified (cgroup2) hierarchy of a hybrid host.
	controllers []string
	mountpoint  string // e.g. /sys/fs/cgroup/cpu,cpuacct
	root        string // the hierarchy's directory shown at mountpoint
}

// v1Controllers are the controllers cgroup v1 has; the list is closed, as
// v1 gets no new ones. Mount options that are not in it ("rw", "xattr",
// "clone_children", "release_agent=...") are not controllers.
var v1Controllers = map[string]bool{
	"blkio": true, "cpu": true, "cpuacct": true, "cpuset": true,
	"debug": true, "devices": true, "freezer": true, "hugetlb": true,
	"memory": true, "misc": true, "net_cls": true, "net_prio": true,
	"perf_event": true, "pids": true, "rdma": true,
}

// parseMounts reads /proc/self/mountinfo text and returns the cgroup
// hierarchies mounted directly under root (/sys/fs/cgroup), in mount
// order. Mounts elsewhere, such as a container's view bind-mounted into its
// rootfs, are ignored.
func parseMounts(r io.Reader, root string) ([]hierarchy, error) {
	root = filepath.Clean(root)
	infos, err := mountinfo.GetMountsFromReader(r, func(m *mountinfo.Info) (skip, stop bool) {
		isCgroup := m.FSType == "cgroup" || m.FSType == "cgroup2"
		return !isCgroup || filepath.Dir(m.Mountpoint) != root, false
	})
	if err != nil {
		return nil, fmt.Errorf("parse /proc/self/mountinfo: %w", err)
	}
	var hs []hierarchy
	for _, m := range infos {
		h := hierarchy{mountpoint: m.Mountpoint, root: m.Root}
		if m.FSType == "cgroup2" {
			h.controllers = []string{""}
		} else {
			h.controllers = controllersOf(m.VFSOptions)
		}
		if len(h.controllers) > 0 {
			hs = append(hs, h)
		}
	}
	return hs, nil
}

// controllersOf picks the controllers out of a v1 mount's super options,
// e.g. "rw,cpu,cpuacct" or "rw,name=systemd".
func controllersOf(superOptions string) []string {
	var ctrls []string
	for _, opt := range strings.Split(superOptions, ",") {
		if v1Controllers[opt] || strings.HasPrefix(opt, "name=") {
			ctrls = append(ctrls, opt)
		}
	}
	return ctrls
}
