package fscommon

import (
	"math"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// The pids controller has the same files on cgroup v1 and v2.

// PidsWanted reports whether r sets a pids limit.
func PidsWanted(r *specs.LinuxResources) bool {
	return r.Pids != nil && r.Pids.Limit != nil
}

// SetPids writes r's pids limit to dir.
func SetPids(dir string, r *specs.LinuxResources) error {
	return WriteFile(dir, "pids.max", PidsMax(*r.Pids.Limit))
}

// PidsStats reads the pids usage and limit of dir into s.
func PidsStats(dir string, s *stats.Stats) error {
	var err error
	if s.Pids.Current, err = ReadUint(dir, "pids.current"); err != nil {
		return err
	}
	if s.Pids.Limit, err = ReadUint(dir, "pids.max"); err != nil {
		return err
	}
	if s.Pids.Limit == math.MaxUint64 {
		s.Pids.Limit = 0 // runc reports no limit as 0
	}
	return nil
}
