package seccomp

import "golang.org/x/sys/unix"

// kernelHasFlag reports whether seccomp(2) knows the filter flag bit.
//
// It asks with a NULL program: the kernel checks the flags before it reads
// the program, so EINVAL means an unknown flag and EFAULT a known one, and
// nothing is loaded either way. Any other answer (seccomp itself refused by
// a filter we run under: EPERM, ENOSYS) proves nothing, so the flag is
// assumed known and the init reports the kernel's answer when it loads.
func kernelHasFlag(flag uint64) bool {
	probe := flag
	if flag&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 {
		// Refused with EINVAL on its own, even by kernels that know it.
		probe |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(probe), 0)
	return errno != unix.EINVAL
}
