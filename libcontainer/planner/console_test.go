package planner

import (
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKeyringAfterSetsid(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.ID, in.NoNewKeyring = "web", false
	p := compile(t, in).Plan
	op, _ := onlyOp(t, p, protocol.OpJoinKeyring)
	checkOp(t, "keyring", op, nil, "_ses.web")
	if indexOf(p, protocol.OpJoinKeyring) != indexOf(p, protocol.OpSetsid)+1 {
		t.Errorf("keyring not right after setsid: %v", opCodes(p))
	}
	in.NoNewKeyring = true
	if indexOf(compile(t, in).Plan, protocol.OpJoinKeyring) != -1 {
		t.Error("keyring joined with --no-new-keyring")
	}
}

func TestConsoleAfterDevices(t *testing.T) {
	spec := exampleSpec()
	spec.Process.Terminal = true
	spec.Process.ConsoleSize = &specs.Box{Height: 40, Width: 120}
	in := newInput(t, spec)
	in.ConsoleFd = 7
	p := compile(t, in).Plan
	op, _ := onlyOp(t, p, protocol.OpConsole)
	checkOp(t, "console", op, []uint64{7, 40, 120, 1})
	i := indexOf(p, protocol.OpConsole)
	if p.Ops()[i-1].Code != protocol.OpSymlink || p.Ops()[i+1].Code != protocol.OpMkdirAll {
		t.Errorf("console at %d not between the /dev links and cwd: %v", i, opCodes(p))
	}
	spec.Process.Terminal = false
	if indexOf(compile(t, newInput(t, spec)).Plan, protocol.OpConsole) != -1 {
		t.Error("console planned without process.terminal")
	}
}
