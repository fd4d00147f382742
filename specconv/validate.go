package specconv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks s, read from the bundle directory bundle, and returns the
// first problem it finds as `config.json: <json path>: <problem>`, the path
// spelled with config.json's own names (`linux.namespaces[2].type`).
//
// It looks at nothing on the host but root.path, which must be an existing
// directory, and, when sysctls go to a joined namespace, at that namespace
// and the runtime's own, which must differ. Fields checked where they are
// applied (resources, seccomp, intelRdt, memoryPolicy, netDevices,
// ioPriority, scheduler, personality) pass through unchecked.
func Validate(s *specs.Spec, bundle string) error {
	if s == nil {
		return errors.New("config.json: no configuration")
	}
	if err := checkVersion(s); err != nil {
		return err
	}
	if err := checkRoot(s, bundle); err != nil {
		return err
	}
	for _, check := range checks {
		if err := check(s); err != nil {
			return err
		}
	}
	return nil
}

// checks run in this fixed order, after ociVersion and root, so that a
// config with several problems always reports the same one: the top-level
// sections, then linux, with namespaces before everything that depends on
// them (hostname, mappings, time offsets, sysctls, protected paths).
var checks = []func(*specs.Spec) error{
	checkProcess,
	checkMounts,
	checkHooks,
	checkNamespaces,
	checkUTS,
	checkIDMappings,
	checkTimeOffsets,
	checkSysctl,
	checkDevices,
	checkPropagation,
	checkProtectedPaths,
	checkUnsupported,
}

// invalid reports a problem with the field of config.json at the JSON path
// field.
func invalid(field, format string, args ...any) error {
	return invalidCause(nil, field, format, args...)
}

// invalidCause is invalid keeping cause for errors.Is and errors.As.
func invalidCause(cause error, field, format string, args ...any) error {
	msg := "config.json: " + field + ": " + fmt.Sprintf(format, args...)
	return &configError{msg: msg, err: cause}
}

// configError is a problem with config.json; err, when set, is the
// underlying cause, kept for errors.Is without repeating its text.
type configError struct {
	msg string
	err error
}

func (e *configError) Error() string { return e.msg }
func (e *configError) Unwrap() error { return e.err }

func checkVersion(s *specs.Spec) error {
	major, _, _ := strings.Cut(s.Version, ".")
	if major != "1" {
		return invalid("ociVersion", "unsupported ociVersion %q", s.Version)
	}
	return nil
}

func checkRoot(s *specs.Spec, bundle string) error {
	if s.Root == nil {
		return invalid("root", "must be set")
	}
	if s.Root.Path == "" {
		return invalid("root.path", "must be set")
	}
	path := rootfsPath(s, bundle)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return invalidCause(err, "root.path", "%s: no such directory", path)
	case err != nil:
		// Unwrapped, as the *os.PathError would repeat "stat <path>".
		return invalidCause(err, "root.path", "%s: %v", path, errors.Unwrap(err))
	case !fi.IsDir():
		return invalid("root.path", "%s: not a directory", path)
	}
	return nil
}

func checkProcess(s *specs.Spec) error {
	p := s.Process
	if p == nil {
		return invalid("process", "must be set")
	}
	if len(p.Args) == 0 {
		return invalid("process.args", "must not be empty")
	}
	if !filepath.IsAbs(p.Cwd) {
		return invalid("process.cwd", "must be an absolute path, got %q", p.Cwd)
	}
	if err := checkEnv(p.Env); err != nil {
		return err
	}
	if err := checkRlimits(p.Rlimits); err != nil {
		return err
	}
	if err := checkCapabilities(p.Capabilities); err != nil {
		return err
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return invalid("process.oomScoreAdj", "must be between -1000 and 1000, got %d", *p.OOMScoreAdj)
	}
	return nil
}

// checkEnv refuses what execve would silently pass on but no program can
// read back with getenv: entries without a name, or cut short by a NUL.
func checkEnv(env []string) error {
	for i, kv := range env {
		field := fmt.Sprintf("process.env[%d]", i)
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return invalid(field, "must be NAME=VALUE, got %q", kv)
		}
		if strings.IndexByte(kv, 0) >= 0 {
			return invalid(field, "must not contain a NUL byte")
		}
	}
	return nil
}

func checkRlimits(rlimits []specs.POSIXRlimit) error {
	seen := make(map[string]int)
	for i, r := range rlimits {
		field := fmt.Sprintf("process.rlimits[%d]", i)
		if _, ok := RlimitResource(r.Type); !ok {
			return invalid(field+".type", "unknown rlimit %q", r.Type)
		}
		if j, dup := seen[r.Type]; dup {
			return invalid(field+".type", "duplicate rlimit %q (also process.rlimits[%d])", r.Type, j)
		}
		seen[r.Type] = i
		if r.Soft > r.Hard {
			return invalid(field, "soft limit %d is greater than hard limit %d", r.Soft, r.Hard)
		}
	}
	return nil
}

func checkCapabilities(c *specs.LinuxCapabilities) error {
	if c == nil {
		return nil
	}
	sets := []struct {
		name string
		caps []string
	}{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"inheritable", c.Inheritable},
		{"permitted", c.Permitted},
		{"ambient", c.Ambient},
	}
	for _, set := range sets {
		for i, name := range set.caps {
			if !knownCapability(name) {
				field := fmt.Sprintf("process.capabilities.%s[%d]", set.name, i)
				return invalid(field, "unknown capability %q", name)
			}
		}
	}
	return nil
}
