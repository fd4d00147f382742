package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// dirAttrs are the mode and times a directory gets once its layer is done.
type dirAttrs struct {
	rel string // "" for the root
	hdr *tar.Header
}

// paxXattr prefixes the PAX records that carry extended attributes.
const paxXattr = "SCHILY.xattr."

// setAttrs gives parent/base (rel from the root) the entry's owner,
// xattrs, mode and times. The owner goes first because chown(2) clears
// setuid, setgid and security.capability.
func (a *applier) setAttrs(parent int, base, rel string, hdr *tar.Header) error {
	err := unix.Fchownat(parent, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW)
	if err != nil && !(a.opts.Unprivileged && isPermission(err)) {
		return fmt.Errorf("chown to %d:%d: %w", hdr.Uid, hdr.Gid, os.NewSyscallError("fchownat", err))
	}
	if err := a.setXattrs(parent, base, hdr); err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		a.dirs = append(a.dirs, dirAttrs{rel: rel, hdr: hdr})
		return nil
	case tar.TypeSymlink:
		// a symlink's mode means nothing on Linux
		return setTimes(parent, base, hdr)
	}
	if err := unix.Fchmodat(parent, base, uint32(hdr.Mode&0o7777), 0); err != nil {
		return os.NewSyscallError("fchmodat", err)
	}
	return setTimes(parent, base, hdr)
}

// setXattrs sets the entry's extended attributes, in a fixed order.
// Overlay's own attributes are dropped: a layer could otherwise forge
// opaque directories or redirects that change what lower layers show.
func (a *applier) setXattrs(parent int, base string, hdr *tar.Header) error {
	var names []string
	for k := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, paxXattr); ok && !isOverlayXattr(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		err := unix.Lsetxattr(procPath(parent, base), name, []byte(hdr.PAXRecords[paxXattr+name]), 0)
		switch {
		case err == nil:
		case errors.Is(err, unix.ENOTSUP), a.opts.Unprivileged && isPermission(err):
			a.stats.SkippedXattrs++
		default:
			return fmt.Errorf("set xattr %s: %w", name, os.NewSyscallError("lsetxattr", err))
		}
	}
	return nil
}

func isOverlayXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.")
}

// opaqueXattr marks a directory opaque for overlayfs.
const opaqueXattr = "trusted.overlay.opaque"

// setOpaque marks a directory opaque for overlayfs: it hides the content
// of the same directory in lower layers.
func setOpaque(parent int, base string) error {
	err := unix.Lsetxattr(procPath(parent, base), opaqueXattr, []byte("y"), 0)
	if err != nil {
		return fmt.Errorf("mark %s opaque: %w", base, os.NewSyscallError("lsetxattr", err))
	}
	return nil
}

// procPath names dirfd/base for the *xattr calls, which have no *at form
// before Linux 6.13. The last component is still not followed (lsetxattr).
func procPath(dirfd int, base string) string {
	return fmt.Sprintf("/proc/self/fd/%d/%s", dirfd, base)
}

// setTimes sets the access and modification times, never following a
// symlink.
func setTimes(parent int, base string, hdr *tar.Header) error {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
	if err := unix.UtimesNanoAt(parent, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return os.NewSyscallError("utimensat", err)
	}
	return nil
}

// finishDirs sets the mode and times of the layer's directories, now that
// nothing more is created in them.
func (a *applier) finishDirs() error {
	for _, d := range a.dirs {
		if err := a.finishDir(d); err != nil {
			return fmt.Errorf("directory %q: %w", d.rel, err)
		}
	}
	return nil
}

// finishDir sets one directory's mode and times, unless a later entry of
// the layer replaced it.
func (a *applier) finishDir(d dirAttrs) error {
	parent, base := a.root, "."
	if d.rel != "" {
		dir, b := split(d.rel)
		fd, err := openDir(a.root, dir)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		parent, base = fd, b
	}
	var st unix.Stat_t
	if err := unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	if err := unix.Fchmodat(parent, base, uint32(d.hdr.Mode&0o7777), 0); err != nil {
		return os.NewSyscallError("fchmodat", err)
	}
	return setTimes(parent, base, d.hdr)
}

func isPermission(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EACCES)
}
