package seccomp

import (
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// maxArgs is the number of syscall arguments seccomp_data carries.
const maxArgs = 6

// addSyscall checks linux.seccomp.syscalls[i] and adds a rule per name and
// condition set. Names are resolved later, by build.
func (p *profile) addSyscall(i int, sc *specs.LinuxSyscall) error {
	field := fmt.Sprintf("linux.seccomp.syscalls[%d]", i)
	act, err := action(field+".action", sc.Action, field+".errnoRet", sc.ErrnoRet)
	if err != nil {
		return err
	}
	if len(sc.Names) == 0 {
		return fmt.Errorf("%s.names: must list at least one syscall", field)
	}
	sets, err := conditions(field, sc.Args)
	if err != nil {
		return err
	}
	for j, name := range sc.Names {
		r := rule{entry: i, index: j, name: name, action: act}
		if name == "" {
			return fmt.Errorf("%s: empty syscall name", r.field())
		}
		if act == libseccomp.ActNotify && name == "write" {
			// As in runc, whose init reports the listener fd with write(2):
			// it would wait for an agent that has no fd yet.
			return fmt.Errorf("%s: SCMP_ACT_NOTIFY cannot be used for the write syscall", r.field())
		}
		if act == p.defAction {
			// Redundant, and libseccomp refuses it.
			continue
		}
		for _, r.conds = range sets {
			p.rules = append(p.rules, r)
		}
	}
	if act == libseccomp.ActNotify {
		p.notify = true
	}
	return nil
}

// field is the JSON path of the rule's syscall name. It is only formatted
// for messages: a profile has hundreds of names.
func (r *rule) field() string {
	return fmt.Sprintf("linux.seccomp.syscalls[%d].names[%d]", r.entry, r.index)
}

// conditions translates an entry's args into the condition sets of its
// rules: one set holding them all (they must all hold), or, when two of them
// test the same argument, which libseccomp refuses in one rule, one set per
// condition. The split makes the conditions alternatives; runc does the same,
// and profiles rely on it to allow several values of one argument, e.g.
// personality(PER_LINUX) or personality(PER_LINUX32) in one entry.
func conditions(field string, args []specs.LinuxSeccompArg) ([][]libseccomp.ScmpCondition, error) {
	if len(args) == 0 {
		return [][]libseccomp.ScmpCondition{nil}, nil
	}
	var seen [maxArgs]bool
	split := false
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	for k, a := range args {
		argField := fmt.Sprintf("%s.args[%d]", field, k)
		if a.Index >= maxArgs {
			return nil, fmt.Errorf("%s.index: %d is out of range: syscalls have arguments 0 to %d", argField, a.Index, maxArgs-1)
		}
		op, ok := operators[a.Op]
		if !ok {
			return nil, fmt.Errorf("%s.op: unknown operator %q", argField, a.Op)
		}
		// For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the
		// value the masked argument must equal; other operators ignore
		// valueTwo.
		c, err := libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", argField, err)
		}
		split = split || seen[a.Index]
		seen[a.Index] = true
		conds = append(conds, c)
	}
	if !split {
		return [][]libseccomp.ScmpCondition{conds}, nil
	}
	sets := make([][]libseccomp.ScmpCondition, len(conds))
	for i := range conds {
		sets[i] = conds[i : i+1 : i+1]
	}
	return sets, nil
}
