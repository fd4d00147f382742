// Package layer applies OCI image layers, tar changesets, to a directory as
// the image spec's layer.md describes: entries replace what is below them,
// whiteouts remove lower paths, and nothing is ever written outside the
// directory, whatever the tar says.
//
// Every lookup goes through openat2(2) with RESOLVE_BENEATH from an fd of
// the root, and the last component of an entry is never followed: an
// existing symlink in its place is replaced, not written through.
package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Options says how to apply a layer.
type Options struct {
	// Overlay extracts the layer on its own, to be an overlayfs lower
	// directory: whiteouts become overlay's whiteout devices (char 0/0)
	// and opaque directories get trusted.overlay.opaque=y, instead of
	// deleting what lower layers hold.
	Overlay bool
	// Unprivileged skips what only root may do (owners other than the
	// caller, device nodes, trusted.* and security.* xattrs) instead of
	// failing: for rootless unpacking.
	Unprivileged bool
}

// Stats counts what a layer held.
type Stats struct {
	Entries        int64 // tar entries, whiteouts included
	Bytes          int64 // regular file content written
	SkippedDevices int   // device nodes not created (Unprivileged)
	SkippedXattrs  int   // xattrs the filesystem or our privileges refused
}

type fileID struct{ dev, ino uint64 }

// applier holds the state of one layer being applied.
type applier struct {
	root int
	opts Options
	// touched holds the inodes this layer created (copy mode): whiteouts
	// only apply to lower layers, so they must spare these.
	touched map[fileID]struct{}
	// whiteouts holds the paths where this layer made a whiteout device
	// (overlay mode): a directory later created there must be opaque.
	whiteouts map[string]bool
	// dirs get their mode and times at the end: creating entries inside a
	// directory changes its mtime, and a read-only mode would stop us.
	dirs  []dirAttrs
	stats Stats
}

// Apply reads a layer tar from r and applies it to the directory root. It
// reads r up to the end of the tar archive, no further.
func Apply(root string, r io.Reader, opts Options) (Stats, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Stats{}, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(fd)
	a := &applier{
		root:      fd,
		opts:      opts,
		touched:   map[fileID]struct{}{},
		whiteouts: map[string]bool{},
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return a.stats, fmt.Errorf("read layer tar: %w", err)
		}
		a.stats.Entries++
		if err := a.entry(hdr, tr); err != nil {
			return a.stats, fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
	return a.stats, a.finishDirs()
}

// entry applies one tar entry.
func (a *applier) entry(hdr *tar.Header, r io.Reader) error {
	rel, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if rel == "" {
		return a.rootEntry(hdr)
	}
	dir, base := split(rel)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return a.whiteout(dir, base)
	}
	parent, err := mkdirAll(a.root, dir, a.markCreated)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	return a.create(parent, rel, base, hdr, r)
}

// rootEntry applies the attributes of the "./" entry to the root itself.
func (a *applier) rootEntry(hdr *tar.Header) error {
	if hdr.Typeflag != tar.TypeDir {
		return fmt.Errorf("the root entry must be a directory, not type %q", hdr.Typeflag)
	}
	return a.setAttrs(a.root, ".", "", hdr)
}

// markCreated records a directory mkdirAll made for this layer.
func (a *applier) markCreated(dirfd int, name string) {
	_ = a.markTouched(dirfd, name)
}

// markTouched records that this layer created dirfd/name (copy mode).
func (a *applier) markTouched(dirfd int, name string) error {
	if a.opts.Overlay {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return os.NewSyscallError("fstatat", err)
	}
	a.touched[fileID{st.Dev, st.Ino}] = struct{}{}
	return nil
}

func (a *applier) isTouched(st *unix.Stat_t) bool {
	_, ok := a.touched[fileID{st.Dev, st.Ino}]
	return ok
}
