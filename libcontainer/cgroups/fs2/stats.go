package fs2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// statReaders read each controller's usage; "cpu" is read whether or not
// the controller is enabled (cpu.stat's usage lines are always there).
var statReaders = []struct {
	name string
	read func(dir string, s *stats.Stats) error
}{
	{"cpu", cpuStats},
	{"cpuset", cpusetStats},
	{"memory", memoryStats},
	{"pids", fscommon.PidsStats},
	{"io", ioStats},
	{"hugetlb", hugetlbStats},
}

// Stats reads the container's resource usage from the controllers enabled
// for its cgroup, with the pressure (PSI) figures.
func (m *Manager) Stats() (*stats.Stats, error) {
	text, err := fscommon.ReadFile(m.dir, "cgroup.controllers")
	if err != nil {
		return nil, err
	}
	enabled := strings.Fields(text)
	s := stats.New()
	for _, r := range statReaders {
		if r.name != "cpu" && !slices.Contains(enabled, r.name) {
			continue
		}
		if err := r.read(m.dir, s); err != nil {
			return nil, fmt.Errorf("%s stats: %w", r.name, err)
		}
	}
	return s, nil
}
