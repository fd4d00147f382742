package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint64{
	"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
	"SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
	"SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
	"SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
}

var ioprioClasses = map[specs.IOPriorityClass]uint64{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

// processAttrs emits personality, scheduler and I/O priority. They run
// before the user switch: raising them may need CAP_SYS_NICE or CAP_SYS_ADMIN.
func (c *compiler) processAttrs() error {
	for _, f := range []func() error{c.personality, c.scheduler, c.ioPriority} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) personality() error {
	p := c.linux.Personality
	if p == nil {
		return nil
	}
	var persona uint64
	switch p.Domain {
	case specs.PerLinux:
	case specs.PerLinux32:
		persona = 0x0008
	default:
		return fmt.Errorf("linux.personality.domain: unknown domain %q (want LINUX or LINUX32)", p.Domain)
	}
	if len(p.Flags) > 0 {
		return fmt.Errorf("linux.personality.flags: unknown flag %q (none are defined)", p.Flags[0])
	}
	c.plan.Add("linux.personality", protocol.OpPersonality, []uint64{persona})
	return nil
}

func (c *compiler) scheduler() error {
	s := c.proc.Scheduler
	if s == nil {
		return nil
	}
	policy, ok := schedPolicies[s.Policy]
	if !ok {
		return fmt.Errorf("process.scheduler.policy: unknown policy %q", s.Policy)
	}
	var flags uint64
	for i, f := range s.Flags {
		v, ok := schedFlags[f]
		if !ok {
			return fmt.Errorf("process.scheduler.flags[%d]: unknown flag %q", i, f)
		}
		flags |= v
	}
	c.plan.Add("process.scheduler", protocol.OpScheduler, []uint64{policy, flags, uint64(int64(s.Nice)),
		uint64(s.Priority), s.Runtime, s.Deadline, s.Period})
	return nil
}

func (c *compiler) ioPriority() error {
	p := c.proc.IOPriority
	if p == nil {
		return nil
	}
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return fmt.Errorf("process.ioPriority.class: unknown class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return fmt.Errorf("process.ioPriority.priority: %d is outside 0-7", p.Priority)
	}
	c.plan.Add("process.ioPriority", protocol.OpIOPriority, []uint64{class<<13 | uint64(p.Priority)})
	return nil
}

// cpuAffinity emits the initial (first op) or final (before exec) affinity.
func (c *compiler) cpuAffinity(final bool) error {
	a := c.proc.ExecCPUAffinity
	if a == nil {
		return nil
	}
	list, field := a.Initial, "process.execCPUAffinity.initial"
	if final {
		list, field = a.Final, "process.execCPUAffinity.final"
	}
	if list == "" {
		return nil
	}
	mask, err := parseCPUList(list)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	c.plan.Add(field, protocol.OpCPUAffinity, mask)
	return nil
}

// parseCPUList turns "0-3,7" into 64-bit mask words.
func parseCPUList(list string) ([]uint64, error) {
	var mask []uint64
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b >= 8192 {
			return nil, fmt.Errorf("invalid CPU list %q", list)
		}
		for cpu := a; cpu <= b; cpu++ {
			for len(mask) <= cpu/64 {
				mask = append(mask, 0)
			}
			mask[cpu/64] |= 1 << (cpu % 64)
		}
	}
	return mask, nil
}
