package planner

import (
	"os"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mknodInts is the ints of an OpMknod.
func mknodInts(mode uint32, major, minor uint32, uid, gid uint32, bind uint64) []uint64 {
	return []uint64{uint64(mode), unix.Mkdev(major, minor), uint64(uid), uint64(gid), bind}
}

func TestDefaultDevicesInOwnDev(t *testing.T) {
	spec := exampleSpec()
	mode := os.FileMode(0o600)
	uid, gid := uint32(1000), uint32(44)
	spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &mode, UID: &uid, GID: &gid},
		{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0},
		{Path: "/dev/tty", Type: "u", Major: 5, Minor: 0, FileMode: &mode}, // overrides the default
		{Path: "/dev/pipe", Type: "p", Major: 1, Minor: 2},
	}
	p := compile(t, newInput(t, spec)).Plan
	ops, descs := opsOf(p, protocol.OpMknod)
	const chr = unix.S_IFCHR | 0o666
	want := []expectedOp{
		{protocol.OpMknod, mknodInts(chr, 1, 3, 0, 0, 0), []string{"/dev/null", ""}},
		{protocol.OpMknod, mknodInts(chr, 1, 5, 0, 0, 0), []string{"/dev/zero", ""}},
		{protocol.OpMknod, mknodInts(chr, 1, 7, 0, 0, 0), []string{"/dev/full", ""}},
		{protocol.OpMknod, mknodInts(chr, 1, 8, 0, 0, 0), []string{"/dev/random", ""}},
		{protocol.OpMknod, mknodInts(chr, 1, 9, 0, 0, 0), []string{"/dev/urandom", ""}},
		{protocol.OpMknod, mknodInts(unix.S_IFCHR|0o600, 10, 229, 1000, 44, 0), []string{"/dev/fuse", ""}},
		{protocol.OpMknod, mknodInts(unix.S_IFBLK|0o666, 8, 0, 0, 0, 0), []string{"/dev/sda", ""}},
		{protocol.OpMknod, mknodInts(unix.S_IFCHR|0o600, 5, 0, 0, 0, 0), []string{"/dev/tty", ""}},
		{protocol.OpMknod, mknodInts(unix.S_IFIFO|0o666, 0, 0, 0, 0, 0), []string{"/dev/pipe", ""}},
	}
	checkOps(t, ops, descs, want)
	if descs[5] != "linux.devices[0]: mknod /dev/fuse (c 10:229)" || descs[0] != "default device /dev/null: mknod /dev/null (c 1:3)" {
		t.Errorf("descs: %q", descs)
	}
	links, ldescs := opsOf(p, protocol.OpSymlink)
	checkOps(t, links, ldescs, []expectedOp{
		{protocol.OpSymlink, nil, []string{"/proc/self/fd", "/dev/fd"}},
		{protocol.OpSymlink, nil, []string{"/proc/self/fd/0", "/dev/stdin"}},
		{protocol.OpSymlink, nil, []string{"/proc/self/fd/1", "/dev/stdout"}},
		{protocol.OpSymlink, nil, []string{"/proc/self/fd/2", "/dev/stderr"}},
		{protocol.OpSymlink, nil, []string{"/proc/kcore", "/dev/core"}},
		{protocol.OpSymlink, nil, []string{"pts/ptmx", "/dev/ptmx"}},
	})
	// Devices come after every mount, symlinks after every device.
	last := len(p.Ops()) - 1
	for i, op := range p.Ops() {
		if op.Code == protocol.OpMount {
			last = i
		}
	}
	if first := indexOf(p, protocol.OpMknod); first != last+1 {
		t.Errorf("first mknod at %d, last mount at %d", first, last)
	}
}

func TestDevicesWithoutOwnDev(t *testing.T) {
	tests := []struct {
		name   string
		mounts []specs.Mount
	}{
		{"no /dev mount", nil},
		{"bind-mounted /dev", []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}}},
		{"/dev bind by option", []specs.Mount{{Destination: "/dev/", Type: "none", Source: "/dev", Options: []string{"bind"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := exampleSpec()
			spec.Mounts = tt.mounts
			spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
			p := compile(t, newInput(t, spec)).Plan
			ops, descs := opsOf(p, protocol.OpMknod)
			checkOps(t, ops, descs, []expectedOp{
				{protocol.OpMknod, mknodInts(unix.S_IFCHR|0o666, 10, 229, 0, 0, 0), []string{"/dev/fuse", ""}},
			})
			if i := indexOf(p, protocol.OpSymlink); i != -1 {
				t.Errorf("symlink without own /dev: %s", p.Desc(i))
			}
		})
	}
}

func TestDevicesInUserNamespace(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	spec.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
	spec.Linux.GIDMappings = spec.Linux.UIDMappings
	spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
		{Path: "/dev/pipe", Type: "p"},
	}
	ops, descs := opsOf(compile(t, newInput(t, spec)).Plan, protocol.OpMknod)
	if len(ops) != 8 {
		t.Fatalf("got %d mknod ops: %q", len(ops), descs)
	}
	checkOp(t, descs[0], ops[0], mknodInts(unix.S_IFCHR|0o666, 1, 3, 0, 0, 1), "/dev/null", "/dev/null")
	checkOp(t, descs[6], ops[6], mknodInts(unix.S_IFCHR|0o666, 10, 229, 0, 0, 1), "/dev/fuse", "/dev/fuse")
	// A FIFO needs no privilege, and the host has no such pipe to bind.
	checkOp(t, descs[7], ops[7], mknodInts(unix.S_IFIFO|0o666, 0, 0, 0, 0, 0), "/dev/pipe", "")
	if descs[6] != "linux.devices[0]: bind host device /dev/fuse on /dev/fuse (user namespace)" {
		t.Errorf("desc = %q", descs[6])
	}
}

func TestDeviceUnknownType(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "c"}, {Path: "/dev/y", Type: "z"}}
	_, err := Compile(newInput(t, spec))
	wantErr(t, err, `linux.devices[1]: /dev/y: unknown device type "z"`)
}
