package cgroups

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// These tests set real limits on cgroups named /hull-test-<random> and
// check that the kernel enforces them, on the host they run on (v1 or
// hybrid here, v2 in the cgroup2 VM). They move only shells they start.

func i64p(v int64) *int64 { return &v }

// shell starts sh -c script waiting on its stdin: the test moves it into a
// cgroup, then calls go() to let the script run, and wait() for its output.
type shell struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   bytes.Buffer
}

func startShell(t *testing.T, script string) *shell {
	t.Helper()
	s := &shell{cmd: exec.Command("sh", "-c", "read x; "+script)}
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopSleep(s.cmd) })
	return s
}

func (s *shell) run(t *testing.T) (string, error) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	s.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return s.out.String(), err
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		t.Fatalf("shell did not finish; output %q", s.out.String())
	}
	return "", nil
}

func readLimit(t *testing.T, m Manager, v1ctrl, v1file, v2file string) string {
	t.Helper()
	p := m.Paths()
	dir, file := p[v1ctrl], v1file
	if _, v1 := p[v1ctrl]; !v1 {
		dir, file = p[""], v2file
	}
	v, err := fscommon.ReadFile(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(v)
}

func TestRealSetLimits(t *testing.T) {
	requireRoot(t)
	m := newReal(t, testCgroupName(t))
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	quota, period := int64(50000), uint64(100000)
	err := m.Set(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)},
		Pids:   &specs.LinuxPids{Limit: i64p(10)},
		CPU:    &specs.LinuxCPU{Quota: &quota, Period: &period},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ctrl, v1, v2, want string }{
		{"memory", "memory.limit_in_bytes", "memory.max", "67108864"},
		{"pids", "pids.max", "pids.max", "10"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000"},
	} {
		if got := readLimit(t, m, c.ctrl, c.v1, c.v2); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s = %q, want %q", c.v1, got, c.want)
		}
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Pids.Current != 1 || s.Pids.Limit != 10 || s.Memory.Usage.Limit != 64<<20 {
		t.Errorf("stats: pids %+v, memory limit %d", s.Pids, s.Memory.Usage.Limit)
	}

	// Limits can be changed on a frozen cgroup (update of a paused container).
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if f, ok := m.(interface{ Frozen() bool }); !ok || !f.Frozen() {
		t.Error("Frozen() = false after Freeze")
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(-1)}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if f := m.(interface{ Frozen() bool }); f.Frozen() {
		t.Error("Frozen() = true after Thaw")
	}
	if got := readLimit(t, m, "pids", "pids.max", "pids.max"); got != "max" {
		t.Errorf("pids.max = %q after update to -1", got)
	}
}

func TestRealPidsLimitEnforced(t *testing.T) {
	requireRoot(t)
	m := newReal(t, testCgroupName(t))
	sh := startShell(t, "/bin/true && echo forked")
	if err := m.Apply(sh.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(1)}}); err != nil {
		t.Fatal(err)
	}
	out, _ := sh.run(t)
	if strings.Contains(out, "forked") {
		t.Fatalf("the shell forked with pids.max 1: %q", out)
	}
}

func TestRealMemoryLimitOOM(t *testing.T) {
	requireRoot(t)
	m := newReal(t, testCgroupName(t))
	// tail keeps a line-less input whole in memory.
	sh := startShell(t, "head -c 256M /dev/zero | tail; echo done")
	if err := m.Apply(sh.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// memory+swap equal to memory: no swapping instead of the OOM kill.
	limit := i64p(32 << 20)
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: limit, Swap: limit}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ooms, err := NotifyOOM(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := sh.run(t)
	select {
	case _, ok := <-ooms:
		if !ok {
			t.Fatal("OOM channel closed without an event")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no OOM event; shell said %q", out)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Memory.EventCount.OOMKill == 0 {
		t.Errorf("stats show no OOM kill: %+v", s.Memory.EventCount)
	}
	cancel()
	for range ooms { // closed once ctx ends
	}
}

func TestRealDevicesDeny(t *testing.T) {
	requireRoot(t)
	if _, err := os.Stat("/dev/kmsg"); err != nil {
		t.Skip("no /dev/kmsg to be denied")
	}
	m := newReal(t, testCgroupName(t))
	sh := startShell(t, `(exec 3</dev/kmsg) 2>/dev/null && echo kmsg-open; (exec 3</dev/null) && echo null-open`)
	if err := m.Apply(sh.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	err := m.Set(ForCreate(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := sh.run(t)
	if strings.Contains(out, "kmsg-open") || !strings.Contains(out, "null-open") {
		t.Fatalf("want /dev/kmsg denied and /dev/null allowed; got %q", out)
	}
	// A second Set replaces the rules (v2: the old program is detached).
	err = m.Set(ForCreate(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}}))
	if err != nil {
		t.Fatal(err)
	}
	sh2 := startShell(t, `(exec 3</dev/kmsg) 2>/dev/null && echo kmsg-open`)
	if err := m.Apply(sh2.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if out, _ := sh2.run(t); !strings.Contains(out, "kmsg-open") {
		t.Fatalf("want /dev/kmsg allowed after allowing all; got %q", out)
	}
}
