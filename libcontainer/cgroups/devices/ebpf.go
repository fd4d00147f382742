package devices

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Device types in struct bpf_cgroup_dev_ctx's access_type (low 16 bits;
// the access bits are in the high 16).
const (
	devBlock = 1
	devChar  = 2
)

// Program compiles rules into a BPF_PROG_TYPE_CGROUP_DEVICE program with
// the semantics of Allowed: the rules are tested last to first, and the
// first that covers the request returns its verdict; an "a" rule ends the
// program, since nothing before it can be reached. The context is
// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }.
func Program(rules []Rule) asm.Instructions {
	prog := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.And.Imm(asm.R2, 0xffff), // R2 = device type
		asm.LoadMem(asm.R3, asm.R1, 0, asm.Word),
		asm.RSh.Imm(asm.R3, 16), // R3 = access asked for
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word),
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word),
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if r.Type == 'a' {
			return append(prog, verdict(r.Allow)...)
		}
		next := "rule" + strconv.Itoa(i)
		prog = append(prog, ruleMatch(r, next)...)
		prog = append(prog, verdict(r.Allow)...)
		// The next rule's first instruction carries the label.
		prog = append(prog, asm.Mov.Imm(asm.R0, 0).WithSymbol(next))
	}
	return append(prog, verdict(false)...)
}

// ruleMatch jumps to next unless rule r covers the request.
func ruleMatch(r Rule, next string) asm.Instructions {
	typ := int32(devChar)
	if r.Type == 'b' {
		typ = devBlock
	}
	acc := int32(accessBits(r.Access))
	ins := asm.Instructions{asm.JNE.Imm(asm.R2, typ, next), asm.Mov.Reg(asm.R6, asm.R3)}
	if r.Allow {
		// Every bit asked for must be granted: (asked &^ granted) == 0.
		ins = append(ins, asm.And.Imm(asm.R6, ^acc&0x7), asm.JNE.Imm(asm.R6, 0, next))
	} else {
		// Any bit asked for that is denied: (asked & denied) != 0.
		ins = append(ins, asm.And.Imm(asm.R6, acc), asm.JEq.Imm(asm.R6, 0, next))
	}
	if r.Major != Wildcard {
		ins = append(ins, asm.JNE.Imm(asm.R4, int32(r.Major), next))
	}
	if r.Minor != Wildcard {
		ins = append(ins, asm.JNE.Imm(asm.R5, int32(r.Minor), next))
	}
	return ins
}

func verdict(allow bool) asm.Instructions {
	v := int32(0)
	if allow {
		v = 1
	}
	return asm.Instructions{asm.Mov.Imm(asm.R0, v), asm.Return()}
}

// Attach loads the program for rules and attaches it to the cgroup2
// directory dir, then detaches the programs that were attached there
// before (ours, from an earlier Set): the new one is in force before the
// old ones go, so there is no moment without a filter.
func Attach(dir string, rules []Rule) error {
	for _, r := range rules {
		if r.Major > 0x7fffffff || r.Minor > 0x7fffffff {
			return fmt.Errorf("device rule %q: number out of range", r)
		}
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	old, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("query device programs of %s: %w", dir, err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: Program(rules),
		License:      "Apache",
	})
	if err != nil {
		return fmt.Errorf("load device cgroup program: %w", err)
	}
	defer prog.Close()
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  fd,
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("attach device cgroup program to %s: %w", dir, err)
	}
	return detach(fd, dir, old.Programs)
}

func detach(fd int, dir string, progs []link.AttachedProgram) error {
	var errs []error
	for _, ap := range progs {
		p, err := ebpf.NewProgramFromID(ap.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("old device program %d: %w", ap.ID, err))
			continue
		}
		err = link.RawDetachProgram(link.RawDetachProgramOptions{Target: fd, Program: p, Attach: ebpf.AttachCGroupDevice})
		p.Close()
		if err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("detach old device program %d from %s: %w", ap.ID, dir, err))
		}
	}
	return errors.Join(errs...)
}
