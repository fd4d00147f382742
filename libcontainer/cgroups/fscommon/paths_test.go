package fscommon

import (
	"strings"
	"testing"
)

func TestInnerPath(t *testing.T) {
	for _, c := range []struct {
		path, id, want, err string
	}{
		{path: "", id: "web", want: "web"},
		{path: "/hull/web", id: "web", want: "/hull/web"},
		{path: "/hull//web/", id: "x", want: "/hull/web"},
		{path: "pod/web", id: "x", want: "pod/web"},
		{path: "a/../b", id: "x", want: "b"},
		{path: "/a/./b/..", id: "x", want: "/a"},
		{path: "../web", id: "x", err: `climbs above`},
		{path: "/../etc", id: "x", err: `climbs above`},
		{path: "a/../../b", id: "x", err: `climbs above`},
		{path: "/", id: "x", err: `names no cgroup`},
		{path: "a/..", id: "x", err: `names no cgroup`},
		{path: "", id: "", err: `container id ""`},
		{path: "", id: "a/b", err: `container id "a/b"`},
		{path: "", id: "..", err: `climbs above`},
	} {
		got, err := InnerPath(c.path, c.id)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("InnerPath(%q, %q) = %q, %v; want error with %q", c.path, c.id, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("InnerPath(%q, %q) = %q, %v; want %q", c.path, c.id, got, err, c.want)
		}
	}
}

func TestParseSelfCgroup(t *testing.T) {
	own, err := ParseSelfCgroup(strings.NewReader(
		"9:name=systemd:/user.slice\n4:memory:/process_api/abc\n1:cpu,cpuacct:/c\n0::/init.scope\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name=systemd": "/user.slice", "memory": "/process_api/abc",
		"cpu": "/c", "cpuacct": "/c", "": "/init.scope",
	}
	if len(own) != len(want) {
		t.Fatalf("got %v, want %v", own, want)
	}
	for k, v := range want {
		if own[k] != v {
			t.Errorf("own[%q] = %q, want %q", k, own[k], v)
		}
	}
	if _, err := ParseSelfCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Error("bad line accepted")
	}
}

func TestCheckReserved(t *testing.T) {
	if err := CheckReserved("memory", "/process_api/abc/web"); err == nil ||
		!strings.Contains(err.Error(), `memory cgroup /process_api/abc/web would be inside "process_api"`) {
		t.Errorf("got %v", err)
	}
	if err := CheckReserved("", "/a/process_api"); err == nil || !strings.HasPrefix(err.Error(), "unified cgroup") {
		t.Errorf("got %v", err)
	}
	if err := CheckReserved("memory", "/process_api2/x"); err != nil {
		t.Errorf("got %v", err)
	}
}

func TestCheckSavedPath(t *testing.T) {
	const root = "/sys/fs/cgroup"
	for _, c := range []struct {
		dir string
		ok  bool
	}{
		{"/sys/fs/cgroup/memory/hull/web", true},
		{"/sys/fs/cgroup", false},
		{"/sys/fs/cgroupx/web", false},
		{"/etc", false},
		{"sys/fs/cgroup/memory/web", false},
		{"/sys/fs/cgroup/memory/../../../etc", false},
		{"/sys/fs/cgroup/memory/process_api/x", false},
		{"/sys/fs/cgroup/memory/process_api", false},
		{"/sys/fs/cgroup/memory/process_api/x/web", true},
	} {
		err := CheckSavedPath(root, "memory", c.dir)
		if (err == nil) != c.ok {
			t.Errorf("CheckSavedPath(%q) = %v, want ok=%v", c.dir, err, c.ok)
		}
	}
}

func TestCheckBase(t *testing.T) {
	for base, ok := range map[string]bool{
		"/": true, "/user.slice": true, "/process_api/abc": true, "/process_api": false, "/a/process_api": false,
	} {
		if err := CheckBase("memory", base); (err == nil) != ok {
			t.Errorf("CheckBase(%q) = %v, want ok=%v", base, err, ok)
		}
	}
}
