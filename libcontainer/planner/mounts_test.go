package planner

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// planMounts compiles the example spec with mounts replaced and returns the
// ops from the first mount up to (not including) the devices.
func planMounts(t *testing.T, in *Input, mounts ...specs.Mount) ([]protocol.PlanOp, []string) {
	t.Helper()
	in.Spec.Mounts = mounts
	p := compile(t, in).Plan
	var ops []protocol.PlanOp
	var descs []string
	for i, op := range p.Ops() {
		switch op.Code {
		case protocol.OpMount, protocol.OpSymlink, protocol.OpRemountRo:
			if i < indexOf(p, protocol.OpMkdirAll) {
				ops = append(ops, op)
				descs = append(descs, p.Desc(i))
			}
		}
	}
	return ops, descs
}

// mountInts is the ints of an OpMount.
func mountInts(flags, prop, set, clr, mflags uint64) []uint64 {
	return []uint64{flags, prop, set, clr, mflags}
}

func TestPlainMount(t *testing.T) {
	in := newInput(t, exampleSpec())
	ops, descs := planMounts(t, in,
		specs.Mount{Destination: "/tmp/", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "rshared", "rro", "mode=1777", "tmpcopyup"}})
	checkOp(t, descs[0], ops[0],
		mountInts(unix.MS_NOSUID, unix.MS_SHARED|unix.MS_REC, unix.MOUNT_ATTR_RDONLY, 0, protocol.MountFlagTmpcopyup),
		"tmpfs", "/tmp", "tmpfs", "mode=1777")
	if descs[0] != "mounts[0]: mount tmpfs on /tmp" {
		t.Errorf("desc = %q", descs[0])
	}
}

func TestBindMounts(t *testing.T) {
	in := newInput(t, exampleSpec())
	dir := filepath.Join(in.Bundle, "data")
	file := filepath.Join(in.Bundle, "hosts")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(in.Bundle, "link-to-hosts")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	ops, descs := planMounts(t, in,
		specs.Mount{Destination: "/data", Type: "bind", Source: dir, Options: []string{"ro"}},
		specs.Mount{Destination: "/etc/hosts", Source: "hosts", Options: []string{"rbind", "private"}},
		specs.Mount{Destination: "/etc/l", Type: "none", Source: link, Options: []string{"bind", "nosuid"}},
	)
	tests := []struct {
		ints []uint64
		src  string
		desc string
	}{
		{mountInts(unix.MS_BIND|unix.MS_RDONLY, 0, 0, 0, protocol.MountFlagBind), dir,
			"mounts[0]: bind " + dir + " on /data"},
		{mountInts(unix.MS_BIND|unix.MS_REC, unix.MS_PRIVATE, 0, 0, protocol.MountFlagBind|protocol.MountFlagFile), file,
			"mounts[1]: rbind " + file + " on /etc/hosts"},
		{mountInts(unix.MS_BIND|unix.MS_NOSUID, 0, 0, 0, protocol.MountFlagBind|protocol.MountFlagFile), link,
			"mounts[2]: bind " + link + " on /etc/l"},
	}
	if len(ops) != len(tests) {
		t.Fatalf("got %d ops: %q", len(ops), descs)
	}
	dests := []string{"/data", "/etc/hosts", "/etc/l"}
	for i, tt := range tests {
		checkOp(t, descs[i], ops[i], tt.ints, tt.src, dests[i], "", "")
		if descs[i] != tt.desc {
			t.Errorf("desc = %q, want %q", descs[i], tt.desc)
		}
	}
}

func TestBindMissingSource(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Spec.Mounts = append(in.Spec.Mounts, specs.Mount{Destination: "/x", Type: "bind", Source: "/nonexistent/x"})
	_, err := Compile(in)
	wantErr(t, err, "mounts[7]: bind source /nonexistent/x: no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v is not ErrNotExist", err)
	}
}

func TestMountErrors(t *testing.T) {
	tests := []struct {
		name  string
		mount specs.Mount
		want  string
	}{
		{"no type", specs.Mount{Destination: "/x", Source: "x"}, "mounts[0]: no type given and not a bind mount"},
		{"tmpcopyup on proc", specs.Mount{Destination: "/proc", Type: "proc", Options: []string{"tmpcopyup"}}, "mounts[0]: option tmpcopyup needs type tmpfs"},
		{"tmpcopyup on bind", specs.Mount{Destination: "/x", Type: "bind", Source: "/", Options: []string{"tmpcopyup"}}, "mounts[0]: option tmpcopyup needs type tmpfs"},
		{"idmapped", specs.Mount{Destination: "/x", Type: "bind", Source: "/", UIDMappings: []specs.LinuxIDMapping{{Size: 1}}}, "mounts[0]: id-mapped mounts are not supported"},
		{"cgroup without hierarchies", specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup"}, "mounts[0]: cgroup mount on /sys/fs/cgroup: no cgroup hierarchies known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			in.Cgroups = nil
			in.Spec.Mounts = []specs.Mount{tt.mount}
			_, err := Compile(in)
			wantErr(t, err, tt.want)
		})
	}
}

// cgroupMount is the example's cgroup mount, read-only.
var cgroupMount = specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
	Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}}

// expectedOp is an op code with its ints and strs.
type expectedOp struct {
	code protocol.Op
	ints []uint64
	strs []string
}

// checkOps compares ops with the expectation, code by code.
func checkOps(t *testing.T, ops []protocol.PlanOp, descs []string, want []expectedOp) {
	t.Helper()
	if len(ops) != len(want) {
		t.Fatalf("got %d ops, want %d: %q", len(ops), len(want), descs)
	}
	for i, w := range want {
		if ops[i].Code != w.code {
			t.Errorf("op %d (%s): code %d, want %d", i, descs[i], ops[i].Code, w.code)
			continue
		}
		checkOp(t, descs[i], ops[i], w.ints, w.strs...)
	}
}

func TestCgroupV1(t *testing.T) {
	const fresh = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY
	const bind = unix.MS_BIND | unix.MS_REC | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME | unix.MS_RDONLY
	tmpfs := expectedOp{protocol.OpMount, mountInts(cgroupTmpfsFlags, 0, 0, 0, 0),
		[]string{"tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=755"}}
	tail := []expectedOp{
		{protocol.OpSymlink, nil, []string{"cpu,cpuacct", "/sys/fs/cgroup/cpu"}},
		{protocol.OpSymlink, nil, []string{"cpu,cpuacct", "/sys/fs/cgroup/cpuacct"}},
		{protocol.OpRemountRo, nil, []string{"/sys/fs/cgroup"}},
	}
	tests := []struct {
		name     string
		cgroupns bool
		subs     []expectedOp
	}{
		{"cgroup namespace: fresh mounts", true, []expectedOp{
			{protocol.OpMount, mountInts(fresh, 0, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/cpu,cpuacct", "cgroup", "cpu,cpuacct"}},
			{protocol.OpMount, mountInts(fresh, 0, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory"}},
			{protocol.OpMount, mountInts(fresh, 0, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/systemd", "cgroup", "none,name=systemd"}},
		}},
		{"no cgroup namespace: binds of the host paths", false, []expectedOp{
			{protocol.OpMount, mountInts(bind, 0, 0, 0, protocol.MountFlagBind), []string{"/sys/fs/cgroup/cpu,cpuacct/c1", "/sys/fs/cgroup/cpu,cpuacct", "", ""}},
			{protocol.OpMount, mountInts(bind, 0, 0, 0, protocol.MountFlagBind), []string{"/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/memory", "", ""}},
			{protocol.OpMount, mountInts(bind, 0, 0, 0, protocol.MountFlagBind), []string{"/sys/fs/cgroup/systemd/c1", "/sys/fs/cgroup/systemd", "", ""}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			in.Cgroups = v1Cgroups
			if !tt.cgroupns {
				in.Spec.Linux.Namespaces = in.Spec.Linux.Namespaces[:5]
			}
			ops, descs := planMounts(t, in, cgroupMount)
			want := append(append([]expectedOp{tmpfs}, tt.subs...), tail...)
			checkOps(t, ops, descs, want)
			if descs[0] != "mounts[0]: mount tmpfs for cgroup hierarchies on /sys/fs/cgroup" ||
				(tt.cgroupns && descs[3] != `mounts[0]: mount cgroup "none,name=systemd" on /sys/fs/cgroup/systemd`) ||
				(!tt.cgroupns && descs[2] != "mounts[0]: bind cgroup /sys/fs/cgroup/memory/c1 on /sys/fs/cgroup/memory") ||
				descs[4] != "mounts[0]: symlink /sys/fs/cgroup/cpu -> cpu,cpuacct" ||
				descs[6] != "mounts[0]: remount /sys/fs/cgroup read-only" {
				t.Errorf("descs: %q", descs)
			}
		})
	}
}

func TestCgroupV1Writable(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Cgroups = v1Cgroups[1:2]
	ops, descs := planMounts(t, in, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Options: []string{"rslave"}})
	checkOps(t, ops, descs, []expectedOp{
		{protocol.OpMount, mountInts(cgroupTmpfsFlags, unix.MS_SLAVE|unix.MS_REC, 0, 0, 0), []string{"tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=755"}},
		{protocol.OpMount, mountInts(cgroupTmpfsFlags, unix.MS_SLAVE|unix.MS_REC, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory"}},
	})
}

func TestCgroupV1BadDir(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Cgroups = []CgroupHierarchy{{Dir: "../memory", FSType: "cgroup"}, {Dir: "cpu", FSType: "cgroup"}}
	in.Spec.Mounts = []specs.Mount{cgroupMount}
	_, err := Compile(in)
	wantErr(t, err, `mounts[0]: cgroup hierarchy 0 (cgroup): directory name "../memory"`)
}

func TestCgroupV2(t *testing.T) {
	tests := []struct {
		name     string
		cgroupns bool
		want     expectedOp
	}{
		{"cgroup namespace", true, expectedOp{protocol.OpMount,
			mountInts(unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RDONLY, 0, 0, 0, 0),
			[]string{"cgroup", "/sys/fs/cgroup", "cgroup2", ""}}},
		{"no cgroup namespace", false, expectedOp{protocol.OpMount,
			mountInts(unix.MS_BIND|unix.MS_REC|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RELATIME|unix.MS_RDONLY, 0, 0, 0, protocol.MountFlagBind),
			[]string{"/sys/fs/cgroup/hull/c1", "/sys/fs/cgroup", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			if !tt.cgroupns {
				in.Spec.Linux.Namespaces = in.Spec.Linux.Namespaces[:5]
			}
			ops, descs := planMounts(t, in, cgroupMount)
			checkOps(t, ops, descs, []expectedOp{tt.want})
		})
	}
}

func TestCgroupHybrid(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Cgroups = []CgroupHierarchy{v1Cgroups[1], {Dir: "unified", FSType: "cgroup2", HostPath: "/sys/fs/cgroup/unified/c1"}}
	ops, descs := planMounts(t, in, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup"})
	checkOps(t, ops, descs, []expectedOp{
		{protocol.OpMount, mountInts(cgroupTmpfsFlags, 0, 0, 0, 0), []string{"tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=755"}},
		{protocol.OpMount, mountInts(cgroupTmpfsFlags, 0, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory"}},
		{protocol.OpMount, mountInts(cgroupTmpfsFlags, 0, 0, 0, 0), []string{"cgroup", "/sys/fs/cgroup/unified", "cgroup2", ""}},
	})
}

func TestSysfs(t *testing.T) {
	const flags = unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY
	const recAttrs = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_RDONLY
	// never through a symlink (CVE-2019-19921)
	fresh := expectedOp{protocol.OpMount, mountInts(flags, 0, 0, 0, protocol.MountFlagNoSymlinks), []string{"sysfs", "/sys", "sysfs", ""}}
	rbind := expectedOp{protocol.OpMount, mountInts(flags|unix.MS_BIND|unix.MS_REC, 0, recAttrs, 0, protocol.MountFlagBind|protocol.MountFlagNoSymlinks),
		[]string{"/sys", "/sys", "", ""}}
	tests := []struct {
		name string
		ns   []specs.LinuxNamespaceType
		want expectedOp
	}{
		{"network namespace", []specs.LinuxNamespaceType{"mount", "network", "user"}, fresh},
		{"host network, no user namespace", []specs.LinuxNamespaceType{"mount"}, fresh},
		{"host network in a user namespace", []specs.LinuxNamespaceType{"mount", "user"}, rbind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			in.Spec.Linux.Namespaces = nil
			for _, typ := range tt.ns {
				in.Spec.Linux.Namespaces = append(in.Spec.Linux.Namespaces, specs.LinuxNamespace{Type: typ})
			}
			ops, descs := planMounts(t, in, specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs",
				Options: []string{"nosuid", "noexec", "nodev", "ro"}})
			checkOps(t, ops, descs, []expectedOp{tt.want})
			if tt.want.ints[4]&protocol.MountFlagBind != 0 && descs[0] != "mounts[0]: rbind /sys on /sys (sysfs cannot be mounted without a network namespace)" {
				t.Errorf("desc = %q", descs[0])
			}
		})
	}
}
