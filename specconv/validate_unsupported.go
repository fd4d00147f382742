package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// checkUnsupported refuses settings hull cannot honour, so that a security
// or resource setting is never silently dropped. AppArmor and SELinux
// depend on the host: CheckLSM refuses them where they are missing.
func checkUnsupported(s *specs.Spec) error {
	l := s.Linux
	if l == nil {
		return nil
	}
	switch {
	case l.IntelRdt != nil:
		return invalid("linux.intelRdt", "Intel RDT is not supported by hull yet")
	case len(l.NetDevices) > 0:
		return invalid("linux.netDevices", "moving network devices into the container is not supported by hull yet")
	case l.MemoryPolicy != nil:
		return invalid("linux.memoryPolicy", "NUMA memory policies are not supported by hull yet")
	}
	return nil
}
