// Package du measures disk use the way du(1) does: allocated blocks, each
// hard-linked inode counted once.
package du

import (
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

type inode struct{ dev, ino uint64 }

// Usage returns the bytes allocated to the tree at root. It does not
// follow symlinks or cross into other mounts' content beyond what a walk
// of root sees.
func Usage(root string) (int64, error) {
	seen := map[inode]bool{}
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return &fs.PathError{Op: "lstat", Path: p, Err: err}
		}
		id := inode{st.Dev, st.Ino}
		if st.Nlink > 1 && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if seen[id] {
				return nil
			}
			seen[id] = true
		}
		total += st.Blocks * 512
		return nil
	})
	return total, err
}
