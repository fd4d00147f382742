package seccomp

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// seccompData is the kernel's struct seccomp_data: what a filter reads.
type seccompData struct {
	nr   int32
	arch uint32
	args [maxArgs]uint64
}

// bytes lays d out as the kernel does, native endian.
func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	// instruction_pointer (8 bytes at 8) stays 0.
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// runBPF interprets a seccomp program the way the kernel would for d and
// returns the filter's verdict (SECCOMP_RET_*). It knows the classic BPF
// instructions libseccomp emits, and fails the test on any other.
func runBPF(t *testing.T, prog []byte, d seccompData) uint32 {
	t.Helper()
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	n := len(prog) / sockFilterSize
	for pc := 0; pc < n; pc++ {
		ins := prog[pc*sockFilterSize:]
		code := binary.NativeEndian.Uint16(ins)
		jt, jf := int(ins[2]), int(ins[3])
		k := binary.NativeEndian.Uint32(ins[4:])
		jump := func(cond bool) {
			if cond {
				pc += jt
			} else {
				pc += jf
			}
		}
		switch code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if k%4 != 0 || int(k)+4 > len(data) {
				t.Fatalf("bpf[%d]: load at offset %d", pc, k)
			}
			a = binary.NativeEndian.Uint32(data[k:])
		case unix.BPF_LD | unix.BPF_IMM:
			a = k
		case unix.BPF_LD | unix.BPF_MEM:
			a = mem[k]
		case unix.BPF_LDX | unix.BPF_IMM:
			x = k
		case unix.BPF_ST:
			mem[k] = a
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			a &= k
		case unix.BPF_ALU | unix.BPF_OR | unix.BPF_K:
			a |= k
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(k)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			jump(a == k)
		case unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K:
			jump(a > k)
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			jump(a >= k)
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			jump(a&k != 0)
		case unix.BPF_RET | unix.BPF_K:
			return k
		case unix.BPF_RET | unix.BPF_A:
			return a
		default:
			t.Fatalf("bpf[%d]: instruction %#04x not interpreted", pc, code)
		}
	}
	t.Fatalf("bpf: ran off the end of %d instructions", n)
	return 0
}

// auditArches are the AUDIT_ARCH_* values the filter compares
// seccomp_data.arch with, by libseccomp architecture.
var auditArches = map[libseccomp.ScmpArch]uint32{
	libseccomp.ArchAMD64:   unix.AUDIT_ARCH_X86_64,
	libseccomp.ArchX86:     unix.AUDIT_ARCH_I386,
	libseccomp.ArchARM64:   unix.AUDIT_ARCH_AARCH64,
	libseccomp.ArchARM:     unix.AUDIT_ARCH_ARM,
	libseccomp.ArchPPC64LE: unix.AUDIT_ARCH_PPC64LE,
	libseccomp.ArchS390X:   unix.AUDIT_ARCH_S390X,
	libseccomp.ArchRISCV64: unix.AUDIT_ARCH_RISCV64,
}

// nativeArch returns the native libseccomp and audit architectures, and
// skips the test where the interpreter's table lacks them.
func nativeArch(t *testing.T) (libseccomp.ScmpArch, uint32) {
	t.Helper()
	arch, err := libseccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	audit, ok := auditArches[arch]
	if !ok {
		t.Skipf("no AUDIT_ARCH_* value for %v (GOARCH %s) in the test table", arch, runtime.GOARCH)
	}
	return arch, audit
}

// nativeCall builds the seccomp_data of a call of the named syscall on the
// native architecture.
func nativeCall(t *testing.T, name string, args ...uint64) seccompData {
	t.Helper()
	arch, audit := nativeArch(t)
	return archCall(t, arch, audit, name, args...)
}

// archCall builds the seccomp_data of a call of the named syscall on arch.
func archCall(t *testing.T, arch libseccomp.ScmpArch, audit uint32, name string, args ...uint64) seccompData {
	t.Helper()
	nr, err := libseccomp.GetSyscallFromNameByArch(name, arch)
	if err != nil || nr < 0 {
		t.Fatalf("syscall %q on %v: %d, %v", name, arch, nr, err)
	}
	d := seccompData{nr: int32(nr), arch: audit}
	copy(d.args[:], args)
	return d
}

// ret names a SECCOMP_RET_* verdict for test messages.
func ret(v uint32) string {
	names := map[uint32]string{
		unix.SECCOMP_RET_KILL_PROCESS: "KILL_PROCESS",
		unix.SECCOMP_RET_KILL_THREAD:  "KILL_THREAD",
		unix.SECCOMP_RET_TRAP:         "TRAP",
		unix.SECCOMP_RET_ERRNO:        "ERRNO",
		unix.SECCOMP_RET_USER_NOTIF:   "USER_NOTIF",
		unix.SECCOMP_RET_TRACE:        "TRACE",
		unix.SECCOMP_RET_LOG:          "LOG",
		unix.SECCOMP_RET_ALLOW:        "ALLOW",
	}
	name, ok := names[v&unix.SECCOMP_RET_ACTION_FULL]
	if !ok {
		name = fmt.Sprintf("%#x", v&unix.SECCOMP_RET_ACTION_FULL)
	}
	return fmt.Sprintf("%s(%d)", name, v&unix.SECCOMP_RET_DATA)
}
