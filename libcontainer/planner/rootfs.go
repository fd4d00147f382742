package planner

import (
	"bytes"
	"fmt"

	"github.com/hull-oci/hull/internal/protocol"
	"github.com/hull-oci/hull/internal/readfile"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultRootPropagation keeps host mount events flowing into the container
// and none flowing back, as runc does when rootfsPropagation is unset.
const defaultRootPropagation = unix.MS_SLAVE | unix.MS_REC

// rootfs emits the root filesystem part of the plan: propagation, the
// rootfs itself, the mounts, the devices, the hooks stop, the root switch
// and the read-only and masked paths.
func (c *compiler) rootfs() error {
	if !c.ns.has(specs.MountNamespace) {
		c.skipRootfsSetup()
		// No OpRootfs ran, so the init does not know the rootfs yet: name it.
		// The init only moves the rootfs onto "/" when it prepared it itself.
		c.plan.Add(fmt.Sprintf("root.path %s: chroot (no mount namespace)", c.in.Rootfs),
			protocol.OpChroot, []uint64{0}, c.in.Rootfs)
		return nil
	}
	after, err := c.prepareRoot()
	if err != nil {
		return err
	}
	if err := c.mounts(); err != nil {
		return err
	}
	if err := c.devices(); err != nil {
		return err
	}
	c.console()
	c.plan.Add(fmt.Sprintf("process.cwd %q: create", c.proc.Cwd), protocol.OpMkdirAll, []uint64{0o755}, c.proc.Cwd)
	if c.in.CreateHooks {
		c.plan.Add("run prestart and createRuntime hooks", protocol.OpSync, []uint64{uint64(protocol.SyncHooks)})
	}
	if c.spec.Hooks != nil {
		c.hooks("createContainer", c.spec.Hooks.CreateContainer)
	}
	// before the switch: masking clones our verified /dev/null, which is only
	// possible while its mount is still in our namespace
	c.protectPaths()
	c.switchRoot(after)
	return nil
}

// skipRootfsSetup warns about everything that needs a mount namespace:
// mounting in the host's namespace would leak into the host.
func (c *compiler) skipRootfsSetup() {
	skipped := []struct {
		n    int
		what string
	}{
		{len(c.spec.Mounts), "mounts"},
		{len(c.linux.Devices), "linux.devices"},
		{len(c.linux.MaskedPaths), "linux.maskedPaths"},
		{len(c.linux.ReadonlyPaths), "linux.readonlyPaths"},
	}
	for _, s := range skipped {
		if s.n > 0 {
			c.warnf("no mount namespace: %d %s not applied", s.n, s.what)
		}
	}
	if c.spec.Root != nil && c.spec.Root.Readonly {
		c.warnf("no mount namespace: root.readonly not applied")
	}
}

// prepareRoot sets the propagation of "/" and makes the rootfs a mount
// point. It returns the propagation to apply to the new "/" after the root
// switch (0 = leave it).
func (c *compiler) prepareRoot() (uint64, error) {
	name := c.linux.RootfsPropagation
	before, after := uint64(defaultRootPropagation), uint64(0)
	desc := "set propagation of / to rslave (default)"
	if name != "" {
		flags, ok := propagationFlags[name]
		if !ok {
			return 0, fmt.Errorf("linux.rootfsPropagation: unknown propagation %q", name)
		}
		before, after = flags, flags
		desc = fmt.Sprintf("linux.rootfsPropagation %q: set propagation of /", name)
		if flags&unix.MS_UNBINDABLE != 0 {
			// The rootfs is about to be bind-mounted onto itself, which an
			// unbindable tree refuses: stay private until after the switch.
			before = unix.MS_PRIVATE | unix.MS_REC
		}
	}
	c.plan.Add(desc, protocol.OpMountPropagation, []uint64{before})
	parent := ""
	if before&unix.MS_SHARED != 0 {
		// pivot_root refuses a shared parent mount: the init makes the mount
		// holding the rootfs private, so it needs to know which one it is.
		p, err := c.mountPointOf(c.in.Rootfs)
		if err != nil {
			return 0, fmt.Errorf("linux.rootfsPropagation %q: %w", name, err)
		}
		parent = p
	}
	c.plan.Add(fmt.Sprintf("root.path %s: prepare the rootfs", c.in.Rootfs), protocol.OpRootfs, nil, c.in.Rootfs, parent)
	return after, nil
}

// mountPointOf returns the mount point containing path.
func (c *compiler) mountPointOf(path string) (string, error) {
	if c.in.findMount != nil {
		return c.in.findMount(path)
	}
	return mountPointFromMountinfo(path)
}

// mountPointFromMountinfo finds the longest mount point that is a parent of
// path (or path itself) in /proc/self/mountinfo. Not mountinfo.GetMounts:
// it pins the goroutine to its thread while it reads, and every syscall
// that blocks meanwhile hands the thread back and forth (~40 context
// switches per run); our threads share one mount namespace.
func mountPointFromMountinfo(path string) (string, error) {
	data, err := readfile.Read("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("find the mount point of %s: %w", path, err)
	}
	mounts, err := mountinfo.GetMountsFromReader(bytes.NewReader(data), mountinfo.ParentsFilter(path))
	if err != nil {
		return "", fmt.Errorf("find the mount point of %s: %w", path, err)
	}
	best := ""
	for _, m := range mounts {
		if len(m.Mountpoint) > len(best) {
			best = m.Mountpoint
		}
	}
	if best == "" {
		return "", fmt.Errorf("find the mount point of %s: not found in mountinfo", path)
	}
	return best, nil
}

// switchRoot makes the rootfs "/" and applies the configured propagation.
func (c *compiler) switchRoot(propagation uint64) {
	if c.in.NoPivot {
		c.plan.Add(fmt.Sprintf("root.path %s: chroot (--no-pivot)", c.in.Rootfs), protocol.OpChroot, []uint64{propagation})
		return
	}
	c.plan.Add(fmt.Sprintf("root.path %s: pivot_root", c.in.Rootfs), protocol.OpPivotRoot, []uint64{propagation})
}

// protectPaths makes the root and linux.readonlyPaths read-only and hides
// linux.maskedPaths, resolved inside the rootfs just before the root switch.
func (c *compiler) protectPaths() {
	if c.spec.Root != nil && c.spec.Root.Readonly {
		c.plan.Add("root.readonly: remount / read-only", protocol.OpRemountRo, nil, "/")
	}
	for i, p := range c.linux.ReadonlyPaths {
		c.plan.Add(fmt.Sprintf("linux.readonlyPaths[%d] %q", i, p), protocol.OpReadonlyPath, nil, p)
	}
	for i, p := range c.linux.MaskedPaths {
		c.plan.Add(fmt.Sprintf("linux.maskedPaths[%d] %q", i, p), protocol.OpMaskPath, nil, p)
	}
}
