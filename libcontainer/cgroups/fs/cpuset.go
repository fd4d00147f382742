package fs

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
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

func cpusetStats(dir string, s *stats.Stats) error {
	c := &s.CPUSet
	for _, f := range []struct {
		file string
		v    *[]uint16
	}{{"cpuset.cpus", &c.CPUs}, {"cpuset.mems", &c.Mems}} {
		text, err := fscommon.ReadFile(dir, f.file)
		if err != nil {
			return err
		}
		if *f.v, err = fscommon.ParseList(text); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, f.file, err)
		}
	}
	for _, f := range []struct {
		file string
		v    *uint64
	}{
		{"cpuset.cpu_exclusive", &c.CPUExclusive}, {"cpuset.mem_hardwall", &c.MemHardwall},
		{"cpuset.mem_exclusive", &c.MemExclusive}, {"cpuset.memory_migrate", &c.MemoryMigrate},
		{"cpuset.memory_spread_page", &c.MemorySpreadPage}, {"cpuset.memory_spread_slab", &c.MemorySpreadSlab},
		{"cpuset.memory_pressure", &c.MemoryPressure}, {"cpuset.sched_load_balance", &c.SchedLoadBalance},
	} {
		v, err := fscommon.ReadUintOpt(dir, f.file)
		if err != nil {
			return err
		}
		*f.v = v
	}
	level, err := fscommon.ReadFile(dir, "cpuset.sched_relax_domain_level")
	if err == nil {
		c.SchedRelaxDomainLevel, _ = strconv.ParseInt(strings.TrimSpace(level), 10, 64)
	}
	return nil
}
