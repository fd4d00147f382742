package layer

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrUnsafePath marks an entry that would write outside the root: an
// absolute name, a ".." component, or a path that leaves the root when its
// symlinks are followed.
var ErrUnsafePath = errors.New("path escapes the root")

// cleanName turns a tar entry name into a path relative to the root ("" is
// the root itself). It rejects absolute names and any ".." component rather
// than cleaning them away: a layer that contains them was made to escape.
func cleanName(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("absolute name %q: %w", name, ErrUnsafePath)
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			return "", fmt.Errorf("name %q has a \"..\" component: %w", name, ErrUnsafePath)
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/"), nil
}

// split returns the parent directory and the last component of a cleaned
// non-root path.
func split(rel string) (dir, base string) {
	dir, base = path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base
}

// resolveFlags keep every lookup beneath the root. RESOLVE_BENEATH fails
// with EXDEV on an absolute symlink or on ".." above the root instead of
// following it: a layer that plants `evil -> /etc` and then writes
// `evil/passwd` must fail, not write to the host (or silently elsewhere).
// NO_XDEV refuses to cross into a mount placed inside the tree.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openDir opens the directory rel beneath root (rel "" is root itself).
// Symlinks on the way are followed only while they stay inside the root.
func openDir(root int, rel string) (int, error) {
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: resolveFlags,
	}
	for range 16 {
		fd, err := unix.Openat2(root, rel, &how)
		switch {
		case err == nil:
			return fd, nil
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			// openat2 asks for a retry when a rename raced the lookup
			continue
		case errors.Is(err, unix.EXDEV):
			return -1, fmt.Errorf("%s resolves outside the root (absolute or escaping symlink, or a mount): %w", rel, ErrUnsafePath)
		case errors.Is(err, unix.ENOSYS):
			return -1, fmt.Errorf("openat2: %w (hull bundle needs Linux 5.6 or later)", err)
		default:
			return -1, &os.PathError{Op: "openat2", Path: rel, Err: err}
		}
	}
	return -1, &os.PathError{Op: "openat2", Path: rel, Err: unix.EAGAIN}
}

// mkdirAll opens the directory rel beneath root, creating missing
// components with mode 0755 (a layer may omit parent entries). created is
// called with the parent fd and name of each directory it makes.
func mkdirAll(root int, rel string, created func(dirfd int, name string)) (int, error) {
	fd, err := openDir(root, rel)
	if err == nil || !errors.Is(err, unix.ENOENT) || rel == "" {
		return fd, err
	}
	dir, base := split(rel)
	parent, err := mkdirAll(root, dir, created)
	if err != nil {
		return -1, err
	}
	defer unix.Close(parent)
	switch err := unix.Mkdirat(parent, base, 0o755); {
	case err == nil:
		if created != nil {
			created(parent, base)
		}
	case errors.Is(err, unix.EEXIST):
		// raced, or a dangling symlink: the lookup below tells which
	default:
		return -1, &os.PathError{Op: "mkdirat", Path: rel, Err: err}
	}
	fd, err = openDir(root, rel)
	if errors.Is(err, unix.ENOENT) {
		return -1, fmt.Errorf("parent directory %s is a dangling symlink: %w", rel, err)
	}
	return fd, err
}
