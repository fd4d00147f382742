package specconv

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// HostLSM says which Linux security modules the host enforces.
type HostLSM struct {
	AppArmor bool
	SELinux  bool
}

// CheckLSM refuses an AppArmor profile or an SELinux label in s that the
// host cannot apply, as `config.json: <field>: ...`: a security setting is
// never silently dropped.
func CheckLSM(s *specs.Spec, host HostLSM) error {
	mountLabel := ""
	if s.Linux != nil {
		mountLabel = s.Linux.MountLabel
	}
	if field, msg := lsmProblem(s.Process, mountLabel, host); field != "" {
		return invalid(field, "%s", msg)
	}
	return nil
}

// CheckProcessLSM is CheckLSM for a process started in a running
// container (exec): the error names the process field, without config.json.
func CheckProcessLSM(p *specs.Process, host HostLSM) error {
	if field, msg := lsmProblem(p, "", host); field != "" {
		return fmt.Errorf("%s: %s", field, msg)
	}
	return nil
}

// lsmProblem returns the first field asking for a module the host lacks,
// and why; "" when there is none.
func lsmProblem(p *specs.Process, mountLabel string, host HostLSM) (field, msg string) {
	const apparmor = "AppArmor is not enabled on this host"
	const selinux = "SELinux is not enabled on this host"
	switch {
	case p != nil && p.ApparmorProfile != "" && !host.AppArmor:
		return "process.apparmorProfile", fmt.Sprintf("%s (profile %q)", apparmor, p.ApparmorProfile)
	case p != nil && p.SelinuxLabel != "" && !host.SELinux:
		return "process.selinuxLabel", fmt.Sprintf("%s (label %q)", selinux, p.SelinuxLabel)
	case mountLabel != "" && !host.SELinux:
		return "linux.mountLabel", fmt.Sprintf("%s (label %q)", selinux, mountLabel)
	}
	return "", ""
}
