package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

func blkioWanted(r *specs.LinuxResources) bool {
	b := r.BlockIO
	return b != nil && (weight(b.Weight) != 0 || weight(b.LeafWeight) != 0 || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

func weight(p *uint16) uint16 {
	if p == nil {
		return 0
	}
	return *p
}

// setBlkio writes linux.resources.blockIO. Weights go to the CFQ files
// (blkio.weight) where the kernel has them, else to BFQ's
// (blkio.bfq.weight): CFQ is gone since Linux 5.0. Zero weights mean "not
// set". Leaf weights exist only with CFQ.
func setBlkio(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	prefix := "blkio."
	if _, err := os.Stat(filepath.Join(dir, "blkio.weight")); err != nil {
		if _, err := os.Stat(filepath.Join(dir, "blkio.bfq.weight")); err == nil {
			prefix = "blkio.bfq."
		}
	}
	var w []fscommon.Write
	if v := weight(b.Weight); v != 0 {
		w = append(w, fscommon.Write{File: prefix + "weight", Value: strconv.Itoa(int(v))})
	}
	if v := weight(b.LeafWeight); v != 0 {
		w = append(w, fscommon.Write{File: "blkio.leaf_weight", Value: strconv.Itoa(int(v))})
	}
	for _, d := range b.WeightDevice {
		if v := weight(d.Weight); v != 0 {
			w = append(w, fscommon.Write{File: prefix + "weight_device", Value: devLine(d.Major, d.Minor, uint64(v))})
		}
		if v := weight(d.LeafWeight); v != 0 {
			w = append(w, fscommon.Write{File: "blkio.leaf_weight_device", Value: devLine(d.Major, d.Minor, uint64(v))})
		}
	}
	for _, t := range []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	} {
		for _, d := range t.devs {
			w = append(w, fscommon.Write{File: t.file, Value: devLine(d.Major, d.Minor, d.Rate)})
		}
	}
	for _, x := range w {
		err := fscommon.WriteFile(dir, x.File, x.Value)
		if errors.Is(err, os.ErrNotExist) && strings.Contains(x.File, "weight") {
			return fmt.Errorf("%w (the host's I/O scheduler has no weights: neither CFQ nor BFQ is in use)", err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func devLine(major, minor int64, v uint64) string {
	return fmt.Sprintf("%d:%d %d", major, minor, v)
}

// blkioStats reads the per-device byte and operation counts: BFQ's where
// the kernel has them, else the throttling layer's, which counts all I/O.
func blkioStats(dir string, s *stats.Stats) error {
	prefix := "blkio.bfq."
	if _, err := os.Stat(filepath.Join(dir, prefix+"io_service_bytes_recursive")); err != nil {
		prefix = "blkio.throttle."
	}
	var err error
	if s.Blkio.IoServiceBytesRecursive, err = readBlkio(dir, prefix+"io_service_bytes_recursive"); err != nil {
		return err
	}
	s.Blkio.IoServicedRecursive, err = readBlkio(dir, prefix+"io_serviced_recursive")
	return err
}

// readBlkio parses lines like "8:0 Read 4096"; the "Total" line is skipped.
func readBlkio(dir, file string) ([]stats.BlkioEntry, error) {
	text, err := fscommon.ReadFile(dir, file)
	if err != nil {
		return nil, err
	}
	var out []stats.BlkioEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		e := stats.BlkioEntry{Op: f[1]}
		var err1, err2, err3 error
		e.Major, err1 = strconv.ParseUint(maj, 10, 64)
		e.Minor, err2 = strconv.ParseUint(min, 10, 64)
		e.Value, err3 = strconv.ParseUint(f[2], 10, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%s: bad line %q", filepath.Join(dir, file), line)
		}
		out = append(out, e)
	}
	return out, nil
}
