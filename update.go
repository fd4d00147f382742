package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

var updateCommand = &cli.Command{
	Name:      "update",
	Usage:     "update a container's resource limits",
	ArgsUsage: "<container-id>",
	Description: `Change the limits of a running, created or paused container. With
--resources, read linux.resources JSON (as in config.json; fields left out
are not changed) from a file or '-' for stdin, and ignore the other flags.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: "file with the resources JSON, or '-' for stdin"},
		&cli.IntFlag{Name: "blkio-weight", Usage: "block IO weight, 10 to 1000"},
		&cli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period in microseconds"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS quota in microseconds per period (-1: none)"},
		&cli.StringFlag{Name: "cpu-burst", Usage: "CPU CFS burst in microseconds"},
		&cli.StringFlag{Name: "cpu-share", Usage: "CPU shares (relative weight)"},
		&cli.StringFlag{Name: "cpu-rt-period", Usage: "CPU realtime period in microseconds"},
		&cli.StringFlag{Name: "cpu-rt-runtime", Usage: "CPU realtime runtime in microseconds per period"},
		&cli.StringFlag{Name: "cpu-idle", Usage: "1: SCHED_IDLE for the cgroup, 0: normal"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs to use, e.g. 0-3,5"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes to use"},
		&cli.StringFlag{Name: "memory", Usage: "memory limit, e.g. 512M (-1: none)"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		&cli.StringFlag{Name: "memory-swap", Usage: "memory+swap limit (-1: unlimited swap)"},
		&cli.IntFlag{Name: "pids-limit", Usage: "maximum number of processes (-1: none)"},
		&cli.StringFlag{Name: "kernel-memory", Hidden: true, Usage: "ignored"},
		&cli.StringFlag{Name: "kernel-memory-tcp", Hidden: true, Usage: "ignored"},
		&cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT L3 cache schema (not supported)"},
		&cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT memory bandwidth schema (not supported)"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		var r *specs.LinuxResources
		var err error
		if in := ctx.String("resources"); in != "" {
			r, err = readResources(in)
		} else {
			r, err = resourcesFromFlags(ctx)
		}
		if err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			return err
		}
		return c.Update(r)
	},
}

func readResources(name string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	var r specs.LinuxResources
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		return nil, fmt.Errorf("update: --resources %s: %w", name, err)
	}
	return &r, nil
}

// resourcesFromFlags builds the resources to change from runc's per-field
// flags; flags not given are left nil, so their limits do not change.
func resourcesFromFlags(ctx *cli.Context) (*specs.LinuxResources, error) {
	for _, opt := range []string{"l3-cache-schema", "mem-bw-schema"} {
		if ctx.String(opt) != "" {
			return nil, fmt.Errorf("update: --%s: Intel RDT is not supported", opt)
		}
	}
	for _, opt := range []string{"kernel-memory", "kernel-memory-tcp"} {
		if ctx.String(opt) != "" {
			logrus.Warnf("update: --%s is ignored", opt)
		}
	}
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}}
	if ctx.IsSet("blkio-weight") {
		w := ctx.Int("blkio-weight")
		if w < 0 || w > 1000 {
			return nil, fmt.Errorf("update: --blkio-weight %d is not in 10..1000", w)
		}
		v := uint16(w)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &v}
	}
	if ctx.IsSet("pids-limit") {
		v := int64(ctx.Int("pids-limit"))
		r.Pids = &specs.LinuxPids{Limit: &v}
	}
	r.CPU.Cpus, r.CPU.Mems = ctx.String("cpuset-cpus"), ctx.String("cpuset-mems")
	var errs []error
	for _, f := range []struct {
		opt  string
		dest **uint64
	}{
		{"cpu-period", &r.CPU.Period}, {"cpu-burst", &r.CPU.Burst},
		{"cpu-share", &r.CPU.Shares}, {"cpu-rt-period", &r.CPU.RealtimePeriod},
	} {
		if s := ctx.String(f.opt); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			errs = append(errs, flagError(f.opt, s, err))
			*f.dest = &v
		}
	}
	for _, f := range []struct {
		opt  string
		dest **int64
		size bool
	}{
		{"cpu-quota", &r.CPU.Quota, false}, {"cpu-rt-runtime", &r.CPU.RealtimeRuntime, false},
		{"cpu-idle", &r.CPU.Idle, false}, {"memory", &r.Memory.Limit, true},
		{"memory-reservation", &r.Memory.Reservation, true}, {"memory-swap", &r.Memory.Swap, true},
	} {
		if s := ctx.String(f.opt); s != "" {
			var v int64
			var err error
			if f.size {
				v, err = ramInBytes(s)
			} else {
				v, err = strconv.ParseInt(s, 10, 64)
			}
			errs = append(errs, flagError(f.opt, s, err))
			*f.dest = &v
		}
	}
	return r, errors.Join(errs...)
}

func flagError(opt, value string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("update: --%s %q: invalid value", opt, value)
}

// sizeRE is compiled on first use: a package-level regexp would be
// compiled at the start of every command, and only update needs this one.
var sizeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$`)
})

// ramInBytes parses a size as runc's update does (docker's units): "-1",
// a number of bytes, or one with a binary unit, "512k", "1.5G", "2GiB".
func ramInBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	m := sizeRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	shift := strings.Index("kmgtp", strings.ToLower(m[2])) + 1
	if m[2] == "" {
		shift = 0
	}
	return int64(n * float64(uint64(1)<<(10*shift))), nil
}
