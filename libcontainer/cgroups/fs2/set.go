package fs2

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/devices"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// setter writes one part of linux.resources.
type setter struct {
	field  string // the config.json field, for errors
	wanted func(r *specs.LinuxResources) bool
	set    func(dir string, r *specs.LinuxResources) error
}

// setters in the order Set writes them; unified comes last so that its
// raw values win over the converted ones, and devices just before it.
var setters = []setter{
	{"network", networkWanted, setNetwork},
	{"cpu", fscommon.CpusetWanted, fscommon.SetCpuset},
	{"cpu", fscommon.CPUWanted, setCPU},
	{"memory", memoryWanted, setMemory},
	{"pids", fscommon.PidsWanted, fscommon.SetPids},
	{"blockIO", ioWanted, setIO},
	{"hugepageLimits", fscommon.HugetlbWanted, setHugetlb},
	{"rdma", fscommon.RdmaWanted, fscommon.SetRdma},
	{"devices", fscommon.DevicesWanted, setDevices},
	{"unified", unifiedWanted, setUnified},
}

// Set writes the container's resource limits, converting the cgroup v1
// values of config.json to their v2 files (shares to cpu.weight,
// memory+swap to memory.swap.max, blkio weights to io.weight...). A field
// that is nil (or, where runc treats it so, zero) is left as it is, so that
// `update` can pass only what changes; r.Devices nil leaves the device
// filter alone, while an empty list applies the default rules.
func (m *Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if r.Devices != nil {
		// Check the rules before anything is written.
		if _, err := devices.FromSpec(r.Devices); err != nil {
			return err
		}
	}
	for _, s := range setters {
		if !s.wanted(r) {
			continue
		}
		if err := s.set(m.dir, r); err != nil {
			return fscommon.FieldError(s.field, m.explain(err))
		}
	}
	return nil
}

// explain adds, to a write that failed for want of the file, whether the
// file's controller is enabled for the container's cgroup: the usual
// cause on cgroup v2 (the parent did not delegate it).
func (m *Manager) explain(err error) error {
	var we *fscommon.WriteError
	if !errors.Is(err, os.ErrNotExist) || !errors.As(err, &we) {
		return err
	}
	ctrl, _, _ := strings.Cut(filepath.Base(we.Path), ".")
	avail, rerr := fscommon.ReadFile(m.dir, "cgroup.controllers")
	if rerr != nil || slices.Contains(strings.Fields(avail), ctrl) || ctrl == "cgroup" {
		return err
	}
	return fmt.Errorf("%w (the %s controller is not enabled for %s)", err, ctrl, m.dir)
}

func networkWanted(r *specs.LinuxResources) bool {
	return r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0)
}

func setNetwork(string, *specs.LinuxResources) error {
	return errors.New("linux.resources.network: the net_cls and net_prio controllers do not exist on cgroup v2")
}

func unifiedWanted(r *specs.LinuxResources) bool { return len(r.Unified) > 0 }

// setUnified writes linux.resources.unified as it is, key by key in name
// order: each key names a file of the container's cgroup.
func setUnified(dir string, r *specs.LinuxResources) error {
	for _, key := range slices.Sorted(maps.Keys(r.Unified)) {
		if strings.ContainsRune(key, '/') || !strings.Contains(key, ".") || strings.HasPrefix(key, ".") {
			return fmt.Errorf("linux.resources.unified[%q]: not a cgroup file name", key)
		}
		// Moving processes is not a resource setting.
		if key == "cgroup.procs" || key == "cgroup.threads" {
			return fmt.Errorf("linux.resources.unified[%q]: cannot be set", key)
		}
		if err := fscommon.WriteFile(dir, key, r.Unified[key]); err != nil {
			return fmt.Errorf("linux.resources.unified[%q]: %w", key, err)
		}
	}
	return nil
}
