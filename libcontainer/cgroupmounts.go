package libcontainer

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/hull-oci/hull/libcontainer/planner"
)

const cgroupRoot = "/sys/fs/cgroup"

// cgroupHierarchies describes, for a "cgroup" mount in the spec, which
// hierarchies the container sees: one per distinct directory in the
// manager's paths (co-mounted controllers share one).
// Only Paths is used: tests pass a plain map.
func cgroupHierarchies(m interface{ Paths() map[string]string }) []planner.CgroupHierarchy {
	byDir := map[string][]string{}
	for ctrl, dir := range m.Paths() {
		byDir[dir] = append(byDir[dir], ctrl)
	}
	var out []planner.CgroupHierarchy
	for dir, ctrls := range byDir {
		sort.Strings(ctrls)
		out = append(out, hierarchy(dir, ctrls))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

func hierarchy(hostPath string, ctrls []string) planner.CgroupHierarchy {
	rel, _ := filepath.Rel(cgroupRoot, hostPath)
	mnt, _, _ := strings.Cut(rel, "/")
	if len(ctrls) == 1 && ctrls[0] == "" {
		if mnt == "unified" { // hybrid: the cgroup2 beside the v1 controllers
			return planner.CgroupHierarchy{Dir: "unified", FSType: "cgroup2", HostPath: hostPath}
		}
		return planner.CgroupHierarchy{Dir: "", FSType: "cgroup2", HostPath: hostPath}
	}
	h := planner.CgroupHierarchy{Dir: mnt, FSType: "cgroup", HostPath: hostPath}
	var data []string
	for _, c := range ctrls {
		if name, ok := strings.CutPrefix(c, "name="); ok {
			data = append(data, "none", "name="+name)
			continue
		}
		data = append(data, c)
		if c != mnt {
			h.Links = append(h.Links, c)
		}
	}
	h.Data = strings.Join(data, ",")
	return h
}
