package fs2

import (
	"path/filepath"
	"strings"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// enableControllers turns on, in the parent of each new directory (made,
// parents first), every controller that parent has, so that the limits
// written later find their files (memory.max, pids.max, ...) in the
// container's cgroup. It is best effort, as in runc: a parent with
// processes of its own cannot enable domain controllers (EBUSY), and some
// controllers cannot be enabled in some places (cpuset below a threaded
// cgroup). A limit that then has no file fails with an error naming it.
func enableControllers(made []string) error {
	if len(made) == 0 {
		return nil
	}
	// The first parent existed already; below it, a new cgroup has exactly
	// what its parent enabled, so one read is enough.
	avail, err := fscommon.ReadFile(filepath.Dir(made[0]), "cgroup.controllers")
	if err != nil {
		return err
	}
	ctrls := strings.Fields(avail)
	for _, dir := range made {
		ctrls = enable(filepath.Dir(dir), ctrls)
	}
	return nil
}

// enable writes ctrls to dir's cgroup.subtree_control and returns those
// that are now enabled.
func enable(dir string, ctrls []string) []string {
	if len(ctrls) == 0 {
		return nil
	}
	all := "+" + strings.Join(ctrls, " +")
	if fscommon.WriteFile(dir, "cgroup.subtree_control", all) == nil {
		return ctrls
	}
	// One refused controller fails the whole write; enable the others one
	// by one. Errors are ignored, as explained above.
	var enabled []string
	for _, c := range ctrls {
		if fscommon.WriteFile(dir, "cgroup.subtree_control", "+"+c) == nil {
			enabled = append(enabled, c)
		}
	}
	return enabled
}
