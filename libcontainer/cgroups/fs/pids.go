package fs

import (
	"math"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

func pidsWanted(r *specs.LinuxResources) bool {
	return r.Pids != nil && r.Pids.Limit != nil
}

func setPids(dir string, r *specs.LinuxResources) error {
	return fscommon.WriteFile(dir, "pids.max", fscommon.PidsMax(*r.Pids.Limit))
}

func pidsStats(dir string, s *stats.Stats) error {
	var err error
	if s.Pids.Current, err = fscommon.ReadUint(dir, "pids.current"); err != nil {
		return err
	}
	if s.Pids.Limit, err = fscommon.ReadUint(dir, "pids.max"); err != nil {
		return err
	}
	if s.Pids.Limit == math.MaxUint64 {
		s.Pids.Limit = 0 // runc reports no limit as 0
	}
	return nil
}
