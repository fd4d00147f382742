package seccomp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// The load tests run each compiled program for real, in a re-executed test
// binary (TestHelperProcess), so that the test process itself never carries
// a filter. The helper loads the filter on one locked thread, as the init
// does, makes one call there and prints what the kernel answered.
const (
	helperEnv  = "HULL_SECCOMP_HELPER" // the call to make
	bpfEnv     = "HULL_SECCOMP_BPF"    // file holding Program.BPF
	flagsEnv   = "HULL_SECCOMP_FLAGS"  // Program.Flags
	dirEnv     = "HULL_SECCOMP_DIR"    // scratch directory for mkdirat
	helperWait = 10 * time.Second      // how long the call is waited for
)

func TestHelperProcess(t *testing.T) {
	call := os.Getenv(helperEnv)
	if call == "" {
		t.Skip("the load tests' helper process: runs only when they re-execute the test binary")
	}
	os.Exit(helper(call))
}

// helper loads the filter on a thread of its own, runs call there and prints
// the result: "ret=R errno=E" per syscall, or "thread killed". The exit
// status reports a failure to set up.
func helper(call string) int {
	bpf, err := os.ReadFile(os.Getenv(bpfEnv))
	if err != nil || len(bpf) == 0 {
		fmt.Fprintln(os.Stderr, "helper: read the program:", err)
		return 3
	}
	flags, err := strconv.ParseUint(os.Getenv(flagsEnv), 0, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 3
	}
	// A SIGSYS kill must not leave a core file behind.
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})

	tid := make(chan int, 1)
	out := make(chan string, 1)
	go func() {
		// Never unlocked: the filtered thread exits with the goroutine.
		runtime.LockOSThread()
		tid <- unix.Gettid()
		fd, err := load(bpf, flags)
		if err != nil {
			out <- "load: " + err.Error()
			return
		}
		if fd >= 0 {
			go answerNotifications(fd)
		}
		out <- run(call)
	}()
	died := threadDeath(<-tid)
	select {
	case s := <-out:
		fmt.Println(s)
	case <-died:
		fmt.Println("thread killed")
	case <-time.After(helperWait):
		fmt.Println("no answer")
	}
	return 0
}

// threadDeath is closed when the thread tid of this process is gone: reaped,
// or a zombie when it led the thread group.
func threadDeath(tid int) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		stat := fmt.Sprintf("/proc/self/task/%d/stat", tid)
		for {
			b, err := os.ReadFile(stat)
			// The state follows the parenthesised command name.
			if i := bytes.LastIndexByte(b, ')'); err != nil || (i > 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X')) {
				close(c)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return c
}

// load does what the init's op_seccomp does, for the calling thread only.
// It returns the listener fd, or -1 without NEW_LISTENER.
func load(bpf []byte, flags uint64) (int, error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, os.NewSyscallError("prctl(PR_SET_NO_NEW_PRIVS)", err)
	}
	prog := unix.SockFprog{
		Len:    uint16(len(bpf) / sockFilterSize),
		Filter: (*unix.SockFilter)(unsafe.Pointer(&bpf[0])),
	}
	fd, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		uintptr(flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(bpf)
	if errno != 0 {
		return -1, os.NewSyscallError("seccomp", errno)
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		return -1, nil
	}
	return int(fd), nil
}

// answerNotifications is the seccomp agent: it makes every notified syscall
// return 4242. It runs on another, unfiltered thread.
func answerNotifications(fd int) {
	for {
		req, err := libseccomp.NotifReceive(libseccomp.ScmpFd(fd))
		if err != nil {
			return
		}
		_ = libseccomp.NotifRespond(libseccomp.ScmpFd(fd), &libseccomp.ScmpNotifResp{ID: req.ID, Val: 4242})
	}
}

// run makes the helper's call. unix.Syscall, not RawSyscall: the runtime
// must be able to take the P back from a thread the filter kills or blocks.
func run(call string) string {
	result := func(r uintptr, errno syscall.Errno) string {
		return fmt.Sprintf("ret=%d errno=%d", int(r), int(errno))
	}
	switch call {
	case "getppid":
		r, _, errno := unix.Syscall(unix.SYS_GETPPID, 0, 0, 0)
		return result(r, errno)
	case "mkdirat":
		// A sticky directory, then a plain one.
		var res []string
		for _, d := range []struct {
			name string
			mode uintptr
		}{{"sticky", 0o1755}, {"plain", 0o755}} {
			p, err := unix.BytePtrFromString(filepath.Join(os.Getenv(dirEnv), d.name))
			if err != nil {
				return err.Error()
			}
			fd := unix.AT_FDCWD
			r, _, errno := unix.Syscall(unix.SYS_MKDIRAT, uintptr(fd), uintptr(unsafe.Pointer(p)), d.mode)
			res = append(res, result(r, errno))
		}
		return strings.Join(res, " ")
	}
	return "unknown call " + call
}

// helperResult is how the helper ended.
type helperResult struct {
	stdout string
	stderr string
	signal syscall.Signal // the signal that killed it, or 0
	code   int            // its exit code when it exited
}

// runHelper compiles s, has a helper load it and make call, and returns how
// the helper ended.
func runHelper(t *testing.T, s *specs.LinuxSeccomp, call string) helperResult {
	t.Helper()
	p := mustCompile(t, s)
	dir := t.TempDir()
	bpfFile := filepath.Join(dir, "bpf")
	if err := os.WriteFile(bpfFile, p.BPF, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		helperEnv+"="+call,
		bpfEnv+"="+bpfFile,
		flagsEnv+"="+strconv.FormatUint(p.Flags, 10),
		dirEnv+"="+dir,
		"GOTRACEBACK=single",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := helperResult{stdout: strings.TrimSpace(stdout.String()), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			res.signal = ws.Signal()
		} else {
			res.code = ws.ExitStatus()
		}
	default:
		t.Fatalf("helper: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("helper timed out; stdout %q, stderr %q", res.stdout, res.stderr)
	}
	if res.code == 3 || strings.HasPrefix(res.stdout, "load: ") {
		t.Fatalf("helper could not load the filter (flags %#x): %s%s", p.Flags, res.stdout, res.stderr)
	}
	return res
}

func TestLoad(t *testing.T) {
	if _, audit := nativeArch(t); audit == 0 {
		t.Skip("unknown native architecture")
	}
	ppid := strconv.Itoa(os.Getpid()) // the helper's parent is this test
	rule := func(action specs.LinuxSeccompAction, errnoRet *uint) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: action, ErrnoRet: errnoRet}},
		}
	}
	exited := func(stdout string) func(helperResult) error {
		return func(r helperResult) error {
			if r.signal != 0 || r.code != 0 || r.stdout != stdout {
				return fmt.Errorf("want exit 0 printing %q", stdout)
			}
			return nil
		}
	}
	tests := []struct {
		name  string
		s     *specs.LinuxSeccomp
		call  string
		check func(helperResult) error
	}{
		{"errno 42", rule(specs.ActErrno, uintp(42)), "getppid", exited("ret=-1 errno=42")},
		{"errno default EPERM", rule(specs.ActErrno, nil), "getppid", exited("ret=-1 errno=1")},
		{"allow", rule(specs.ActAllow, nil), "getppid", exited("ret=" + ppid + " errno=0")},
		{"log", rule(specs.ActLog, nil), "getppid", exited("ret=" + ppid + " errno=0")},
		// Without a tracer, SECCOMP_RET_TRACE fails the call with ENOSYS.
		{"trace, no tracer", rule(specs.ActTrace, nil), "getppid", exited("ret=-1 errno=38")},
		{"kill thread", rule(specs.ActKillThread, nil), "getppid", exited("thread killed")},
		{"kill process", rule(specs.ActKillProcess, nil), "getppid", func(r helperResult) error {
			if r.signal != unix.SIGSYS {
				return errors.New("want the helper killed by SIGSYS")
			}
			return nil
		}},
		// SIGSYS is delivered to the thread; the Go runtime dies of it.
		{"trap", rule(specs.ActTrap, nil), "getppid", func(r helperResult) error {
			if r.code != 2 || !strings.Contains(r.stderr, "SIGSYS") {
				return errors.New("want exit 2 from the Go runtime's SIGSYS handler")
			}
			return nil
		}},
		{"notify", &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			ListenerPath:  "/run/agent.sock",
			Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv, specs.LinuxSeccompFlagLog},
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}},
		}, "getppid", exited("ret=4242 errno=0")},
		// Deny by default: the Go runtime on the thread must get by too.
		{"default-like profile", defaultProfile(t), "getppid", exited("ret=" + ppid + " errno=0")},
		{"masked argument", &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EOPNOTSUPP)),
				Args: []specs.LinuxSeccompArg{{Index: 2, Op: specs.OpMaskedEqual, Value: unix.S_ISVTX, ValueTwo: unix.S_ISVTX}},
			}},
		}, "mkdirat", exited(fmt.Sprintf("ret=-1 errno=%d ret=0 errno=0", unix.EOPNOTSUPP))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Syscalls[0].Action == specs.ActNotify {
				if api, _ := libseccomp.GetAPI(); api < 6 {
					t.Skipf("libseccomp API level %d: the notify test's agent needs 6", api)
				}
			}
			r := runHelper(t, tc.s, tc.call)
			if err := tc.check(r); err != nil {
				t.Errorf("%v; got signal %v, exit %d, stdout %q, stderr %q", err, r.signal, r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestProbe: the flag probe answers from the kernel and loads nothing.
func TestProbe(t *testing.T) {
	if !kernelHasFlag(unix.SECCOMP_FILTER_FLAG_LOG) { // Linux 4.14
		t.Error("SECCOMP_FILTER_FLAG_LOG reported unknown")
	}
	if kernelHasFlag(1 << 31) {
		t.Error("flag bit 31 reported known")
	}
	for _, f := range []uint64{unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV} {
		t.Logf("kernel knows flag %#x: %v", f, kernelHasFlag(f))
	}
	mode, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	if err != nil || mode != 0 {
		t.Fatalf("PR_GET_SECCOMP = %d, %v after the probes: want no filter", mode, err)
	}
}
