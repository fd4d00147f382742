package seccomp

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

func uintp(v uint) *uint { return &v }

// mustCompile compiles s and fails the test on an error or a nil program.
func mustCompile(t *testing.T, s *specs.LinuxSeccomp) *Program {
	t.Helper()
	p, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if p == nil {
		t.Fatal("Compile: nil program")
	}
	return p
}

func TestCompileDisabled(t *testing.T) {
	for name, s := range map[string]*specs.LinuxSeccomp{
		"nil":   nil,
		"empty": {},
		"flags only": {
			Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
		},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Compile(s)
			if p != nil || err != nil {
				t.Fatalf("Compile = %v, %v; want nil, nil", p, err)
			}
		})
	}
}

// TestActions checks each action's verdict, errno and trace message
// defaults included, on a rule for getppid; getpid gets the default action.
func TestActions(t *testing.T) {
	tests := []struct {
		action   specs.LinuxSeccompAction
		errnoRet *uint
		def      specs.LinuxSeccompAction
		want     uint32
	}{
		{specs.ActKill, nil, specs.ActAllow, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillThread, nil, specs.ActAllow, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, nil, specs.ActAllow, unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActTrap, nil, specs.ActAllow, unix.SECCOMP_RET_TRAP},
		{specs.ActErrno, nil, specs.ActAllow, unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{specs.ActErrno, uintp(42), specs.ActAllow, unix.SECCOMP_RET_ERRNO | 42},
		{specs.ActErrno, uintp(0), specs.ActAllow, unix.SECCOMP_RET_ERRNO},
		{specs.ActErrno, uintp(4094), specs.ActAllow, unix.SECCOMP_RET_ERRNO | 4094},
		{specs.ActTrace, nil, specs.ActAllow, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActTrace, uintp(7), specs.ActAllow, unix.SECCOMP_RET_TRACE | 7},
		{specs.ActTrace, uintp(0xffff), specs.ActAllow, unix.SECCOMP_RET_TRACE | 0xffff},
		{specs.ActAllow, nil, specs.ActErrno, unix.SECCOMP_RET_ALLOW},
		{specs.ActLog, nil, specs.ActAllow, unix.SECCOMP_RET_LOG},
		{specs.ActNotify, nil, specs.ActAllow, unix.SECCOMP_RET_USER_NOTIF},
	}
	for _, tc := range tests {
		name := string(tc.action)
		if tc.errnoRet != nil {
			name += "/" + ret(uint32(*tc.errnoRet))
		}
		t.Run(name, func(t *testing.T) {
			s := &specs.LinuxSeccomp{
				DefaultAction: tc.def,
				Syscalls: []specs.LinuxSyscall{
					{Names: []string{"getppid"}, Action: tc.action, ErrnoRet: tc.errnoRet},
				},
			}
			if tc.action == specs.ActNotify {
				s.ListenerPath = "/run/agent.sock"
			}
			p := mustCompile(t, s)
			if got := runBPF(t, p.BPF, nativeCall(t, "getppid")); got != tc.want {
				t.Errorf("getppid: %s, want %s", ret(got), ret(tc.want))
			}
			def := uint32(unix.SECCOMP_RET_ALLOW)
			if tc.def == specs.ActErrno {
				def = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
			}
			if got := runBPF(t, p.BPF, nativeCall(t, "getpid")); got != def {
				t.Errorf("getpid: %s, want the default %s", ret(got), ret(def))
			}
			if p.Notify != (tc.action == specs.ActNotify) {
				t.Errorf("Notify = %v", p.Notify)
			}
		})
	}
}

func TestDefaultAction(t *testing.T) {
	tests := []struct {
		action   specs.LinuxSeccompAction
		errnoRet *uint
		want     uint32
	}{
		{specs.ActErrno, nil, unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{specs.ActErrno, uintp(uint(unix.ENOSYS)), unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{specs.ActTrace, uintp(3), unix.SECCOMP_RET_TRACE | 3},
		{specs.ActKill, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, nil, unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActLog, nil, unix.SECCOMP_RET_LOG},
		{specs.ActTrap, nil, unix.SECCOMP_RET_TRAP},
	}
	for _, tc := range tests {
		t.Run(string(tc.action), func(t *testing.T) {
			p := mustCompile(t, &specs.LinuxSeccomp{
				DefaultAction:   tc.action,
				DefaultErrnoRet: tc.errnoRet,
				Syscalls: []specs.LinuxSyscall{
					{Names: []string{"getppid"}, Action: specs.ActAllow},
				},
			})
			if got := runBPF(t, p.BPF, nativeCall(t, "getpid")); got != tc.want {
				t.Errorf("getpid: %s, want %s", ret(got), ret(tc.want))
			}
			if got := runBPF(t, p.BPF, nativeCall(t, "getppid")); got != unix.SECCOMP_RET_ALLOW {
				t.Errorf("getppid: %s, want ALLOW", ret(got))
			}
		})
	}
}

// TestRuleLikeDefault: a rule with the default action (errno included) is
// dropped, since libseccomp refuses it; one that differs by its errno stays.
func TestRuleLikeDefault(t *testing.T) {
	p := mustCompile(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getppid"}, Action: specs.ActErrno},
			{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EPERM))},
			{Names: []string{"gettid"}, Action: specs.ActErrno, ErrnoRet: uintp(42)},
		},
	})
	for name, want := range map[string]uint32{
		"getppid": unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM),
		"getpid":  unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM),
		"gettid":  unix.SECCOMP_RET_ERRNO | 42,
	} {
		if got := runBPF(t, p.BPF, nativeCall(t, name)); got != want {
			t.Errorf("%s: %s, want %s", name, ret(got), ret(want))
		}
	}
}

func TestUnknownSyscallSkipped(t *testing.T) {
	var log bytes.Buffer
	logrus.SetOutput(&log)
	level := logrus.GetLevel()
	logrus.SetLevel(logrus.DebugLevel)
	t.Cleanup(func() {
		logrus.SetOutput(os.Stderr)
		logrus.SetLevel(level)
	})

	twice := []specs.LinuxSeccompArg{
		{Index: 0, Op: specs.OpEqualTo, Value: 1},
		{Index: 0, Op: specs.OpEqualTo, Value: 2},
	}
	p := mustCompile(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"hull_no_such_syscall", "getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(42)},
			{Names: []string{"getpid", "hull_split_unknown"}, Action: specs.ActKillProcess, Args: twice},
		},
	})
	if got := runBPF(t, p.BPF, nativeCall(t, "getppid")); got != unix.SECCOMP_RET_ERRNO|42 {
		t.Errorf("getppid: %s, want ERRNO(42)", ret(got))
	}
	if got := runBPF(t, p.BPF, nativeCall(t, "getpid", 2)); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("getpid(2): %s, want KILL_PROCESS", ret(got))
	}
	want := []string{
		`linux.seccomp.syscalls[0].names[0]: unknown syscall \"hull_no_such_syscall\" skipped`,
		`linux.seccomp.syscalls[1].names[1]: unknown syscall \"hull_split_unknown\" skipped`,
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("debug log:\n%s\nwant one line per unknown name", log.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "level=debug") {
			t.Errorf("log line %q, want %q at debug level", lines[i], w)
		}
	}
}

// TestArgs checks each operator, on the native arch's 64-bit arguments.
func TestArgs(t *testing.T) {
	tests := []struct {
		op       specs.LinuxSeccompOperator
		value    uint64
		valueTwo uint64
		arg      uint64
		match    bool
	}{
		{specs.OpEqualTo, 5, 0, 5, true},
		{specs.OpEqualTo, 5, 0, 6, false},
		{specs.OpEqualTo, 1 << 40, 0, 1 << 40, true},
		{specs.OpEqualTo, 1 << 40, 0, 0, false},
		{specs.OpNotEqual, 5, 0, 6, true},
		{specs.OpNotEqual, 5, 0, 5, false},
		{specs.OpLessThan, 5, 0, 4, true},
		{specs.OpLessThan, 5, 0, 5, false},
		{specs.OpLessEqual, 5, 0, 5, true},
		{specs.OpLessEqual, 5, 0, 6, false},
		{specs.OpGreaterEqual, 5, 0, 5, true},
		{specs.OpGreaterEqual, 5, 0, 4, false},
		{specs.OpGreaterThan, 5, 0, 6, true},
		{specs.OpGreaterThan, 5, 0, 5, false},
		{specs.OpGreaterThan, 5, 0, 1 << 33, true},
		// value is the mask, valueTwo what the masked argument must be.
		{specs.OpMaskedEqual, 0o7000, 0o1000, 0o1755, true},
		{specs.OpMaskedEqual, 0o7000, 0o1000, 0o3755, false},
		{specs.OpMaskedEqual, 0o7000, 0, 0o755, true},
		{specs.OpMaskedEqual, 0x7E020000, 0, 0x11, true},        // clone flags without CLONE_NEW*
		{specs.OpMaskedEqual, 0x7E020000, 0, 0x10000000, false}, // CLONE_NEWUSER
	}
	for _, tc := range tests {
		t.Run(string(tc.op), func(t *testing.T) {
			p := mustCompile(t, &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(42),
					Args: []specs.LinuxSeccompArg{{Index: 1, Op: tc.op, Value: tc.value, ValueTwo: tc.valueTwo}},
				}},
			})
			want := uint32(unix.SECCOMP_RET_ALLOW)
			if tc.match {
				want = unix.SECCOMP_RET_ERRNO | 42
			}
			if got := runBPF(t, p.BPF, nativeCall(t, "getppid", 0, tc.arg)); got != want {
				t.Errorf("%s %#x (%#x) on %#x: %s, want %s", tc.op, tc.value, tc.valueTwo, tc.arg, ret(got), ret(want))
			}
		})
	}
}

// TestArgsCombined: conditions on different arguments must all hold; two on
// the same argument split the rule, after which any one condition matches
// (runc's behaviour, which profiles rely on).
func TestArgsCombined(t *testing.T) {
	and := []specs.LinuxSeccompArg{
		{Index: 0, Op: specs.OpEqualTo, Value: 1},
		{Index: 2, Op: specs.OpEqualTo, Value: 3},
	}
	split := []specs.LinuxSeccompArg{
		{Index: 0, Op: specs.OpEqualTo, Value: 1},
		{Index: 0, Op: specs.OpEqualTo, Value: 2},
		{Index: 2, Op: specs.OpEqualTo, Value: 3},
	}
	tests := []struct {
		name  string
		args  []specs.LinuxSeccompArg
		call  []uint64
		match bool
	}{
		{"and/both", and, []uint64{1, 0, 3}, true},
		{"and/first only", and, []uint64{1, 0, 4}, false},
		{"and/second only", and, []uint64{0, 0, 3}, false},
		{"split/first value", split, []uint64{1, 0, 0}, true},
		{"split/second value", split, []uint64{2, 0, 0}, true},
		{"split/other argument alone", split, []uint64{9, 0, 3}, true},
		{"split/none", split, []uint64{9, 0, 9}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(42), Args: tc.args,
				}},
			})
			want := uint32(unix.SECCOMP_RET_ALLOW)
			if tc.match {
				want = unix.SECCOMP_RET_ERRNO | 42
			}
			if got := runBPF(t, p.BPF, nativeCall(t, "getppid", tc.call...)); got != want {
				t.Errorf("getppid%v: %s, want %s", tc.call, ret(got), ret(want))
			}
		})
	}
}

func TestArchitectures(t *testing.T) {
	native, _ := nativeArch(t)
	if native != libseccomp.ArchAMD64 {
		t.Skipf("the test uses x86 as the second architecture of x86_64, native is %v", native)
	}
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getppid", "socketcall"}, Action: specs.ActErrno, ErrnoRet: uintp(42)},
		},
	}
	i386 := func(name string) seccompData {
		return archCall(t, libseccomp.ArchX86, unix.AUDIT_ARCH_I386, name)
	}

	// Native only: another architecture meets libseccomp's bad-arch
	// action, which kills.
	p := mustCompile(t, s)
	if got := runBPF(t, p.BPF, i386("getpid")); got != unix.SECCOMP_RET_KILL_THREAD {
		t.Errorf("i386 getpid without SCMP_ARCH_X86: %s, want KILL_THREAD", ret(got))
	}

	// The native architecture stays when the list does not name it.
	s.Architectures = []specs.Arch{specs.ArchX86}
	p = mustCompile(t, s)
	for _, tc := range []struct {
		call seccompData
		want uint32
	}{
		{i386("getppid"), unix.SECCOMP_RET_ERRNO | 42},
		{i386("socketcall"), unix.SECCOMP_RET_ERRNO | 42}, // an x86-only syscall
		{i386("getpid"), unix.SECCOMP_RET_ALLOW},
		{nativeCall(t, "getppid"), unix.SECCOMP_RET_ERRNO | 42},
		{nativeCall(t, "getpid"), unix.SECCOMP_RET_ALLOW},
	} {
		if got := runBPF(t, p.BPF, tc.call); got != tc.want {
			t.Errorf("arch %#x nr %d: %s, want %s", tc.call.arch, tc.call.nr, ret(got), ret(tc.want))
		}
	}
}

func TestFlags(t *testing.T) {
	specAllow := uint64(0)
	if kernelHasFlag(unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW) {
		specAllow = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	}
	const listener = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	tests := []struct {
		name   string
		flags  []specs.LinuxSeccompFlag
		notify bool
		want   uint64
	}{
		{"unset means SPEC_ALLOW", nil, false, specAllow},
		{"empty", []specs.LinuxSeccompFlag{}, false, 0},
		{"log", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}, false, unix.SECCOMP_FILTER_FLAG_LOG},
		{"spec allow", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow}, false, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{"tsync ignored", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}, false, 0},
		{"wait killable without listener", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, false, 0},
		{"wait killable", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, true,
			unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | listener},
		{"notify", []specs.LinuxSeccompFlag{}, true, listener},
		{"notify, unset", nil, true, specAllow | listener},
		{"all", []specs.LinuxSeccompFlag{
			specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv,
		}, true, unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW |
			unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | listener},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Flags:         tc.flags,
				Syscalls:      []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}},
			}
			if tc.notify {
				s.ListenerPath = "/run/agent.sock"
				s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActNotify})
			}
			p, err := Compile(s)
			if errors.Is(err, errors.ErrUnsupported) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Flags != tc.want || p.Notify != tc.notify {
				t.Errorf("Flags, Notify = %#x, %v; want %#x, %v", p.Flags, p.Notify, tc.want, tc.notify)
			}
		})
	}
}

// TestErrors: every refusal names the field of config.json at fault.
func TestErrors(t *testing.T) {
	allow := specs.ActAllow
	call := func(sc specs.LinuxSyscall) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid"}, Action: specs.ActErrno}, sc,
		}}
	}
	arg := func(a specs.LinuxSeccompArg) *specs.LinuxSeccomp {
		return call(specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, a}})
	}
	notify := specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActNotify}
	tests := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"unknown default action", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"},
			`linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"`},
		{"missing default action", &specs.LinuxSeccomp{Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: allow}}},
			`linux.seccomp.defaultAction: unknown action ""`},
		{"unknown action", call(specs.LinuxSyscall{Names: []string{"getppid"}, Action: "SCMP_ACT_FOO"}),
			`linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_FOO"`},
		{"unknown architecture", &specs.LinuxSeccomp{DefaultAction: allow, Architectures: []specs.Arch{specs.ArchX86, "SCMP_ARCH_Z80"}},
			`linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_Z80"`},
		{"unknown operator", arg(specs.LinuxSeccompArg{Index: 1, Op: "SCMP_CMP_FOO"}),
			`linux.seccomp.syscalls[1].args[1].op: unknown operator "SCMP_CMP_FOO"`},
		{"missing operator", arg(specs.LinuxSeccompArg{Index: 1}),
			`linux.seccomp.syscalls[1].args[1].op: unknown operator ""`},
		{"argument index", arg(specs.LinuxSeccompArg{Index: 6, Op: specs.OpEqualTo}),
			`linux.seccomp.syscalls[1].args[1].index: 6 is out of range: syscalls have arguments 0 to 5`},
		{"unknown flag", &specs.LinuxSeccomp{DefaultAction: allow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, "SECCOMP_FILTER_FLAG_FOO"}},
			`linux.seccomp.flags[1]: unknown flag "SECCOMP_FILTER_FLAG_FOO"`},
		{"no names", call(specs.LinuxSyscall{Action: specs.ActErrno}),
			`linux.seccomp.syscalls[1].names: must list at least one syscall`},
		{"empty name", call(specs.LinuxSyscall{Names: []string{"getppid", ""}, Action: specs.ActErrno}),
			`linux.seccomp.syscalls[1].names[1]: empty syscall name`},
		{"errnoRet on allow", call(specs.LinuxSyscall{Names: []string{"getppid"}, Action: allow, ErrnoRet: uintp(1)}),
			`linux.seccomp.syscalls[1].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW`},
		{"defaultErrnoRet on kill", &specs.LinuxSeccomp{DefaultAction: specs.ActKill, DefaultErrnoRet: uintp(1)},
			`linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_KILL`},
		{"errnoRet too big", call(specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(4095)}),
			`linux.seccomp.syscalls[1].errnoRet: 4095 is out of range for SCMP_ACT_ERRNO (0 to 4094)`},
		{"defaultErrnoRet too big", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(5000)},
			`linux.seccomp.defaultErrnoRet: 5000 is out of range for SCMP_ACT_ERRNO (0 to 4094)`},
		{"trace message too big", call(specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActTrace, ErrnoRet: uintp(1 << 16)}),
			`linux.seccomp.syscalls[1].errnoRet: 65536 is out of range for SCMP_ACT_TRACE (0 to 65535)`},
		{"notify without listenerPath", call(notify),
			`linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY`},
		{"relative listenerPath", &specs.LinuxSeccomp{DefaultAction: allow, ListenerPath: "agent.sock",
			Syscalls: []specs.LinuxSyscall{notify}},
			`linux.seccomp.listenerPath: must be an absolute path, got "agent.sock"`},
		{"metadata without listenerPath", &specs.LinuxSeccomp{DefaultAction: allow, ListenerMetadata: "x"},
			`linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath`},
		{"notify default", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/run/agent.sock"},
			`linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action`},
		{"notify on write", &specs.LinuxSeccomp{DefaultAction: allow, ListenerPath: "/run/agent.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write"}, Action: specs.ActNotify}}},
			`linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.s)
			if err == nil {
				t.Fatalf("Compile succeeded (%d bytes), want %q", len(p.BPF), tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// TestListenerPathIgnored: without a NOTIFY rule the spec ignores
// listenerPath, relative or not.
func TestListenerPathIgnored(t *testing.T) {
	p := mustCompile(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow, ListenerPath: "relative.sock", ListenerMetadata: "m",
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}},
	})
	if p.Notify || p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		t.Errorf("Notify, Flags = %v, %#x without a NOTIFY rule", p.Notify, p.Flags)
	}
}
