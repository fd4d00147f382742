package planner

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestCapabilityMasks(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_FUTURE"},
		Effective:   []string{"CAP_KILL"},
		Permitted:   []string{"CAP_KILL", "CAP_BPF"},
		Inheritable: nil,
		Ambient:     []string{"CAP_SYS_ADMIN"},
	}
	res := compile(t, newInput(t, spec))
	op, desc := onlyOp(t, res.Plan, protocol.OpDropBounding)
	// CHOWN 0, NET_ADMIN 12; CHECKPOINT_RESTORE 40 is bit 8 of the high word.
	checkOp(t, desc, op, []uint64{1<<0 | 1<<12, 1 << 8})
	op, desc = onlyOp(t, res.Plan, protocol.OpCapabilities)
	checkOp(t, desc, op, []uint64{1 << 5, 0, 1 << 5, 1 << 7, 0, 0, 1 << 21, 0})
	want := []string{`process.capabilities.bounding[3]: unknown capability "CAP_FUTURE" ignored`}
	if !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings = %q, want %q", res.Warnings, want)
	}
	// The bounding set is dropped while we still have CAP_SETPCAP.
	if !(indexOf(res.Plan, protocol.OpDropBounding) < indexOf(res.Plan, protocol.OpSetUser) &&
		indexOf(res.Plan, protocol.OpSetUser) < indexOf(res.Plan, protocol.OpCapabilities)) {
		t.Errorf("capability ops out of order: %v", opCodes(res.Plan))
	}
}

func TestEmptyCapabilitiesDropEverything(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Capabilities = &specs.LinuxCapabilities{}
	p := compile(t, newInput(t, spec)).Plan
	op, _ := onlyOp(t, p, protocol.OpDropBounding)
	checkOp(t, "bounding", op, []uint64{0, 0})
	op, _ = onlyOp(t, p, protocol.OpCapabilities)
	checkOp(t, "caps", op, make([]uint64, 8))
}

func TestSetUser(t *testing.T) {
	spec := exampleSpec()
	spec.Process.User = specs.User{UID: 1000, GID: 100, AdditionalGids: []uint32{10, 20}}
	op, desc := onlyOp(t, compile(t, newInput(t, spec)).Plan, protocol.OpSetUser)
	checkOp(t, desc, op, []uint64{1000, 100, 1, 10, 20})
	if desc != "process.user (uid 1000, gid 100, additionalGids [10 20])" {
		t.Errorf("desc = %q", desc)
	}
}

// writeRootfsFile creates rootfs/name with content, parents included.
func writeRootfsFile(t *testing.T, rootfs, name, content string) {
	t.Helper()
	p := filepath.Join(rootfs, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const fakePasswd = `root:x:0:0:root:/root:/bin/sh
# comment
broken line
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
app:x:1000:1000:App:/home/app:/bin/sh
nohome:x:1001:1001::::
`

func TestExecEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		uid     uint32
		passwd  string // "" = no /etc/passwd
		wantEnv []string
		path    string
	}{
		{"HOME from passwd", []string{"PATH=/bin"}, 1000, fakePasswd, []string{"PATH=/bin", "HOME=/home/app"}, "/bin"},
		{"root", nil, 0, fakePasswd, []string{"HOME=/root"}, defaultPath},
		{"uid not in passwd", []string{"A=1"}, 4242, fakePasswd, []string{"A=1", "HOME=/"}, defaultPath},
		{"empty home field", nil, 1001, fakePasswd, []string{"HOME=/"}, defaultPath},
		{"no passwd", nil, 1000, "", []string{"HOME=/"}, defaultPath},
		{"HOME given is kept", []string{"HOME=/h", "X=y"}, 1000, fakePasswd, []string{"HOME=/h", "X=y"}, defaultPath},
		{"last duplicate wins", []string{"PATH=/a", "X=1", "PATH=/b", "X=2", "Y="}, 0, "", []string{"PATH=/b", "X=2", "Y=", "HOME=/"}, "/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := exampleSpec()
			spec.Process.Args = []string{"app", "--flag"}
			spec.Process.Env = tt.env
			spec.Process.User.UID = tt.uid
			in := newInput(t, spec)
			if tt.passwd != "" {
				writeRootfsFile(t, in.Rootfs, "etc/passwd", tt.passwd)
			}
			res := compile(t, in)
			op, desc := onlyOp(t, res.Plan, protocol.OpExec)
			checkOp(t, desc, op, []uint64{2, 3}, append([]string{"app", "--flag"}, tt.wantEnv...)...)
			op, desc = onlyOp(t, res.Plan, protocol.OpFindExec)
			checkOp(t, desc, op, nil, "app", tt.path)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %q", res.Warnings)
			}
		})
	}
}

func TestHomeLookupStaysInRootfs(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Spec.Process.User.UID = 1000
	// An absolute symlink must resolve inside the rootfs, not on the host.
	writeRootfsFile(t, in.Rootfs, "inside/passwd", "app:x:1000:1000::/home/inside:/bin/sh\n")
	if err := os.MkdirAll(filepath.Join(in.Rootfs, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/inside/passwd", filepath.Join(in.Rootfs, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	op, _ := onlyOp(t, compile(t, in).Plan, protocol.OpExec)
	if home := op.Strs[len(op.Strs)-1]; home != "HOME=/home/inside" {
		t.Errorf("got %q", home)
	}
}

func TestHomeLookupUnreadable(t *testing.T) {
	in := newInput(t, exampleSpec())
	// A directory where the file should be: reading fails, HOME falls back.
	if err := os.MkdirAll(filepath.Join(in.Rootfs, "etc/passwd"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := compile(t, in)
	op, _ := onlyOp(t, res.Plan, protocol.OpExec)
	if home := op.Strs[len(op.Strs)-1]; home != "HOME=/" {
		t.Errorf("got %q", home)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "process.env: HOME: open ") ||
		!strings.Contains(res.Warnings[0], "not a regular file") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

// TestHomeLookupDevice: a device node planted as /etc/passwd is refused
// without being opened for reading (watched with inotify).
func TestHomeLookupDevice(t *testing.T) {
	in := newInput(t, exampleSpec())
	dev := filepath.Join(in.Rootfs, "etc/passwd")
	if err := os.MkdirAll(filepath.Dir(dev), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(dev, unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod: %v (needs root)", err)
	}
	ino, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ino)
	if _, err := unix.InotifyAddWatch(ino, dev, unix.IN_OPEN); err != nil {
		t.Fatal(err)
	}
	res := compile(t, in)
	op, _ := onlyOp(t, res.Plan, protocol.OpExec)
	if home := op.Strs[len(op.Strs)-1]; home != "HOME=/" || len(res.Warnings) != 1 {
		t.Errorf("got %q, warnings %q", home, res.Warnings)
	}
	buf := make([]byte, 4096)
	if n, _ := unix.Read(ino, buf); n > 0 {
		t.Error("the device node was opened")
	}
}

// TestHomeLookupFifo: a FIFO planted as /etc/passwd is refused without
// opening it for reading (which would block until a writer came).
func TestHomeLookupFifo(t *testing.T) {
	in := newInput(t, exampleSpec())
	if err := os.MkdirAll(filepath.Join(in.Rootfs, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(in.Rootfs, "etc/passwd"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan *Result, 1)
	go func() { done <- compile(t, in) }()
	select {
	case res := <-done:
		op, _ := onlyOp(t, res.Plan, protocol.OpExec)
		if home := op.Strs[len(op.Strs)-1]; home != "HOME=/" || len(res.Warnings) != 1 {
			t.Errorf("got %q, warnings %q", home, res.Warnings)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("compile hangs on a FIFO at /etc/passwd")
	}
}

func TestBadEnvironment(t *testing.T) {
	for _, kv := range []string{"NOEQUALS", "=value"} {
		spec := exampleSpec()
		spec.Process.Env = []string{"A=1", kv}
		_, err := Compile(newInput(t, spec))
		wantErr(t, err, "process.env[1]: ", "is not NAME=value")
	}
}
