package sdnotify

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// receiver is the caller's NOTIFY_SOCKET: a plain datagram socket.
type receiver struct {
	t    *testing.T
	fd   int
	addr string
}

func newReceiver(t *testing.T, addr string) *receiver {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
		t.Fatalf("bind %s: %v", addr, err)
	}
	return &receiver{t: t, fd: fd, addr: addr}
}

// recv returns the next message, or "" when none comes within limit.
func (r *receiver) recv(limit time.Duration) string {
	r.t.Helper()
	fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(limit.Milliseconds()))
	if err != nil {
		r.t.Fatal(err)
	}
	if n == 0 {
		return ""
	}
	buf := make([]byte, maxMessage)
	n, err = unix.Read(r.fd, buf)
	if err != nil {
		r.t.Fatal(err)
	}
	return string(buf[:n])
}

// child is a process standing in for the container's init.
func child(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// send is the container's sd_notify.
func send(t *testing.T, path, msg string) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, []byte(msg), 0, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatalf("send to %s: %v", path, err)
	}
}

func listen(t *testing.T, host string, pid int) (*Proxy, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), SocketName)
	p, err := Listen(path, host, pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, path
}

func TestForwardReadyOnly(t *testing.T) {
	host := newReceiver(t, filepath.Join(t.TempDir(), "host.sock"))
	init := child(t)
	p, path := listen(t, host.addr, init.Process.Pid)
	// what comes before READY is not passed on, nor the container's MAINPID
	send(t, path, "STATUS=starting")
	send(t, path, "STATUS=up\nMAINPID=1\nREADY=1")
	if err := p.Forward(4242); err != nil {
		t.Fatal(err)
	}
	if got, want := host.recv(2*time.Second), "READY=1\nMAINPID=4242\n"; got != want {
		t.Errorf("host got %q, want %q", got, want)
	}
	if extra := host.recv(100 * time.Millisecond); extra != "" {
		t.Errorf("host got a second message %q", extra)
	}
}

func TestForwardWaitsForReady(t *testing.T) {
	host := newReceiver(t, filepath.Join(t.TempDir(), "host.sock"))
	init := child(t)
	p, path := listen(t, host.addr, init.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- p.Forward(7) }()
	select {
	case err := <-done:
		t.Fatalf("Forward returned %v before READY", err)
	case <-time.After(200 * time.Millisecond):
	}
	send(t, path, "READY=1")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Forward did not return after READY")
	}
	if got := host.recv(time.Second); got != "READY=1\nMAINPID=7\n" {
		t.Errorf("host got %q", got)
	}
}

func TestForwardExitedWithoutReady(t *testing.T) {
	host := newReceiver(t, filepath.Join(t.TempDir(), "host.sock"))
	init := child(t)
	p, path := listen(t, host.addr, init.Process.Pid)
	send(t, path, "STATUS=never ready")
	done := make(chan error, 1)
	go func() { done <- p.Forward(7) }()
	time.Sleep(100 * time.Millisecond)
	_ = init.Process.Kill()
	_ = init.Wait() // reaped: the pidfd still tells the exit
	select {
	case err := <-done:
		if !errors.Is(err, ErrExited) {
			t.Fatalf("Forward = %v, want ErrExited", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Forward still waits after the init exited")
	}
	if got := host.recv(100 * time.Millisecond); got != "" {
		t.Errorf("host got %q", got)
	}
}

// A container that notifies and exits at once: its READY counts.
func TestForwardReadyThenExit(t *testing.T) {
	host := newReceiver(t, filepath.Join(t.TempDir(), "host.sock"))
	init := child(t)
	p, path := listen(t, host.addr, init.Process.Pid)
	send(t, path, "READY=1")
	_ = init.Process.Kill()
	_ = init.Wait()
	if err := p.Forward(9); err != nil {
		t.Fatal(err)
	}
	if got := host.recv(time.Second); got != "READY=1\nMAINPID=9\n" {
		t.Errorf("host got %q", got)
	}
}

func TestForwardAbstractHost(t *testing.T) {
	host := newReceiver(t, fmt.Sprintf("@hull-sdnotify-test-%d", os.Getpid()))
	init := child(t)
	p, path := listen(t, host.addr, init.Process.Pid)
	send(t, path, "READY=1")
	if err := p.Forward(3); err != nil {
		t.Fatal(err)
	}
	if got := host.recv(time.Second); got != "READY=1\nMAINPID=3\n" {
		t.Errorf("host got %q", got)
	}
}

func TestListen(t *testing.T) {
	host := newReceiver(t, filepath.Join(t.TempDir(), "host.sock"))
	init := child(t)
	dir := t.TempDir()
	path := filepath.Join(dir, SocketName)
	// left by an earlier start that failed: replaced
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Listen(path, host.addr, init.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o777 {
		t.Errorf("%s: mode %v, want a socket with mode 0777", path, fi.Mode())
	}

	missing := filepath.Join(dir, "no-such.sock")
	other := filepath.Join(dir, "other.sock")
	_, err = Listen(other, missing, init.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), "NOTIFY_SOCKET "+missing) {
		t.Errorf("Listen with a missing NOTIFY_SOCKET: %v", err)
	}
	if _, err := os.Lstat(other); err == nil {
		t.Errorf("failed Listen left %s", other)
	}
}

func TestNilProxy(t *testing.T) {
	var p *Proxy
	if err := p.Forward(1); err != nil {
		t.Errorf("nil Forward = %v", err)
	}
	p.Close()
}
