package seccomp

import (
	"errors"
	"fmt"
	"io"
	"os"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

const (
	// sockFilterSize is sizeof(struct sock_filter).
	sockFilterSize = 8
	// maxInsns is BPF_MAXINSNS: the kernel refuses longer programs.
	maxInsns = 4096
	// optimizeAbove is the rule count from which the binary tree is used.
	// libseccomp up to 2.5.4 misbehaves with the tree and no rules; small
	// filters do not gain from it anyway (runc uses the same threshold).
	optimizeAbove = 32
)

// build makes the libseccomp filter for p and exports it as BPF.
func build(p *profile) ([]byte, error) {
	filter, err := libseccomp.NewFilter(p.defAction)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: create filter: %w", err)
	}
	defer filter.Release()

	// The native architecture is in every new filter; these add to it.
	for i, arch := range p.arches {
		if err := filter.AddArch(arch); err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures[%d]: %v: %w", i, arch, err)
		}
	}
	// The init sets no_new_privs itself, when process.noNewPrivileges asks;
	// the attribute only matters to seccomp_load, but keep it truthful.
	if err := filter.SetNoNewPrivsBit(false); err != nil {
		return nil, fmt.Errorf("unset the seccomp no_new_privs attribute: %w", err)
	}

	added := 0
	var nr libseccomp.ScmpSyscall
	for i, r := range p.rules {
		// A split rule repeats its name: resolve (and log) it once.
		if i == 0 || r.entry != p.rules[i-1].entry || r.index != p.rules[i-1].index {
			nr, err = libseccomp.GetSyscallFromName(r.name)
			if err != nil {
				// Profiles list syscalls of newer kernels; runc
				// skips the names libseccomp does not know.
				logrus.Debugf("seccomp: %s: unknown syscall %q skipped", r.field(), r.name)
			}
		}
		if err != nil {
			continue
		}
		if err := filter.AddRuleConditional(nr, r.action, r.conds); err != nil {
			return nil, fmt.Errorf("%s: add seccomp rule for %q: %w", r.field(), r.name, err)
		}
		added++
	}
	if added > optimizeAbove {
		if err := filter.SetOptimize(2); err != nil {
			// Only slower filters: the linear one is correct.
			logrus.Debugf("seccomp: binary tree optimization not available: %v", err)
		}
	}

	bpf, err := export(filter)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	if !validLength(len(bpf)) {
		return nil, fmt.Errorf("linux.seccomp: the filter compiles to %d bytes (%d instructions), the kernel takes 1 to %d instructions",
			len(bpf), len(bpf)/sockFilterSize, maxInsns)
	}
	return bpf, nil
}

// export returns the filter's struct sock_filter array. libseccomp 2.6 writes
// it to memory; older versions only to a file descriptor, for which a memfd
// avoids both the disk and a pipe's capacity.
func export(filter *libseccomp.ScmpFilter) ([]byte, error) {
	bpf, err := filter.ExportBPFMem()
	if err == nil {
		return bpf, nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) {
		return nil, err
	}
	fd, err := unix.MemfdCreate("hull-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("memfd_create", err)
	}
	f := os.NewFile(uintptr(fd), "hull-seccomp-bpf")
	defer f.Close()
	if err := filter.ExportBPF(f); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
