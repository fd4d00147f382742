package cgroups

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// These tests make real cgroups named /hull-test-<random> on the host they
// run on (v1 or hybrid here, pure v2 in the cgroup2 VM) and remove them.
// They move only `sleep` processes they start themselves.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
}

func testCgroupName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "/hull-test-" + hex.EncodeToString(b)
}

// startSleep starts a child that the test can move between cgroups; it is
// killed and reaped when the test ends, if the test did not do so itself.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopSleep(cmd) })
	return cmd
}

func stopSleep(cmd *exec.Cmd) {
	if cmd.ProcessState == nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// newReal makes a Manager for path and destroys it when the test ends,
// after the processes the test started are gone (cleanups run in reverse).
func newReal(t *testing.T, path string) Manager {
	t.Helper()
	m, err := New(path, "unused")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return m
}

// freezeState reads the container's freezer state as v1 names it.
func freezeState(t *testing.T, m Manager) string {
	t.Helper()
	p := m.Paths()
	if dir, ok := p["freezer"]; ok {
		s, err := fscommon.ReadFile(dir, "freezer.state")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(s)
	}
	events, err := fscommon.ReadFile(p[""], "cgroup.events")
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.Contains(events, "frozen 1"):
		return "FROZEN"
	case strings.Contains(events, "frozen 0"):
		return "THAWED"
	}
	t.Fatalf("no frozen line in %s/cgroup.events: %q", p[""], events)
	return ""
}

// checkGone fails the test if any of dirs exists.
func checkGone(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", dir, err)
		}
	}
}

func TestRealLifecycle(t *testing.T) {
	requireRoot(t)
	base := testCgroupName(t)
	m := newReal(t, base+"/ctr")
	cmd := startSleep(t)
	pid := cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}

	// The kernel agrees: every hierarchy shows the process in our cgroup.
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	own, err := fscommon.ParseSelfCgroup(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for ctrl := range m.Paths() {
		if own[ctrl] != base+"/ctr" {
			t.Errorf("/proc/%d/cgroup: %q is in %q, want %q", pid, ctrl, own[ctrl], base+"/ctr")
		}
	}
	if pids, err := m.Pids(); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Fatalf("Pids() = %v, %v; want [%d]", pids, err, pid)
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if s := freezeState(t, m); s != "FROZEN" {
		t.Errorf("after Freeze the cgroup is %s", s)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if s := freezeState(t, m); s != "THAWED" {
		t.Errorf("after Thaw the cgroup is %s", s)
	}

	stopSleep(cmd)
	// Right after the reap the kernel may still hold the cgroup busy;
	// Destroy waits for it.
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range m.Paths() {
		checkGone(t, dir, filepath.Dir(dir))
	}
	if m.Exists() {
		t.Error("Exists() = true after Destroy")
	}
}

func TestRealLoadAndBusyDestroy(t *testing.T) {
	requireRoot(t)
	m := newReal(t, testCgroupName(t))
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	l, err := Load(m.Paths())
	if err != nil {
		t.Fatal(err)
	}
	if !l.Exists() {
		t.Fatal("loaded manager: Exists() = false")
	}
	if pids, err := l.Pids(); err != nil || !slices.Equal(pids, []int{cmd.Process.Pid}) {
		t.Fatalf("loaded Pids() = %v, %v", pids, err)
	}

	// With the process alive, Destroy gives up after its retry budget.
	start := time.Now()
	err = l.Destroy()
	if !errors.Is(err, unix.EBUSY) {
		t.Fatalf("Destroy of a populated cgroup = %v, want busy", err)
	}
	if d := time.Since(start); d < fscommon.RemoveTimeout || d > 3*fscommon.RemoveTimeout {
		t.Errorf("busy Destroy took %v, want about %v", d, fscommon.RemoveTimeout)
	}

	stopSleep(cmd)
	if err := l.Destroy(); err != nil {
		t.Fatal(err)
	}
	checkGone(t, slices.Collect(maps.Values(m.Paths()))...)
}

func TestRealRelativeInsideReservedCgroup(t *testing.T) {
	requireRoot(t)
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "/"+fscommon.ReservedName) {
		t.Skip("this process is not in a " + fscommon.ReservedName + " cgroup")
	}
	name := strings.TrimPrefix(testCgroupName(t), "/")
	m, err := New(name+"/inner", "x")
	if err != nil {
		t.Fatal(err)
	}
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	paths := m.Paths()
	for ctrl, dir := range paths {
		if strings.Contains(dir, fscommon.ReservedName) && !strings.HasSuffix(dir, "/"+name+"/inner") {
			t.Errorf("%s: %s is not a new child of our own cgroup", ctrl, dir)
		}
	}
	// A later `delete` loads the saved paths, including the parents made.
	l, err := Load(paths, MadeParents(m)...)
	if err != nil {
		t.Fatal(err)
	}
	stopSleep(cmd)
	if err := l.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range paths {
		checkGone(t, dir, filepath.Dir(dir))
	}
}
