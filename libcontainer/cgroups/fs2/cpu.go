package fs2

import (
	"errors"
	"math"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// SharesToWeight converts cgroup v1 cpu shares [2, 262144] to cgroup v2
// cpu.weight [1, 10000] with the formula runc (since 1.3.2), crun and
// Kubernetes agreed on: a quadratic in log2(shares) that maps the v1
// default 1024 to the v2 default 100 and keeps both ends. 0 stays 0 ("not
// set").
func SharesToWeight(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= 2:
		return 1
	case shares >= 262144:
		return 10000
	}
	l := math.Log2(float64(shares))
	exp := (l*l+125*l)/612.0 - 7.0/34.0
	// Rounded to 1e-9 first so that 1024 gives exactly 100, not 101.
	return uint64(math.Ceil(math.Round(math.Pow(10, exp)*1e9) / 1e9))
}

// setCPU writes cpu.weight, cpu.idle, cpu.max and cpu.max.burst. cgroup
// v2 has no realtime bandwidth: realtime values are an error.
func setCPU(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if fscommon.Int(c.RealtimeRuntime) != 0 || fscommon.Uint(c.RealtimePeriod) != 0 {
		return errors.New("linux.resources.cpu: realtimeRuntime and realtimePeriod are not supported on cgroup v2")
	}
	var w []fscommon.Write
	if c.Idle != nil {
		w = append(w, fscommon.Write{File: "cpu.idle", Value: strconv.FormatInt(*c.Idle, 10)})
	}
	// An idle cgroup has no weight: the kernel refuses one.
	if v := SharesToWeight(fscommon.Uint(c.Shares)); v != 0 && fscommon.Int(c.Idle) != 1 {
		w = append(w, fscommon.Write{File: "cpu.weight", Value: strconv.FormatUint(v, 10)})
	}
	if fscommon.Int(c.Quota) != 0 || fscommon.Uint(c.Period) != 0 {
		max, err := cpuMax(dir, fscommon.Int(c.Quota), fscommon.Uint(c.Period))
		if err != nil {
			return err
		}
		w = append(w, fscommon.Write{File: "cpu.max", Value: max})
	}
	if c.Burst != nil {
		w = append(w, fscommon.Write{File: "cpu.max.burst", Value: strconv.FormatUint(*c.Burst, 10)})
	}
	return fscommon.WriteAll(dir, w)
}

// cpuMax returns cpu.max's "$QUOTA $PERIOD" for a new quota and period,
// either of which may be 0 ("keep the current one"). A negative quota is
// "max".
func cpuMax(dir string, quota int64, period uint64) (string, error) {
	cur, err := fscommon.ReadFile(dir, "cpu.max")
	if err != nil {
		return "", err
	}
	f := strings.Fields(cur)
	if len(f) != 2 {
		f = []string{"max", "100000"}
	}
	switch {
	case quota < 0:
		f[0] = "max"
	case quota > 0:
		f[0] = strconv.FormatInt(quota, 10)
	}
	if period != 0 {
		f[1] = strconv.FormatUint(period, 10)
	}
	return f[0] + " " + f[1], nil
}

func cpuStats(dir string, s *stats.Stats) error {
	st, err := fscommon.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = st["usage_usec"] * 1000
	s.CPU.Usage.User = st["user_usec"] * 1000
	s.CPU.Usage.Kernel = st["system_usec"] * 1000
	s.CPU.Throttling = stats.Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_usec"] * 1000,
	}
	s.CPU.PSI, err = fscommon.ReadPSI(dir, "cpu.pressure")
	return err
}
