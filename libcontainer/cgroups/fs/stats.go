package fs

import (
	"fmt"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// statReaders read each mounted controller's usage.
var statReaders = []struct {
	name string
	read func(dir string, s *stats.Stats) error
}{
	{"cpu", cpuStats},
	{"cpuacct", cpuacctStats},
	{"cpuset", cpusetStats},
	{"memory", memoryStats},
	{"pids", fscommon.PidsStats},
	{"blkio", blkioStats},
	{"hugetlb", hugetlbStats},
}

// Stats reads the container's resource usage from every mounted
// controller. On a hybrid host the pressure (PSI) figures come from the
// container's cgroup2 directory, where the kernel keeps them for every
// cgroup.
func (m *Manager) Stats() (*stats.Stats, error) {
	s := stats.New()
	for _, r := range statReaders {
		dir, ok := m.paths[r.name]
		if !ok {
			continue
		}
		if err := r.read(dir, s); err != nil {
			return nil, fmt.Errorf("%s stats: %w", r.name, err)
		}
	}
	if dir, ok := m.paths[""]; ok {
		var err error
		for _, p := range []struct {
			file string
			psi  **stats.PSIStats
		}{
			{"cpu.pressure", &s.CPU.PSI}, {"memory.pressure", &s.Memory.PSI}, {"io.pressure", &s.Blkio.PSI},
		} {
			if *p.psi, err = fscommon.ReadPSI(dir, p.file); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}
