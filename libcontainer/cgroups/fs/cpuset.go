package fs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// initCpuset gives new cpuset cgroups (made, parents first) their parent's
// cpuset.cpus and cpuset.mems. A new v1 cpuset cgroup starts with both
// empty (unless the parent sets cgroup.clone_children), and the kernel
// refuses to move a process into it (ENOSPC) until both are set. Limits
// from config.json are written later, over these values.
func initCpuset(made []string) error {
	for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
		value, err := inherited(filepath.Dir(made[0]), file)
		if err != nil {
			return err
		}
		for _, dir := range made {
			if err := fscommon.WriteFile(dir, file, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// inherited returns the value of dir's file, first filling it in from the
// nearest ancestor that has one if it is empty. The root of the hierarchy
// always has all CPUs and memory nodes, which ends the walk.
func inherited(dir, file string) (string, error) {
	value, err := fscommon.ReadFile(dir, file)
	if err != nil {
		return "", err
	}
	if value = strings.TrimSpace(value); value != "" {
		return value, nil
	}
	parent := filepath.Dir(dir)
	if parent == dir {
		return "", fmt.Errorf("no cgroup above %s has a %s value", dir, file)
	}
	if value, err = inherited(parent, file); err != nil {
		return "", err
	}
	return value, fscommon.WriteFile(dir, file, value)
}
