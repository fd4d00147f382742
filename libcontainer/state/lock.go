package state

import (
	"errors"
	"io/fs"
	"sync"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive flock on the state directory of id, serialising
// start, kill and delete of one container across hull processes. It blocks
// until the lock is free. The lock is released by unlock, or by the kernel
// when the process dies, so a crashed hull never leaves a container locked.
func (s *Store) Lock(id string) (unlock func(), err error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := s.Dir(id)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, withID(id, ErrNotExist)
		}
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	if err := flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "flock", Path: dir, Err: err}
	}
	// While we waited, the holder may have deleted the container (and
	// someone may have created a new one with the same id): a lock on
	// the old directory protects nothing.
	if !sameDir(fd, dir) {
		unix.Close(fd) // closing the only fd drops the lock
		return nil, withID(id, ErrNotExist)
	}
	var once sync.Once
	return func() {
		once.Do(func() { unix.Close(fd) })
	}, nil
}

func flock(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// sameDir reports whether path still names the directory open as fd.
func sameDir(fd int, path string) bool {
	var held, now unix.Stat_t
	if err := unix.Fstat(fd, &held); err != nil {
		return false
	}
	if err := unix.Lstat(path, &now); err != nil {
		return false
	}
	return held.Dev == now.Dev && held.Ino == now.Ino
}
