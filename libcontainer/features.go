package libcontainer

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/libcontainer/planner"
	"github.com/hull-oci/hull/libcontainer/seccomp"
	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// HostFeatures describes what hull supports on this host (`hull features`):
// it probes the kernel, and claims nothing hull would refuse at create. The
// exception is AppArmor and SELinux, whose "enabled" means, by the spec and
// as runc reports it, that the runtime supports them, whatever the host
// does; the run.hull.host.* annotations say whether this host enforces them.
func HostFeatures(version string) *features.Features {
	yes, no := true, false
	sc := seccomp.HostFeatures()
	lsm := hostLSM()
	major, minor, micro := libseccomp.GetLibraryVersion()
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  planner.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   hostNamespaces(),
			Capabilities: knownCapabilities(),
			Cgroup:       cgroupFeatures(),
			Seccomp: &features.Seccomp{
				Enabled: &yes, Actions: sc.Actions, Operators: sc.Operators, Archs: sc.Archs,
				KnownFlags: sc.KnownFlags, SupportedFlags: sc.SupportedFlags,
			},
			Apparmor:        &features.Apparmor{Enabled: &yes},
			Selinux:         &features.Selinux{Enabled: &yes},
			IntelRdt:        &features.IntelRdt{Enabled: &no},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &no}},
			NetDevices:      &features.NetDevices{Enabled: &no},
		},
		Annotations: map[string]string{
			"run.hull.version":                          version,
			"io.github.seccomp.libseccomp.version":      versionString(major, minor, micro),
			"run.hull.strict-config":                    "true",
			"run.hull.strict-config.lenient-annotation": "run.hull.lenient",
			"run.hull.host.apparmor":                    strconv.FormatBool(lsm.AppArmor),
			"run.hull.host.selinux":                     strconv.FormatBool(lsm.SELinux),
		},
	}
}

func versionString(a, b, c uint) string {
	return fmt.Sprintf("%d.%d.%d", a, b, c)
}

// hostNamespaces lists the namespace types this kernel has.
func hostNamespaces() []string {
	names := map[string]string{
		"cgroup": "cgroup", "ipc": "ipc", "mount": "mnt", "network": "net",
		"pid": "pid", "time": "time", "user": "user", "uts": "uts",
	}
	var out []string
	for _, t := range []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"} {
		if _, err := os.Stat("/proc/self/ns/" + names[t]); err == nil {
			out = append(out, t)
		}
	}
	return out
}

func knownCapabilities() []string {
	caps, err := capability.ListSupported()
	if err != nil {
		caps = capability.ListKnown()
	}
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// cgroupFeatures: v1 on a tmpfs /sys/fs/cgroup, v2 on cgroup2 (or the
// unified hierarchy of a hybrid host, where hull also places containers).
func cgroupFeatures() *features.Cgroup {
	var v1, v2 bool
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil {
		v2 = st.Type == unix.CGROUP2_SUPER_MAGIC
		v1 = st.Type == unix.TMPFS_MAGIC
	}
	if v1 && unix.Statfs("/sys/fs/cgroup/unified", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		v2 = true
	}
	no := false
	return &features.Cgroup{V1: &v1, V2: &v2, Systemd: &no, SystemdUser: &no, Rdma: &no}
}
