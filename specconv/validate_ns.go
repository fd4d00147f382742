package specconv

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// nsProcNames maps each namespace type of the spec to its name under
// /proc/<pid>/ns/.
var nsProcNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace:     "pid",
	specs.NetworkNamespace: "net",
	specs.MountNamespace:   "mnt",
	specs.IPCNamespace:     "ipc",
	specs.UTSNamespace:     "uts",
	specs.UserNamespace:    "user",
	specs.CgroupNamespace:  "cgroup",
	specs.TimeNamespace:    "time",
}

func checkNamespaces(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	seen := make(map[specs.LinuxNamespaceType]int)
	for i, ns := range s.Linux.Namespaces {
		field := fmt.Sprintf("linux.namespaces[%d]", i)
		if _, ok := nsProcNames[ns.Type]; !ok {
			return invalid(field+".type", "unknown namespace %q", ns.Type)
		}
		if j, dup := seen[ns.Type]; dup {
			return invalid(field+".type", "duplicate namespace %q (also linux.namespaces[%d])", ns.Type, j)
		}
		seen[ns.Type] = i
		if ns.Path != "" && !filepath.IsAbs(ns.Path) {
			return invalid(field+".path", "must be an absolute path, got %q", ns.Path)
		}
	}
	return nil
}

// findNS returns the index in linux.namespaces of the namespace of type t.
func findNS(s *specs.Spec, t specs.LinuxNamespaceType) (int, bool) {
	if s.Linux == nil {
		return 0, false
	}
	i := slices.IndexFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
		return ns.Type == t
	})
	return i, i >= 0
}

// newNS reports whether the container gets a namespace of type t of its own,
// created for it rather than joined through a path.
func newNS(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	i, ok := findNS(s, t)
	return ok && s.Linux.Namespaces[i].Path == ""
}

// checkUTS refuses a hostname or domainname that would land in the host's
// UTS namespace. A joined one is allowed, as runc does: pods share one.
func checkUTS(s *specs.Spec) error {
	if _, ok := findNS(s, specs.UTSNamespace); ok {
		return nil
	}
	if s.Hostname != "" {
		return invalid("hostname", "unable to set hostname without a private UTS namespace")
	}
	if s.Domainname != "" {
		return invalid("domainname", "unable to set domainname without a private UTS namespace")
	}
	return nil
}

func checkIDMappings(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	_, userns := findNS(s, specs.UserNamespace)
	maps := []struct {
		field string
		ids   []specs.LinuxIDMapping
	}{
		{"linux.uidMappings", s.Linux.UIDMappings},
		{"linux.gidMappings", s.Linux.GIDMappings},
	}
	for _, m := range maps {
		if len(m.ids) > 0 && !userns {
			return invalid(m.field, "set without a user namespace in linux.namespaces")
		}
		// Without a mapping every id in the new namespace is the overflow
		// id, and init could not even act as root in it.
		if len(m.ids) == 0 && newNS(s, specs.UserNamespace) {
			return invalid(m.field, "must be set for a new user namespace")
		}
		if err := checkIDSizes(m.field, m.ids); err != nil {
			return err
		}
	}
	return nil
}

func checkIDSizes(field string, ids []specs.LinuxIDMapping) error {
	for i, id := range ids {
		if id.Size == 0 {
			return invalid(fmt.Sprintf("%s[%d].size", field, i), "must be greater than zero")
		}
	}
	return nil
}

// checkTimeOffsets requires a new time namespace: the kernel takes offsets
// only before the first process enters the namespace, so a joined one is
// already fixed.
func checkTimeOffsets(s *specs.Spec) error {
	if s.Linux == nil || len(s.Linux.TimeOffsets) == 0 {
		return nil
	}
	if !newNS(s, specs.TimeNamespace) {
		return invalid("linux.timeOffsets", "set without a new time namespace in linux.namespaces")
	}
	for _, clock := range sortedKeys(s.Linux.TimeOffsets) {
		if clock != "monotonic" && clock != "boottime" {
			return invalid("linux.timeOffsets", "unknown clock %q (want monotonic or boottime)", clock)
		}
		if ns := s.Linux.TimeOffsets[clock].Nanosecs; ns >= 1e9 {
			return invalid("linux.timeOffsets."+clock+".nanosecs", "must be less than 1000000000, got %d", ns)
		}
	}
	return nil
}

// ipcSysctls are the kernel.* sysctls the IPC namespace isolates; with
// fs.mqueue.* they are all it does.
var ipcSysctls = map[string]bool{
	"kernel.msgmax":          true,
	"kernel.msgmnb":          true,
	"kernel.msgmni":          true,
	"kernel.sem":             true,
	"kernel.shmall":          true,
	"kernel.shmmax":          true,
	"kernel.shmmni":          true,
	"kernel.shm_rmid_forced": true,
}

// checkSysctl allows, as runc does, only the sysctls a namespace of the
// container isolates: /proc/sys is not namespaced as a whole, and writing
// any other key would change the host.
func checkSysctl(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	for _, key := range sortedKeys(s.Linux.Sysctl) {
		name := dotted(key)
		var need specs.LinuxNamespaceType
		switch {
		case ipcSysctls[name] || strings.HasPrefix(name, "fs.mqueue."):
			need = specs.IPCNamespace
		case strings.HasPrefix(name, "net."):
			need = specs.NetworkNamespace
		case name == "kernel.domainname":
			need = specs.UTSNamespace
		case name == "kernel.hostname":
			return invalid("linux.sysctl", "%q conflicts with the hostname field, set that instead", key)
		default:
			return invalid("linux.sysctl", "%q is not namespaced and cannot be set", key)
		}
		if err := needPrivateNS(s, need, key); err != nil {
			return err
		}
	}
	return nil
}

// needPrivateNS checks that the sysctl key is written in a namespace of type
// t that is not the runtime's own. A joined namespace counts, as runc has it:
// engines join a pod's network namespace and set the pod's sysctls there.
func needPrivateNS(s *specs.Spec, t specs.LinuxNamespaceType, key string) error {
	i, ok := findNS(s, t)
	if !ok {
		return invalid("linux.sysctl", "%q needs a private %s namespace", key, t)
	}
	path := s.Linux.Namespaces[i].Path
	if path == "" {
		return nil
	}
	field := fmt.Sprintf("linux.namespaces[%d].path", i)
	joined, err := os.Stat(path)
	if err != nil {
		return invalidCause(err, field, "%v", err)
	}
	own, err := os.Stat("/proc/self/ns/" + nsProcNames[t])
	if err != nil {
		return invalidCause(err, field, "unable to compare with the runtime's namespace: %v", err)
	}
	if os.SameFile(joined, own) {
		return invalid("linux.sysctl", "%q needs a private %s namespace, %s is the host's", key, t, field)
	}
	return nil
}

// dotted turns a sysctl name written with slashes, as sysctl.d(5) allows
// ("net/ipv4/conf/eth0.100/rp_filter"), into the dotted form, where the dots
// inside a component become slashes ("net.ipv4.conf.eth0/100.rp_filter").
func dotted(name string) string {
	sep := strings.IndexAny(name, "./")
	if sep < 0 || name[sep] == '.' {
		return name
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, name)
}

// sortedKeys makes map checks report the same first problem on every run.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
