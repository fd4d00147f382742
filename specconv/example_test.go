package specconv

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestExampleRoundTrip(t *testing.T) {
	data, err := json.Marshal(Example())
	if err != nil {
		t.Fatal(err)
	}
	var back specs.Spec
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, Example()) {
		t.Errorf("Example changed through JSON:\n%s", data)
	}
}

func TestExampleContent(t *testing.T) {
	s := Example()
	checks := []struct {
		what string
		ok   bool
	}{
		{"ociVersion is the spec's", s.Version == specs.Version},
		{"hostname hull", s.Hostname == "hull"},
		{"root rootfs read-only", s.Root.Path == "rootfs" && s.Root.Readonly},
		{"terminal sh in /", s.Process.Terminal && slices.Equal(s.Process.Args, []string{"sh"}) && s.Process.Cwd == "/"},
		{"TERM=xterm", slices.Contains(s.Process.Env, "TERM=xterm")},
		{"noNewPrivileges", s.Process.NoNewPrivileges},
		{"no ambient or inheritable caps", s.Process.Capabilities.Ambient == nil && s.Process.Capabilities.Inheritable == nil},
		{"RLIMIT_NOFILE 1024", reflect.DeepEqual(s.Process.Rlimits, []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}})},
		{"seven mounts", len(s.Mounts) == 7},
		{"cgroup namespace", slices.ContainsFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == specs.CgroupNamespace })},
		{"powercap masked", slices.Contains(s.Linux.MaskedPaths, "/sys/devices/virtual/powercap")},
		{"/proc/sys read-only", slices.Contains(s.Linux.ReadonlyPaths, "/proc/sys")},
		{"devices denied", len(s.Linux.Resources.Devices) == 1 && !s.Linux.Resources.Devices[0].Allow},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("Example: want %s", c.what)
		}
	}
	// Each call returns its own copy: callers edit it.
	s.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	if Example().Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" {
		t.Error("Example shares its capability lists between calls")
	}
}

func TestToRootless(t *testing.T) {
	s := Example()
	ToRootless(s)
	ToRootless(s) // twice must not add a second user namespace

	var types []specs.LinuxNamespaceType
	for _, ns := range s.Linux.Namespaces {
		types = append(types, ns.Type)
	}
	want := []specs.LinuxNamespaceType{"pid", "ipc", "uts", "mount", "user"}
	if !slices.Equal(types, want) {
		t.Errorf("namespaces %v, want %v", types, want)
	}
	uid, gid := uint32(os.Geteuid()), uint32(os.Getegid())
	if !reflect.DeepEqual(s.Linux.UIDMappings, []specs.LinuxIDMapping{{ContainerID: 0, HostID: uid, Size: 1}}) ||
		!reflect.DeepEqual(s.Linux.GIDMappings, []specs.LinuxIDMapping{{ContainerID: 0, HostID: gid, Size: 1}}) {
		t.Errorf("mappings %v %v, want 0 -> %d/%d", s.Linux.UIDMappings, s.Linux.GIDMappings, uid, gid)
	}
	if s.Linux.Resources != nil {
		t.Error("resources kept")
	}
	for _, m := range s.Mounts {
		for _, o := range m.Options {
			if strings.HasPrefix(o, "gid=") || strings.HasPrefix(o, "uid=") {
				t.Errorf("mount %s keeps %s", m.Destination, o)
			}
		}
		if m.Destination == "/sys" && (m.Source != "/sys" || !slices.Contains(m.Options, "rbind") ||
			!slices.Contains(m.Options, "ro")) {
			t.Errorf("/sys is not a read-only rbind of the host's: %+v", m)
		}
	}
	if err := Validate(s, newBundle(t)); err != nil {
		t.Errorf("rootless example does not validate: %v", err)
	}
}

func TestToRootlessWithoutLinux(t *testing.T) {
	s := Example()
	s.Linux = nil
	ToRootless(s)
	if len(s.Linux.Namespaces) != 1 || s.Linux.Namespaces[0].Type != specs.UserNamespace {
		t.Errorf("namespaces %v, want only user", s.Linux.Namespaces)
	}
}
