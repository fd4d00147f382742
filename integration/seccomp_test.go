package integration

import (
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// A profile with SCMP_ACT_NOTIFY hands the listener fd to the agent at
// listenerPath, with the process state; the agent then decides the
// notified syscalls: here mkdir fails with the errno it picks.
func TestSeccompNotifyAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sock := filepath.Join(e.dir, "agent.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := e.newCtr("sh", "-c", "mkdir /tmp/x 2>&1; echo rc=$?")
	c.Spec.Root.Readonly = false
	c.Spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		ListenerPath:     sock,
		ListenerMetadata: "meta-42",
		Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
	}
	states := make(chan specs.ContainerProcessState, 1)
	go agent(t, l, states, int32(syscall.ENOMSG))
	out := c.runOK()
	if !strings.Contains(out, "No message of desired type") || !strings.Contains(out, "rc=1") {
		t.Errorf("mkdir was not answered by the agent: %q", out)
	}
	st := <-states
	if st.Metadata != "meta-42" || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" || st.Pid == 0 || st.State.ID != c.ID {
		t.Errorf("agent got %+v", st)
	}
}

// agent accepts one container, answers every notification with errno
// (libseccomp-golang wants it positive).
func agent(t *testing.T, l *net.UnixListener, states chan<- specs.ContainerProcessState, errno int32) {
	conn, err := l.AcceptUnix()
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	buf, oob := make([]byte, 8192), make([]byte, 64)
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Error(err)
		return
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &st); err != nil {
		t.Errorf("state: %v: %q", err, buf[:n])
	}
	states <- st
	msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
	if len(msgs) != 1 {
		t.Error("no listener fd")
		return
	}
	fds, _ := syscall.ParseUnixRights(&msgs[0])
	fd := libseccomp.ScmpFd(fds[0])
	defer syscall.Close(fds[0])
	for {
		req, err := libseccomp.NotifReceive(fd)
		if err != nil {
			t.Logf("agent: receive: %v", err)
			return // the filter's last user exited
		}
		t.Logf("agent: syscall %v", req.Data.Syscall)
		if err := libseccomp.NotifRespond(fd, &libseccomp.ScmpNotifResp{ID: req.ID, Error: errno}); err != nil {
			t.Logf("agent: respond: %v", err)
		}
	}
}
