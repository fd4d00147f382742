package planner

import (
	"reflect"
	"testing"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestProcessAttrs(t *testing.T) {
	spec := exampleSpec()
	spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	spec.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_FIFO", Priority: 10, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_RESET_ON_FORK"}}
	spec.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}
	spec.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0", Final: "1,64-65"}
	p := compile(t, newInput(t, spec)).Plan
	pers, _ := onlyOp(t, p, protocol.OpPersonality)
	checkOp(t, "personality", pers, []uint64{8})
	sched, _ := onlyOp(t, p, protocol.OpScheduler)
	checkOp(t, "scheduler", sched, []uint64{1, 1, 0, 10, 0, 0, 0})
	io, _ := onlyOp(t, p, protocol.OpIOPriority)
	checkOp(t, "ioprio", io, []uint64{2<<13 | 4})
	if p.Ops()[0].Code != protocol.OpCPUAffinity || !reflect.DeepEqual(p.Ops()[0].Ints, []uint64{1}) {
		t.Errorf("initial affinity: %+v", p.Ops()[0])
	}
	ops := p.Ops()
	if final := ops[len(ops)-2]; final.Code != protocol.OpCPUAffinity || !reflect.DeepEqual(final.Ints, []uint64{2, 3}) {
		t.Errorf("final affinity: %+v", final)
	}
	if i := indexOf(p, protocol.OpScheduler); i > indexOf(p, protocol.OpSetUser) {
		t.Errorf("scheduler after the user switch: %v", opCodes(p))
	}
}

func TestProcessAttrErrors(t *testing.T) {
	cases := []struct {
		mutate func(*specs.Spec)
		want   string
	}{
		{func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "BSD"} }, `linux.personality.domain: unknown domain "BSD" (want LINUX or LINUX32)`},
		{func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_FAST"} }, `process.scheduler.policy: unknown policy "SCHED_FAST"`},
		{func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_RR", Flags: []specs.LinuxSchedulerFlag{"X"}}
		}, `process.scheduler.flags[0]: unknown flag "X"`},
		{func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: "RT"} }, `process.ioPriority.class: unknown class "RT"`},
		{func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 9}
		}, `process.ioPriority.priority: 9 is outside 0-7`},
		{func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "3-1"} }, `process.execCPUAffinity.final: invalid CPU list "3-1"`},
	}
	for _, tc := range cases {
		spec := exampleSpec()
		tc.mutate(spec)
		_, err := Compile(newInput(t, spec))
		wantErr(t, err, tc.want)
	}
}
