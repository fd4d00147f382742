// Package readfile reads small files (state files, /proc and cgroup files)
// with three system calls and one allocation. os.ReadFile also stats the
// file twice and sets up an *os.File with a finalizer, which is most of the
// cost of `hull list` with hundreds of containers.
package readfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// ErrTooBig is the error of ReadAtMost for a file bigger than its limit.
var ErrTooBig = errors.New("file too big")

// Read returns the contents of path. Errors are *os.PathError, as from
// os.ReadFile, so errors.Is(err, fs.ErrNotExist) works the same way.
func Read(path string) ([]byte, error) { return read(path, -1) }

// ReadAtMost is Read for a file that should hold at most limit bytes: of a
// bigger one it reads no more than the first kilobyte and returns an error
// that errors.Is ErrTooBig.
func ReadAtMost(path string, limit int) ([]byte, error) { return read(path, limit) }

func read(path string, limit int) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var stack [1024]byte
	buf := stack[:0]
	sized := false
	for {
		if limit >= 0 && len(buf) > limit {
			return nil, &os.PathError{Op: "read", Path: path, Err: ErrTooBig}
		}
		if len(buf) == cap(buf) {
			if !sized {
				// more than the stack holds: a file's size says how
				// much room the rest needs (/proc files say 0)
				sized = true
				var st unix.Stat_t
				if unix.Fstat(fd, &st) == nil && st.Size > int64(len(buf)) {
					if limit >= 0 && st.Size > int64(limit) {
						return nil, &os.PathError{Op: "read", Path: path, Err: ErrTooBig}
					}
					// +1: the read that finds the end needs room too
					buf = append(make([]byte, 0, st.Size+1), buf...)
					continue
				}
			}
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
			if cap(buf) == len(stack) {
				return append([]byte(nil), buf...), nil // off the stack
			}
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
