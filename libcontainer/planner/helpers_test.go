package planner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// exampleSpec returns a config like the one `runc spec` writes, with a
// user-supplied cgroup namespace added.
func exampleSpec() *specs.Spec {
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args:            []string{"sh"},
			Env:             []string{"PATH=/usr/bin:/bin", "TERM=xterm"},
			Cwd:             "/",
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "runc",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace},
			},
			MaskedPaths:   []string{"/proc/acpi", "/proc/kcore"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/sys"},
		},
	}
}

// v2Cgroups is the hierarchy list of a pure cgroup v2 host.
var v2Cgroups = []CgroupHierarchy{{FSType: "cgroup2", HostPath: "/sys/fs/cgroup/hull/c1"}}

// v1Cgroups is a small cgroup v1 host with a co-mounted pair and systemd.
var v1Cgroups = []CgroupHierarchy{
	{Dir: "cpu,cpuacct", FSType: "cgroup", Data: "cpu,cpuacct", HostPath: "/sys/fs/cgroup/cpu,cpuacct/c1", Links: []string{"cpu", "cpuacct"}},
	{Dir: "memory", FSType: "cgroup", Data: "memory", HostPath: "/sys/fs/cgroup/memory/c1"},
	{Dir: "systemd", FSType: "cgroup", Data: "none,name=systemd", HostPath: "/sys/fs/cgroup/systemd/c1"},
}

// newInput wraps spec with temporary bundle and rootfs directories.
func newInput(t *testing.T, spec *specs.Spec) *Input {
	t.Helper()
	return &Input{
		Spec:           spec,
		Bundle:         t.TempDir(),
		Rootfs:         t.TempDir(),
		FifoFd:         4,
		FirstPrivateFd: 3,
		NoNewKeyring:   true,
		Cgroups:        v2Cgroups,
		findMount: func(string) (string, error) {
			t.Fatal("mountinfo lookup not expected")
			return "", nil
		},
	}
}

// compile compiles in and fails the test on error.
func compile(t *testing.T, in *Input) *Result {
	t.Helper()
	res, err := Compile(in)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return res
}

// opCodes lists the codes of a plan's ops.
func opCodes(p *protocol.Plan) []protocol.Op {
	var codes []protocol.Op
	for _, op := range p.Ops() {
		codes = append(codes, op.Code)
	}
	return codes
}

// indexOf returns the index of the first op with code, or -1.
func indexOf(p *protocol.Plan, code protocol.Op) int {
	for i, op := range p.Ops() {
		if op.Code == code {
			return i
		}
	}
	return -1
}

// opsOf returns the ops with code, with their descriptions.
func opsOf(p *protocol.Plan, code protocol.Op) (ops []protocol.PlanOp, descs []string) {
	for i, op := range p.Ops() {
		if op.Code == code {
			ops = append(ops, op)
			descs = append(descs, p.Desc(i))
		}
	}
	return ops, descs
}

// onlyOp returns the single op with code, failing when there is not exactly one.
func onlyOp(t *testing.T, p *protocol.Plan, code protocol.Op) (protocol.PlanOp, string) {
	t.Helper()
	ops, descs := opsOf(p, code)
	if len(ops) != 1 {
		t.Fatalf("want exactly one op %d, got %d", code, len(ops))
	}
	return ops[0], descs[0]
}

// checkOp compares an op's ints and strs.
func checkOp(t *testing.T, what string, op protocol.PlanOp, ints []uint64, strs ...string) {
	t.Helper()
	if !reflect.DeepEqual(op.Ints, ints) {
		t.Errorf("%s: ints = %#v, want %#v", what, op.Ints, ints)
	}
	if len(op.Strs) != len(strs) || (len(strs) > 0 && !reflect.DeepEqual(op.Strs, strs)) {
		t.Errorf("%s: strs = %q, want %q", what, op.Strs, strs)
	}
}

// wantErr checks that err is non-nil and contains every fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}
