package fscommon

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Resource values that both cgroup versions convert the same way. In
// config.json (and in docker's requests) a zero often means "not set":
// these helpers follow runc in which fields that is.

// Int returns *p, or 0 for nil.
func Int(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Uint returns *p, or 0 for nil.
func Uint(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

// PidsMax is the pids.max value for linux.resources.pids.limit: a
// positive limit as it is, a negative one as "max", and 0 as "1" (as runc
// does: systemd cannot set 0, and with the init already counted 0 and 1
// allow the same, so both drivers agree).
func PidsMax(limit int64) string {
	switch {
	case limit > 0:
		return strconv.FormatInt(limit, 10)
	case limit == 0:
		return "1"
	}
	return "max"
}

// RdmaLine is the rdma.max line for one device, e.g.
// "mlx5_1 hca_handle=3 hca_object=10000".
func RdmaLine(dev string, r specs.LinuxRdma) (string, error) {
	if r.HcaHandles == nil && r.HcaObjects == nil {
		return "", fmt.Errorf("linux.resources.rdma[%q]: neither hcaHandles nor hcaObjects is set", dev)
	}
	line := dev
	if r.HcaHandles != nil {
		line += " hca_handle=" + strconv.FormatUint(uint64(*r.HcaHandles), 10)
	}
	if r.HcaObjects != nil {
		line += " hca_object=" + strconv.FormatUint(uint64(*r.HcaObjects), 10)
	}
	return line, nil
}

// SetRdma writes one rdma.max line per device of r, in name order.
func SetRdma(dir string, r *specs.LinuxResources) error {
	rdma := r.Rdma
	for _, dev := range slices.Sorted(maps.Keys(rdma)) {
		line, err := RdmaLine(dev, rdma[dev])
		if err != nil {
			return err
		}
		if err := WriteFile(dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}

// HugetlbSizes lists the huge page sizes ("2MB", "1GB") that dir has a
// file "hugetlb.<size><suffix>" for, suffix being v1's ".usage_in_bytes"
// or v2's ".current".
func HugetlbSizes(dir, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var sizes []string
	for _, e := range entries {
		name, isHugetlb := strings.CutPrefix(e.Name(), "hugetlb.")
		size, ok := strings.CutSuffix(name, suffix)
		if isHugetlb && ok && !strings.Contains(size, ".") {
			sizes = append(sizes, size)
		}
	}
	return sizes, nil
}

// SetHugetlb writes each hugepageLimits entry: the page fault limit file
// (limitFmt, e.g. "hugetlb.%s.limit_in_bytes") and, where the kernel has
// it, the reservation limit (rsvdFmt), which the spec prefers. A page size
// without a limit file is not one of this host's huge page sizes.
func SetHugetlb(dir string, limits []specs.LinuxHugepageLimit, limitFmt, rsvdFmt string) error {
	for i, l := range limits {
		if l.Pagesize == "" || strings.ContainsAny(l.Pagesize, "/.") {
			return fmt.Errorf("linux.resources.hugepageLimits[%d].pageSize: bad page size %q", i, l.Pagesize)
		}
		limitFile, rsvdFile := fmt.Sprintf(limitFmt, l.Pagesize), fmt.Sprintf(rsvdFmt, l.Pagesize)
		if _, err := os.Stat(filepath.Join(dir, limitFile)); err != nil {
			return fmt.Errorf("linux.resources.hugepageLimits[%d].pageSize: %q is not a huge page size of this host (%w)", i, l.Pagesize, err)
		}
		value := strconv.FormatUint(l.Limit, 10)
		if err := WriteFile(dir, limitFile, value); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, rsvdFile)); err == nil {
			if err := WriteFile(dir, rsvdFile, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write is one value for one cgroup file.
type Write struct{ File, Value string }

// WriteAll writes values in order. Some pairs of cgroup files constrain
// each other (cpu.cfs_quota_us and cpu.cfs_burst_us, memory limits): a
// write the kernel refuses with EINVAL is tried once more after the others,
// which may have made it valid.
func WriteAll(dir string, writes []Write) error {
	var retry []Write
	for _, w := range writes {
		err := WriteFile(dir, w.File, w.Value)
		if errors.Is(err, unix.EINVAL) {
			retry = append(retry, w)
			continue
		}
		if err != nil {
			return err
		}
	}
	for _, w := range retry {
		if err := WriteFile(dir, w.File, w.Value); err != nil {
			return err
		}
	}
	return nil
}

// CheckMemoryUsage implements linux.resources.memory.checkBeforeUpdate:
// a new limit below the current usage (read from usageFile) is refused
// instead of making the kernel reclaim or OOM-kill.
func CheckMemoryUsage(dir, usageFile string, m *specs.LinuxMemory) error {
	limit := Int(m.Limit)
	if m.CheckBeforeUpdate == nil || !*m.CheckBeforeUpdate || limit <= 0 {
		return nil
	}
	usage, err := ReadUint(dir, usageFile)
	if err != nil {
		return err
	}
	if usage > uint64(limit) {
		return fmt.Errorf("linux.resources.memory.limit: %d is below the current usage of %d bytes (checkBeforeUpdate is set)", limit, usage)
	}
	return nil
}

// FieldError puts "linux.resources.<field>: " before err unless err names
// a config.json field already.
func FieldError(field string, err error) error {
	if strings.HasPrefix(err.Error(), "linux.resources.") {
		return err
	}
	return fmt.Errorf("linux.resources.%s: %w", field, err)
}
