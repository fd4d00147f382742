package fs2

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// fakeRoot makes a fake cgroup2 root offering two controllers.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Cleanup(fscommon.AddFakeRoot(root))
	writeFile(t, root, "cgroup.controllers", "memory pids\n")
	return root
}

func writeFile(t *testing.T, dir, file, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewPaths(t *testing.T) {
	root := "/sys/fs/cgroup"
	for _, c := range []struct{ inner, own, want string }{
		{"/hull/web", "", root + "/hull/web"},
		{"/hull/web", "/user.slice/session.scope", root + "/hull/web"},
		// Relative paths go next to the caller's cgroup, not into it.
		{"web", "/user.slice/session.scope", root + "/user.slice/web"},
		{"web", "/", root + "/web"},
	} {
		m, err := New(root, c.inner, c.own)
		if err != nil {
			t.Fatalf("New(%q, own %q): %v", c.inner, c.own, err)
		}
		if got := m.Paths()[""]; got != c.want {
			t.Errorf("New(%q, own %q) dir = %q, want %q", c.inner, c.own, got, c.want)
		}
	}
	if _, err := New(root, "web", ""); err == nil {
		t.Error("relative path without an own cgroup accepted")
	}
	// Relative paths go next to our own cgroup: not directly into the
	// supervisor's top cgroup, but fine inside our session's.
	if _, err := New(root, "web", "/process_api/abc"); err == nil ||
		!strings.Contains(err.Error(), `directly in /process_api`) {
		t.Errorf("New = %v, want a process_api refusal", err)
	}
	if m, err := New(root, "web", "/process_api/abc/x"); err != nil || m.Paths()[""] != root+"/process_api/abc/web" {
		t.Errorf("New = %v, %v; want a cgroup in our session's", m, err)
	}
	if _, err := New(root, "/process_api/abc/web", ""); err == nil {
		t.Error("absolute path through process_api accepted")
	}
}

func TestApplyDestroy(t *testing.T) {
	root := fakeRoot(t)
	pre := filepath.Join(root, "pre") // exists before Apply
	if err := os.Mkdir(pre, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, pre, "cgroup.controllers", "memory pids\n")
	m, err := New(root, "/pre/pod/web", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(99); err != nil {
		t.Fatal(err)
	}
	dir := m.Paths()[""]
	if got := readFile(t, dir, "cgroup.procs"); got != "99" {
		t.Errorf("cgroup.procs = %q, want 99", got)
	}
	// The parent of each new directory enables what it has for it.
	if got := readFile(t, pre, "cgroup.subtree_control"); got != "+memory +pids" {
		t.Errorf("%s/cgroup.subtree_control = %q", pre, got)
	}
	if pids, err := m.Pids(); err != nil || !slices.Equal(pids, []int{99}) {
		t.Errorf("Pids() = %v, %v", pids, err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(pre, "pod")); !os.IsNotExist(err) {
		t.Errorf("%s/pod still there (%v)", pre, err)
	}
	if _, err := os.Stat(pre); err != nil {
		t.Errorf("pre-existing %s removed: %v", pre, err)
	}
	if m.Exists() {
		t.Error("Exists() = true after Destroy")
	}
}

func TestLoadRoundTrip(t *testing.T) {
	root := fakeRoot(t)
	m, err := New(root, "/pod/web", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(5); err != nil {
		t.Fatal(err)
	}
	l, err := Load(root, m.Paths()[""], nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Paths()[""] != m.Paths()[""] || !l.Exists() {
		t.Fatalf("loaded %v, want %v", l.Paths(), m.Paths())
	}
	if err := l.Destroy(); err != nil {
		t.Fatal(err)
	}
	if l.Exists() {
		t.Error("container cgroup still there")
	}
	if _, err := os.Stat(filepath.Join(root, "pod")); err != nil {
		t.Errorf("parent removed by a loaded manager: %v", err)
	}
	if _, err := Load(root, "/etc", nil); err == nil {
		t.Error("Load accepted a path outside the root")
	}
}

func TestFreezeFake(t *testing.T) {
	root := fakeRoot(t)
	m, err := New(root, "/web", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(1); err != nil {
		t.Fatal(err)
	}
	dir := m.Paths()[""]
	// Nothing in a fake tree updates cgroup.events; say it is frozen.
	writeFile(t, dir, "cgroup.events", "populated 1\nfrozen 1\n")
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, "cgroup.freeze"); got != "1" {
		t.Errorf("cgroup.freeze = %q, want 1", got)
	}
}
