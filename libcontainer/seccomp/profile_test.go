package seccomp

import (
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultProfile reads testdata/default-profile.json: a profile shaped like
// the engines' default ones (deny by default, ~340 syscalls allowed, clone
// and personality limited by their arguments, x86_64 with x86 and x32),
// written for these tests.
func defaultProfile(tb testing.TB) *specs.LinuxSeccomp {
	tb.Helper()
	b, err := os.ReadFile("testdata/default-profile.json")
	if err != nil {
		tb.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		tb.Fatal(err)
	}
	return &s
}

func TestDefaultProfile(t *testing.T) {
	p := mustCompile(t, defaultProfile(t))
	t.Logf("%d instructions, flags %#x", len(p.BPF)/sockFilterSize, p.Flags)
	eperm := unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	const cloneNewUser = unix.CLONE_NEWUSER
	tests := []struct {
		name string
		args []uint64
		want uint32
	}{
		{"read", nil, unix.SECCOMP_RET_ALLOW},
		{"getppid", nil, unix.SECCOMP_RET_ALLOW},
		{"mount", nil, eperm},
		{"kexec_load", nil, eperm},
		{"clone", []uint64{uint64(unix.SIGCHLD) | unix.CLONE_VM}, unix.SECCOMP_RET_ALLOW},
		{"clone", []uint64{uint64(unix.SIGCHLD) | cloneNewUser}, eperm},
		{"clone3", nil, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"personality", []uint64{8}, unix.SECCOMP_RET_ALLOW},
		{"personality", []uint64{0xffffffff}, unix.SECCOMP_RET_ALLOW},
		{"personality", []uint64{1}, eperm},
		{"socket", []uint64{unix.AF_INET}, unix.SECCOMP_RET_ALLOW},
		{"socket", []uint64{unix.AF_VSOCK}, eperm},
	}
	for _, tc := range tests {
		if got := runBPF(t, p.BPF, nativeCall(t, tc.name, tc.args...)); got != tc.want {
			t.Errorf("%s%v: %s, want %s", tc.name, tc.args, ret(got), ret(tc.want))
		}
	}
}

// BenchmarkCompileDefaultProfile measures Compile on the default-like
// profile: the cost `create` pays per container. Besides the wall time it
// reports the CPU time of the (locked) thread, cpu-ns/op, which a busy
// machine does not inflate.
func BenchmarkCompileDefaultProfile(b *testing.B) {
	for _, tc := range []struct {
		name   string
		arches []specs.Arch
	}{
		{"x86_64+x86+x32", nil},
		{"native", []specs.Arch{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := defaultProfile(b)
			if tc.arches != nil {
				s.Architectures = tc.arches
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start := threadCPU(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(threadCPU(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU(tb testing.TB) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ts.Nano())
}
