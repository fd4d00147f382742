package fs

import (
	"errors"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/devices"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// The small controllers: hugetlb, net_cls, net_prio and devices.

func setHugetlb(dir string, r *specs.LinuxResources) error {
	return fscommon.SetHugetlb(dir, r.HugepageLimits, "hugetlb.%s.limit_in_bytes", "hugetlb.%s.rsvd.limit_in_bytes")
}

// hugetlbStats reads each page size the directory has files for.
func hugetlbStats(dir string, s *stats.Stats) error {
	sizes, err := fscommon.HugetlbSizes(dir, ".usage_in_bytes")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h stats.Hugetlb
		prefix := "hugetlb." + size
		if h.Usage, err = fscommon.ReadUint(dir, prefix+".usage_in_bytes"); err != nil {
			return err
		}
		if h.Max, err = fscommon.ReadUint(dir, prefix+".max_usage_in_bytes"); err != nil {
			return err
		}
		if h.Failcnt, err = fscommon.ReadUint(dir, prefix+".failcnt"); err != nil {
			return err
		}
		s.Hugetlb[size] = h
	}
	return nil
}

func netClsWanted(r *specs.LinuxResources) bool {
	return r.Network != nil && r.Network.ClassID != nil
}

func setNetCls(dir string, r *specs.LinuxResources) error {
	return fscommon.WriteFile(dir, "net_cls.classid", strconv.FormatUint(uint64(*r.Network.ClassID), 10))
}

func netPrioWanted(r *specs.LinuxResources) bool {
	return r.Network != nil && len(r.Network.Priorities) > 0
}

func setNetPrio(dir string, r *specs.LinuxResources) error {
	for _, p := range r.Network.Priorities {
		line := p.Name + " " + strconv.FormatUint(uint64(p.Priority), 10)
		if err := fscommon.WriteFile(dir, "net_prio.ifpriomap", line); err != nil {
			return err
		}
	}
	return nil
}

// setDevices denies every device, then writes config.json's rules and the
// default ones in order, each to devices.allow or devices.deny: cgroup v1
// itself then computes what the rules mean.
func setDevices(dir string, r *specs.LinuxResources) error {
	rules, err := devices.FromSpec(r.Devices)
	if err != nil {
		return err
	}
	if err := fscommon.WriteFile(dir, "devices.deny", "a"); err != nil {
		return err
	}
	for _, rule := range rules {
		file := "devices.deny"
		if rule.Allow {
			file = "devices.allow"
		}
		if err := fscommon.WriteFile(dir, file, rule.String()); err != nil {
			return err
		}
	}
	return nil
}

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
