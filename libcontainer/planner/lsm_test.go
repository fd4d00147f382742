package planner

import (
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const testLabel = "system_u:system_r:container_t:s0:c1,c2"

// The labels are requested as root, after the root switch (the attr file
// is found through the container's /proc) and before any seccomp filter.
func TestExecLabels(t *testing.T) {
	for _, nnp := range []bool{true, false} {
		spec := exampleSpec()
		spec.Process.NoNewPrivileges = nnp
		spec.Process.ApparmorProfile = "hull-test"
		spec.Process.SelinuxLabel = testLabel
		spec.Process.User = specs.User{UID: 1000, GID: 1000}
		in := newInput(t, spec)
		in.Seccomp = &Seccomp{BPF: make([]byte, 8)}
		p := compile(t, in).Plan
		ops, descs := opsOf(p, protocol.OpExecLabel)
		if len(ops) != 2 {
			t.Fatalf("want 2 label ops, got %d: %v", len(ops), opCodes(p))
		}
		checkOp(t, "apparmor", ops[0], []uint64{uint64(protocol.LSMApparmor)}, "hull-test")
		checkOp(t, "selinux", ops[1], []uint64{uint64(protocol.LSMSelinux)}, testLabel)
		if descs[0] != `process.apparmorProfile "hull-test"` || descs[1] != `process.selinuxLabel "`+testLabel+`"` {
			t.Errorf("descriptions %q", descs)
		}
		checkLabelPlacement(t, p)
	}
}

func checkLabelPlacement(t *testing.T, p *protocol.Plan) {
	t.Helper()
	i := indexOf(p, protocol.OpExecLabel)
	for _, before := range []protocol.Op{protocol.OpChdir, protocol.OpEnterRoot, protocol.OpPivotRoot} {
		if j := indexOf(p, before); j > i {
			t.Errorf("label at %d before op %d at %d: %v", i, before, j, opCodes(p))
		}
	}
	for _, after := range []protocol.Op{protocol.OpSeccomp, protocol.OpSetUser, protocol.OpNoNewPrivs, protocol.OpExec} {
		if j := indexOf(p, after); j != -1 && j < i {
			t.Errorf("label at %d after op %d at %d: %v", i, after, j, opCodes(p))
		}
	}
}

func TestExecLabelsNone(t *testing.T) {
	if i := indexOf(compile(t, newInput(t, exampleSpec())).Plan, protocol.OpExecLabel); i != -1 {
		t.Errorf("label op at %d without a label", i)
	}
}

func TestExecLabelsInExec(t *testing.T) {
	spec := exampleSpec()
	spec.Process.ApparmorProfile = "hull-test"
	res, err := CompileExec(&ExecInput{Spec: spec, Rootfs: t.TempDir(), InitPid: 42, RootFd: 5, FirstPrivateFd: 3,
		Seccomp: &Seccomp{BPF: make([]byte, 8)}})
	if err != nil {
		t.Fatal(err)
	}
	op, desc := onlyOp(t, res.Plan, protocol.OpExecLabel)
	checkOp(t, "apparmor", op, []uint64{uint64(protocol.LSMApparmor)}, "hull-test")
	if desc != `process.apparmorProfile "hull-test"` {
		t.Errorf("description %q", desc)
	}
	checkLabelPlacement(t, res.Plan)
}

// linux.mountLabel goes to the fresh tmpfs, devpts and mqueue mounts,
// including the tmpfs holding cgroup v1 hierarchies; never to binds, proc,
// sysfs or cgroup mounts.
func TestMountLabel(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.MountLabel = testLabel
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/data", Type: "bind", Source: t.TempDir(), Options: []string{"rbind"}},
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/shm2", Type: "tmpfs", Source: t.TempDir(), Options: []string{"bind"}})
	in := newInput(t, spec)
	in.Cgroups = v1Cgroups
	p := compile(t, in).Plan
	ctx := `context="` + testLabel + `"`
	want := map[string]string{
		"/dev":                  "mode=755,size=65536k," + ctx,
		"/dev/pts":              "newinstance,ptmxmode=0666,mode=0620,gid=5," + ctx,
		"/dev/shm":              "mode=1777,size=65536k," + ctx,
		"/dev/mqueue":           ctx,
		"/tmp":                  ctx,
		"/sys/fs/cgroup":        "mode=755," + ctx,
		"/proc":                 "",
		"/sys":                  "",
		"/data":                 "",
		"/shm2":                 "",
		"/sys/fs/cgroup/memory": "memory",
	}
	ops, _ := opsOf(p, protocol.OpMount)
	seen := map[string]bool{}
	for _, op := range ops {
		dest, data := op.Strs[1], op.Strs[3]
		if w, ok := want[dest]; ok {
			seen[dest] = true
			if data != w {
				t.Errorf("%s: data %q, want %q", dest, data, w)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("mounts seen %v, want all of %v", seen, want)
	}
}
