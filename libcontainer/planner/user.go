package planner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/internal/protocol"
	"github.com/moby/sys/capability"
	"golang.org/x/sys/unix"
)

// capsByName maps "CAP_NET_ADMIN" style names to capability numbers.
var capsByName = func() map[string]capability.Cap {
	m := map[string]capability.Cap{}
	for _, c := range capability.ListKnown() {
		m["CAP_"+strings.ToUpper(c.String())] = c
	}
	return m
}()

// capMask converts a list of capability names to a 64-bit mask. Unknown
// names are skipped with a warning, as runc does, so that a config written
// for a newer kernel still runs.
func (c *compiler) capMask(field string, names []string) uint64 {
	var mask uint64
	for i, name := range names {
		cp, ok := capsByName[name]
		if !ok {
			c.warnf("%s[%d]: unknown capability %q ignored", field, i, name)
			continue
		}
		mask |= 1 << uint(cp)
	}
	return mask
}

// dropBounding limits the bounding set. nil capabilities leave every set
// untouched, as runc does.
func (c *compiler) dropBounding() error {
	caps := c.proc.Capabilities
	if caps == nil {
		return nil
	}
	keep := c.capMask("process.capabilities.bounding", caps.Bounding)
	c.plan.Add("process.capabilities.bounding", protocol.OpDropBounding, []uint64{keep & 0xffffffff, keep >> 32})
	return nil
}

// setUser switches to the process user and groups.
func (c *compiler) setUser() error {
	u := c.proc.User
	// setgroups(2) is always allowed: we write gid_map as host root, so
	// the kernel never needs setgroups denied.
	ints := []uint64{uint64(u.UID), uint64(u.GID), 1}
	for _, g := range u.AdditionalGids {
		ints = append(ints, uint64(g))
	}
	c.plan.Add(fmt.Sprintf("process.user (uid %d, gid %d, additionalGids %v)", u.UID, u.GID, u.AdditionalGids),
		protocol.OpSetUser, ints)
	return nil
}

// capabilities sets the effective, permitted, inheritable and ambient sets.
func (c *compiler) capabilities() error {
	caps := c.proc.Capabilities
	if caps == nil {
		return nil
	}
	var ints []uint64
	for _, set := range []struct {
		field string
		names []string
	}{
		{"process.capabilities.effective", caps.Effective},
		{"process.capabilities.permitted", caps.Permitted},
		{"process.capabilities.inheritable", caps.Inheritable},
		{"process.capabilities.ambient", caps.Ambient},
	} {
		m := c.capMask(set.field, set.names)
		ints = append(ints, m&0xffffffff, m>>32)
	}
	c.plan.Add("process.capabilities", protocol.OpCapabilities, ints)
	return nil
}

// processEnv returns the environment of the process: process.env with
// duplicates resolved to the last value (the one runc and a shell would
// use), plus HOME from the rootfs' /etc/passwd when absent.
func (c *compiler) processEnv() ([]string, error) {
	if c.env != nil {
		return c.env, nil
	}
	env, err := dedupEnv(c.proc.Env)
	if err != nil {
		return nil, err
	}
	if _, ok := lookupEnv(env, "HOME"); !ok {
		home, err := homeDir(c.in.Rootfs, c.proc.User.UID)
		if err != nil {
			c.warnf("process.env: HOME: %v; using \"/\"", err)
		}
		env = append(env, "HOME="+home)
	}
	c.env = env
	return env, nil
}

// dedupEnv keeps the last occurrence of each variable, in the order of
// first appearance of the kept entries.
func dedupEnv(env []string) ([]string, error) {
	last := map[string]int{}
	for i, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("process.env[%d]: %q is not NAME=value", i, kv)
		}
		last[k] = i
	}
	out := make([]string, 0, len(last))
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if last[k] == i {
			out = append(out, kv)
		}
	}
	return out, nil
}

// lookupEnv returns the value of name in env.
func lookupEnv(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}

// homeDir returns uid's home directory from <rootfs>/etc/passwd, or "/"
// when there is none. The file is opened inside the rootfs with symlinks
// resolved against it: the image must not make us read a host file.
// An error comes with "/" and means the file could not be read.
func homeDir(rootfs string, uid uint32) (string, error) {
	f, err := openRegularInRoot(rootfs, "etc/passwd")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "/", nil
		}
		return "/", fmt.Errorf("open %s/etc/passwd: %w", rootfs, err)
	}
	defer f.Close()
	home, err := passwdHome(f, uid)
	if err != nil {
		return "/", fmt.Errorf("read %s/etc/passwd: %w", rootfs, err)
	}
	return home, nil
}

// openRegularInRoot opens name for reading with the kernel resolving it as
// if root were / (symlinks included, magic links refused), and only if it
// is a regular file: the O_PATH handle is checked, then reopened through
// /proc/self/fd, which opens that very inode without resolving the path
// again, so a swap in between cannot make us open a device node the image
// planted. (filepath-securejoin's Reopen does the same through a private
// procfs instance, which costs a `run` ~0.5 ms of mounting; this is the
// host's /proc, in the host's mount namespace.)
func openRegularInRoot(root, name string) (*os.File, error) {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(dir)
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	var h int
	for try := 0; ; try++ {
		// EAGAIN: a rename or mount raced the lookup; the kernel asks again
		if h, err = unix.Openat2(dir, name, how); err != unix.EAGAIN || try == 16 {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(h)
	var looked, st unix.Stat_t
	if err := unix.Fstat(h, &looked); err != nil {
		return nil, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if looked.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, &os.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (mode %#o)", looked.Mode)}
	}
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(h), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "reopen", Path: name, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil || st.Dev != looked.Dev || st.Ino != looked.Ino {
		unix.Close(fd)
		return nil, &os.PathError{Op: "reopen", Path: name, Err: errors.New("not the file looked at")}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// passwdHome scans passwd(5) lines for uid and returns its home, "/" when
// the uid is absent or its home field empty.
func passwdHome(r io.Reader, uid uint32) (string, error) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < 6 {
			continue
		}
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil || uint32(id) != uid {
			continue
		}
		if f[5] == "" {
			return "/", nil
		}
		return f[5], nil
	}
	return "/", s.Err()
}
