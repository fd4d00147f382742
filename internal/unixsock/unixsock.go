// Package unixsock connects to unix stream sockets (--console-socket,
// --pidfd-socket, a seccomp listenerPath) with plain system calls: package
// net would add its initialisation to every start of hull.
package unixsock

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Dial connects a close-on-exec stream socket to path.
func Dial(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// SendFds connects to path and sends msg with fds attached.
func SendFds(path string, msg []byte, fds ...int) error {
	f, err := Dial(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Sendmsg(int(f.Fd()), msg, unix.UnixRights(fds...), nil, 0); err != nil {
		return fmt.Errorf("send to %s: %w", path, err)
	}
	return nil
}
