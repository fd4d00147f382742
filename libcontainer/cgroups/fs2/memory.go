package fs2

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

func memoryWanted(r *specs.LinuxResources) bool {
	m := r.Memory
	return m != nil && (fscommon.Int(m.Limit) != 0 || fscommon.Int(m.Reservation) != 0 || fscommon.Int(m.Swap) != 0)
}

// limitValue is a v2 limit file's value for a spec limit: -1 is "max".
func limitValue(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

// setMemory writes memory.max, memory.swap.max and memory.low. cgroup v2
// has no kernel memory limits, swappiness or OOM killer switch: those
// fields are ignored, as by runc.
func setMemory(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if err := fscommon.CheckMemoryUsage(dir, "memory.current", m); err != nil {
		return err
	}
	limit := fscommon.Int(m.Limit)
	swap, err := swapMax(dir, limit, m.Swap)
	if err != nil {
		return err
	}
	if swap != "" {
		err := fscommon.WriteFile(dir, "memory.swap.max", swap)
		// Without swap accounting there is no file; no swap and
		// unlimited swap are then what we have already.
		if err != nil && !(errors.Is(err, os.ErrNotExist) && (swap == "max" || swap == "0")) {
			return err
		}
	}
	if limit != 0 {
		if err := fscommon.WriteFile(dir, "memory.max", limitValue(limit)); err != nil {
			return err
		}
	}
	if v := fscommon.Int(m.Reservation); v != 0 {
		return fscommon.WriteFile(dir, "memory.low", limitValue(v))
	}
	return nil
}

// swapMax converts the spec's memory+swap limit to memory.swap.max (swap
// alone), or "" for no change. Without a new memory limit the current one
// is read, so that `update --memory-swap` alone works.
func swapMax(dir string, limit int64, swapp *int64) (string, error) {
	swap := fscommon.Int(swapp)
	switch {
	case swapp == nil && limit == -1:
		// Unlimited memory with swap not given: unlimited swap too, as on v1.
		return "max", nil
	case swap == 0:
		return "", nil
	case swap == -1:
		return "max", nil
	}
	if limit == 0 {
		cur, err := fscommon.ReadUint(dir, "memory.max")
		if err != nil {
			return "", err
		}
		if cur == math.MaxUint64 {
			limit = -1
		} else {
			limit = int64(cur)
		}
	}
	switch {
	case limit == -1:
		return strconv.FormatInt(swap, 10), nil
	case swap < limit:
		return "", fmt.Errorf("linux.resources.memory.swap: %d is below the memory limit %d (it is memory+swap)", swap, limit)
	}
	return strconv.FormatInt(swap-limit, 10), nil
}

func memoryStats(dir string, s *stats.Stats) error {
	raw, err := fscommon.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["file"]
	events, err := fscommon.ReadKeyValues(dir, "memory.events")
	if err != nil {
		return err
	}
	s.Memory.EventCount = stats.MemoryEvents{
		Low: events["low"], High: events["high"], Max: events["max"],
		OOM: events["oom"], OOMKill: events["oom_kill"],
	}
	u := &s.Memory.Usage
	if u.Usage, err = fscommon.ReadUint(dir, "memory.current"); err != nil {
		return err
	}
	if u.Limit, err = fscommon.ReadUint(dir, "memory.max"); err != nil {
		return err
	}
	if u.Max, err = fscommon.ReadUintOpt(dir, "memory.peak"); err != nil { // Linux 5.19
		return err
	}
	u.Failcnt = events["max"]
	// Swap is reported as memory+swap, as cgroup v1 does.
	sw := &s.Memory.Swap
	if sw.Usage, err = fscommon.ReadUintOpt(dir, "memory.swap.current"); err != nil {
		return err
	}
	sw.Usage += u.Usage
	if sw.Limit, err = fscommon.ReadUintOpt(dir, "memory.swap.max"); err != nil {
		return err
	}
	if sw.Limit != math.MaxUint64 && u.Limit != math.MaxUint64 {
		sw.Limit += u.Limit
	} else {
		sw.Limit = math.MaxUint64
	}
	s.Memory.PSI, err = fscommon.ReadPSI(dir, "memory.pressure")
	return err
}
