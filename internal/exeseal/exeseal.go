// Package exeseal gives hull a handle on its own binary that nothing can
// write through. `hull init` runs from it, so a container process that
// reaches /proc/<init>/exe (CVE-2019-5736: an entrypoint of
// "#!/proc/self/exe", or a joined exec) finds a read-only file, never the
// host's hull binary.
package exeseal

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Open returns a read-only, close-on-exec handle on the running binary. It
// prefers a detached read-only bind mount of the binary (no copy, a few
// microseconds) and falls back to a sealed memfd copy (milliseconds).
func Open() (*os.File, error) {
	if f, err := roBind("/proc/self/exe"); err == nil {
		return f, nil
	}
	return Copy()
}

// roBind clones the mount of exe as a detached, read-only bind mount of
// that one file. Opening it for writing, through any path that leads to
// this mount (such as /proc/<pid>/exe), fails with EROFS; the mount goes
// away with the last process that holds it.
func roBind(exe string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, exe, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, &os.PathError{Op: "open_tree", Path: exe, Err: err}
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOSUID}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "mount_setattr", Path: exe, Err: err}
	}
	return os.NewFile(uintptr(fd), exe), nil
}

// Copy copies the binary into a memfd sealed against every change. Open's
// bind mount is cheaper, but some kernels (6.1) refuse to exec from a
// detached mount: the caller falls back to Copy then.
func Copy() (*os.File, error) {
	fd, err := unix.MemfdCreate("hull", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "hull-sealed")
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		mem.Close()
		return nil, err
	}
	defer src.Close()
	if _, err := io.Copy(mem, src); err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy hull into memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return mem, nil
}
