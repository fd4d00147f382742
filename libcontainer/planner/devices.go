package planner

import (
	"fmt"
	"path"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultDevices are the devices every container gets in a /dev it owns
// (runtime-spec, config-linux.md "Default Devices").
var defaultDevices = []struct {
	path         string
	major, minor int64
}{
	{"/dev/null", 1, 3},
	{"/dev/zero", 1, 5},
	{"/dev/full", 1, 7},
	{"/dev/random", 1, 8},
	{"/dev/urandom", 1, 9},
	{"/dev/tty", 5, 0},
}

// defaultDevSymlinks are [target, link] pairs created in a /dev we own.
var defaultDevSymlinks = [][2]string{
	{"/proc/self/fd", "/dev/fd"},
	{"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"},
	{"/proc/kcore", "/dev/core"},
}

// deviceTypes maps linux.devices[].type to the file type bits.
var deviceTypes = map[string]uint32{
	"c": unix.S_IFCHR,
	"u": unix.S_IFCHR, // unbuffered char device: the same node
	"b": unix.S_IFBLK,
	"p": unix.S_IFIFO,
}

// mknodOp is one OpMknod.
type mknodOp struct {
	path         string
	mode         uint32 // type | permissions
	major, minor int64
	uid, gid     uint32
}

// devices creates the default devices and symlinks when the container
// mounts its own /dev, and linux.devices in any case.
func (c *compiler) devices() error {
	ownDev, devpts := devMounts(c.spec.Mounts)
	if ownDev {
		listed := map[string]bool{}
		for _, d := range c.linux.Devices {
			listed[path.Clean(d.Path)] = true
		}
		for _, d := range defaultDevices {
			if listed[d.path] {
				continue // linux.devices overrides a default device
			}
			c.mknod("default device "+d.path, mknodOp{
				path: d.path, mode: unix.S_IFCHR | 0o666, major: d.major, minor: d.minor,
			})
		}
	}
	for i, d := range c.linux.Devices {
		op, err := specDevice(d)
		if err != nil {
			return fmt.Errorf("linux.devices[%d]: %w", i, err)
		}
		c.mknod(fmt.Sprintf("linux.devices[%d]", i), op)
	}
	if ownDev {
		for _, l := range defaultDevSymlinks {
			c.plan.Add(fmt.Sprintf("default symlink %s -> %s", l[1], l[0]), protocol.OpSymlink, nil, l[0], l[1])
		}
		if devpts {
			// The devpts instance of the container must serve /dev/ptmx,
			// not the host's: point it into /dev/pts.
			c.plan.Add("symlink /dev/ptmx -> pts/ptmx (devpts on /dev/pts)", protocol.OpSymlink, nil, "pts/ptmx", "/dev/ptmx")
		}
	}
	return nil
}

// devMounts reports whether the container mounts its own /dev (a bind of
// the host's /dev brings its devices along) and a devpts on /dev/pts.
func devMounts(mounts []specs.Mount) (ownDev, devpts bool) {
	for _, m := range mounts {
		switch path.Clean(m.Destination) {
		case "/dev":
			// Options were validated by mounts(); the last /dev mount is the one seen.
			o, _ := parseMountOptions("", m.Options)
			ownDev = !isBind(m.Type, o)
		case "/dev/pts":
			devpts = m.Type == "devpts"
		}
	}
	return ownDev, devpts
}

// specDevice converts one linux.devices entry.
func specDevice(d specs.LinuxDevice) (mknodOp, error) {
	typ, ok := deviceTypes[d.Type]
	if !ok {
		return mknodOp{}, fmt.Errorf("%s: unknown device type %q (want c, u, b or p)", d.Path, d.Type)
	}
	op := mknodOp{path: path.Clean(d.Path), mode: typ | 0o666, major: d.Major, minor: d.Minor}
	if typ == unix.S_IFIFO {
		op.major, op.minor = 0, 0
	}
	if d.FileMode != nil {
		op.mode = typ | uint32(*d.FileMode)&0o7777
	}
	if d.UID != nil {
		op.uid = *d.UID
	}
	if d.GID != nil {
		op.gid = *d.GID
	}
	return op, nil
}

// mknod appends an OpMknod. In a user namespace the kernel refuses mknod of
// devices, so the init creates an empty file and bind-mounts the host's
// device of the same path on it; FIFOs need no privilege and stay mknod.
func (c *compiler) mknod(field string, d mknodOp) {
	typ := d.mode & unix.S_IFMT
	bind := c.ns.has(specs.UserNamespace) && typ != unix.S_IFIFO
	hostPath, bindFlag := "", uint64(0)
	desc := fmt.Sprintf("%s: mknod %s (%s %d:%d)", field, d.path, typeLetter(typ), d.major, d.minor)
	if bind {
		hostPath, bindFlag = d.path, 1
		desc = fmt.Sprintf("%s: bind host device %s on %s (user namespace)", field, hostPath, d.path)
	}
	dev := unix.Mkdev(uint32(d.major), uint32(d.minor))
	c.plan.Add(desc, protocol.OpMknod,
		[]uint64{uint64(d.mode), dev, uint64(d.uid), uint64(d.gid), bindFlag}, d.path, hostPath)
}

// typeLetter names a file type the way linux.devices does.
func typeLetter(typ uint32) string {
	switch typ {
	case unix.S_IFBLK:
		return "b"
	case unix.S_IFIFO:
		return "p"
	}
	return "c"
}
