// Package readfile reads small files (state files, /proc and cgroup files)
// with three system calls and one allocation. os.ReadFile also stats the
// file twice and sets up an *os.File with a finalizer, which is most of the
// cost of `hull list` with hundreds of containers.
package readfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// Read returns the contents of path. Errors are *os.PathError, as from
// os.ReadFile, so errors.Is(err, fs.ErrNotExist) works the same way.
func Read(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var stack [1024]byte
	buf := stack[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return append([]byte(nil), buf...), nil
		}
		buf = buf[:len(buf)+n]
	}
}
