// Package sdnotify proxies a container's sd_notify readiness to the caller's
// NOTIFY_SOCKET, as runc does: the container sends to a datagram socket that
// hull binds in the container's state directory (bind-mounted at
// /run/notify), and hull passes READY=1 on, with MAINPID set to a host pid.
//
//	container                 hull (start, run)                caller (systemd)
//	  READY=1 --------------> notify.sock
//	                          "READY=1\nMAINPID=<pid>\n" ----> NOTIFY_SOCKET
//
// Only the READY= line is passed on: the container's MAINPID is a pid of its
// own namespace, and the file descriptors of FDSTORE=1 are not forwarded.
//
// It uses raw sockets, not package net, which hull does not link.
package sdnotify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

const (
	// ContainerDir is where the directory holding the socket is mounted in
	// the container (runc's path).
	ContainerDir = "/run/notify"
	// SocketName is the socket's name in that directory.
	SocketName = "notify.sock"
	// maxMessage is systemd's limit for one notification.
	maxMessage = 4096
)

// ErrExited is returned by Forward when the process it watched exited
// before the container sent READY=.
var ErrExited = errors.New("container exited before it sent READY=")

// Proxy passes the container's READY on to the caller's socket.
type Proxy struct {
	sock  int // bound at the container's notify.sock
	host  int // connected to the caller's NOTIFY_SOCKET
	pidfd int // the container's init: no READY can come once it is gone
}

// Listen binds a datagram socket at path (replacing a stale one), connects
// to host, the caller's NOTIFY_SOCKET ("@name" is an abstract socket), and
// opens a pidfd of the container's init pid. Connecting now makes a wrong
// NOTIFY_SOCKET fail before the container runs.
func Listen(path, host string, pid int) (p *Proxy, err error) {
	p = &Proxy{sock: -1, host: -1, pidfd: -1}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.host, err = unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err = unix.Connect(p.host, &unix.SockaddrUnix{Name: host}); err != nil {
		return nil, fmt.Errorf("NOTIFY_SOCKET %s: connect: %w", host, err)
	}
	if p.sock, err = unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0); err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err = unix.Unlink(path); err != nil && !errors.Is(err, unix.ENOENT) {
		return nil, &os.PathError{Op: "unlink", Path: path, Err: err}
	}
	if err = unix.Bind(p.sock, &unix.SockaddrUnix{Name: path}); err != nil {
		return nil, &os.PathError{Op: "bind", Path: path, Err: err}
	}
	// any user of the container may notify, as under systemd
	if err = unix.Chmod(path, 0o777); err != nil {
		return nil, &os.PathError{Op: "chmod", Path: path, Err: err}
	}
	if p.pidfd, err = unix.PidfdOpen(pid, 0); err != nil {
		return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	return p, nil
}

// Close releases the sockets and the pidfd. A nil Proxy is a no-op.
func (p *Proxy) Close() {
	if p == nil {
		return
	}
	for _, fd := range []int{p.sock, p.host, p.pidfd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	p.sock, p.host, p.pidfd = -1, -1, -1
}

// Forward waits until the container sends READY=, then sends that line and
// MAINPID=mainPid to the caller, in one datagram so that systemd applies
// both at once. It returns ErrExited once the init is gone without READY.
// A nil Proxy forwards nothing and returns nil.
//
// There is no BARRIER=1 (runc 1.2 and later wait up to 30 s for the
// receiver to close the fd that comes with it, which a receiver that is not
// systemd never does): the datagram is queued at the receiver before
// Forward returns, and systemd reads notifications before it handles the
// exit of their sender.
func (p *Proxy) Forward(mainPid int) error {
	if p == nil {
		return nil
	}
	ready, err := p.waitReady()
	if err != nil {
		return err
	}
	msg := append(ready, "\nMAINPID="+strconv.Itoa(mainPid)+"\n"...)
	if _, err := unix.Write(p.host, msg); err != nil {
		return fmt.Errorf("NOTIFY_SOCKET: send READY: %w", err)
	}
	return nil
}

// waitReady returns the READY= line of the first message that has one.
func (p *Proxy) waitReady() ([]byte, error) {
	fds := []unix.PollFd{{Fd: int32(p.sock), Events: unix.POLLIN}, {Fd: int32(p.pidfd), Events: unix.POLLIN}}
	buf := make([]byte, maxMessage)
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return nil, os.NewSyscallError("poll", err)
		}
		// read what is queued before looking at the pidfd: a container
		// that notifies and exits at once has its message queued by then
		ready, err := p.drain(buf)
		if ready != nil || err != nil {
			return ready, err
		}
		if fds[1].Revents != 0 {
			return nil, ErrExited
		}
	}
}

// drain reads every queued message, returning the first READY= line.
func (p *Proxy) drain(buf []byte) ([]byte, error) {
	for {
		n, err := unix.Read(p.sock, buf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil, nil
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return nil, os.NewSyscallError("read notify socket", err)
		}
		if line := readyLine(buf[:n]); line != nil {
			return line, nil
		}
	}
}

// readyLine returns a copy of the READY= line of msg, or nil.
func readyLine(msg []byte) []byte {
	for _, line := range bytes.Split(msg, []byte{'\n'}) {
		if bytes.HasPrefix(line, []byte("READY=")) {
			return bytes.Clone(line)
		}
	}
	return nil
}
