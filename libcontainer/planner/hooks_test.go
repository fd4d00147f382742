package planner

import (
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestContainerHooks(t *testing.T) {
	spec := exampleSpec()
	five := 5
	spec.Hooks = &specs.Hooks{
		CreateContainer: []specs.Hook{{Path: "/bin/cc", Args: []string{"cc", "-x"}, Env: []string{"A=1"}, Timeout: &five}},
		StartContainer:  []specs.Hook{{Path: "/bin/sc"}},
	}
	p := compile(t, newInput(t, spec)).Plan
	var hooks []protocol.PlanOp
	var at []int
	for i, op := range p.Ops() {
		if op.Code == protocol.OpHook {
			hooks, at = append(hooks, op), append(at, i)
		}
	}
	if len(hooks) != 2 {
		t.Fatalf("%d hook ops: %v", len(hooks), opCodes(p))
	}
	checkOp(t, "createContainer", hooks[0], []uint64{2, 5}, "/bin/cc", "cc", "-x", "A=1")
	checkOp(t, "startContainer", hooks[1], []uint64{1, 0}, "/bin/sc", "/bin/sc")
	if at[0] > indexOf(p, protocol.OpPivotRoot) || at[1] < indexOf(p, protocol.OpWaitStart) || at[1] > indexOf(p, protocol.OpExec) {
		t.Errorf("hooks at %v: %v", at, opCodes(p))
	}
	sync, _ := onlyOp(t, p, protocol.OpSync)
	checkOp(t, "state", sync, []uint64{uint64(protocol.SyncState)})
	if p.Desc(at[0]) != "hooks.createContainer[0] (/bin/cc)" {
		t.Errorf("desc %q", p.Desc(at[0]))
	}
}
