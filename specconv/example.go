// Package specconv loads, checks and prepares OCI runtime-spec configurations
// (config.json) for hull. It is pure: apart from reading config.json and
// looking at root.path (and, for sysctls, at namespace paths), it makes no
// system calls, so everything in it can be unit-tested without root.
package specconv

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCaps are the capabilities `runc spec` grants: enough to run a shell,
// signal its own children and bind low ports, nothing that reaches the host.
var defaultCaps = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// Example returns the configuration `hull spec` prints: the same content as
// `runc spec`, with hostname "hull". It always includes a cgroup namespace,
// since hull targets cgroup v2 hosts.
func Example() *specs.Spec {
	return &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Process:  exampleProcess(),
		Hostname: "hull",
		Mounts:   exampleMounts(),
		Linux:    exampleLinux(),
	}
}

func exampleProcess() *specs.Process {
	return &specs.Process{
		Terminal: true,
		User:     specs.User{UID: 0, GID: 0},
		Args:     []string{"sh"},
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm",
		},
		Cwd: "/",
		Capabilities: &specs.LinuxCapabilities{
			Bounding:  clone(defaultCaps),
			Effective: clone(defaultCaps),
			Permitted: clone(defaultCaps),
		},
		Rlimits: []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024},
		},
		NoNewPrivileges: true,
	}
}

func exampleMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{
			Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
		},
		{
			Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
		},
		{
			Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"},
		},
		{
			Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"},
		},
		{
			Destination: "/sys", Type: "sysfs", Source: "sysfs",
			Options: []string{"nosuid", "noexec", "nodev", "ro"},
		},
		{
			Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"},
		},
	}
}

func exampleLinux() *specs.Linux {
	return &specs.Linux{
		Resources: &specs.LinuxResources{
			Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		},
		Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace},
			{Type: specs.NetworkNamespace},
			{Type: specs.IPCNamespace},
			{Type: specs.UTSNamespace},
			{Type: specs.MountNamespace},
			{Type: specs.CgroupNamespace},
		},
		// The masked paths leak host information or let a container poke
		// at hardware: /proc/kcore is host memory, /proc/keys the kernel
		// keyrings, and powercap's energy counters allow the Platypus
		// side channel (CVE-2020-8694).
		MaskedPaths: []string{
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi",
			"/sys/devices/virtual/powercap",
		},
		ReadonlyPaths: []string{
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger",
		},
	}
}

// ToRootless rewrites s, as `runc spec --rootless` does, so that an
// unprivileged user can run it: a user namespace mapping the caller's euid
// and egid to root, no network or cgroup namespace, /sys bound from the host,
// no uid=/gid= mount options and no cgroup resources.
func ToRootless(s *specs.Spec) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	s.Linux.Namespaces = rootlessNamespaces(s.Linux.Namespaces)
	s.Linux.UIDMappings = []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1},
	}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{
		{ContainerID: 0, HostID: uint32(os.Getegid()), Size: 1},
	}
	s.Mounts = rootlessMounts(s.Mounts)
	// Without root we cannot write to the cgroup tree unless a manager
	// delegated one to us, so resource limits could not be honoured.
	s.Linux.Resources = nil
}

// rootlessNamespaces drops the network namespace (an unprivileged user
// could not configure it: there would be no network at all) and the cgroup
// namespace (unless a manager delegated one, the container has no cgroup of
// its own to root it at: it stays in the caller's), and adds a
// fresh user namespace in place of any existing one.
func rootlessNamespaces(in []specs.LinuxNamespace) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, ns := range in {
		switch ns.Type {
		case specs.NetworkNamespace, specs.CgroupNamespace, specs.UserNamespace:
		default:
			out = append(out, ns)
		}
	}
	return append(out, specs.LinuxNamespace{Type: specs.UserNamespace})
}

// rootlessMounts replaces the sysfs mount by a read-only rbind of the host's
// /sys, because the kernel lets only a process privileged over the network
// namespace mount sysfs and a rootless container keeps the caller's one. It
// drops uid=/gid= options: only the single mapped id exists inside the
// container, so any other id (devpts' gid=5) makes the mount fail.
func rootlessMounts(in []specs.Mount) []specs.Mount {
	var out []specs.Mount
	for _, m := range in {
		if filepath.Clean(m.Destination) == "/sys" {
			out = append(out, specs.Mount{
				Destination: "/sys",
				Type:        "none",
				Source:      "/sys",
				Options:     []string{"rbind", "nosuid", "noexec", "nodev", "ro"},
			})
			continue
		}
		var opts []string
		for _, o := range m.Options {
			if !strings.HasPrefix(o, "uid=") && !strings.HasPrefix(o, "gid=") {
				opts = append(opts, o)
			}
		}
		m.Options = opts
		out = append(out, m)
	}
	return out
}

func clone(s []string) []string {
	return append([]string(nil), s...)
}
