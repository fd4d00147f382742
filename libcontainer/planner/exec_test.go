package planner

import (
	"reflect"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	"golang.org/x/sys/unix"
)

func TestCompileExecJoinsTheContainer(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Args = []string{"ls", "-l"}
	spec.Process.Terminal = true
	res, err := CompileExec(&ExecInput{Spec: spec, Rootfs: t.TempDir(), InitPid: 42, RootFd: 5, FirstPrivateFd: 3, ConsoleFd: 6})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Plan
	var joined []string
	for _, op := range p.Ops() {
		if op.Code == protocol.OpSetns {
			joined = append(joined, op.Strs[0])
		}
	}
	// the example has no user namespace; mount comes last
	want := []string{"/proc/42/ns/ipc", "/proc/42/ns/uts", "/proc/42/ns/net", "/proc/42/ns/pid", "/proc/42/ns/cgroup", "/proc/42/ns/mnt"}
	if !reflect.DeepEqual(joined, want) {
		t.Errorf("joined %v, want %v", joined, want)
	}
	for _, code := range []protocol.Op{protocol.OpMount, protocol.OpPivotRoot, protocol.OpWaitStart, protocol.OpSethostname} {
		if indexOf(p, code) != -1 {
			t.Errorf("exec plan has op %d", code)
		}
	}
	clone, _ := onlyOp(t, p, protocol.OpClone)
	checkOp(t, "clone", clone, []uint64{0, 0}, "", "")
	root, _ := onlyOp(t, p, protocol.OpEnterRoot)
	checkOp(t, "root", root, []uint64{5})
	con, _ := onlyOp(t, p, protocol.OpConsole)
	checkOp(t, "console", con, []uint64{6, 0, 0, 0}) // no /dev/console for an exec
	if indexOf(p, protocol.OpEnterRoot) != indexOf(p, protocol.OpClone)+1 {
		t.Errorf("root entered at the wrong place: %v", opCodes(p))
	}
	last := p.Ops()[len(p.Ops())-1]
	if last.Code != protocol.OpExec || last.Strs[0] != "ls" || last.Ints[0] != 2 {
		t.Errorf("last op %+v", last)
	}
	if unix.CLONE_NEWNS != nsCloneFlag["mount"] {
		t.Error("mount flag")
	}
}
