package planner

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// repeat returns n copies of op.
func repeat(op protocol.Op, n int) []protocol.Op {
	return slices.Repeat([]protocol.Op{op}, n)
}

func TestCompileExampleSequence(t *testing.T) {
	res := compile(t, newInput(t, exampleSpec()))
	var want []protocol.Op
	want = append(want, protocol.OpClone, protocol.OpSetsid, protocol.OpMountPropagation, protocol.OpRootfs)
	want = append(want, repeat(protocol.OpMount, 7)...)   // 7 mounts, cgroup v2 in a cgroup ns is one
	want = append(want, repeat(protocol.OpMknod, 6)...)   // default devices
	want = append(want, repeat(protocol.OpSymlink, 6)...) // fd, stdin, stdout, stderr, core, ptmx
	want = append(want, protocol.OpMkdirAll, protocol.OpRemountRo)
	want = append(want, repeat(protocol.OpReadonlyPath, 2)...)
	want = append(want, repeat(protocol.OpMaskPath, 2)...)
	want = append(want, protocol.OpPivotRoot)
	want = append(want, protocol.OpSethostname, protocol.OpRlimit, protocol.OpChdir, protocol.OpDropBounding, protocol.OpSetUser,
		protocol.OpCapabilities, protocol.OpNoNewPrivs, protocol.OpFindExec,
		protocol.OpReady, protocol.OpWaitStart, protocol.OpExec)
	if got := opCodes(res.Plan); !reflect.DeepEqual(got, want) {
		t.Fatalf("op sequence:\n got %v\nwant %v", got, want)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	if _, err := protocol.Decode(res.Plan.Encode()); err != nil {
		t.Errorf("plan does not round-trip: %v", err)
	}
}

func TestCompileDescriptionsNameFields(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	res := compile(t, newInput(t, spec))
	p := res.Plan
	want := map[string]bool{
		`mounts[0]: mount proc on /proc`:                     false,
		`mounts[5]: mount sysfs on /sys`:                     false,
		`linux.sysctl "net.ipv4.ip_forward"`:                 false,
		`process.rlimits[0] (RLIMIT_NOFILE)`:                 false,
		`process.args[0] "sh"`:                               false,
		`process.args[0] "sh": exec`:                         false,
		`linux.maskedPaths[1] "/proc/kcore"`:                 false,
		`linux.readonlyPaths[0] "/proc/bus"`:                 false,
		`hostname "runc"`:                                    false,
		`root.readonly: remount / read-only`:                 false,
		`process.capabilities.bounding`:                      false,
		`default device /dev/null: mknod /dev/null (c 1:3)`:  false,
		`symlink /dev/ptmx -> pts/ptmx (devpts on /dev/pts)`: false,
		`process.cwd "/": create`:                            false,
		`mounts[6]: mount cgroup2 on /sys/fs/cgroup`:         false,
	}
	for i := range p.Ops() {
		d := p.Desc(i)
		if d == "" {
			t.Errorf("op %d has no description", i)
		}
		if _, ok := want[d]; ok {
			want[d] = true
		}
		if strings.Contains(d, "linux.rootfsPropagation") {
			t.Errorf("op %d names an unset field: %q", i, d)
		}
	}
	for d, seen := range want {
		if !seen {
			t.Errorf("no op described as %q", d)
		}
	}
	_, desc := onlyOp(t, p, protocol.OpClone)
	if desc != "clone the container init into new namespaces (pid, network, ipc, uts, mount, cgroup)" {
		t.Errorf("clone desc = %q", desc)
	}
}

func TestCompileHostProcWrites(t *testing.T) {
	spec := exampleSpec()
	adj := -500
	spec.Process.OOMScoreAdj = &adj
	spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "net.core.somaxconn": "512"}
	p := compile(t, newInput(t, spec)).Plan
	ops, descs := opsOf(p, protocol.OpWriteFile)
	want := [][2]string{
		{"/proc/self/oom_score_adj", "-500"},
		{"/proc/sys/kernel/shmmax", "65536"},
		{"/proc/sys/net/core/somaxconn", "512"},
		{"/proc/sys/net/ipv4/ip_forward", "1"},
	}
	if len(ops) != len(want) {
		t.Fatalf("got %d writes, want %d", len(ops), len(want))
	}
	for i, w := range want {
		checkOp(t, descs[i], ops[i], nil, w[0], w[1])
	}
	// Through the host's /proc: after setsid, before anything touches the rootfs.
	if first := indexOf(p, protocol.OpWriteFile); first != indexOf(p, protocol.OpSetsid)+1 ||
		first > indexOf(p, protocol.OpMountPropagation) {
		t.Errorf("writes at %d, setsid at %d", first, indexOf(p, protocol.OpSetsid))
	}
}

func TestCompileHooksSyncBeforeRootSwitch(t *testing.T) {
	for _, noPivot := range []bool{false, true} {
		in := newInput(t, exampleSpec())
		in.CreateHooks, in.NoPivot = true, noPivot
		p := compile(t, in).Plan
		op, _ := onlyOp(t, p, protocol.OpSync)
		checkOp(t, "sync", op, []uint64{uint64(protocol.SyncHooks)})
		sw := protocol.OpPivotRoot
		if noPivot {
			sw = protocol.OpChroot
			if indexOf(p, protocol.OpPivotRoot) != -1 {
				t.Errorf("--no-pivot plan has OpPivotRoot")
			}
		}
		// hooks see the mounts done but the root neither switched nor read-only yet
		i := indexOf(p, protocol.OpSync)
		if p.Ops()[i-1].Code != protocol.OpMkdirAll || p.Ops()[i+1].Code != protocol.OpRemountRo || indexOf(p, sw) < i {
			t.Errorf("no-pivot=%v: sync at %d not between cwd creation and the protected paths: %v", noPivot, i, opCodes(p))
		}
	}
	if indexOf(compile(t, newInput(t, exampleSpec())).Plan, protocol.OpSync) != -1 {
		t.Errorf("sync planned without hooks")
	}
}

func TestCompileWithoutMountNamespace(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.UTSNamespace}}
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	in := newInput(t, spec)
	res := compile(t, in)
	for _, code := range []protocol.Op{protocol.OpMountPropagation, protocol.OpRootfs, protocol.OpMount,
		protocol.OpMknod, protocol.OpSymlink, protocol.OpMkdirAll, protocol.OpPivotRoot, protocol.OpRemountRo,
		protocol.OpMaskPath, protocol.OpReadonlyPath} {
		if i := indexOf(res.Plan, code); i != -1 {
			t.Errorf("op %d planned without a mount namespace: %s", code, res.Plan.Desc(i))
		}
	}
	op, _ := onlyOp(t, res.Plan, protocol.OpChroot)
	checkOp(t, "chroot", op, []uint64{0}, in.Rootfs)
	if indexOf(res.Plan, protocol.OpChroot) != indexOf(res.Plan, protocol.OpSetsid)+1 {
		t.Errorf("chroot %q at %d: %v", op.Strs, indexOf(res.Plan, protocol.OpChroot), opCodes(res.Plan))
	}
	want := []string{
		"no mount namespace: 7 mounts not applied",
		"no mount namespace: 1 linux.devices not applied",
		"no mount namespace: 2 linux.maskedPaths not applied",
		"no mount namespace: 2 linux.readonlyPaths not applied",
		"no mount namespace: root.readonly not applied",
	}
	if !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", res.Warnings, want)
	}
}

func TestCompileOptionalProcessSteps(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Capabilities = nil
	spec.Process.NoNewPrivileges = false
	spec.Process.Rlimits = nil
	spec.Hostname = ""
	spec.Domainname = "example.org"
	umask := uint32(0o027)
	spec.Process.User.Umask = &umask
	p := compile(t, newInput(t, spec)).Plan
	for _, code := range []protocol.Op{protocol.OpDropBounding, protocol.OpCapabilities, protocol.OpNoNewPrivs,
		protocol.OpRlimit, protocol.OpSethostname} {
		if i := indexOf(p, code); i != -1 {
			t.Errorf("unexpected op %q", p.Desc(i))
		}
	}
	op, desc := onlyOp(t, p, protocol.OpUmask)
	checkOp(t, desc, op, []uint64{0o027})
	op, desc = onlyOp(t, p, protocol.OpSetdomainname)
	checkOp(t, desc, op, nil, "example.org")
	op, _ = onlyOp(t, p, protocol.OpWaitStart)
	checkOp(t, "wait", op, []uint64{4})
}

func TestCompileInputErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(in *Input)
		want   string
	}{
		{"no spec", func(in *Input) { in.Spec = nil }, "no spec"},
		{"no process", func(in *Input) { in.Spec.Process = nil }, "process: missing"},
		{"no args", func(in *Input) { in.Spec.Process.Args = nil }, "process.args: empty"},
		{"stdio fd", func(in *Input) { in.FirstPrivateFd = 2 }, "first private fd 2"},
		{"inherited fifo", func(in *Input) { in.FirstPrivateFd = 5 }, "exec fifo fd 4 would be inherited"},
		{"NUL in args", func(in *Input) { in.Spec.Process.Args = []string{"sh", "a\x00b"} }, `process.args[0] "sh": exec`},
		{"NUL in mount", func(in *Input) { in.Spec.Mounts[0].Destination = "/pr\x00oc" }, "mounts[0]: mount proc on"},
		{"bad namespace", func(in *Input) { in.Spec.Linux.Namespaces[0].Type = "foo" }, `linux.namespaces[0].type: unknown namespace "foo"`},
		{"bad rlimit", func(in *Input) { in.Spec.Process.Rlimits[0].Type = "RLIMIT_FOO" }, `process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInput(t, exampleSpec())
			tt.modify(in)
			_, err := Compile(in)
			wantErr(t, err, tt.want)
		})
	}
}

func TestCompileRlimits(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Rlimits = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096},
		{Type: "RLIMIT_RTTIME", Soft: 10, Hard: 20},
		{Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)},
	}
	ops, descs := opsOf(compile(t, newInput(t, spec)).Plan, protocol.OpRlimit)
	want := [][]uint64{{unix.RLIMIT_NOFILE, 1024, 4096}, {15, 10, 20}, {unix.RLIMIT_CORE, ^uint64(0), ^uint64(0)}}
	if len(ops) != len(want) {
		t.Fatalf("got %d rlimits", len(ops))
	}
	for i := range want {
		checkOp(t, descs[i], ops[i], want[i])
	}
	if descs[1] != "process.rlimits[1] (RLIMIT_RTTIME)" {
		t.Errorf("desc = %q", descs[1])
	}
}
