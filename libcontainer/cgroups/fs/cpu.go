package fs

import (
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// setCPU writes linux.resources.cpu (but cpus and mems, which are
// cpuset's). Zero shares, quota, period and realtime values mean "not
// set"; a quota of -1 removes the limit.
func setCPU(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	var w []fscommon.Write
	add := func(file string, set bool, value string) {
		if set {
			w = append(w, fscommon.Write{File: file, Value: value})
		}
	}
	add("cpu.shares", fscommon.Uint(c.Shares) != 0, strconv.FormatUint(fscommon.Uint(c.Shares), 10))
	// Period before quota before burst, as runc; a pair the kernel
	// refuses in this order (burst above the old quota) is retried.
	add("cpu.cfs_period_us", fscommon.Uint(c.Period) != 0, strconv.FormatUint(fscommon.Uint(c.Period), 10))
	add("cpu.cfs_quota_us", fscommon.Int(c.Quota) != 0, strconv.FormatInt(fscommon.Int(c.Quota), 10))
	add("cpu.cfs_burst_us", c.Burst != nil, strconv.FormatUint(fscommon.Uint(c.Burst), 10))
	add("cpu.rt_period_us", fscommon.Uint(c.RealtimePeriod) != 0, strconv.FormatUint(fscommon.Uint(c.RealtimePeriod), 10))
	add("cpu.rt_runtime_us", fscommon.Int(c.RealtimeRuntime) != 0, strconv.FormatInt(fscommon.Int(c.RealtimeRuntime), 10))
	add("cpu.idle", c.Idle != nil, strconv.FormatInt(fscommon.Int(c.Idle), 10))
	return fscommon.WriteAll(dir, w)
}

func cpuStats(dir string, s *stats.Stats) error {
	st, err := fscommon.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = stats.Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_time"],
	}
	return nil
}

// clockTicks is USER_HZ, the unit of cpuacct.stat: 100 on every Linux
// architecture that matters here.
const clockTicks = 100

func cpuacctStats(dir string, s *stats.Stats) error {
	u := &s.CPU.Usage
	var err error
	if u.Total, err = fscommon.ReadUint(dir, "cpuacct.usage"); err != nil {
		return err
	}
	for _, f := range []struct {
		file string
		v    *[]uint64
	}{
		{"cpuacct.usage_percpu", &u.Percpu},
		{"cpuacct.usage_percpu_sys", &u.PercpuKernel},
		{"cpuacct.usage_percpu_user", &u.PercpuUser},
	} {
		if *f.v, err = readList(dir, f.file); err != nil {
			return err
		}
	}
	st, err := fscommon.ReadKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	u.User = st["user"] * (1e9 / clockTicks)
	u.Kernel = st["system"] * (1e9 / clockTicks)
	return nil
}

// readList reads a file of space-separated numbers; a missing optional
// file (old kernels lack the per-CPU user/sys split) reads as none.
func readList(dir, file string) ([]uint64, error) {
	text, err := fscommon.ReadFile(dir, file)
	if err != nil {
		if file != "cpuacct.usage_percpu" && isNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(text) {
		v, err := fscommon.ParseUint(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
