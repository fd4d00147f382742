package specconv

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// checkMounts checks each mount's shape only. Options are not checked:
// those hull does not know are data options for the filesystem, and only
// the kernel knows which ones it accepts.
func checkMounts(s *specs.Spec) error {
	for i, m := range s.Mounts {
		if err := checkMount(fmt.Sprintf("mounts[%d]", i), m); err != nil {
			return err
		}
	}
	return nil
}

func checkMount(field string, m specs.Mount) error {
	// runc takes a relative destination as relative to / with a warning;
	// we refuse it, as the spec says absolute and guessing hides mistakes.
	if !filepath.IsAbs(m.Destination) {
		return invalid(field+".destination", "must be an absolute path, got %q", m.Destination)
	}
	bind := isBind(m)
	if m.Type == "" && !bind {
		return invalid(field+".type", `must be set unless the options include "bind" or "rbind"`)
	}
	if bind && m.Source == "" {
		return invalid(field+".source", "must be set for a bind mount")
	}
	if len(m.UIDMappings) > 0 && !bind {
		return invalid(field+".uidMappings", "only supported for bind mounts")
	}
	if len(m.GIDMappings) > 0 && !bind {
		return invalid(field+".gidMappings", "only supported for bind mounts")
	}
	if err := checkIDSizes(field+".uidMappings", m.UIDMappings); err != nil {
		return err
	}
	return checkIDSizes(field+".gidMappings", m.GIDMappings)
}

// isBind reports whether m is a bind mount: of type "bind", or of any type
// with a bind or rbind option, as `runc spec --rootless` writes /sys.
func isBind(m specs.Mount) bool {
	return m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
}

func checkHooks(s *specs.Spec) error {
	h := s.Hooks
	if h == nil {
		return nil
	}
	kinds := []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, //nolint:staticcheck // deprecated, still run
		{"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer},
		{"poststart", h.Poststart},
		{"poststop", h.Poststop},
	}
	for _, kind := range kinds {
		for i, hook := range kind.hooks {
			field := fmt.Sprintf("hooks.%s[%d]", kind.name, i)
			if !filepath.IsAbs(hook.Path) {
				return invalid(field+".path", "must be an absolute path, got %q", hook.Path)
			}
			if hook.Timeout != nil && *hook.Timeout <= 0 {
				return invalid(field+".timeout", "must be greater than zero, got %d", *hook.Timeout)
			}
		}
	}
	return nil
}

func checkDevices(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	for i, d := range s.Linux.Devices {
		if err := checkDevice(fmt.Sprintf("linux.devices[%d]", i), d); err != nil {
			return err
		}
	}
	return nil
}

func checkDevice(field string, d specs.LinuxDevice) error {
	switch d.Type {
	case "c", "b", "u", "p":
	default:
		return invalid(field+".type", "unknown device type %q (want c, b, u or p)", d.Type)
	}
	if !filepath.IsAbs(d.Path) {
		return invalid(field+".path", "must be an absolute path, got %q", d.Path)
	}
	if d.Type == "p" {
		// mknod ignores the numbers of a FIFO.
		return nil
	}
	if d.Major < 0 || d.Minor < 0 {
		return invalid(field, "major and minor must not be negative, got %d:%d", d.Major, d.Minor)
	}
	// The Go struct cannot tell a missing number from 0, but 0:0 is no
	// device (major 0 only numbers anonymous filesystems), so it can only
	// mean the numbers were left out.
	if d.Major == 0 && d.Minor == 0 {
		return invalid(field, "type %q needs major and minor numbers", d.Type)
	}
	return nil
}

var propagations = map[string]bool{
	"": true, "private": true, "rprivate": true, "slave": true, "rslave": true,
	"shared": true, "rshared": true, "unbindable": true, "runbindable": true,
}

func checkPropagation(s *specs.Spec) error {
	if s.Linux == nil || propagations[s.Linux.RootfsPropagation] {
		return nil
	}
	return invalid("linux.rootfsPropagation", "unknown propagation %q", s.Linux.RootfsPropagation)
}

// checkProtectedPaths checks maskedPaths and readonlyPaths. Both are mounts
// over the container's view of the host's /proc and /sys, so, as in runc,
// they need a mount namespace: without one they would hide the host's own.
func checkProtectedPaths(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	lists := []struct {
		field string
		paths []string
	}{
		{"linux.maskedPaths", s.Linux.MaskedPaths},
		{"linux.readonlyPaths", s.Linux.ReadonlyPaths},
	}
	_, mntns := findNS(s, specs.MountNamespace)
	for _, l := range lists {
		if len(l.paths) > 0 && !mntns {
			return invalid(l.field, "set without a mount namespace in linux.namespaces")
		}
		for i, p := range l.paths {
			if !filepath.IsAbs(p) {
				return invalid(fmt.Sprintf("%s[%d]", l.field, i), "must be an absolute path, got %q", p)
			}
		}
	}
	return nil
}
