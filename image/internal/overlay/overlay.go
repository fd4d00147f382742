// Package overlay mounts and unmounts the overlay filesystems of overlay
// bundles: the image's layers as read-only lower directories, under a
// writable upper directory of the bundle's own.
package overlay

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount mounts an overlay at target with lowers (topmost first) under
// upper; work is overlay's scratch directory, on upper's filesystem.
func Mount(target string, lowers []string, upper, work string) error {
	if len(lowers) == 0 {
		return errors.New("overlay: no lower layer")
	}
	err := mountAPI(target, lowers, upper, work)
	if errors.Is(err, errNoLowerdirPlus) {
		// Linux before 6.8: one mount(2) option string, at most a page
		err = mountLegacy(target, lowers, upper, work)
	}
	if err != nil {
		return fmt.Errorf("mount overlay on %s: %w", target, err)
	}
	return nil
}

var errNoLowerdirPlus = errors.New("kernel has no lowerdir+")

// mountAPI uses the new mount API, where each lower directory is its own
// "lowerdir+" parameter: no length limit (mount(2) data is one page, about
// 40 store paths) and no escaping of ':' or ','.
func mountAPI(target string, lowers []string, upper, work string) error {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) {
			return errNoLowerdirPlus
		}
		return os.NewSyscallError("fsopen", err)
	}
	defer unix.Close(fd)
	set := func(key, value string) error {
		if err := unix.FsconfigSetString(fd, key, value); err != nil {
			return fmt.Errorf("%s=%s: %w%s", key, value, os.NewSyscallError("fsconfig", err), fsLog(fd))
		}
		return nil
	}
	if err := set("source", "overlay"); err != nil {
		return err
	}
	for i, l := range lowers {
		if err := set("lowerdir+", l); err != nil {
			if i == 0 && errors.Is(err, unix.EINVAL) {
				return errNoLowerdirPlus
			}
			return err
		}
	}
	if err := set("upperdir", upper); err != nil {
		return err
	}
	if err := set("workdir", work); err != nil {
		return err
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("%w%s", os.NewSyscallError("fsconfig create", err), fsLog(fd))
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("fsmount", err)
	}
	defer unix.Close(mfd)
	return os.NewSyscallError("move_mount", unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH))
}

// fsLog returns what the kernel logged on a filesystem context, which says
// why overlay refused far better than the errno.
func fsLog(fd int) string {
	var msgs []string
	buf := make([]byte, 1024)
	for range 16 {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		msgs = append(msgs, strings.TrimSpace(string(buf[:n])))
	}
	if len(msgs) == 0 {
		return ""
	}
	return " (" + strings.Join(msgs, "; ") + ")"
}

// mountLegacy uses mount(2), for kernels without lowerdir+.
func mountLegacy(target string, lowers []string, upper, work string) error {
	for _, p := range append(append([]string{}, lowers...), upper, work) {
		if strings.ContainsAny(p, ":,") {
			return fmt.Errorf("path %q has ':' or ',', which mount(2) options cannot hold", p)
		}
	}
	data := "lowerdir=" + strings.Join(lowers, ":") + ",upperdir=" + upper + ",workdir=" + work
	if len(data) >= os.Getpagesize() {
		return fmt.Errorf("%d layers make %d bytes of mount options, more than mount(2) takes before Linux 6.8", len(lowers), len(data))
	}
	return os.NewSyscallError("mount", unix.Mount("overlay", target, "overlay", 0, data))
}

// Unmount unmounts the overlay at target.
func Unmount(target string) error {
	if err := unix.Unmount(target, 0); err != nil {
		if errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("unmount %s: %w (a process or a container still uses it)", target, err)
		}
		return &os.PathError{Op: "umount", Path: target, Err: err}
	}
	return nil
}
