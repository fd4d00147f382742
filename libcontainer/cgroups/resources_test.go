package cgroups

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestForCreate(t *testing.T) {
	if r := ForCreate(nil); r == nil || r.Devices == nil || len(r.Devices) != 0 {
		t.Errorf("ForCreate(nil) = %+v, want an empty, non-nil device list", r)
	}
	limit := int64(5)
	in := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}
	r := ForCreate(in)
	if r.Pids != in.Pids || r.Devices == nil || in.Devices != nil {
		t.Errorf("ForCreate = %+v; input now %+v", r, in)
	}
	dev := []specs.LinuxDeviceCgroup{{Access: "rwm"}}
	if r := ForCreate(&specs.LinuxResources{Devices: dev}); len(r.Devices) != 1 {
		t.Errorf("ForCreate dropped the spec's rules: %+v", r.Devices)
	}
}

func TestSystemdPath(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "system.slice:docker:abc", want: "/system.slice/docker-abc.scope"},
		{in: "machine-libpod.slice:libpod:abc", want: "/machine.slice/machine-libpod.slice/libpod-abc.scope"},
		{in: "a-b-c.slice::x", want: "/a.slice/a-b.slice/a-b-c.slice/x.scope"},
		{in: ":hull:x", want: "/system.slice/hull-x.scope"},
		{in: "-.slice:p:x", want: "/p-x.scope"},
		{in: "user.slice:p:my.slice", want: "/user.slice/my.slice"},
		{in: "", want: "/system.slice/hull-web.scope"},
		{in: "/hull/web", err: `not of the form "slice:prefix:name"`},
		{in: "a:b", err: `not of the form`},
		{in: "nope:p:x", err: "bad slice name nope"},
		{in: "a--b.slice:p:x", err: "bad slice name"},
		{in: "a.slice:p:", err: "bad unit name"},
		{in: "a.slice:p:x/y", err: "bad unit name"},
	} {
		got, err := SystemdPath(c.in, "web")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SystemdPath(%q) = %q, %v; want error with %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("SystemdPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestNewSystemdWithoutSystemd(t *testing.T) {
	old := systemdRunning
	systemdRunning = func() bool { return false }
	defer func() { systemdRunning = old }()
	_, err := NewSystemd("system.slice:hull:web", "web")
	if err == nil || !strings.Contains(err.Error(), "systemd is not running on this host") {
		t.Fatalf("NewSystemd = %v, want a clear error", err)
	}
	if _, err := NewSystemd("/abs/path", "web"); err == nil || !strings.Contains(err.Error(), "slice:prefix:name") {
		t.Fatalf("NewSystemd = %v, want a format error", err)
	}
}
