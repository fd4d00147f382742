package fs

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

const (
	memLimit = "memory.limit_in_bytes"
	swapFile = "memory.memsw.limit_in_bytes"
)

func memoryWanted(r *specs.LinuxResources) bool {
	m := r.Memory
	return m != nil && (fscommon.Int(m.Limit) != 0 || fscommon.Int(m.Reservation) != 0 ||
		fscommon.Int(m.Swap) != 0 || fscommon.Int(m.Kernel) != 0 || //nolint:staticcheck // kernel is deprecated but accepted
		fscommon.Int(m.KernelTCP) != 0 || m.Swappiness != nil || m.DisableOOMKiller != nil)
}

// setMemory writes linux.resources.memory. Zero limits mean "not set";
// -1 means unlimited.
func setMemory(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if err := fscommon.CheckMemoryUsage(dir, "memory.usage_in_bytes", m); err != nil {
		return err
	}
	limit, swap := fscommon.Int(m.Limit), fscommon.Int(m.Swap)
	// As in runc: unlimited memory with swap not given means unlimited
	// swap too, or the old memory+swap limit would still cap the memory.
	if limit == -1 && m.Swap == nil {
		swap = -1
	}
	if err := setLimits(dir, limit, swap); err != nil {
		return err
	}
	if v := fscommon.Int(m.Reservation); v != 0 {
		if err := fscommon.WriteFile(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(v, 10)); err != nil {
			return err
		}
	}
	if err := setKernel(dir, m); err != nil {
		return err
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("linux.resources.memory.swappiness: %d is above 100", *m.Swappiness)
		}
		if err := fscommon.WriteFile(dir, "memory.swappiness", strconv.FormatUint(*m.Swappiness, 10)); err != nil {
			return err
		}
	}
	if m.DisableOOMKiller != nil {
		v := "0"
		if *m.DisableOOMKiller {
			v = "1"
		}
		return fscommon.WriteFile(dir, "memory.oom_control", v)
	}
	return nil
}

// setLimits writes the memory and memory+swap limits. The kernel keeps
// memory <= memory+swap at every moment, so when the new memory+swap limit
// is above the current memory limit it goes first, else last.
func setLimits(dir string, limit, swap int64) error {
	limitW := fscommon.Write{File: memLimit, Value: strconv.FormatInt(limit, 10)}
	swapW := fscommon.Write{File: swapFile, Value: strconv.FormatInt(swap, 10)}
	var writes []fscommon.Write
	switch {
	case limit != 0 && swap != 0:
		cur, err := fscommon.ReadUint(dir, memLimit)
		if err != nil {
			return err
		}
		if swap == -1 || uint64(swap) > cur {
			writes = []fscommon.Write{swapW, limitW}
		} else {
			writes = []fscommon.Write{limitW, swapW}
		}
	case limit != 0:
		writes = []fscommon.Write{limitW}
	case swap != 0:
		writes = []fscommon.Write{swapW}
	}
	err := fscommon.WriteAll(dir, writes)
	if errors.Is(err, os.ErrNotExist) && swap != 0 {
		if _, serr := os.Stat(dir + "/" + swapFile); os.IsNotExist(serr) {
			if swap == -1 {
				// No swap accounting: unlimited swap is what we have.
				return fscommon.WriteAll(dir, writes[len(writes)-1:])
			}
			return errors.New("linux.resources.memory.swap: this kernel does not account swap (no memory.memsw.limit_in_bytes; boot with swapaccount=1)")
		}
	}
	return err
}

// setKernel writes the deprecated kernel memory limits. Recent kernels
// accept memory.kmem.limit_in_bytes but ignore it, or refuse it: either
// way the container runs, as with runc, which ignores the field.
func setKernel(dir string, m *specs.LinuxMemory) error {
	if v := fscommon.Int(m.Kernel); v != 0 { //nolint:staticcheck // deprecated but accepted
		err := fscommon.WriteFile(dir, "memory.kmem.limit_in_bytes", strconv.FormatInt(v, 10))
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.EOPNOTSUPP) &&
			!errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EBUSY) {
			return err
		}
	}
	if v := fscommon.Int(m.KernelTCP); v != 0 {
		return fscommon.WriteFile(dir, "memory.kmem.tcp.limit_in_bytes", strconv.FormatInt(v, 10))
	}
	return nil
}

func memoryStats(dir string, s *stats.Stats) error {
	raw, err := fscommon.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["cache"]
	for _, e := range []struct {
		prefix string
		entry  *stats.MemoryEntry
	}{
		{"memory", &s.Memory.Usage},
		{"memory.memsw", &s.Memory.Swap},
		{"memory.kmem", &s.Memory.Kernel},
		{"memory.kmem.tcp", &s.Memory.KernelTCP},
	} {
		if err := memoryEntry(dir, e.prefix, e.entry); err != nil {
			return err
		}
	}
	oom, err := fscommon.ReadKeyValues(dir, "memory.oom_control")
	if err != nil {
		return err
	}
	s.Memory.EventCount.OOMKill = oom["oom_kill"]
	s.Memory.EventCount.Max = s.Memory.Usage.Failcnt
	return nil
}

// memoryEntry reads <prefix>.{usage_in_bytes,max_usage_in_bytes,failcnt,
// limit_in_bytes}; swap and kernel memory files may be missing.
func memoryEntry(dir, prefix string, e *stats.MemoryEntry) error {
	for _, f := range []struct {
		name string
		v    *uint64
	}{
		{".usage_in_bytes", &e.Usage}, {".max_usage_in_bytes", &e.Max},
		{".failcnt", &e.Failcnt}, {".limit_in_bytes", &e.Limit},
	} {
		v, err := fscommon.ReadUint(dir, prefix+f.name)
		if err != nil {
			if prefix != "memory" && errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		*f.v = v
	}
	return nil
}
