package fs

import (
	"fmt"
	"maps"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/devices"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// controller sets one part of linux.resources in one v1 hierarchy.
type controller struct {
	name   string                                          // v1 controller, the key in paths
	field  string                                          // the config.json field, for errors
	wanted func(r *specs.LinuxResources) bool              // r has something for it
	set    func(dir string, r *specs.LinuxResources) error // writes it
}

// controllers in the order Set writes them. cpuset comes before cpu, as
// in runc; devices come last, so that a mistake above cannot leave a
// container whose devices are denied but whose limits are not set.
var controllers = []controller{
	{"cpuset", "cpu", fscommon.CpusetWanted, fscommon.SetCpuset},
	{"cpu", "cpu", fscommon.CPUWanted, setCPU},
	{"memory", "memory", memoryWanted, setMemory},
	{"pids", "pids", fscommon.PidsWanted, fscommon.SetPids},
	{"blkio", "blockIO", blkioWanted, setBlkio},
	{"hugetlb", "hugepageLimits", fscommon.HugetlbWanted, setHugetlb},
	{"net_cls", "network.classID", netClsWanted, setNetCls},
	{"net_prio", "network.priorities", netPrioWanted, setNetPrio},
	{"rdma", "rdma", fscommon.RdmaWanted, fscommon.SetRdma},
	{"devices", "devices", fscommon.DevicesWanted, setDevices},
}

// Set writes the container's resource limits. A field that is nil (or,
// where runc treats it so, zero) is left as it is, so that `update` can
// pass only what changes; r.Devices nil leaves the device rules alone,
// while an empty list applies the default rules. A limit for a controller
// that is not mounted is an error naming both, and so is any key of
// r.Unified: those are cgroup v2 files.
func (m *Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if len(r.Unified) > 0 {
		key := slices.Sorted(maps.Keys(r.Unified))[0]
		return fmt.Errorf("linux.resources.unified[%q]: cgroup v2 files cannot be set on this cgroup v1 host", key)
	}
	if r.Devices != nil {
		// Check the rules before anything is written.
		if _, err := devices.FromSpec(r.Devices); err != nil {
			return err
		}
	}
	for _, c := range controllers {
		if !c.wanted(r) {
			continue
		}
		dir, ok := m.paths[c.name]
		if !ok {
			return fmt.Errorf("linux.resources.%s: the %s cgroup controller is not mounted", c.field, c.name)
		}
		if err := c.set(dir, r); err != nil {
			return fscommon.FieldError(c.field, err)
		}
	}
	return nil
}
