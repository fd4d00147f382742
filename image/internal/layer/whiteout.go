package layer

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	// whiteoutPrefix marks an entry that deletes the lower path NAME.
	whiteoutPrefix = ".wh."
	// whiteoutMeta prefixes aufs' own metadata (.wh..wh.plnk, ...):
	// nothing to apply.
	whiteoutMeta = whiteoutPrefix + whiteoutPrefix
	// opaqueMarker hides everything the lower layers hold in its directory.
	opaqueMarker = whiteoutMeta + ".opq"
)

// whiteout applies the whiteout entry base in the directory dir. Per the
// spec it applies only to lower layers: what this layer created stays.
func (a *applier) whiteout(dir, base string) error {
	if base == opaqueMarker {
		if a.opts.Overlay {
			return a.overlayOpaque(dir)
		}
		return a.copyOpaque(dir)
	}
	if strings.HasPrefix(base, whiteoutMeta) {
		return nil
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("whiteout names no file: %w", ErrUnsafePath)
	}
	if a.opts.Overlay {
		return a.overlayWhiteout(dir, name)
	}
	parent, err := openDir(a.root, dir)
	if errors.Is(err, unix.ENOENT) {
		return nil // nothing below to delete
	}
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	_, err = a.hide(parent, name)
	return err
}

// copyOpaque empties dir of everything lower layers put there.
func (a *applier) copyOpaque(dir string) error {
	fd, err := openDir(a.root, dir)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = a.prune(fd)
	return err
}

// hide deletes name in dirfd unless this layer created it. Of a directory
// it keeps what this layer created inside (kept reports that).
func (a *applier) hide(dirfd int, name string) (kept bool, err error) {
	var st unix.Stat_t
	err = unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, os.NewSyscallError("fstatat", err)
	}
	mine := a.isTouched(&st)
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if mine {
			return true, nil
		}
		return false, os.NewSyscallError("unlinkat", unix.Unlinkat(dirfd, name, 0))
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, os.NewSyscallError("openat", err)
	}
	kept, err = a.prune(fd)
	unix.Close(fd)
	if err != nil || kept || mine {
		return kept || mine, err
	}
	return false, os.NewSyscallError("unlinkat", unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR))
}

// prune hides every entry of the directory open at fd.
func (a *applier) prune(fd int) (kept bool, err error) {
	names, err := readNames(fd)
	if err != nil {
		return false, err
	}
	for _, n := range names {
		k, err := a.hide(fd, n)
		if err != nil {
			return false, fmt.Errorf("%s: %w", n, err)
		}
		kept = kept || k
	}
	return kept, nil
}

// overlayWhiteout writes overlay's form of a whiteout: a character device
// 0/0 named like the deleted file. If this layer already created the path,
// it stays; a directory becomes opaque so the lower one stays hidden.
func (a *applier) overlayWhiteout(dir, name string) error {
	parent, err := mkdirAll(a.root, dir, nil)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	var st unix.Stat_t
	err = unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return setOpaque(parent, name)
	case err == nil:
		return nil
	case !errors.Is(err, unix.ENOENT):
		return os.NewSyscallError("fstatat", err)
	}
	if err := unix.Mknodat(parent, name, unix.S_IFCHR, 0); err != nil {
		return os.NewSyscallError("mknodat", err)
	}
	a.whiteouts[path.Join(dir, name)] = true
	return nil
}

// overlayOpaque marks dir opaque, creating it if the layer has no entry
// for it yet. Like any parent, dir is resolved beneath the root.
func (a *applier) overlayOpaque(dir string) error {
	if dir == "" {
		return fmt.Errorf("opaque marker at the root: overlayfs has no opaque root")
	}
	fd, err := mkdirAll(a.root, dir, nil)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fsetxattr(fd, opaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("mark %s opaque: %w", dir, os.NewSyscallError("fsetxattr", err))
	}
	return nil
}
