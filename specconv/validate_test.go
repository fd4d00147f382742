package specconv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// newBundle returns a bundle directory holding an empty rootfs/.
func newBundle(t *testing.T) string {
	t.Helper()
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bundle
}

func ptr[T any](v T) *T { return &v }

func withNS(s *specs.Spec, ns ...specs.LinuxNamespace) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, ns...)
}

func withoutNS(s *specs.Spec, t specs.LinuxNamespaceType) {
	var keep []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != t {
			keep = append(keep, ns)
		}
	}
	s.Linux.Namespaces = keep
}

func userNS(s *specs.Spec) {
	withNS(s, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
}

type validateCase struct {
	name   string
	mutate func(s *specs.Spec, bundle string)
	want   string // "" for valid; $BUNDLE stands for the bundle path
}

var versionRootCases = []validateCase{
	{"example is valid", func(*specs.Spec, string) {}, ""},
	{"ociVersion empty", func(s *specs.Spec, _ string) { s.Version = "" },
		`config.json: ociVersion: unsupported ociVersion ""`},
	{"ociVersion major 2", func(s *specs.Spec, _ string) { s.Version = "2.0.0" },
		`config.json: ociVersion: unsupported ociVersion "2.0.0"`},
	{"ociVersion 1.0.2-dev", func(s *specs.Spec, _ string) { s.Version = "1.0.2-dev" }, ""},
	{"root missing", func(s *specs.Spec, _ string) { s.Root = nil },
		`config.json: root: must be set`},
	{"root.path empty", func(s *specs.Spec, _ string) { s.Root.Path = "" },
		`config.json: root.path: must be set`},
	{"root.path missing", func(s *specs.Spec, _ string) { s.Root.Path = "nope/../nothing" },
		`config.json: root.path: $BUNDLE/nothing: no such directory`},
	{"root.path absolute missing", func(s *specs.Spec, b string) { s.Root.Path = b + "/gone" },
		`config.json: root.path: $BUNDLE/gone: no such directory`},
	{"root.path a file", func(s *specs.Spec, b string) {
		_ = os.WriteFile(filepath.Join(b, "file"), nil, 0o644)
		s.Root.Path = "file"
	}, `config.json: root.path: $BUNDLE/file: not a directory`},
	{"root.path absolute", func(s *specs.Spec, b string) { s.Root.Path = filepath.Join(b, "rootfs") }, ""},
}

var processCases = []validateCase{
	{"process missing", func(s *specs.Spec, _ string) { s.Process = nil },
		`config.json: process: must be set`},
	{"args empty", func(s *specs.Spec, _ string) { s.Process.Args = nil },
		`config.json: process.args: must not be empty`},
	{"cwd empty", func(s *specs.Spec, _ string) { s.Process.Cwd = "" },
		`config.json: process.cwd: must be an absolute path, got ""`},
	{"cwd relative", func(s *specs.Spec, _ string) { s.Process.Cwd = "x" },
		`config.json: process.cwd: must be an absolute path, got "x"`},
	{"env without =", func(s *specs.Spec, _ string) { s.Process.Env = append(s.Process.Env, "FOO") },
		`config.json: process.env[2]: must be NAME=VALUE, got "FOO"`},
	{"env without name", func(s *specs.Spec, _ string) { s.Process.Env = []string{"=x"} },
		`config.json: process.env[0]: must be NAME=VALUE, got "=x"`},
	{"env with NUL", func(s *specs.Spec, _ string) { s.Process.Env = []string{"A=b\x00c"} },
		`config.json: process.env[0]: must not contain a NUL byte`},
	{"env empty value", func(s *specs.Spec, _ string) { s.Process.Env = []string{"A="} }, ""},
	{"rlimit unknown", func(s *specs.Spec, _ string) {
		s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_TEST"})
	}, `config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_TEST"`},
	{"rlimit duplicate", func(s *specs.Spec, _ string) {
		s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_NOFILE"})
	}, `config.json: process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE" (also process.rlimits[0])`},
	{"rlimit soft > hard", func(s *specs.Spec, _ string) { s.Process.Rlimits[0].Soft = 2048 },
		`config.json: process.rlimits[0]: soft limit 2048 is greater than hard limit 1024`},
	{"rlimit all names", func(s *specs.Spec, _ string) {
		s.Process.Rlimits = nil
		for _, n := range []string{"AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE",
			"NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK"} {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_" + n, Soft: 1, Hard: 2})
		}
	}, ""},
	{"capability unknown in bounding", func(s *specs.Spec, _ string) {
		s.Process.Capabilities.Bounding[1] = "CAP_BOGUS"
	}, `config.json: process.capabilities.bounding[1]: unknown capability "CAP_BOGUS"`},
	{"capability lowercase in ambient", func(s *specs.Spec, _ string) {
		s.Process.Capabilities.Ambient = []string{"CAP_KILL", "chown"}
	}, `config.json: process.capabilities.ambient[1]: unknown capability "chown"`},
	{"capability unknown in inheritable", func(s *specs.Spec, _ string) {
		s.Process.Capabilities.Inheritable = []string{"CAP_TEST"}
	}, `config.json: process.capabilities.inheritable[0]: unknown capability "CAP_TEST"`},
	{"capability newest known", func(s *specs.Spec, _ string) {
		s.Process.Capabilities.Permitted = []string{"CAP_CHECKPOINT_RESTORE", "CAP_BPF", "CAP_PERFMON"}
	}, ""},
	{"oomScoreAdj too high", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = ptr(1001) },
		`config.json: process.oomScoreAdj: must be between -1000 and 1000, got 1001`},
	{"oomScoreAdj too low", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = ptr(-1001) },
		`config.json: process.oomScoreAdj: must be between -1000 and 1000, got -1001`},
	{"oomScoreAdj -1000", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = ptr(-1000) }, ""},
	{"umask", func(s *specs.Spec, _ string) { s.Process.User.Umask = ptr(uint32(0o77)) }, ""},
}

var namespaceCases = []validateCase{
	{"namespace unknown", func(s *specs.Spec, _ string) { s.Linux.Namespaces[2].Type = "foo" },
		`config.json: linux.namespaces[2].type: unknown namespace "foo"`},
	{"namespace empty type", func(s *specs.Spec, _ string) { s.Linux.Namespaces[0].Type = "" },
		`config.json: linux.namespaces[0].type: unknown namespace ""`},
	{"namespace duplicate", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.PIDNamespace})
	}, `config.json: linux.namespaces[6].type: duplicate namespace "pid" (also linux.namespaces[0])`},
	{"namespace relative path", func(s *specs.Spec, _ string) { s.Linux.Namespaces[1].Path = "proc/1/ns/net" },
		`config.json: linux.namespaces[1].path: must be an absolute path, got "proc/1/ns/net"`},
	{"namespace time and user", func(s *specs.Spec, _ string) {
		userNS(s)
		withNS(s, specs.LinuxNamespace{Type: specs.TimeNamespace})
	}, ""},
	{"hostname without uts", func(s *specs.Spec, _ string) { withoutNS(s, specs.UTSNamespace) },
		`config.json: hostname: unable to set hostname without a private UTS namespace`},
	{"hostname in joined uts (runc allows it)", func(s *specs.Spec, _ string) { s.Linux.Namespaces[3].Path = "/proc/1/ns/uts" }, ``},
	{"domainname without uts", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.UTSNamespace)
		s.Hostname, s.Domainname = "", "example.org"
	}, `config.json: domainname: unable to set domainname without a private UTS namespace`},
	{"no uts and no names", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.UTSNamespace)
		s.Hostname = ""
	}, ""},
	{"uidMappings without userns", func(s *specs.Spec, _ string) {
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
	}, `config.json: linux.uidMappings: set without a user namespace in linux.namespaces`},
	{"gidMappings without userns", func(s *specs.Spec, _ string) {
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
	}, `config.json: linux.gidMappings: set without a user namespace in linux.namespaces`},
	{"mapping size 0", func(s *specs.Spec, _ string) {
		userNS(s)
		s.Linux.GIDMappings = append(s.Linux.GIDMappings, specs.LinuxIDMapping{ContainerID: 1, HostID: 2})
	}, `config.json: linux.gidMappings[1].size: must be greater than zero`},
	{"new userns without mappings", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.UserNamespace})
	}, `config.json: linux.uidMappings: must be set for a new user namespace`},
	{"joined userns without mappings", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
	}, ""},
	{"timeOffsets without timens", func(s *specs.Spec, _ string) {
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
	}, `config.json: linux.timeOffsets: set without a new time namespace in linux.namespaces`},
	{"timeOffsets in joined timens", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.TimeNamespace, Path: "/proc/1/ns/time"})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
	}, `config.json: linux.timeOffsets: set without a new time namespace in linux.namespaces`},
	{"timeOffsets unknown clock", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {}, "realtime": {Secs: 1}}
	}, `config.json: linux.timeOffsets: unknown clock "realtime" (want monotonic or boottime)`},
	{"timeOffsets nanosecs", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Nanosecs: 1e9}}
	}, `config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000, got 1000000000`},
	{"timeOffsets valid", func(s *specs.Spec, _ string) {
		withNS(s, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: -5}, "monotonic": {Secs: 7}}
	}, ""},
}

func sysctl(kv ...string) map[string]string {
	m := make(map[string]string)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

var sysctlCases = []validateCase{
	{"sysctl not namespaced", func(s *specs.Spec, _ string) { s.Linux.Sysctl = sysctl("vm.foo", "1") },
		`config.json: linux.sysctl: "vm.foo" is not namespaced and cannot be set`},
	{"sysctl first problem in key order", func(s *specs.Spec, _ string) {
		s.Linux.Sysctl = sysctl("vm.b", "1", "kernel.a", "1", "net.core.somaxconn", "1")
	}, `config.json: linux.sysctl: "kernel.a" is not namespaced and cannot be set`},
	{"sysctl namespaced ones", func(s *specs.Spec, _ string) {
		s.Linux.Sysctl = sysctl("net.ipv4.ip_forward", "1", "kernel.shmmax", "1", "kernel.msgmax", "1",
			"kernel.sem", "1 2 3 4", "kernel.shm_rmid_forced", "1", "fs.mqueue.msg_max", "1",
			"kernel.domainname", "x", "net/ipv4/conf/eth0.100/rp_filter", "1")
	}, ""},
	{"sysctl net without netns", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.NetworkNamespace)
		s.Linux.Sysctl = sysctl("net.ipv4.ip_forward", "1")
	}, `config.json: linux.sysctl: "net.ipv4.ip_forward" needs a private network namespace`},
	{"sysctl net in the host netns", func(s *specs.Spec, _ string) {
		s.Linux.Namespaces[1].Path = "/proc/self/ns/net"
		s.Linux.Sysctl = sysctl("net.ipv4.ip_forward", "1")
	}, `config.json: linux.sysctl: "net.ipv4.ip_forward" needs a private network namespace, ` +
		`linux.namespaces[1].path is the host's`},
	{"sysctl net in a missing netns", func(s *specs.Spec, b string) {
		s.Linux.Namespaces[1].Path = b + "/netns"
		s.Linux.Sysctl = sysctl("net.ipv4.ip_forward", "1")
	}, `config.json: linux.namespaces[1].path: stat $BUNDLE/netns: no such file or directory`},
	{"sysctl ipc without ipcns", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.IPCNamespace)
		s.Linux.Sysctl = sysctl("kernel/shmmax", "1")
	}, `config.json: linux.sysctl: "kernel/shmmax" needs a private ipc namespace`},
	{"sysctl mqueue without ipcns", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.IPCNamespace)
		s.Linux.Sysctl = sysctl("fs.mqueue.queues_max", "1")
	}, `config.json: linux.sysctl: "fs.mqueue.queues_max" needs a private ipc namespace`},
	{"sysctl domainname without uts", func(s *specs.Spec, _ string) {
		withoutNS(s, specs.UTSNamespace)
		s.Hostname = ""
		s.Linux.Sysctl = sysctl("kernel.domainname", "x")
	}, `config.json: linux.sysctl: "kernel.domainname" needs a private uts namespace`},
	{"sysctl hostname", func(s *specs.Spec, _ string) { s.Linux.Sysctl = sysctl("kernel.hostname", "x") },
		`config.json: linux.sysctl: "kernel.hostname" conflicts with the hostname field, set that instead`},
}

var mountHookCases = []validateCase{
	{"mount destination empty", func(s *specs.Spec, _ string) { s.Mounts[1].Destination = "" },
		`config.json: mounts[1].destination: must be an absolute path, got ""`},
	{"mount destination relative", func(s *specs.Spec, _ string) { s.Mounts[3].Destination = "dev/shm" },
		`config.json: mounts[3].destination: must be an absolute path, got "dev/shm"`},
	{"mount type missing", func(s *specs.Spec, _ string) { s.Mounts[0].Type = "" },
		`config.json: mounts[0].type: must be set unless the options include "bind" or "rbind"`},
	{"bind mounts", func(s *specs.Spec, _ string) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/a", Source: "/etc", Options: []string{"rbind", "ro"}},
			specs.Mount{Destination: "/b", Source: "/etc", Type: "bind"},
			specs.Mount{Destination: "/c", Source: "etc", Type: "none", Options: []string{"bind", "x-data=1"}})
	}, ""},
	{"bind mount without source", func(s *specs.Spec, _ string) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/a", Type: "bind"})
	}, `config.json: mounts[7].source: must be set for a bind mount`},
	{"idmapped mount not bind", func(s *specs.Spec, _ string) {
		s.Mounts[1].UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
	}, `config.json: mounts[1].uidMappings: only supported for bind mounts`},
	{"idmapped mount size 0", func(s *specs.Spec, _ string) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/a", Source: "/etc", Options: []string{"bind"},
			UIDMappings: []specs.LinuxIDMapping{{HostID: 1000, Size: 1}},
			GIDMappings: []specs.LinuxIDMapping{{HostID: 1000}}})
	}, `config.json: mounts[7].gidMappings[0].size: must be greater than zero`},
	{"hook relative path", func(s *specs.Spec, _ string) {
		s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}, {Path: "true"}}}
	}, `config.json: hooks.poststop[1].path: must be an absolute path, got "true"`},
	{"hook zero timeout", func(s *specs.Spec, _ string) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true", Timeout: ptr(0)}}}
	}, `config.json: hooks.createRuntime[0].timeout: must be greater than zero, got 0`},
	{"hook prestart checked", func(s *specs.Spec, _ string) {
		s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: ""}}}
	}, `config.json: hooks.prestart[0].path: must be an absolute path, got ""`},
	{"hooks valid", func(s *specs.Spec, _ string) {
		h := []specs.Hook{{Path: "/bin/true", Timeout: ptr(5)}}
		s.Hooks = &specs.Hooks{CreateRuntime: h, CreateContainer: h, StartContainer: h, Poststart: h, Poststop: h}
	}, ""},
}

var linuxCases = []validateCase{
	{"device unknown type", func(s *specs.Spec, _ string) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "x", Major: 1, Minor: 3}}
	}, `config.json: linux.devices[0].type: unknown device type "x" (want c, b, u or p)`},
	{"device relative path", func(s *specs.Spec, _ string) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/null", Type: "c", Major: 1, Minor: 3}}
	}, `config.json: linux.devices[0].path: must be an absolute path, got "dev/null"`},
	{"device without numbers", func(s *specs.Spec, _ string) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/null", Type: "c", Major: 1, Minor: 3},
			{Path: "/dev/sda", Type: "b"}}
	}, `config.json: linux.devices[1]: type "b" needs major and minor numbers`},
	{"device negative", func(s *specs.Spec, _ string) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "u", Major: -1, Minor: 3}}
	}, `config.json: linux.devices[0]: major and minor must not be negative, got -1:3`},
	{"devices valid", func(s *specs.Spec, _ string) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fifo", Type: "p"},
			{Path: "/dev/test1", Type: "c", Major: 10, Minor: 666}, {Path: "/dev/zero-minor", Type: "b", Major: 8}}
	}, ""},
	{"rootfsPropagation unknown", func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "foo" },
		`config.json: linux.rootfsPropagation: unknown propagation "foo"`},
	{"rootfsPropagation rslave", func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "rslave" }, ""},
	{"maskedPaths relative", func(s *specs.Spec, _ string) { s.Linux.MaskedPaths[3] = "proc/keys" },
		`config.json: linux.maskedPaths[3]: must be an absolute path, got "proc/keys"`},
	{"readonlyPaths relative", func(s *specs.Spec, _ string) { s.Linux.ReadonlyPaths[0] = "" },
		`config.json: linux.readonlyPaths[0]: must be an absolute path, got ""`},
	{"maskedPaths without mntns", func(s *specs.Spec, _ string) { withoutNS(s, specs.MountNamespace) },
		`config.json: linux.maskedPaths: set without a mount namespace in linux.namespaces`},
	{"linux missing", func(s *specs.Spec, _ string) { s.Linux, s.Hostname = nil, "" }, ""},
	{"left to the planner", func(s *specs.Spec, _ string) {
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: "bogus"}
	}, ""},
	{"first problem wins", func(s *specs.Spec, _ string) {
		s.Linux.Namespaces[2].Type = "foo"
		s.Mounts[0].Destination = "proc"
		s.Process.Args = nil
	}, `config.json: process.args: must not be empty`},
}

func TestValidate(t *testing.T) {
	groups := [][]validateCase{versionRootCases, processCases, namespaceCases, sysctlCases,
		mountHookCases, linuxCases}
	for _, group := range groups {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) {
				bundle := newBundle(t)
				s := Example()
				tc.mutate(s, bundle)
				want := strings.ReplaceAll(tc.want, "$BUNDLE", bundle)
				err := Validate(s, bundle)
				switch {
				case want == "" && err != nil:
					t.Fatalf("want valid, got %q", err)
				case want != "" && err == nil:
					t.Fatalf("want %q, got no error", want)
				case want != "" && err.Error() != want:
					t.Fatalf("wrong error\n got: %s\nwant: %s", err, want)
				}
			})
		}
	}
}

func TestValidateWrapsRootfsError(t *testing.T) {
	s := Example()
	s.Root.Path = "missing"
	err := Validate(s, newBundle(t))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want an error wrapping fs.ErrNotExist, got %v", err)
	}
}

func TestValidateRelativeBundle(t *testing.T) {
	bundle := newBundle(t)
	t.Chdir(filepath.Dir(bundle))
	if err := Validate(Example(), filepath.Base(bundle)); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, "."); err == nil {
		t.Fatal("want an error for a nil spec")
	}
}

func TestValidateUnsupported(t *testing.T) {
	cases := []struct {
		mutate func(*specs.Spec)
		want   string
	}{
		{func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "a"} }, `config.json: linux.intelRdt: Intel RDT is not supported by hull yet`},
		{func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}} }, `config.json: linux.netDevices: moving network devices into the container is not supported by hull yet`},
		{func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_BIND"} }, `config.json: linux.memoryPolicy: NUMA memory policies are not supported by hull yet`},
	}
	for _, tc := range cases {
		bundle := newBundle(t)
		s := Example()
		tc.mutate(s)
		if err := Validate(s, bundle); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}
