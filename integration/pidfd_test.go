package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// --pidfd-socket: create sends a pidfd of the container's init over the
// socket, and the pidfd really refers to that process.
func TestPidfdSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := filepath.Join(e.dir, "pidfd.sock")
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 1); err != nil {
		t.Fatal(err)
	}
	c := e.newCtr("sleep", "100")
	c.mustCreate("--pidfd-socket", path)
	pid := c.wantStatus("created").Pid

	conn, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
	if err != nil {
		t.Fatalf("create returned without connecting to --pidfd-socket: %v", err)
	}
	defer unix.Close(conn)
	buf, oob := make([]byte, 16), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(conn, buf, oob, 0)
	if err != nil {
		t.Fatalf("nothing received on --pidfd-socket: %v", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("want one control message, got %d (%v)", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("want one fd, got %v (%v)", fds, err)
	}
	defer unix.Close(fds[0])
	info, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fds[0]))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Pid:\t%d\n", pid); !strings.Contains(string(info), want) {
		t.Fatalf("the fd received is not a pidfd of the init (pid %d):\n%s", pid, info)
	}
	// a signal through the pidfd reaches the container
	if err := unix.PidfdSendSignal(fds[0], unix.SIGKILL, nil, 0); err != nil {
		t.Fatal(err)
	}
	c.waitStatus("stopped")
}
