package devices

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Insn is one eBPF instruction as the kernel reads it (struct bpf_insn,
// with the two register nibbles kept apart until encoding).
type Insn struct {
	Op       uint8
	Dst, Src uint8
	Off      int16 // jumps: instructions to skip, counted from the next one
	Imm      int32
}

// The registers Program uses: R0 holds the verdict, R1 the context.
const (
	r0 uint8 = iota
	r1
	r2
	r3
	r4
	r5
	r6
)

const (
	opLoadWord = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W
	opAndImm   = unix.BPF_ALU64 | unix.BPF_AND | unix.BPF_K
	opRshImm   = unix.BPF_ALU64 | unix.BPF_RSH | unix.BPF_K
	opMovImm   = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K
	opMovReg   = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_X
	opJneImm   = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K
	opJeqImm   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	opExit     = unix.BPF_JMP | unix.BPF_EXIT
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
func Program(rules []Rule) []Insn {
	prog := []Insn{
		{Op: opLoadWord, Dst: r2, Src: r1, Off: 0},
		{Op: opAndImm, Dst: r2, Imm: 0xffff}, // R2 = device type
		{Op: opLoadWord, Dst: r3, Src: r1, Off: 0},
		{Op: opRshImm, Dst: r3, Imm: 16}, // R3 = access asked for
		{Op: opLoadWord, Dst: r4, Src: r1, Off: 4},
		{Op: opLoadWord, Dst: r5, Src: r1, Off: 8},
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if r.Type == 'a' {
			return append(prog, verdict(r.Allow)...)
		}
		match := ruleMatch(r)
		body := append(match, verdict(r.Allow)...)
		// A failed test jumps past this rule, to the next one.
		for j := range match {
			if match[j].Op&0x07 == unix.BPF_JMP {
				body[j].Off = int16(len(body) - j - 1)
			}
		}
		prog = append(prog, body...)
	}
	return append(prog, verdict(false)...)
}

// ruleMatch tests whether rule r covers the request; each of its jumps
// means "no" and gets its target from Program.
func ruleMatch(r Rule) []Insn {
	typ := int32(devChar)
	if r.Type == 'b' {
		typ = devBlock
	}
	acc := int32(accessBits(r.Access))
	ins := []Insn{{Op: opJneImm, Dst: r2, Imm: typ}, {Op: opMovReg, Dst: r6, Src: r3}}
	if r.Allow {
		// Every bit asked for must be granted: (asked &^ granted) == 0.
		ins = append(ins, Insn{Op: opAndImm, Dst: r6, Imm: ^acc & 0x7}, Insn{Op: opJneImm, Dst: r6})
	} else {
		// Any bit asked for that is denied: (asked & denied) != 0.
		ins = append(ins, Insn{Op: opAndImm, Dst: r6, Imm: acc}, Insn{Op: opJeqImm, Dst: r6})
	}
	if r.Major != Wildcard {
		ins = append(ins, Insn{Op: opJneImm, Dst: r4, Imm: int32(r.Major)})
	}
	if r.Minor != Wildcard {
		ins = append(ins, Insn{Op: opJneImm, Dst: r5, Imm: int32(r.Minor)})
	}
	return ins
}

func verdict(allow bool) []Insn {
	v := int32(0)
	if allow {
		v = 1
	}
	return []Insn{{Op: opMovImm, Dst: r0, Imm: v}, {Op: opExit}}
}

// String is the instruction in a short readable form, for test failures.
func (i Insn) String() string {
	return "op=0x" + strconv.FormatUint(uint64(i.Op), 16) + " dst=r" + strconv.Itoa(int(i.Dst)) +
		" src=r" + strconv.Itoa(int(i.Src)) + " off=" + strconv.Itoa(int(i.Off)) + " imm=" + strconv.Itoa(int(i.Imm))
}
