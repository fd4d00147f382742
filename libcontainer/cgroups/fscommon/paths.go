package fscommon

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// ReservedName is a cgroup this host's process supervisor keeps for its
// own work. Creating, moving or removing anything inside it would break
// the supervisor, so hull refuses any cgroup path that passes through it.
const ReservedName = "process_api"

// InnerPath returns the cgroup path to use for a container, as runc's fs
// drivers do: config.json's linux.cgroupsPath, cleaned, or when that is
// empty the container id, which is a relative path. Relative paths are
// later joined to the caller's own cgroup. ".." may not climb above the
// cgroup the path starts from, and the path must name a cgroup below it.
func InnerPath(cgroupsPath, id string) (string, error) {
	p, what := cgroupsPath, "cgroupsPath"
	if p == "" {
		p, what = id, "container id"
		// An id with a slash could turn into an absolute path or climb.
		if id == "" || strings.Contains(id, "/") {
			return "", fmt.Errorf("container id %q cannot name a cgroup", id)
		}
	}
	depth := 0
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth == 0 {
				return "", fmt.Errorf("%s %q: \"..\" climbs above the cgroup the path starts from", what, p)
			}
			depth--
		default:
			depth++
		}
	}
	if depth == 0 {
		return "", fmt.Errorf("%s %q names no cgroup of its own", what, p)
	}
	return filepath.Clean(p), nil
}

// ParseSelfCgroup parses /proc/self/cgroup, whose lines look like
// "4:memory:/user.slice" or "1:cpu,cpuacct:/" or "9:name=systemd:/" or
// "0::/init.scope", into a map from controller ("memory", "cpu",
// "name=systemd", and "" for the unified hierarchy) to cgroup path.
func ParseSelfCgroup(r io.Reader) (map[string]string, error) {
	own := make(map[string]string)
	s := bufio.NewScanner(r)
	for s.Scan() {
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("/proc/self/cgroup: bad line %q", s.Text())
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			own[ctrl] = parts[2]
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	return own, nil
}

// CheckReserved refuses a cgroup whose path within its hierarchy (as in
// /proc/self/cgroup) passes through ReservedName: hull checks absolute
// cgroupsPath values, and the part of a relative one that it creates, with
// it. controller is named in the error ("" is the unified hierarchy).
func CheckReserved(controller, hierPath string) error {
	if reservedDepth(hierPath) >= 0 {
		return fmt.Errorf("%s cgroup %s would be inside %q, which belongs to the host's process supervisor; use an absolute cgroupsPath",
			controllerName(controller), hierPath, ReservedName)
	}
	return nil
}

// CheckBase checks the existing cgroup that a relative cgroupsPath is
// joined to (the caller's own, or its parent on cgroup v2). It may lie
// inside ReservedName: the supervisor runs each session in a cgroup of its
// own, ReservedName/<session>, and hull then makes its containers' cgroups
// as new children below it, writing only to files of cgroups it made. The
// base may not be ReservedName itself, whose children are the
// supervisor's sessions.
func CheckBase(controller, base string) error {
	if reservedDepth(base) == 0 {
		return fmt.Errorf("a relative cgroupsPath would make %s cgroups directly in %s, which belongs to the host's process supervisor; use an absolute cgroupsPath",
			controllerName(controller), base)
	}
	return nil
}

// reservedDepth returns how many path components follow ReservedName in
// hierPath, or -1 if hierPath does not pass through it.
func reservedDepth(hierPath string) int {
	parts := strings.Split(strings.Trim(hierPath, "/"), "/")
	for i, c := range parts {
		if c == ReservedName {
			return len(parts) - i - 1
		}
	}
	return -1
}

// CheckSavedPath checks a cgroup directory read back from a state file
// before anything acts on it: it must be a clean absolute path strictly
// below root. Inside ReservedName only cgroups at least two levels down
// (ReservedName/<session>/<hull's>) are accepted, the only ones hull can
// have made there (see CheckBase). A corrupt state file could otherwise
// point kill --all or delete at an arbitrary directory, or at the
// supervisor's own cgroups.
func CheckSavedPath(root, controller, dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return fmt.Errorf("saved %s cgroup path %q is not a clean absolute path", controllerName(controller), dir)
	}
	if dir == filepath.Clean(root) || !IsUnder(root, dir) {
		return fmt.Errorf("saved %s cgroup path %q is not below %s", controllerName(controller), dir, root)
	}
	if d := reservedDepth(strings.TrimPrefix(dir, root)); d >= 0 && d < 2 {
		return fmt.Errorf("saved %s cgroup path %q is one of the host's process supervisor's cgroups", controllerName(controller), dir)
	}
	return nil
}

func controllerName(controller string) string {
	if controller == "" {
		return "unified"
	}
	return controller
}
