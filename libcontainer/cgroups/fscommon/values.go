package fscommon

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/stats"
)

// ParseUint parses a cgroup number; "max" (v2's "no limit") is
// math.MaxUint64, and so is a negative number (v1 reads back -1 for some
// unlimited values).
func ParseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err == nil {
		return v, nil
	}
	if n, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && n < 0 {
		return math.MaxUint64, nil
	}
	return 0, err
}

// ReadUint reads a cgroup file holding one number (see ParseUint).
func ReadUint(dir, file string) (uint64, error) {
	text, err := ReadFile(dir, file)
	if err != nil {
		return 0, err
	}
	v, err := ParseUint(text)
	if err != nil {
		return 0, fmt.Errorf("%s: bad number %q", filepath.Join(dir, file), strings.TrimSpace(text))
	}
	return v, nil
}

// ReadUintOpt is ReadUint for a file the kernel may not have (an optional
// feature); a missing file reads as 0.
func ReadUintOpt(dir, file string) (uint64, error) {
	v, err := ReadUint(dir, file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	return v, err
}

// ReadKeyValues reads a flat-keyed cgroup file of "key value" lines, such
// as memory.stat, cpu.stat or memory.events.
func ReadKeyValues(dir, file string) (map[string]uint64, error) {
	text, err := ReadFile(dir, file)
	if err != nil {
		return nil, err
	}
	kv := make(map[string]uint64)
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("%s: bad line %q", filepath.Join(dir, file), line)
		}
		v, err := ParseUint(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s: bad line %q", filepath.Join(dir, file), line)
		}
		kv[f[0]] = v
	}
	return kv, nil
}

// ReadPSI reads a pressure stall file (cpu.pressure, ...), whose lines look
// like "some avg10=0.00 avg60=0.00 avg300=0.00 total=0". It returns nil
// without error if the kernel has no such file (PSI disabled).
func ReadPSI(dir, file string) (*stats.PSIStats, error) {
	text, err := ReadFile(dir, file)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.EOPNOTSUPP) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	psi := &stats.PSIStats{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var d *stats.PSIData
		switch f[0] {
		case "some":
			d = &psi.Some
		case "full":
			d = &psi.Full
		default:
			continue
		}
		if err := parsePSILine(d, f[1:]); err != nil {
			return nil, fmt.Errorf("%s: %w in %q", filepath.Join(dir, file), err, line)
		}
	}
	return psi, nil
}

func parsePSILine(d *stats.PSIData, fields []string) error {
	for _, kv := range fields {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("bad field %q", kv)
		}
		var err error
		switch k {
		case "avg10":
			d.Avg10, err = strconv.ParseFloat(v, 64)
		case "avg60":
			d.Avg60, err = strconv.ParseFloat(v, 64)
		case "avg300":
			d.Avg300, err = strconv.ParseFloat(v, 64)
		case "total":
			d.Total, err = strconv.ParseUint(v, 10, 64)
		}
		if err != nil {
			return fmt.Errorf("bad field %q", kv)
		}
	}
	return nil
}

// ParseList parses a cpuset list such as "0-3,8,10-11".
func ParseList(s string) ([]uint16, error) {
	var out []uint16
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("bad cpuset list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("bad cpuset list %q", s)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}
