package cgroups

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/fs"
	"github.com/hull-oci/hull/libcontainer/cgroups/fs2"
	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// layout is a fake host: the root's file system type, the cgroup mounts
// below it (name -> super options, fs type "cgroup2" for "unified"), and
// the caller's /proc/self/cgroup.
type layout struct {
	fsType     int64
	mounts     map[string]string
	selfCgroup string
}

var (
	v1Layout = layout{
		fsType: unix.TMPFS_MAGIC,
		mounts: map[string]string{
			"cpu,cpuacct": "rw,cpu,cpuacct", "memory": "rw,memory",
			"devices": "rw,devices", "pids": "rw,pids", "systemd": "rw,name=systemd",
		},
		selfCgroup: "5:name=systemd:/user.slice\n4:pids:/user.slice\n3:devices:/\n" +
			"2:memory:/mem\n1:cpu,cpuacct:/\n",
	}
	hybridLayout = layout{
		fsType: unix.TMPFS_MAGIC,
		mounts: map[string]string{
			"memory": "rw,memory", "devices": "rw,devices", "unified": "rw,nsdelegate",
		},
		selfCgroup: "2:memory:/mem\n1:devices:/\n0::/init.scope\n",
	}
	v2Layout = layout{
		fsType:     unix.CGROUP2_SUPER_MAGIC,
		selfCgroup: "0::/user.slice/session-1.scope\n",
	}
)

// fakeHost builds l under a temporary directory.
func fakeHost(t *testing.T, l layout) host {
	t.Helper()
	root := t.TempDir()
	t.Cleanup(fscommon.AddFakeRoot(root))
	if l.fsType == unix.CGROUP2_SUPER_MAGIC {
		err := os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("memory pids\n"), 0o644)
		if err != nil {
			t.Fatal(err)
		}
	}
	var mi strings.Builder
	i := 0
	for name, opts := range l.mounts {
		fstype := "cgroup"
		if name == "unified" {
			fstype = "cgroup2"
		}
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		i++
		fmt.Fprintf(&mi, "%d 1 0:%d / %s/%s rw - %s %s %s\n", 30+i, 30+i, root, name, fstype, fstype, opts)
	}
	return host{
		root:       root,
		fsType:     func(string) (int64, error) { return l.fsType, nil },
		mountinfo:  func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(mi.String())), nil },
		selfCgroup: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(l.selfCgroup)), nil },
	}
}

func TestNewPathResolution(t *testing.T) {
	for _, c := range []struct {
		name        string
		layout      layout
		path, id    string
		want        map[string]string // below the fake root
		wantManager any
	}{
		{"v1 absolute", v1Layout, "/hull/web", "web", map[string]string{
			"cpu": "cpu,cpuacct/hull/web", "cpuacct": "cpu,cpuacct/hull/web", "memory": "memory/hull/web",
			"devices": "devices/hull/web", "pids": "pids/hull/web", "name=systemd": "systemd/hull/web",
		}, &fs.Manager{}},
		{"v1 relative", v1Layout, "pod/web", "web", map[string]string{
			"cpu": "cpu,cpuacct/pod/web", "cpuacct": "cpu,cpuacct/pod/web", "memory": "memory/mem/pod/web",
			"devices": "devices/pod/web", "pids": "pids/user.slice/pod/web",
			"name=systemd": "systemd/user.slice/pod/web",
		}, &fs.Manager{}},
		{"v1 empty", v1Layout, "", "web", map[string]string{
			"cpu": "cpu,cpuacct/web", "cpuacct": "cpu,cpuacct/web", "memory": "memory/mem/web",
			"devices": "devices/web", "pids": "pids/user.slice/web", "name=systemd": "systemd/user.slice/web",
		}, &fs.Manager{}},
		{"hybrid absolute", hybridLayout, "/web", "x", map[string]string{
			"memory": "memory/web", "devices": "devices/web", "": "unified/web",
		}, &fs.Manager{}},
		{"hybrid empty", hybridLayout, "", "web", map[string]string{
			"memory": "memory/mem/web", "devices": "devices/web", "": "unified/init.scope/web",
		}, &fs.Manager{}},
		{"v2 absolute", v2Layout, "/hull/web", "web", map[string]string{"": "hull/web"}, &fs2.Manager{}},
		{"v2 relative", v2Layout, "pod/web", "web", map[string]string{"": "user.slice/pod/web"}, &fs2.Manager{}},
		{"v2 empty", v2Layout, "", "web", map[string]string{"": "user.slice/web"}, &fs2.Manager{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, c.layout)
			m, err := h.newManager(c.path, c.id)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%T", m) != fmt.Sprintf("%T", c.wantManager) {
				t.Errorf("manager is %T, want %T", m, c.wantManager)
			}
			want := make(map[string]string)
			for k, v := range c.want {
				want[k] = filepath.Join(h.root, v)
			}
			if got := m.Paths(); !maps.Equal(got, want) {
				t.Errorf("Paths() =\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestNewRelativeInsideReservedSession(t *testing.T) {
	l := hybridLayout
	l.selfCgroup = "2:memory:/process_api/cc72307c\n1:devices:/\n0::/\n"
	h := fakeHost(t, l)
	// A relative path makes a new child of our own session cgroup.
	m, err := h.newManager("", "web")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Paths()["memory"], filepath.Join(h.root, "memory/process_api/cc72307c/web"); got != want {
		t.Errorf("memory path = %q, want %q", got, want)
	}
	// But not one that names the supervisor's cgroup itself.
	if _, err := h.newManager("x/process_api/y", "web"); err == nil || !strings.Contains(err.Error(), `"process_api"`) {
		t.Fatalf("New = %v, want a refusal", err)
	}
	// An absolute path may not go through it at all.
	if _, err := h.newManager("/process_api/cc72307c/web", "web"); err == nil || !strings.Contains(err.Error(), `"process_api"`) {
		t.Fatalf("New = %v, want a refusal", err)
	}
	if _, err := h.newManager("/web", "web"); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefusesReservedBase(t *testing.T) {
	l := hybridLayout
	l.selfCgroup = "2:memory:/process_api\n1:devices:/\n0::/\n"
	h := fakeHost(t, l)
	_, err := h.newManager("", "web")
	if err == nil || !strings.Contains(err.Error(), "directly in /process_api") {
		t.Fatalf("New = %v, want a refusal", err)
	}
}

func TestNewRejectsEscapes(t *testing.T) {
	h := fakeHost(t, v1Layout)
	for _, p := range []string{"../web", "/../../etc", "a/../../b", "/"} {
		if _, err := h.newManager(p, "web"); err == nil {
			t.Errorf("New(%q) succeeded", p)
		}
	}
}

func TestNewUnknownRootFilesystem(t *testing.T) {
	l := v1Layout
	l.fsType = 0xEF53 // ext4
	if _, err := fakeHost(t, l).newManager("/web", "web"); err == nil ||
		!strings.Contains(err.Error(), "neither cgroup2 nor tmpfs") {
		t.Fatalf("New = %v", err)
	}
}

func TestLoadPicksManager(t *testing.T) {
	for _, l := range []layout{v1Layout, hybridLayout, v2Layout} {
		h := fakeHost(t, l)
		m, err := h.newManager("/pod/web", "web")
		if err != nil {
			t.Fatal(err)
		}
		predicted := MadeParents(m)
		if len(predicted) == 0 {
			t.Fatal("MadeParents before Apply is empty, want the /pod dirs")
		}
		if err := m.Apply(12); err != nil {
			t.Fatal(err)
		}
		if made := MadeParents(m); !slices.Equal(made, predicted) {
			t.Errorf("MadeParents = %v after Apply, %v before", made, predicted)
		}
		loaded, err := h.load(m.Paths(), predicted)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%T", loaded) != fmt.Sprintf("%T", m) || !maps.Equal(loaded.Paths(), m.Paths()) {
			t.Errorf("Load(Paths()) = %T %v, want %T %v", loaded, loaded.Paths(), m, m.Paths())
		}
		if pids, err := loaded.Pids(); err != nil || len(pids) != 1 || pids[0] != 12 {
			t.Errorf("loaded Pids() = %v, %v", pids, err)
		}
		if err := loaded.Destroy(); err != nil {
			t.Fatal(err)
		}
		if loaded.Exists() {
			t.Errorf("%v still exists after Destroy", loaded.Paths())
		}
		for _, p := range predicted {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("parent %s still there after Destroy (%v)", p, err)
			}
		}
	}
	if _, err := fakeHost(t, v2Layout).load(map[string]string{"": "/etc"}, nil); err == nil {
		t.Error("Load accepted /etc")
	}
}
