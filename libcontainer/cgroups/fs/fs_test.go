package fs

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// mount is one line of a fake /proc/self/mountinfo.
type mount struct {
	dir    string // below the fake root
	fstype string // "cgroup" or "cgroup2"
	super  string // super options, e.g. "rw,cpu,cpuacct"
	root   string // the hierarchy's directory shown at dir; "" = "/"
}

// hybridMounts look like this host's: every v1 hierarchy, a co-mounted
// cpu,cpuacct bind-mounted a second time, and cgroup2 at unified.
var hybridMounts = []mount{
	{dir: "cpu,cpuacct", fstype: "cgroup", super: "rw,cpu,cpuacct"},
	{dir: "cpu", fstype: "cgroup", super: "rw,cpu,cpuacct"},
	{dir: "cpuset", fstype: "cgroup", super: "rw,cpuset,clone_children"},
	{dir: "memory", fstype: "cgroup", super: "rw,memory"},
	{dir: "devices", fstype: "cgroup", super: "rw,devices"},
	{dir: "freezer", fstype: "cgroup", super: "rw,freezer"},
	{dir: "pids", fstype: "cgroup", super: "rw,pids"},
	{dir: "systemd", fstype: "cgroup", super: "rw,xattr,release_agent=/x,name=systemd"},
	{dir: "unified", fstype: "cgroup2", super: "rw,nsdelegate"},
}

// fakeTree makes a fake cgroup root with a directory per mount (and a
// cpuset hierarchy with CPUs and memory nodes) and returns the root and the
// mountinfo text, which also lists mounts that are not ours to use.
func fakeTree(t *testing.T, mounts []mount) (string, string) {
	t.Helper()
	root := t.TempDir()
	t.Cleanup(fscommon.AddFakeRoot(root))
	var b strings.Builder
	fmt.Fprintf(&b, "22 1 0:21 / /proc rw - proc proc rw\n")
	fmt.Fprintf(&b, "30 22 0:27 / %s rw - tmpfs tmpfs rw,mode=755\n", root)
	for i, m := range mounts {
		dir := filepath.Join(root, m.dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if m.root == "" {
			m.root = "/"
		}
		fmt.Fprintf(&b, "%d 30 0:%d %s %s rw,relatime - %s %s %s\n",
			31+i, 28+i, m.root, dir, m.fstype, m.fstype, m.super)
	}
	// A container's view of a hierarchy, bind-mounted into its rootfs.
	fmt.Fprintf(&b, "99 30 0:30 / /run/ctr/rootfs/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")
	if _, err := os.Stat(filepath.Join(root, "cpuset")); err == nil {
		writeFile(t, filepath.Join(root, "cpuset"), "cpuset.cpus", "0-3\n")
		writeFile(t, filepath.Join(root, "cpuset"), "cpuset.mems", "0\n")
	}
	return root, b.String()
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

func fakeManager(t *testing.T, mounts []mount, inner string, own map[string]string) (*Manager, string) {
	t.Helper()
	root, mi := fakeTree(t, mounts)
	m, err := New(root, strings.NewReader(mi), inner, own)
	if err != nil {
		t.Fatal(err)
	}
	return m, root
}

func TestNewAbsolutePath(t *testing.T) {
	m, root := fakeManager(t, hybridMounts, "/hull/web", nil)
	want := map[string]string{
		"cpu":          root + "/cpu,cpuacct/hull/web",
		"cpuacct":      root + "/cpu,cpuacct/hull/web",
		"cpuset":       root + "/cpuset/hull/web",
		"memory":       root + "/memory/hull/web",
		"devices":      root + "/devices/hull/web",
		"freezer":      root + "/freezer/hull/web",
		"pids":         root + "/pids/hull/web",
		"name=systemd": root + "/systemd/hull/web",
		"":             root + "/unified/hull/web",
	}
	if got := m.Paths(); !maps.Equal(got, want) {
		t.Fatalf("Paths() =\n%v\nwant\n%v", got, want)
	}
}

func TestNewRelativePathJoinsOwnCgroup(t *testing.T) {
	own := map[string]string{
		"cpu": "/a", "cpuacct": "/a", "cpuset": "/", "memory": "/user/1",
		"devices": "/", "freezer": "/", "pids": "/", "name=systemd": "/s", "": "/u",
	}
	m, root := fakeManager(t, hybridMounts, "web", own)
	p := m.Paths()
	for ctrl, want := range map[string]string{
		"cpu": root + "/cpu,cpuacct/a/web", "memory": root + "/memory/user/1/web",
		"pids": root + "/pids/web", "name=systemd": root + "/systemd/s/web", "": root + "/unified/u/web",
	} {
		if p[ctrl] != want {
			t.Errorf("Paths()[%q] = %q, want %q", ctrl, p[ctrl], want)
		}
	}
}

func TestNewRefusesReservedCgroup(t *testing.T) {
	root, mi := fakeTree(t, hybridMounts)
	own := map[string]string{"memory": "/process_api/cc72", "cpu": "/", "cpuacct": "/",
		"cpuset": "/", "devices": "/", "freezer": "/", "pids": "/", "name=systemd": "/", "": "/"}
	// A relative path makes a child of our own session cgroup...
	m, err := New(root, strings.NewReader(mi), "web", own)
	if err != nil || m.Paths()["memory"] != root+"/memory/process_api/cc72/web" {
		t.Fatalf("New = %v, %v; want the memory cgroup below our own", m, err)
	}
	// ...unless our own is the supervisor's top cgroup.
	own["memory"] = "/process_api"
	_, err = New(root, strings.NewReader(mi), "web", own)
	if err == nil || !strings.Contains(err.Error(), `directly in /process_api`) {
		t.Fatalf("New = %v, want a process_api refusal", err)
	}
	_, err = New(root, strings.NewReader(mi), "/process_api/web", nil)
	if err == nil || !strings.Contains(err.Error(), `"process_api"`) {
		t.Fatalf("New = %v, want a process_api refusal", err)
	}
}

func TestNewTranslatesMountRoot(t *testing.T) {
	// Inside a container without a cgroup namespace, the hierarchy's
	// /docker/abc is what is mounted, and /proc/self/cgroup shows host paths.
	mounts := []mount{
		{dir: "devices", fstype: "cgroup", super: "rw,devices", root: "/docker/abc"},
	}
	m, root := fakeManager(t, mounts, "web", map[string]string{"devices": "/docker/abc"})
	if got, want := m.Paths()["devices"], root+"/devices/web"; got != want {
		t.Errorf("devices path = %q, want %q", got, want)
	}
	root, mi := fakeTree(t, mounts)
	_, err := New(root, strings.NewReader(mi), "web", map[string]string{"devices": "/other"})
	if err == nil || !strings.Contains(err.Error(), "outside the part of the hierarchy") {
		t.Errorf("New = %v, want an outside-the-mount error", err)
	}
}

func TestNewNeedsDevices(t *testing.T) {
	root, mi := fakeTree(t, []mount{{dir: "memory", fstype: "cgroup", super: "rw,memory"}})
	if _, err := New(root, strings.NewReader(mi), "/web", nil); err == nil ||
		!strings.Contains(err.Error(), "devices") {
		t.Fatalf("New = %v, want a missing devices error", err)
	}
	if _, err := New(root, strings.NewReader(""), "/web", nil); err == nil {
		t.Fatal("New with no mounts succeeded")
	}
}
