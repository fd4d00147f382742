package planner

import (
	"reflect"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSetnsOrder(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Namespaces = []specs.LinuxNamespace{
		{Type: specs.MountNamespace, Path: "/proc/1/ns/mnt"},
		{Type: specs.NetworkNamespace, Path: "/run/netns/a"},
		{Type: specs.PIDNamespace},
		{Type: specs.TimeNamespace, Path: "/proc/1/ns/time"},
		{Type: specs.UserNamespace, Path: "/proc/1/ns/user"},
		{Type: specs.IPCNamespace, Path: "/proc/1/ns/ipc"},
	}
	p := compile(t, newInput(t, spec)).Plan
	ops, descs := opsOf(p, protocol.OpSetns)
	want := []struct {
		flag uint64
		path string
		desc string
	}{
		{unix.CLONE_NEWUSER, "/proc/1/ns/user", "linux.namespaces[4] (user): join /proc/1/ns/user"},
		{unix.CLONE_NEWIPC, "/proc/1/ns/ipc", "linux.namespaces[5] (ipc): join /proc/1/ns/ipc"},
		{unix.CLONE_NEWNET, "/run/netns/a", "linux.namespaces[1] (network): join /run/netns/a"},
		{unix.CLONE_NEWTIME, "/proc/1/ns/time", "linux.namespaces[3] (time): join /proc/1/ns/time"},
		{unix.CLONE_NEWNS, "/proc/1/ns/mnt", "linux.namespaces[0] (mount): join /proc/1/ns/mnt"},
	}
	if len(ops) != len(want) {
		t.Fatalf("got %d setns, want %d: %q", len(ops), len(want), descs)
	}
	for i, w := range want {
		checkOp(t, descs[i], ops[i], []uint64{w.flag}, w.path)
		if descs[i] != w.desc {
			t.Errorf("setns %d desc = %q, want %q", i, descs[i], w.desc)
		}
	}
	// Setns ops come first; a joined time namespace is not unshared again.
	if got := opCodes(p)[:6]; got[5] != protocol.OpClone || indexOf(p, protocol.OpTimens) != -1 {
		t.Errorf("plan starts %v", got)
	}
	clone, _ := onlyOp(t, p, protocol.OpClone)
	checkOp(t, "clone", clone, []uint64{unix.CLONE_NEWPID, 0}, "", "")
	// A joined mount namespace is still the container's own: the rootfs is set up.
	if indexOf(p, protocol.OpPivotRoot) == -1 {
		t.Errorf("no pivot_root in a joined mount namespace")
	}
}

func TestCloneFlags(t *testing.T) {
	all := unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS |
		unix.CLONE_NEWNS | unix.CLONE_NEWUSER | unix.CLONE_NEWCGROUP
	tests := []struct {
		name  string
		ns    []specs.LinuxNamespaceType
		paths map[specs.LinuxNamespaceType]string
		want  uint64
	}{
		{"none", nil, nil, 0},
		{"pid and mount", []specs.LinuxNamespaceType{"pid", "mount"}, nil, unix.CLONE_NEWPID | unix.CLONE_NEWNS},
		{"all but time", []specs.LinuxNamespaceType{"pid", "network", "ipc", "uts", "mount", "user", "cgroup"}, nil, uint64(all)},
		{"time is unshared, not cloned", []specs.LinuxNamespaceType{"time", "uts"}, nil, unix.CLONE_NEWUTS},
		{"joined are not cloned", []specs.LinuxNamespaceType{"network", "uts"},
			map[specs.LinuxNamespaceType]string{"network": "/run/netns/x"}, unix.CLONE_NEWUTS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := exampleSpec()
			spec.Linux.Namespaces = nil
			for _, typ := range tt.ns {
				spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: tt.paths[typ]})
			}
			if slicesContains(tt.ns, "user") {
				spec.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
				spec.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
			}
			op, _ := onlyOp(t, compile(t, newInput(t, spec)).Plan, protocol.OpClone)
			if op.Ints[0] != tt.want || op.Ints[1] != 0 {
				t.Errorf("clone ints = %#x, want [%#x 0]", op.Ints, tt.want)
			}
		})
	}
}

// slicesContains reports whether list holds t.
func slicesContains(list []specs.LinuxNamespaceType, t specs.LinuxNamespaceType) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

func TestCloneIDMaps(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	spec.Linux.GIDMappings = []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: 100000, Size: 1000},
		{ContainerID: 1000, HostID: 5000, Size: 1},
	}
	op, desc := onlyOp(t, compile(t, newInput(t, spec)).Plan, protocol.OpClone)
	if op.Ints[0]&unix.CLONE_NEWUSER == 0 {
		t.Errorf("no CLONE_NEWUSER in %#x", op.Ints[0])
	}
	want := []string{"0 100000 65536\n", "0 100000 1000\n1000 5000 1\n"}
	if !reflect.DeepEqual(op.Strs, want) {
		t.Errorf("maps = %q, want %q", op.Strs, want)
	}
	if desc != "clone the container init into new namespaces (user, pid, network, ipc, uts, mount, cgroup) with linux.uidMappings and linux.gidMappings" {
		t.Errorf("desc = %q", desc)
	}
}

func TestTimeOffsets(t *testing.T) {
	tests := []struct {
		name    string
		offsets map[string]specs.LinuxTimeOffset
		want    string
		err     string
	}{
		{"none", nil, "", ""},
		{"sorted", map[string]specs.LinuxTimeOffset{
			"monotonic": {Secs: 86400, Nanosecs: 5},
			"boottime":  {Secs: -10},
		}, "boottime -10 0\nmonotonic 86400 5\n", ""},
		{"unknown clock", map[string]specs.LinuxTimeOffset{"realtime": {Secs: 1}}, "", `linux.timeOffsets: unknown clock "realtime"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := exampleSpec()
			spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			spec.Linux.TimeOffsets = tt.offsets
			res, err := Compile(newInput(t, spec))
			if tt.err != "" {
				wantErr(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			op, desc := onlyOp(t, res.Plan, protocol.OpTimens)
			checkOp(t, desc, op, nil, tt.want)
			if desc != "linux.namespaces[6] (time): unshare with linux.timeOffsets" {
				t.Errorf("desc = %q", desc)
			}
			if indexOf(res.Plan, protocol.OpTimens)+1 != indexOf(res.Plan, protocol.OpClone) {
				t.Errorf("timens not right before clone: %v", opCodes(res.Plan))
			}
		})
	}
}

func TestParseNamespacesDuplicate(t *testing.T) {
	_, err := parseNamespaces([]specs.LinuxNamespace{{Type: "pid"}, {Type: "pid", Path: "/x"}})
	wantErr(t, err, `linux.namespaces[1].type: duplicate namespace "pid"`)
}
