package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestRAMInBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"-1": -1, "1024": 1024, "512k": 512 << 10, "512K": 512 << 10, "64m": 64 << 20,
		"1.5G": 3 << 29, "2GiB": 2 << 30, "10 MB": 10 << 20, "3b": 3,
		"0": 0, "007": 7, "1 ": 1, "1i": 1, "1IB": 1, "1 kib": 1 << 10, "2t": 2 << 40,
		"1P": 1 << 50, "0.5k": 512, "1.25 KiB": 1280, "1 b": 1,
	} {
		if got, err := ramInBytes(in); err != nil || got != want {
			t.Errorf("ramInBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "x", "-2", "1X", "1.2.3", " 1", "1  k", "1.", ".5", "1.k", "1kk", "1bi",
		"1ii", "1bb", "1e3", "+1", "1,5k", "1k ", "1\n", "k", "1 i b", "１",
	} {
		if _, err := ramInBytes(in); err == nil {
			t.Errorf("ramInBytes(%q) accepted", in)
		}
	}
}

// flagContext parses args with update's flags.
func flagContext(t *testing.T, args ...string) *cli.Context {
	t.Helper()
	set := flag.NewFlagSet("update", flag.ContinueOnError)
	for _, f := range updateCommand.Flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cli.NewContext(cli.NewApp(), set, nil)
}

func TestResourcesFromFlags(t *testing.T) {
	r, err := resourcesFromFlags(flagContext(t, "--memory", "128M", "--memory-swap", "-1", "--cpu-quota", "20000",
		"--cpu-share", "512", "--cpuset-cpus", "0-1", "--pids-limit", "0", "--blkio-weight", "300", "--cpu-idle", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if *r.Memory.Limit != 128<<20 || *r.Memory.Swap != -1 || r.Memory.Reservation != nil {
		t.Errorf("memory = %+v", r.Memory)
	}
	if *r.CPU.Quota != 20000 || *r.CPU.Shares != 512 || r.CPU.Period != nil || r.CPU.Cpus != "0-1" || *r.CPU.Idle != 1 {
		t.Errorf("cpu = %+v", r.CPU)
	}
	// --pids-limit 0 is given, so it is set (0 is a valid limit).
	if r.Pids == nil || *r.Pids.Limit != 0 || *r.BlockIO.Weight != 300 {
		t.Errorf("pids = %+v, blockIO = %+v", r.Pids, r.BlockIO)
	}

	r, err = resourcesFromFlags(flagContext(t))
	if err != nil || r.Pids != nil || r.BlockIO != nil || r.Memory.Limit != nil || r.CPU.Quota != nil {
		t.Errorf("no flags: %+v, %v; want nothing set", r, err)
	}

	_, err = resourcesFromFlags(flagContext(t, "--cpu-period", "x", "--memory", "lots"))
	if err == nil || !strings.Contains(err.Error(), `--cpu-period "x"`) || !strings.Contains(err.Error(), `--memory "lots"`) {
		t.Errorf("bad values: %v", err)
	}
	if _, err := resourcesFromFlags(flagContext(t, "--l3-cache-schema", "L3:0=f")); err == nil {
		t.Error("--l3-cache-schema accepted")
	}
}
