// Package fscommon holds the cgroup file-system code shared by the v1 (fs)
// and v2 (fs2) managers: every read and write of a cgroup file, making and
// removing cgroup directories, reading pids, and the rules for cgroup paths.
package fscommon

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hull-oci/hull/internal/readfile"
	"golang.org/x/sys/unix"
)

// WriteFile writes value to the cgroup file dir/file with a single write(2).
// The error names the file and the value, e.g.
//
//	write "123" to /sys/fs/cgroup/pids/x/cgroup.procs: no such process
//
// and wraps the errno, so callers can test it with errors.Is.
func WriteFile(dir, file, value string) error {
	path := filepath.Join(dir, file)
	if err := writeFile(path, value); err != nil {
		return &WriteError{Path: path, Value: value, Err: err}
	}
	if log := writeLog.Load(); log != nil {
		(*log)(path, value)
	}
	return nil
}

// WriteError is a failed write to a cgroup file.
type WriteError struct {
	Path, Value string
	Err         error // the errno
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("write %q to %s: %v", e.Value, e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

var writeLog atomic.Pointer[func(path, value string)]

// LogWrites makes WriteFile call log after each successful write, until
// the returned function is called. Tests use it to see every value written
// to a file that takes one rule per write (devices.allow, rdma.max...).
func LogWrites(log func(path, value string)) (stop func()) {
	writeLog.Store(&log)
	return func() { writeLog.Store(nil) }
}

func writeFile(path, value string) error {
	fd, err := openForWrite(path)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := []byte(value)
	for {
		n, err := unix.Write(fd, buf)
		// A write can be interrupted while the kernel waits, e.g. for memory
		// reclaim after lowering memory.max; it is safe to repeat.
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n != len(buf) {
			return fmt.Errorf("short write: %d of %d bytes", n, len(buf))
		}
		return nil
	}
}

func openForWrite(path string) (int, error) {
	const flags = unix.O_WRONLY | unix.O_TRUNC | unix.O_CLOEXEC
	for {
		fd, err := unix.Open(path, flags, 0)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ENOENT) && inFakeTree(path):
			// The kernel creates a cgroup's files with its directory; a
			// fake tree has nobody to do that, so we stand in for it.
			return unix.Open(path, flags|unix.O_CREAT, 0o644)
		}
		return fd, err
	}
}

// ReadFile returns the content of the cgroup file dir/file. Cgroup files
// are small, so it is read whole; the error names the file.
func ReadFile(dir, file string) (string, error) {
	b, err := readfile.Read(filepath.Join(dir, file))
	return string(b), err
}

// fakeRoots holds the roots of fake cgroup trees registered by tests.
var fakeRoots sync.Map

// AddFakeRoot declares dir the root of a fake cgroup tree, for tests that
// run without root in a temporary directory. Under it, WriteFile creates
// the files that mkdir would have created on a real cgroup file system.
// The returned function withdraws the declaration.
func AddFakeRoot(dir string) (remove func()) {
	dir = filepath.Clean(dir)
	fakeRoots.Store(dir, struct{}{})
	return func() { fakeRoots.Delete(dir) }
}

func inFakeTree(path string) bool {
	found := false
	fakeRoots.Range(func(k, _ any) bool {
		found = IsUnder(k.(string), path)
		return !found
	})
	return found
}

// IsUnder reports whether path is dir itself or lies below it, comparing
// cleaned paths lexically.
func IsUnder(dir, path string) bool {
	dir, path = filepath.Clean(dir), filepath.Clean(path)
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}
