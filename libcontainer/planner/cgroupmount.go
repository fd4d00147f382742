package planner

import (
	"fmt"
	"path"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroupMount expands a "cgroup" mount into the container's view of its
// cgroups: one cgroup2 mount on a pure v2 host; on v1 (and hybrid) a tmpfs
// holding one mount per hierarchy plus symlinks for co-mounted controllers.
func (c *compiler) cgroupMount(field, dest string, o mountOptions) error {
	hs := c.in.Cgroups
	if len(hs) == 0 {
		return fmt.Errorf("%s: cgroup mount on %s: no cgroup hierarchies known", field, dest)
	}
	if len(hs) == 1 && hs[0].FSType == "cgroup2" && hs[0].Dir == "" {
		c.cgroupSubmount(field, dest, o, hs[0])
		return nil
	}
	c.addMount(fmt.Sprintf("%s: mount tmpfs for cgroup hierarchies on %s", field, dest), mountOp{
		opts:   mountOptions{flags: cgroupTmpfsFlags, propagation: o.propagation},
		source: "tmpfs", dest: dest, fstype: "tmpfs", data: "mode=755",
	})
	for i, h := range hs {
		if h.Dir == "" || h.Dir != path.Base(h.Dir) {
			return fmt.Errorf("%s: cgroup hierarchy %d (%s): directory name %q is not a single path element",
				field, i, h.FSType, h.Dir)
		}
		c.cgroupSubmount(field, path.Join(dest, h.Dir), o, h)
	}
	for _, h := range hs {
		for _, l := range h.Links {
			link := path.Join(dest, l)
			c.plan.Add(fmt.Sprintf("%s: symlink %s -> %s", field, link, h.Dir), protocol.OpSymlink, nil, h.Dir, link)
		}
	}
	// The tmpfs goes read-only last: the submounts and symlinks above need
	// to create their mount points and links in it.
	if o.flags&unix.MS_RDONLY != 0 {
		c.plan.Add(fmt.Sprintf("%s: remount %s read-only", field, dest), protocol.OpRemountRo, nil, dest)
	}
	return nil
}

// cgroupSubmount mounts one hierarchy at dest: fresh inside a cgroup
// namespace, whose root is the container's cgroup; otherwise a bind of the
// container's cgroup directory, so that the host's tree stays hidden.
func (c *compiler) cgroupSubmount(field, dest string, o mountOptions, h CgroupHierarchy) {
	// A joined cgroup namespace counts too (as in runc): a fresh mount shows
	// that namespace's root, which is the view the container should get.
	if c.ns.has(specs.CgroupNamespace) {
		sub := mountOptions{
			flags:       cgroupTmpfsFlags | o.flags&unix.MS_RDONLY,
			propagation: o.propagation, attrSet: o.attrSet, attrClr: o.attrClr,
		}
		desc := fmt.Sprintf("%s: mount %s on %s", field, h.FSType, dest)
		if h.Data != "" {
			desc = fmt.Sprintf("%s: mount %s %q on %s", field, h.FSType, h.Data, dest)
		}
		c.addMount(desc, mountOp{opts: sub, source: "cgroup", dest: dest, fstype: h.FSType, data: h.Data})
		return
	}
	o.flags |= unix.MS_BIND | unix.MS_REC
	o.data = nil
	desc := fmt.Sprintf("%s: bind %s %s on %s", field, h.FSType, h.HostPath, dest)
	c.addMount(desc, mountOp{opts: o, mflags: protocol.MountFlagBind, source: h.HostPath, dest: dest})
}
