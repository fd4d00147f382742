package fs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// resolve maps every mounted controller to the container's cgroup
// directory in its hierarchy. The first mount of a hierarchy wins, so a
// co-mount (cpu,cpuacct) that is also bind-mounted elsewhere under the
// root yields one directory for both controllers.
func resolve(hs []hierarchy, inner string, own map[string]string) (map[string]string, error) {
	paths := make(map[string]string)
	for _, h := range hs {
		if _, seen := paths[h.controllers[0]]; seen {
			continue
		}
		dir, err := h.dir(inner, own)
		if err != nil {
			return nil, err
		}
		for _, c := range h.controllers {
			paths[c] = dir
		}
	}
	return paths, nil
}

// dir returns the container's cgroup directory in h. An absolute inner
// path is taken below the mount point, as runc does; a relative one is
// joined to the caller's own cgroup in that hierarchy (from
// /proc/self/cgroup), translated through the mount's root.
func (h hierarchy) dir(inner string, own map[string]string) (string, error) {
	ctrl := h.controllers[0]
	rel := inner
	if !filepath.IsAbs(inner) {
		ownPath, ok := own[ctrl]
		if !ok {
			return "", fmt.Errorf("/proc/self/cgroup has no line for the %s hierarchy mounted at %s", name(ctrl), h.mountpoint)
		}
		r, err := filepath.Rel(h.root, filepath.Join(ownPath, inner))
		if err != nil || r == ".." || strings.HasPrefix(r, "../") {
			return "", fmt.Errorf("own %s cgroup %s is outside the part of the hierarchy mounted at %s (%s)",
				name(ctrl), ownPath, h.mountpoint, h.root)
		}
		rel = "/" + r
		if err := fscommon.CheckBase(ctrl, ownPath); err != nil {
			return "", err
		}
		// The part below our own cgroup is what we create.
		if err := fscommon.CheckReserved(ctrl, inner); err != nil {
			return "", err
		}
	} else if err := fscommon.CheckReserved(ctrl, filepath.Join(h.root, rel)); err != nil {
		return "", err
	}
	return filepath.Join(h.mountpoint, rel), nil
}

func name(ctrl string) string {
	if ctrl == "" {
		return "unified"
	}
	return ctrl
}
