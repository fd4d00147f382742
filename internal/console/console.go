// Package console moves a container's pty master from the init to whoever
// drives the terminal: an engine's --console-socket, or `run` itself.
package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/hull-oci/hull/internal/unixsock"
	"golang.org/x/sys/unix"
)

// Dial connects to a --console-socket path; the init sends the master on it.
func Dial(path string) (*os.File, error) {
	f, err := unixsock.Dial(path)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return f, nil
}

// Pair returns a connected socket pair: run keeps local and hands remote to the init.
func Pair() (local, remote *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("console socket pair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "console-local"), os.NewFile(uintptr(fds[1]), "console-remote"), nil
}

// RecvMaster receives the pty master fd sent with SCM_RIGHTS.
func RecvMaster(sock *os.File) (*os.File, error) {
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("receive pty master: no fd in the message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, errors.New("receive pty master: no fd in the message")
	}
	return os.NewFile(uintptr(fds[0]), "pty-master"), nil
}

// Proxy copies stdin to the master and the master to stdout, with the
// caller's terminal in raw mode and its size followed, until restore is called.
func Proxy(master *os.File) (restore func()) {
	in := int(os.Stdin.Fd())
	old, err := unix.IoctlGetTermios(in, unix.TCGETS)
	isTTY := err == nil
	if isTTY {
		raw := *old
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		_ = unix.IoctlSetTermios(in, unix.TCSETS, &raw)
		resize(in, master)
	}
	winch := make(chan os.Signal, 4)
	signal.Notify(winch, unix.SIGWINCH)
	go func() {
		for range winch {
			resize(in, master)
		}
	}()
	go func() { _, _ = io.Copy(master, os.Stdin) }()
	done := make(chan struct{})
	go func() { _, _ = io.Copy(os.Stdout, master); close(done) }()
	return func() {
		signal.Stop(winch)
		// the pty reports EIO once the last slave holder is gone; a
		// process that escaped the container must not hang us
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		if isTTY {
			_ = unix.IoctlSetTermios(in, unix.TCSETS, old)
		}
	}
}

func resize(from int, master *os.File) {
	if ws, err := unix.IoctlGetWinsize(from, unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// SendPidfd connects to path and sends a pidfd of pid over it (--pidfd-socket).
func SendPidfd(path string, pid int) error {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	if err := unixsock.SendFds(path, []byte("pidfd"), pidfd); err != nil {
		return fmt.Errorf("pidfd socket: %w", err)
	}
	return nil
}
