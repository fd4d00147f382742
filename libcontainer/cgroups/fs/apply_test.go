package fs

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestApplyWritesPidEverywhere(t *testing.T) {
	m, root := fakeManager(t, hybridMounts, "/hull/web", nil)
	if err := m.Apply(4242); err != nil {
		t.Fatal(err)
	}
	for ctrl, dir := range m.Paths() {
		if got := readFile(t, dir, "cgroup.procs"); got != "4242" {
			t.Errorf("%s: cgroup.procs = %q, want 4242", ctrl, got)
		}
	}
	// The new cpuset cgroups got CPUs and memory nodes from the root.
	for _, dir := range []string{root + "/cpuset/hull", root + "/cpuset/hull/web"} {
		if got := readFile(t, dir, "cpuset.cpus"); got != "0-3" {
			t.Errorf("%s/cpuset.cpus = %q, want 0-3", dir, got)
		}
		if got := readFile(t, dir, "cpuset.mems"); got != "0" {
			t.Errorf("%s/cpuset.mems = %q, want 0", dir, got)
		}
	}
	pids, err := m.Pids()
	if err != nil || !slices.Equal(pids, []int{4242}) {
		t.Errorf("Pids() = %v, %v", pids, err)
	}
	if !m.Exists() {
		t.Error("Exists() = false after Apply")
	}
}

func TestCpusetFillsEmptyAncestors(t *testing.T) {
	m, root := fakeManager(t, hybridMounts, "/pod/web", nil)
	// A parent made by someone else without CPUs or memory nodes.
	pod := filepath.Join(root, "cpuset", "pod")
	if err := os.Mkdir(pod, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, pod, "cpuset.cpus", "\n")
	writeFile(t, pod, "cpuset.mems", "")
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{pod, m.Paths()["cpuset"]} {
		if got := readFile(t, dir, "cpuset.cpus"); got != "0-3" {
			t.Errorf("%s/cpuset.cpus = %q, want 0-3", dir, got)
		}
	}
}

func TestDestroyRemovesOnlyWhatApplyMade(t *testing.T) {
	m, root := fakeManager(t, hybridMounts, "/pod/web", nil)
	// /pod exists in memory already (someone else's); everywhere else
	// Apply makes both /pod and /pod/web.
	pod := filepath.Join(root, "memory", "pod")
	if err := os.Mkdir(pod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	// The container made a cgroup of its own below its cgroup.
	nested := filepath.Join(m.Paths()["pids"], "sub")
	if err := os.Mkdir(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range m.Paths() {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", dir, err)
		}
		parent := filepath.Dir(dir)
		if _, err := os.Stat(parent); parent != pod && !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", parent, err)
		}
	}
	if _, err := os.Stat(pod); err != nil {
		t.Errorf("pre-existing %s was removed: %v", pod, err)
	}
	if m.Exists() {
		t.Error("Exists() = true after Destroy")
	}
	// Destroying again finds nothing to do.
	if err := m.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestLoadRoundTrip(t *testing.T) {
	m, root := fakeManager(t, hybridMounts, "/pod/web", nil)
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	l, err := Load(root, m.Paths(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(l.Paths(), m.Paths()) {
		t.Fatalf("Load(Paths()).Paths() = %v, want %v", l.Paths(), m.Paths())
	}
	if pids, err := l.Pids(); err != nil || !slices.Equal(pids, []int{77}) {
		t.Fatalf("loaded Pids() = %v, %v", pids, err)
	}
	// A loaded manager removes the container's cgroups, not the parents
	// it cannot know it made.
	if err := l.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range m.Paths() {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", dir, err)
		}
		if _, err := os.Stat(filepath.Dir(dir)); err != nil {
			t.Errorf("parent %s gone: %v", filepath.Dir(dir), err)
		}
	}
}

func TestLoadRejectsBadPaths(t *testing.T) {
	root := t.TempDir()
	for _, paths := range []map[string]string{
		nil,
		{"memory": "/etc"},
		{"memory": root},
		{"memory": root + "/memory/../../x"},
		{"memory": root + "/memory/process_api/x"},
	} {
		if _, err := Load(root, paths, nil); err == nil {
			t.Errorf("Load(%v) succeeded", paths)
		}
	}
}

func TestFreezeThawFake(t *testing.T) {
	m, _ := fakeManager(t, hybridMounts, "/web", nil)
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	dir := m.Paths()["freezer"]
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, "freezer.state"); got != "FROZEN" {
		t.Errorf("freezer.state = %q after Freeze", got)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, "freezer.state"); got != "THAWED" {
		t.Errorf("freezer.state = %q after Thaw", got)
	}
}

func TestFreezeWithoutFreezer(t *testing.T) {
	m, _ := fakeManager(t, []mount{{dir: "devices", fstype: "cgroup", super: "rw,devices"}}, "/web", nil)
	if err := m.Freeze(); err == nil || !strings.Contains(err.Error(), "freezer") {
		t.Fatalf("Freeze = %v, want a no-freezer error", err)
	}
}
