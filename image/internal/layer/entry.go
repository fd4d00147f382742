package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// create makes the entry base in the directory parent (rel is its path
// from the root) and gives it the entry's attributes.
func (a *applier) create(parent int, rel, base string, hdr *tar.Header, r io.Reader) error {
	isDir := hdr.Typeflag == tar.TypeDir
	keep, err := a.clear(parent, base, isDir)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archivers still write TypeRegA
		err = a.writeFile(parent, base, r)
	case tar.TypeDir:
		err = a.mkdir(parent, rel, base, keep)
	case tar.TypeSymlink:
		err = os.NewSyscallError("symlinkat", unix.Symlinkat(hdr.Linkname, parent, base))
	case tar.TypeLink:
		// a hard link shares its target's inode: it has no attributes of its own
		if err := a.hardlink(parent, base, hdr.Linkname); err != nil {
			return err
		}
		return a.markTouched(parent, base)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		var skipped bool
		if skipped, err = a.mknod(parent, base, hdr); skipped {
			return nil
		}
	default:
		return fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
	}
	if err != nil {
		return err
	}
	if err := a.markTouched(parent, base); err != nil {
		return err
	}
	return a.setAttrs(parent, base, rel, hdr)
}

// clear makes room for a new entry: per the image spec, an existing path
// is removed unless both it and the entry are directories, in which case
// the directory stays (keep) and only its attributes are replaced.
func (a *applier) clear(parent int, base string, isDir bool) (keep bool, err error) {
	var st unix.Stat_t
	err = unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, os.NewSyscallError("fstatat", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if isDir {
			return true, nil
		}
		return false, removeAll(parent, base)
	}
	return false, os.NewSyscallError("unlinkat", unix.Unlinkat(parent, base, 0))
}

// writeFile creates a regular file with the entry's content. O_EXCL and
// O_NOFOLLOW make sure it is a new file, never one reached by a symlink.
func (a *applier) writeFile(parent int, base string, r io.Reader) error {
	fd, err := unix.Openat(parent, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return os.NewSyscallError("openat", err)
	}
	f := os.NewFile(uintptr(fd), base)
	n, err := io.Copy(f, r)
	a.stats.Bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", base, err)
	}
	return nil
}

// mkdir creates a directory (unless one is kept). In overlay mode, a
// directory replacing a whiteout this layer made must be opaque, or the
// lower directory it deletes would show through.
func (a *applier) mkdir(parent int, rel, base string, keep bool) error {
	if !keep {
		if err := unix.Mkdirat(parent, base, 0o700); err != nil {
			return os.NewSyscallError("mkdirat", err)
		}
	}
	if a.opts.Overlay && a.whiteouts[rel] {
		delete(a.whiteouts, rel)
		return setOpaque(parent, base)
	}
	return nil
}

// hardlink links base to target, a path from the root. The target's
// parents are resolved beneath the root like any entry, and linkat without
// AT_SYMLINK_FOLLOW links a symlink itself, never what it points to.
func (a *applier) hardlink(parent int, base, target string) error {
	trel, err := cleanName(target)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if trel == "" {
		return errors.New("hard link to the root directory")
	}
	tdir, tbase := split(trel)
	tparent, err := openDir(a.root, tdir)
	if err != nil {
		return fmt.Errorf("hard link target %s: %w", target, err)
	}
	defer unix.Close(tparent)
	err = unix.Linkat(tparent, tbase, parent, base, 0)
	if errors.Is(err, unix.ENOENT) && a.opts.Overlay {
		// docker and buildkit only link to files of the same layer
		return fmt.Errorf("hard link target %s is not in this layer (overlay mode extracts each layer on its own): %w", target, err)
	}
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("hard link target %s does not exist: %w", target, err)
	}
	return os.NewSyscallError("linkat", err)
}

// mknod creates a device node or a fifo. Unprivileged, a device node is
// skipped: only root may create one.
func (a *applier) mknod(parent int, base string, hdr *tar.Header) (skipped bool, err error) {
	mode := uint32(unix.S_IFIFO)
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode = unix.S_IFCHR
	case tar.TypeBlock:
		mode = unix.S_IFBLK
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	err = unix.Mknodat(parent, base, mode|0o600, int(dev))
	if a.opts.Unprivileged && mode != unix.S_IFIFO && errors.Is(err, unix.EPERM) {
		a.stats.SkippedDevices++
		return true, nil
	}
	return false, os.NewSyscallError("mknodat", err)
}

// removeAll removes name in the directory dirfd and, if it is a
// directory, everything in it. It never follows a symlink.
func removeAll(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
		return os.NewSyscallError("unlinkat", err)
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("openat", err)
	}
	names, err := readNames(fd)
	if err == nil {
		for _, n := range names {
			if err = removeAll(fd, n); err != nil {
				break
			}
		}
	}
	unix.Close(fd)
	if err != nil {
		return err
	}
	return os.NewSyscallError("unlinkat", unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR))
}

// readNames lists a directory open at fd, leaving fd open.
func readNames(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	return f.Readdirnames(-1)
}
