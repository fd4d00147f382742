package libcontainer

import (
	"os"
	"strings"

	"github.com/hull-oci/hull/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// selinuxMagic is SELINUX_MAGIC, the f_type of selinuxfs.
const selinuxMagic = 0xf97cff8c

// wantsLSM tells whether a config asks for an AppArmor profile or an
// SELinux label: only then is the host probed (create is on a hot path).
func wantsLSM(p *specs.Process, l *specs.Linux) bool {
	return p != nil && (p.ApparmorProfile != "" || p.SelinuxLabel != "") || l != nil && l.MountLabel != ""
}

// hostLSM probes which security modules this host enforces.
func hostLSM() specconv.HostLSM {
	return specconv.HostLSM{AppArmor: appArmorEnabled(), SELinux: selinuxEnabled()}
}

// appArmorEnabled is runc's test: the module is built in and enabled (its
// "enabled" parameter is Y, which lsm= or apparmor=0 turn off) and its
// securityfs directory exists, or, without securityfs mounted, the task's
// AppArmor attribute can be read.
func appArmorEnabled() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	if err != nil || !strings.HasPrefix(string(b), "Y") {
		return false
	}
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
		return true
	}
	_, err = os.ReadFile("/proc/thread-self/attr/apparmor/current")
	return err == nil
}

// selinuxEnabled follows go-selinux: selinuxfs is mounted and the task has
// an SELinux context other than "kernel" (what a kernel without a loaded
// policy reports).
func selinuxEnabled() bool {
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/selinux", &st) != nil || uint32(st.Type) != selinuxMagic {
		return false
	}
	b, err := os.ReadFile("/proc/thread-self/attr/current")
	ctx := strings.TrimRight(string(b), "\x00\n")
	return err == nil && ctx != "" && ctx != "kernel"
}
