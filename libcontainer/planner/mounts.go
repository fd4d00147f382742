package planner

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroupTmpfsFlags are the flags of the tmpfs holding cgroup v1 hierarchies
// and of fresh cgroup mounts, as runc mounts them.
const cgroupTmpfsFlags = unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV

// mountOp is one OpMount.
type mountOp struct {
	opts   mountOptions // flags, propagation and recursive attributes
	mflags uint64       // protocol.MountFlag*
	source string
	dest   string
	fstype string
	data   string
}

// addMount appends an OpMount.
func (c *compiler) addMount(desc string, m mountOp) {
	m = c.withMountLabel(m)
	ints := []uint64{m.opts.flags, m.opts.propagation, m.opts.attrSet, m.opts.attrClr, m.mflags}
	c.plan.Add(desc, protocol.OpMount, ints, m.source, m.dest, m.fstype, m.data)
}

// mounts emits the ops of every entry of mounts, in order.
func (c *compiler) mounts() error {
	for i, m := range c.spec.Mounts {
		if err := c.mount(fmt.Sprintf("mounts[%d]", i), m); err != nil {
			return err
		}
	}
	return nil
}

// mount emits the ops of one mount; field names it in descriptions and errors.
func (c *compiler) mount(field string, m specs.Mount) error {
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return fmt.Errorf("%s: id-mapped mounts are not supported", field)
	}
	o, err := parseMountOptions(field, m.Options)
	if err != nil {
		return err
	}
	dest := path.Clean(m.Destination)
	switch {
	case isBind(m.Type, o):
		return c.bindMount(field, m.Source, dest, o)
	case m.Type == "":
		return fmt.Errorf("%s: no type given and not a bind mount", field)
	case m.Type == "cgroup":
		return c.cgroupMount(field, dest, o)
	case m.Type == "sysfs" && c.sysfsNeedsBind():
		c.sysfsBind(field, dest, o)
		return nil
	}
	var mflags uint64
	if o.tmpcopyup {
		if m.Type != "tmpfs" {
			return fmt.Errorf("%s: option tmpcopyup needs type tmpfs, not %q", field, m.Type)
		}
		mflags |= protocol.MountFlagTmpcopyup
	}
	if m.Type == "proc" || m.Type == "sysfs" {
		// a procfs reached through a symlink could land where the masks
		// and read-only paths do not follow (CVE-2019-19921, CVE-2023-27561)
		mflags |= protocol.MountFlagNoSymlinks
	}
	c.addMount(fmt.Sprintf("%s: mount %s on %s", field, m.Type, dest), mountOp{
		opts: o, mflags: mflags, source: m.Source, dest: dest, fstype: m.Type, data: o.dataString(),
	})
	return nil
}

// bindMount emits a bind mount. The source is checked here, on the host,
// because whether it is a directory decides what the init creates as the
// mount point, and a missing source is better reported before anything runs.
func (c *compiler) bindMount(field, source, dest string, o mountOptions) error {
	if o.tmpcopyup {
		return fmt.Errorf("%s: option tmpcopyup needs type tmpfs, not a bind mount", field)
	}
	if !filepath.IsAbs(source) {
		source = filepath.Join(c.in.Bundle, source)
	}
	fi, err := os.Stat(source)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: bind source %s: %w", field, source, err)
	}
	o.flags |= unix.MS_BIND
	mflags := uint64(protocol.MountFlagBind)
	if !fi.IsDir() {
		mflags |= protocol.MountFlagFile
	}
	verb := "bind"
	if o.flags&unix.MS_REC != 0 {
		verb = "rbind"
	}
	c.addMount(fmt.Sprintf("%s: %s %s on %s", field, verb, source, dest), mountOp{
		opts: o, mflags: mflags, source: source, dest: dest, data: o.dataString(),
	})
	return nil
}

// sysfsNeedsBind reports whether sysfs cannot be mounted fresh: the kernel
// requires CAP_SYS_ADMIN over the user namespace owning the current network
// namespace, which a container in its own user namespace but the host's
// network namespace lacks. runc falls back to an rbind of /sys then.
func (c *compiler) sysfsNeedsBind() bool {
	return c.ns.has(specs.UserNamespace) && !c.ns.has(specs.NetworkNamespace)
}

// sysfsBind replaces a sysfs mount with an rbind of the host's /sys.
func (c *compiler) sysfsBind(field, dest string, o mountOptions) {
	o.flags |= unix.MS_BIND | unix.MS_REC
	// A fresh sysfs has no submounts, but the host's /sys has (securityfs,
	// debugfs, bpf, ...): apply the restrictions to them too, or "ro" would
	// leave them writable.
	for ms, attr := range map[uint64]uint64{
		unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY,
		unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV:  unix.MOUNT_ATTR_NODEV,
		unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
	} {
		if o.flags&ms != 0 {
			o.attrSet |= attr
			o.attrClr &^= attr
		}
	}
	desc := fmt.Sprintf("%s: rbind /sys on %s (sysfs cannot be mounted without a network namespace)", field, dest)
	c.addMount(desc, mountOp{
		opts: o, mflags: protocol.MountFlagBind | protocol.MountFlagNoSymlinks, source: "/sys", dest: dest, data: o.dataString(),
	})
}
