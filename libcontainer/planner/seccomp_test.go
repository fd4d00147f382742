package planner

import (
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
)

func TestSeccompPlacement(t *testing.T) {
	for _, nnp := range []bool{true, false} {
		spec := exampleSpec()
		spec.Process.NoNewPrivileges = nnp
		in := newInput(t, spec)
		in.Seccomp = &Seccomp{BPF: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Flags: 4}
		p := compile(t, in).Plan
		op, _ := onlyOp(t, p, protocol.OpSeccomp)
		checkOp(t, "seccomp", op, []uint64{4, 0}, "\x01\x02\x03\x04\x05\x06\x07\x08")
		i, ops := indexOf(p, protocol.OpSeccomp), p.Ops()
		last := ops[len(ops)-1]
		if nnp {
			// last before exec, after the fds were closed; exec need not close them again
			if i != len(ops)-2 || ops[i-1].Code != protocol.OpCloseFds || last.Ints[1] != 0 {
				t.Errorf("nnp: seccomp at %d: %v, exec %v", i, opCodes(p), last.Ints)
			}
		} else {
			// before the user switch, which may drop CAP_SYS_ADMIN
			if i > indexOf(p, protocol.OpSetUser) || ops[i-1].Code != protocol.OpCloseFds || last.Ints[1] != 0 {
				t.Errorf("no nnp: seccomp at %d: %v, exec %v", i, opCodes(p), last.Ints)
			}
		}
	}
	if indexOf(compile(t, newInput(t, exampleSpec())).Plan, protocol.OpSeccomp) != -1 {
		t.Error("seccomp without a filter")
	}
}

// With an agent, its state is fetched while the init socket is open, and
// the listener goes to the agent's fd.
func TestSeccompAgent(t *testing.T) {
	in := newInput(t, exampleSpec())
	in.Seccomp = &Seccomp{BPF: make([]byte, 8), Flags: 8, AgentFd: 9}
	p := compile(t, in).Plan
	op, _ := onlyOp(t, p, protocol.OpSeccomp)
	if op.Ints[1] != 9 {
		t.Errorf("seccomp ints %v", op.Ints)
	}
	sync, _ := onlyOp(t, p, protocol.OpSync)
	checkOp(t, "agent state", sync, []uint64{uint64(protocol.SyncSeccomp)})
	if indexOf(p, protocol.OpSync) > indexOf(p, protocol.OpReady) {
		t.Errorf("agent state fetched after the init socket closed: %v", opCodes(p))
	}
}
