package fscommon

import specs "github.com/opencontainers/runtime-spec/specs-go"

// What Set asks of each controller is the same question on cgroup v1 and
// v2: does config.json's linux.resources set anything for it? The answers,
// and the writers whose files are the same on both, live here once.

// CPUWanted reports whether r sets a cpu controller value (cpus and mems
// are cpuset's). Zero values mean "not set", as in runc.
func CPUWanted(r *specs.LinuxResources) bool {
	c := r.CPU
	return c != nil && (Uint(c.Shares) != 0 || Int(c.Quota) != 0 ||
		Uint(c.Period) != 0 || c.Burst != nil || Int(c.RealtimeRuntime) != 0 ||
		Uint(c.RealtimePeriod) != 0 || c.Idle != nil)
}

// CpusetWanted reports whether r sets cpus or mems.
func CpusetWanted(r *specs.LinuxResources) bool {
	return r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "")
}

// SetCpuset writes r's cpus and mems, the same files on v1 and v2.
func SetCpuset(dir string, r *specs.LinuxResources) error {
	if r.CPU.Cpus != "" {
		if err := WriteFile(dir, "cpuset.cpus", r.CPU.Cpus); err != nil {
			return err
		}
	}
	if r.CPU.Mems != "" {
		return WriteFile(dir, "cpuset.mems", r.CPU.Mems)
	}
	return nil
}

// HugetlbWanted reports whether r sets huge page limits.
func HugetlbWanted(r *specs.LinuxResources) bool { return len(r.HugepageLimits) > 0 }

// RdmaWanted reports whether r sets rdma limits.
func RdmaWanted(r *specs.LinuxResources) bool { return len(r.Rdma) > 0 }

// DevicesWanted reports whether r has device rules (an empty list counts:
// it still denies everything but the defaults).
func DevicesWanted(r *specs.LinuxResources) bool { return r.Devices != nil }
