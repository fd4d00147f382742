package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// checkUnsupported refuses settings hull cannot honour, so that a security
// or resource setting is never silently dropped.
func checkUnsupported(s *specs.Spec) error {
	if p := s.Process; p != nil {
		if p.ApparmorProfile != "" {
			return invalid("process.apparmorProfile", "AppArmor profiles are not supported by hull yet (profile %q)", p.ApparmorProfile)
		}
		if p.SelinuxLabel != "" {
			return invalid("process.selinuxLabel", "SELinux labels are not supported by hull yet (label %q)", p.SelinuxLabel)
		}
	}
	l := s.Linux
	if l == nil {
		return nil
	}
	switch {
	case l.MountLabel != "":
		return invalid("linux.mountLabel", "SELinux mount labels are not supported by hull yet (label %q)", l.MountLabel)
	case l.IntelRdt != nil:
		return invalid("linux.intelRdt", "Intel RDT is not supported by hull yet")
	case len(l.NetDevices) > 0:
		return invalid("linux.netDevices", "moving network devices into the container is not supported by hull yet")
	case l.MemoryPolicy != nil:
		return invalid("linux.memoryPolicy", "NUMA memory policies are not supported by hull yet")
	}
	return nil
}
