package cgroups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ForCreate returns the resources to Set when a container is created: r
// (which may be nil) with a non-nil device list, so that the device rules
// are always applied, the default ones included, even when config.json
// lists none. runc does the same.
func ForCreate(r *specs.LinuxResources) *specs.LinuxResources {
	var c specs.LinuxResources
	if r != nil {
		c = *r
	}
	if c.Devices == nil {
		c.Devices = []specs.LinuxDeviceCgroup{}
	}
	return &c
}

// NotifyOOM returns a channel that receives a value each time the kernel
// reports an out-of-memory event in m's memory cgroup (cgroup v1's
// memory.oom_control eventfd, cgroup v2's memory.events). It is closed
// when the cgroup goes away (v2: when it has no processes left) and when
// ctx ends; cancel ctx to release it.
func NotifyOOM(ctx context.Context, m Manager) (<-chan struct{}, error) {
	n, ok := m.(interface {
		NotifyOOM(context.Context) (<-chan struct{}, error)
	})
	if !ok {
		return nil, fmt.Errorf("%T cannot report OOM events", m)
	}
	return n.NotifyOOM(ctx)
}

// systemdRunning tells whether the host runs systemd as its init, the way
// systemd's sd_booted(3) does.
var systemdRunning = func() bool {
	_, err := os.Lstat("/run/systemd/system")
	return err == nil
}

// NewSystemd is New for `--systemd-cgroup`, whose cgroupsPath has the form
// "slice:prefix:name" (e.g. "machine.slice:libpod:abc", or empty for
// "system.slice:hull:<id>"). Until hull talks to systemd over D-Bus, the
// container's cgroup is made where systemd would put its scope,
// /<slice path>/<prefix>-<name>.scope, with the fs drivers; on a host
// without systemd that is an error.
func NewSystemd(cgroupsPath, id string) (Manager, error) {
	path, err := SystemdPath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	if !systemdRunning() {
		return nil, fmt.Errorf("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); run without --systemd-cgroup and give linux.cgroupsPath as a path (%q)", cgroupsPath)
	}
	return New(path, id)
}

// SystemdPath expands a "slice:prefix:name" cgroupsPath into the cgroup
// path of the systemd scope it names: "machine-a.slice:libpod:x" is
// /machine.slice/machine-a.slice/libpod-x.scope. A name that ends in
// ".slice" names a slice rather than a scope.
func SystemdPath(cgroupsPath, id string) (string, error) {
	if cgroupsPath == "" {
		cgroupsPath = "system.slice:hull:" + id
	}
	parts := strings.Split(cgroupsPath, ":")
	if len(parts) != 3 {
		return "", fmt.Errorf("linux.cgroupsPath: %q is not of the form \"slice:prefix:name\" that --systemd-cgroup needs", cgroupsPath)
	}
	slice, prefix, name := parts[0], parts[1], parts[2]
	if slice == "" {
		slice = "system.slice"
	}
	dir, err := expandSlice(slice)
	if err != nil {
		return "", fmt.Errorf("linux.cgroupsPath: %w", err)
	}
	if name == "" || strings.ContainsRune(name, '/') || strings.ContainsRune(prefix, '/') {
		return "", fmt.Errorf("linux.cgroupsPath: bad unit name in %q", cgroupsPath)
	}
	unit := name
	if !strings.HasSuffix(name, ".slice") {
		if prefix != "" {
			unit = prefix + "-" + name
		}
		unit += ".scope"
	}
	return dir + "/" + unit, nil
}

// expandSlice turns a slice unit name into its cgroup path: each dash
// starts a child slice, so "a-b.slice" is /a.slice/a-b.slice.
func expandSlice(slice string) (string, error) {
	name, ok := strings.CutSuffix(slice, ".slice")
	if name == "-" {
		return "", nil // the root slice
	}
	if !ok || name == "" || strings.ContainsRune(name, '/') || strings.HasPrefix(name, "-") ||
		strings.HasSuffix(name, "-") || strings.Contains(name, "--") {
		return "", errors.New("bad slice name " + slice)
	}
	path, prefix := "", ""
	for _, comp := range strings.Split(name, "-") {
		path += "/" + prefix + comp + ".slice"
		prefix += comp + "-"
	}
	return path, nil
}
