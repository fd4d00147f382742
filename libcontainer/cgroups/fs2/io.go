package fs2

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

func ioWanted(r *specs.LinuxResources) bool {
	b := r.BlockIO
	return b != nil && (weightOf(b.Weight) != 0 || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

func weightOf(p *uint16) uint16 {
	if p == nil {
		return 0
	}
	return *p
}

// BlkioToIOWeight converts a cgroup v1 blkio weight [10, 1000] to a v2
// io.weight [1, 10000], linearly, as runc does. 0 stays 0 ("not set").
func BlkioToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}

// setIO writes linux.resources.blockIO. With the BFQ scheduler the weights
// go, unconverted, to io.bfq.weight (whose range is v1's); otherwise to
// io.weight, converted. Leaf weights have no v2 equivalent and are
// ignored, as by runc. Throttles go to io.max.
func setIO(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	file, conv := "io.weight", BlkioToIOWeight
	if _, err := os.Stat(filepath.Join(dir, "io.bfq.weight")); err == nil {
		file, conv = "io.bfq.weight", func(w uint16) uint64 { return uint64(w) }
	}
	var w []fscommon.Write
	if v := conv(weightOf(b.Weight)); v != 0 {
		w = append(w, fscommon.Write{File: file, Value: strconv.FormatUint(v, 10)})
	}
	for _, d := range b.WeightDevice {
		if v := conv(weightOf(d.Weight)); v != 0 {
			w = append(w, fscommon.Write{File: file, Value: fmt.Sprintf("%d:%d %d", d.Major, d.Minor, v)})
		}
	}
	for _, t := range []struct {
		key  string
		devs []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice}, {"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice}, {"wiops", b.ThrottleWriteIOPSDevice},
	} {
		for _, d := range t.devs {
			w = append(w, fscommon.Write{File: "io.max", Value: fmt.Sprintf("%d:%d %s=%d", d.Major, d.Minor, t.key, d.Rate)})
		}
	}
	for _, x := range w {
		if err := fscommon.WriteFile(dir, x.File, x.Value); err != nil {
			return err
		}
	}
	return nil
}

// ioStats reads io.stat, lines like "8:0 rbytes=1 wbytes=2 rios=3 wios=4
// dbytes=0 dios=0", into runc's v1-shaped byte and operation counts.
func ioStats(dir string, s *stats.Stats) error {
	text, err := fscommon.ReadFile(dir, "io.stat")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		maj, min, _ := strings.Cut(f[0], ":")
		major, err1 := strconv.ParseUint(maj, 10, 64)
		minor, err2 := strconv.ParseUint(min, 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s/io.stat: bad line %q", dir, line)
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			e := stats.BlkioEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes", "wbytes":
				e.Op = opName(k)
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "rios", "wios":
				e.Op = opName(k)
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			}
		}
	}
	s.Blkio.PSI, err = fscommon.ReadPSI(dir, "io.pressure")
	return err
}

func opName(key string) string {
	if key[0] == 'r' {
		return "Read"
	}
	return "Write"
}
