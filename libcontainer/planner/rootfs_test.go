package planner

import (
	"errors"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	"golang.org/x/sys/unix"
)

func TestRootfsPropagation(t *testing.T) {
	tests := []struct {
		prop          string
		before, after uint64
		parent        string
	}{
		{"", unix.MS_SLAVE | unix.MS_REC, 0, ""},
		{"private", unix.MS_PRIVATE, unix.MS_PRIVATE, ""},
		{"rprivate", unix.MS_PRIVATE | unix.MS_REC, unix.MS_PRIVATE | unix.MS_REC, ""},
		{"slave", unix.MS_SLAVE, unix.MS_SLAVE, ""},
		{"rslave", unix.MS_SLAVE | unix.MS_REC, unix.MS_SLAVE | unix.MS_REC, ""},
		{"shared", unix.MS_SHARED, unix.MS_SHARED, "/var/lib"},
		{"rshared", unix.MS_SHARED | unix.MS_REC, unix.MS_SHARED | unix.MS_REC, "/var/lib"},
		{"unbindable", unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE, ""},
		{"runbindable", unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE | unix.MS_REC, ""},
	}
	for _, tt := range tests {
		t.Run(tt.prop, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			in.Spec.Linux.RootfsPropagation = tt.prop
			in.findMount = func(path string) (string, error) {
				if path != in.Rootfs {
					t.Errorf("lookup of %q, want the rootfs", path)
				}
				return "/var/lib", nil
			}
			p := compile(t, in).Plan
			op, desc := onlyOp(t, p, protocol.OpMountPropagation)
			checkOp(t, desc, op, []uint64{tt.before})
			op, desc = onlyOp(t, p, protocol.OpRootfs)
			checkOp(t, desc, op, nil, in.Rootfs, tt.parent)
			op, desc = onlyOp(t, p, protocol.OpPivotRoot)
			checkOp(t, desc, op, []uint64{tt.after})
			if indexOf(p, protocol.OpRootfs) != indexOf(p, protocol.OpMountPropagation)+1 ||
				indexOf(p, protocol.OpRootfs)+1 != indexOf(p, protocol.OpMount) {
				t.Errorf("propagation, rootfs and first mount out of order: %v", opCodes(p))
			}
		})
	}
}

func TestRootfsParentLookupError(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Spec.Linux.RootfsPropagation = "rshared"
	in.findMount = func(string) (string, error) { return "", errors.New("mountinfo unreadable") }
	_, err := Compile(in)
	wantErr(t, err, `linux.rootfsPropagation "rshared": mountinfo unreadable`)
}

func TestMountPointFromMountinfo(t *testing.T) {
	// Every process sees a "/" mount; nothing more specific holds this path.
	got, err := mountPointFromMountinfo("/")
	if err != nil || got != "/" {
		t.Errorf("mount point of / = %q, %v", got, err)
	}
}

func TestProtectedPathsBeforeRootSwitch(t *testing.T) {
	p := compile(t, newInput(t, exampleSpec())).Plan
	pivot := indexOf(p, protocol.OpRemountRo) - 1
	want := []expectedOp{
		{protocol.OpRemountRo, nil, []string{"/"}},
		{protocol.OpReadonlyPath, nil, []string{"/proc/bus"}},
		{protocol.OpReadonlyPath, nil, []string{"/proc/sys"}},
		{protocol.OpMaskPath, nil, []string{"/proc/acpi"}},
		{protocol.OpMaskPath, nil, []string{"/proc/kcore"}},
	}
	var descs []string
	for i := range want {
		descs = append(descs, p.Desc(pivot+1+i))
	}
	checkOps(t, p.Ops()[pivot+1:pivot+1+len(want)], descs, want)
	if last := pivot + len(want); p.Ops()[last+1].Code != protocol.OpPivotRoot {
		t.Errorf("op after the protected paths is %d, want the pivot", p.Ops()[last+1].Code)
	}
	if descs[3] != `linux.maskedPaths[0] "/proc/acpi"` {
		t.Errorf("desc = %q", descs[3])
	}
}

func TestCwdCreatedBeforeRootSwitch(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Cwd = "/work/dir"
	p := compile(t, newInput(t, spec)).Plan
	op, desc := onlyOp(t, p, protocol.OpMkdirAll)
	checkOp(t, desc, op, []uint64{0o755}, "/work/dir")
	op, desc = onlyOp(t, p, protocol.OpChdir)
	checkOp(t, desc, op, nil, "/work/dir")
	// the chdir runs as root, before the user switch and any seccomp filter
	if indexOf(p, protocol.OpMkdirAll) > indexOf(p, protocol.OpPivotRoot) ||
		indexOf(p, protocol.OpChdir) < indexOf(p, protocol.OpPivotRoot) ||
		indexOf(p, protocol.OpChdir) > indexOf(p, protocol.OpSetUser) {
		t.Errorf("cwd ops out of order: %v", opCodes(p))
	}
}
