// Package seccomp compiles a runtime-spec seccomp profile (linux.seccomp) into
// a classic BPF program in the parent. The init only passes the bytes to
// seccomp(2), so neither libseccomp nor the profile reaches the container.
//
// The semantics are runc's: unknown syscall names are skipped, a rule whose
// action is the default action is dropped, several conditions on the same
// argument split the rule, and a profile that sets no flags at all gets
// SECCOMP_FILTER_FLAG_SPEC_ALLOW when the kernel has it.
//
// libseccomp 2.5 takes milliseconds per architecture on an engine's default
// profile; Cache keeps compiled programs so that only the first container
// with a profile pays for it.
package seccomp

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Program is a compiled filter ready for protocol.OpSeccomp.
type Program struct {
	// BPF is the struct sock_filter array, native endian.
	BPF []byte
	// Flags are the SECCOMP_FILTER_FLAG_* bits to pass to seccomp(2),
	// NEW_LISTENER included when Notify is set.
	Flags uint64
	// Notify is set when the profile uses SCMP_ACT_NOTIFY: seccomp(2) then
	// returns a listener fd that must reach the agent at the profile's
	// listenerPath.
	Notify bool
}

// maxErrno is the kernel's MAX_ERRNO.
const maxErrno = 4095

// profile is linux.seccomp checked and translated to libseccomp's terms.
type profile struct {
	defAction libseccomp.ScmpAction
	arches    []libseccomp.ScmpArch
	flags     uint64
	notify    bool
	rules     []rule
}

// rule is one libseccomp rule: a syscall name, an action and conditions that
// must all hold.
type rule struct {
	entry  int // linux.seccomp.syscalls[entry].names[index] is name
	index  int
	name   string
	action libseccomp.ScmpAction
	conds  []libseccomp.ScmpCondition
}

// Compile builds the BPF for a spec's linux.seccomp. It returns nil, nil when
// s is nil or names neither a default action nor syscalls (runc treats that
// as seccomp disabled). Errors name the field of config.json at fault:
// `linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"`; those about a
// valid profile asking for what libseccomp or the kernel lacks wrap
// errors.ErrUnsupported.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	return compile(s, build)
}

// compile checks s and has buildBPF make its program.
func compile(s *specs.LinuxSeccomp, buildBPF func(*profile) ([]byte, error)) (*Program, error) {
	if s == nil || (s.DefaultAction == "" && len(s.Syscalls) == 0) {
		return nil, nil
	}
	p, err := parse(s)
	if err != nil {
		return nil, err
	}
	bpf, err := buildBPF(p)
	if err != nil {
		return nil, err
	}
	return &Program{BPF: bpf, Flags: p.flags, Notify: p.notify}, nil
}

// parse checks s and translates it. It asks libseccomp only for its API
// level and to check conditions; build resolves the syscall names.
func parse(s *specs.LinuxSeccomp) (*profile, error) {
	p := &profile{}
	var err error
	p.defAction, err = action("linux.seccomp.defaultAction", s.DefaultAction,
		"linux.seccomp.defaultErrnoRet", s.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	if p.defAction == libseccomp.ActNotify {
		// Every syscall of the init after the load, the one sending the
		// listener fd included, would wait for an agent that has no fd yet.
		return nil, errors.New("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
	}
	for i, a := range s.Architectures {
		arch, ok := arches[a]
		if !ok {
			return nil, fmt.Errorf("linux.seccomp.architectures[%d]: unknown architecture %q", i, a)
		}
		p.arches = append(p.arches, arch)
	}
	n := 0
	for i := range s.Syscalls {
		n += len(s.Syscalls[i].Names)
	}
	p.rules = make([]rule, 0, n)
	for i := range s.Syscalls {
		if err := p.addSyscall(i, &s.Syscalls[i]); err != nil {
			return nil, err
		}
	}
	if err := p.setFlags(s.Flags); err != nil {
		return nil, err
	}
	if err := checkListener(s, p.notify); err != nil {
		return nil, err
	}
	return p, nil
}

// action translates an action and its errno. errnoRet is the errno of ERRNO
// and the message of TRACE, EPERM when unset as in runc; the spec requires an
// error when it is set on an action that returns no errno.
func action(field string, a specs.LinuxSeccompAction, errnoField string, errnoRet *uint) (libseccomp.ScmpAction, error) {
	act, ok := actions[a]
	if !ok {
		return 0, fmt.Errorf("%s: unknown action %q", field, a)
	}
	if min := actionAPI[act]; min > 0 {
		if api, _ := libseccomp.GetAPI(); api < min {
			maj, mnr, mic := libseccomp.GetLibraryVersion()
			return 0, fmt.Errorf("%s: %s needs libseccomp API level %d, have %d (libseccomp %d.%d.%d and this kernel): %w",
				field, a, min, api, maj, mnr, mic, errors.ErrUnsupported)
		}
	}
	if act != libseccomp.ActErrno && act != libseccomp.ActTrace {
		if errnoRet != nil {
			return 0, fmt.Errorf("%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s", errnoField, a)
		}
		return act, nil
	}
	code := uint(unix.EPERM)
	if errnoRet != nil {
		code = *errnoRet
	}
	// TRACE passes the 16 bits of SECCOMP_RET_DATA to the tracer; an errno
	// must be below MAX_ERRNO (4095), which libseccomp enforces with an
	// error that libseccomp-golang words as a condition problem.
	limit := uint(unix.SECCOMP_RET_DATA)
	if act == libseccomp.ActErrno {
		limit = maxErrno - 1
	}
	if code > limit {
		return 0, fmt.Errorf("%s: %d is out of range for %s (0 to %d)", errnoField, code, a, limit)
	}
	return act.SetReturnCode(int16(uint16(code))), nil
}

// checkListener checks the notify agent's fields; the spec ignores
// listenerPath when no rule notifies, and so does this.
func checkListener(s *specs.LinuxSeccomp, notify bool) error {
	if s.ListenerMetadata != "" && s.ListenerPath == "" {
		return errors.New("linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath")
	}
	if !notify {
		return nil
	}
	if s.ListenerPath == "" {
		return errors.New("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY")
	}
	if !filepath.IsAbs(s.ListenerPath) {
		return fmt.Errorf("linux.seccomp.listenerPath: must be an absolute path, got %q", s.ListenerPath)
	}
	return nil
}

// setFlags turns linux.seccomp.flags into seccomp(2) flag bits. It runs after
// the syscalls so that it knows whether the filter has a listener.
func (p *profile) setFlags(list []specs.LinuxSeccompFlag) error {
	if list == nil {
		// runc (since 1.2) and crun: no flags at all, not even an empty
		// list, means SPEC_ALLOW, so that a container does not pay for the
		// Speculative Store Bypass mitigation seccomp would force on it.
		if kernelHasFlag(unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW) {
			p.flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		}
	}
	for i, f := range list {
		bit, ok := flags[f]
		if !ok {
			return fmt.Errorf("linux.seccomp.flags[%d]: unknown flag %q", i, f)
		}
		if bit == 0 {
			continue
		}
		if !kernelHasFlag(bit) {
			return fmt.Errorf("linux.seccomp.flags[%d]: %s: not supported by this kernel: %w", i, f, errors.ErrUnsupported)
		}
		if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !p.notify {
			// It only changes how a notifying task waits for the agent,
			// and the kernel refuses it (EINVAL) without a listener.
			logrus.Debugf("seccomp: %s ignored: no rule uses SCMP_ACT_NOTIFY", f)
			continue
		}
		p.flags |= bit
	}
	if p.notify {
		p.flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	return nil
}
