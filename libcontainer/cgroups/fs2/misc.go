package fs2

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/devices"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// The small controllers: cpuset and hugetlb stats, devices.

func cpusetStats(dir string, s *stats.Stats) error {
	for _, f := range []struct {
		file string
		v    *[]uint16
	}{{"cpuset.cpus.effective", &s.CPUSet.CPUs}, {"cpuset.mems.effective", &s.CPUSet.Mems}} {
		text, err := fscommon.ReadFile(dir, f.file)
		if err != nil {
			return err
		}
		if *f.v, err = fscommon.ParseList(text); err != nil {
			return err
		}
	}
	return nil
}

func setHugetlb(dir string, r *specs.LinuxResources) error {
	return fscommon.SetHugetlb(dir, r.HugepageLimits, "hugetlb.%s.max", "hugetlb.%s.rsvd.max")
}

func hugetlbStats(dir string, s *stats.Stats) error {
	sizes, err := fscommon.HugetlbSizes(dir, ".current")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h stats.Hugetlb
		if h.Usage, err = fscommon.ReadUint(dir, "hugetlb."+size+".current"); err != nil {
			return err
		}
		events, err := fscommon.ReadKeyValues(dir, "hugetlb."+size+".events")
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		h.Failcnt = events["max"]
		s.Hugetlb[size] = h
	}
	return nil
}

// attachDevices is devices.Attach; tests on a fake tree, where no eBPF
// program can be attached, replace it.
var attachDevices = devices.Attach

// setDevices replaces the container's device filter: cgroup v2 has no
// devices files, only eBPF programs of type BPF_PROG_TYPE_CGROUP_DEVICE.
func setDevices(dir string, r *specs.LinuxResources) error {
	rules, err := devices.FromSpec(r.Devices)
	if err != nil {
		return err
	}
	return attachDevices(dir, rules)
}
