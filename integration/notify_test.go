package integration

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// NOTIFY_SOCKET: the runtime gives the container a socket of its own at
// /run/notify/notify.sock and passes its READY=1 on to the caller's socket
// with MAINPID. The container sends with /bin/sdnotify, built from
// testdata/sdnotify.c (busybox has no datagram sender).
//
// The receivers here read only after the runtime command returned: they do
// not serve sd_notify's BARRIER=1, as a receiver that is not systemd does
// not. runc 1.2 and later wait 30 s for that barrier, and so fail the
// "returns promptly" checks (Debian's runc 1.1 sends none). Every runc
// waits for READY before it forwards signals in a foreground run, and
// forever if the container exits without it: it fails
// TestNotifyRunExitWithoutReady and TestNotifyRunSignalBeforeReady.

// notifyReady is the time a container sleeps before it sends READY=1.
const notifyReady = time.Second

var sdnotifyBin struct {
	once sync.Once
	path string
	err  error
}

// notifyRootfs builds a private rootfs with /bin/sdnotify: the shared one
// stays untouched (the runtime creates the /run/notify mount point in it).
func (e *env) notifyRootfs() string {
	e.t.Helper()
	b := &sdnotifyBin
	b.once.Do(func() {
		b.path = filepath.Join(base, "sdnotify")
		out, err := exec.Command("gcc", "-static", "-O2", "-Wall", "-o", b.path, "testdata/sdnotify.c").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("gcc -static testdata/sdnotify.c: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		e.t.Skipf("needs a static sd_notify sender: %v", b.err)
	}
	dir := e.path("rootfs")
	if err := buildRootfs(dir); err != nil {
		e.t.Fatal(err)
	}
	if err := copyFile(b.path, filepath.Join(dir, "bin/sdnotify"), 0o755); err != nil {
		e.t.Fatal(err)
	}
	return dir
}

// notifyCtr is a container running script in a notify rootfs, with a
// NOTIFY_SOCKET of the config's own that the runtime must replace.
func (e *env) notifyCtr(script string) *ctr {
	e.t.Helper()
	c := e.newCtr("sh", "-c", script)
	c.Spec.Root = &specs.Root{Path: e.notifyRootfs(), Readonly: true}
	c.Spec.Process.Env = append(c.Spec.Process.Env, "NOTIFY_SOCKET=/config/value")
	return c
}

// notifyScript reports what the container sees of its socket, sleeps
// notifyReady, sends READY=1 and then runs on.
func notifyScript() string {
	return fmt.Sprintf(`echo "env=$NOTIFY_SOCKET"; grep ' /run/notify ' /proc/self/mountinfo | sed 's/^/mount=/'
sleep %g; sdnotify READY=1 && echo sent; exec sleep 600`, notifyReady.Seconds())
}

// notifyReceiver is the caller's NOTIFY_SOCKET, at addr ("@name": abstract).
type notifyReceiver struct {
	t    *testing.T
	conn *net.UnixConn
	addr string
}

func (e *env) notifyReceiver(addr string) *notifyReceiver {
	e.t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return &notifyReceiver{t: e.t, conn: conn, addr: addr}
}

// wantReady fails t unless the messages queued now (none is waited for:
// the runtime queued them before it returned) hold READY=1 and
// MAINPID=pid, once each.
func (r *notifyReceiver) wantReady(pid int, whose string) {
	r.t.Helper()
	got := r.messages(10 * time.Millisecond)
	m := map[string]string{}
	for _, msg := range got {
		for _, l := range lines(msg) {
			k, v, _ := strings.Cut(l, "=")
			if _, dup := m[k]; dup && (k == "READY" || k == "MAINPID") {
				r.t.Errorf("%s twice in %q", k, got)
			}
			m[k] = v
		}
	}
	if m["READY"] != "1" || m["MAINPID"] == "" {
		r.t.Fatalf("NOTIFY_SOCKET received %q, want READY=1 and MAINPID", got)
	}
	if m["MAINPID"] != strconv.Itoa(pid) {
		r.t.Errorf("MAINPID=%s, want %s %d", m["MAINPID"], whose, pid)
	}
}

// wantNothing fails t if a message is queued.
func (r *notifyReceiver) wantNothing() {
	r.t.Helper()
	if got := r.messages(10 * time.Millisecond); len(got) != 0 {
		r.t.Errorf("NOTIFY_SOCKET received %q from a container that sent nothing", got)
	}
}

// messages reads what is queued, waiting at most wait for the first.
func (r *notifyReceiver) messages(wait time.Duration) []string {
	r.t.Helper()
	var got []string
	buf := make([]byte, 4096)
	for {
		_ = r.conn.SetReadDeadline(time.Now().Add(wait))
		n, err := r.conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return got
		}
		if err != nil {
			r.t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
		wait = 50 * time.Millisecond
	}
}

// withNotify runs the runtime with NOTIFY_SOCKET=sock ("" for none) and
// returns what it did and how long it took.
func (e *env) withNotify(sock string, args ...string) (result, time.Duration) {
	e.t.Helper()
	cmd := e.command(args...)
	cmd.Env = os.Environ()
	if sock != "" {
		cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
	}
	t0 := time.Now()
	r := e.exec(cmd)
	return r, time.Since(t0)
}

// withNotify runs `args... -b bundle id` (create or run) with the config
// written and NOTIFY_SOCKET=sock.
func (c *ctr) withNotify(sock string, args ...string) (result, time.Duration) {
	c.e.t.Helper()
	c.write()
	r, took := c.e.withNotify(sock, append(args, "-b", c.Bundle, c.ID)...)
	c.out = r.stdoutPath
	return r, took
}

// mustNotify is withNotify failing t unless the runtime exits 0.
func (c *ctr) mustNotify(sock string, args ...string) time.Duration {
	c.e.t.Helper()
	r, took := c.withNotify(sock, args...)
	if r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
	return took
}

// mustStartNotify is start with NOTIFY_SOCKET=sock ("" for none).
func (c *ctr) mustStartNotify(sock string) time.Duration {
	c.e.t.Helper()
	r, took := c.e.withNotify(sock, "start", c.ID)
	if r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
	return took
}

// checkNotifyView checks the container's side: NOTIFY_SOCKET replaced,
// its directory mounted read-only, nosuid, nodev, noexec.
func checkNotifyView(t *testing.T, out string) {
	t.Helper()
	kv := map[string]string{}
	for _, l := range lines(out) {
		k, v, _ := strings.Cut(l, "=")
		kv[k] = v
	}
	if kv["env"] != "/run/notify/notify.sock" {
		t.Errorf("container's NOTIFY_SOCKET %q, want /run/notify/notify.sock (output %q)", kv["env"], out)
	}
	ms := parseMountinfo(kv["mount"])
	if len(ms) != 1 {
		t.Fatalf("no mount at /run/notify in the container (output %q)", out)
	}
	for _, o := range []string{"ro", "nosuid", "nodev", "noexec"} {
		if !ms[0].hasOption(o) {
			t.Errorf("/run/notify mount %+v lacks %s", ms[0], o)
		}
	}
}

// checkPrompt fails t unless a command that waited for READY took at
// least notifyReady and returned well before a 30 s barrier timeout.
func checkPrompt(t *testing.T, what string, took time.Duration) {
	t.Helper()
	if took < notifyReady {
		t.Errorf("%s returned after %v, before the container sent READY=1 (at %v)", what, took, notifyReady)
	}
	if took > 5*time.Second {
		t.Errorf("%s took %v: it waits on the receiver", what, took)
	}
}

func TestNotifyCreateStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr(notifyScript())
	c.mustNotify(recv.addr, "create")
	if fi, err := os.Stat(filepath.Join(e.root, c.ID, "notify")); err != nil || !fi.IsDir() {
		t.Fatalf("no notify dir in the state dir after create: %v", err)
	}
	checkPrompt(t, "start", c.mustStartNotify(recv.addr))
	recv.wantReady(c.wantStatus("running").Pid, "the container's init")
	checkNotifyView(t, c.waitOutput("sent"))
	if r := c.delete("--force"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	e.assertNoTrace(c.ID)
}

// runc passes READY on only to start's own NOTIFY_SOCKET.
func TestNotifyStartUsesCreateSocket(t *testing.T) {
	t.Parallel()
	hullOnly(t, "start without NOTIFY_SOCKET uses the one create had")
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr("sdnotify READY=1; exec sleep 600")
	c.mustNotify(recv.addr, "create")
	c.mustStartNotify("")
	recv.wantReady(c.mustState().Pid, "the container's init")
}

// run -d returns once READY is passed on; an abstract socket, as
// NOTIFY_SOCKET may name one.
func TestNotifyRunDetached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(fmt.Sprintf("@%snotify-%d", idPrefix, seq.Add(1)))
	c := e.notifyCtr(notifyScript())
	checkPrompt(t, "run -d", c.mustNotify(recv.addr, "run", "-d"))
	recv.wantReady(c.wantStatus("running").Pid, "the container's init")
	checkNotifyView(t, c.waitOutput("sent"))
}

// A container root that is no one on the host can still notify: the
// socket is world-writable and its directory reached through the mount.
func TestNotifyUserNamespace(t *testing.T) {
	t.Parallel()
	requireNS(t, "user")
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr("sdnotify READY=1 && echo sent; exec sleep 600")
	setNS(c.Spec, specs.UserNamespace, "")
	c.Spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c.Spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	// the container's root owns /run, as in an image made for the mapping:
	// the runtime creates the mount point there as that user
	run := filepath.Join(c.Spec.Root.Path, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(run, 100000, 200000); err != nil {
		t.Fatal(err)
	}
	c.mustNotify(recv.addr, "run", "-d")
	recv.wantReady(c.mustState().Pid, "the container's init")
	c.waitOutput("sent")
}

// In the foreground the runtime stays the main process: MAINPID is its
// own (runc's too), and the container's exit code comes back as usual.
func TestNotifyRunForeground(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr(`sleep 0.3; sdnotify READY=1 && echo sent; exit 3`)
	c.write()
	cmd := e.command("run", "-b", c.Bundle, c.ID)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+recv.addr)
	t0 := time.Now()
	r := e.exec(cmd)
	if r.code != 3 || r.stdout != "sent\n" {
		t.Fatalf("%s\nwant exit 3 and output sent", r)
	}
	if took := time.Since(t0); took > 5*time.Second {
		t.Errorf("run took %v", took)
	}
	recv.wantReady(cmd.Process.Pid, "the runtime's own pid")
	e.assertNoTrace(c.ID)
}

// A foreground container that exits without READY: its exit is not
// delayed (runc waits for READY forever).
func TestNotifyRunExitWithoutReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr(`exit 3`)
	r, took := c.withNotify(recv.addr, "run")
	if r.code != 3 {
		t.Fatalf("%s\nwant exit 3", r)
	}
	if took > 5*time.Second {
		t.Errorf("run took %v", took)
	}
	recv.wantNothing()
	e.assertNoTrace(c.ID)
}

// While a foreground run waits for READY, it forwards signals as usual
// (runc forwards none before READY).
func TestNotifyRunSignalBeforeReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr(`trap 'exit 7' TERM; echo up; while :; do sleep 0.1; done`)
	c.write()
	cmd := e.command("run", "-b", c.Bundle, c.ID)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+recv.addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := cmd.Stdout.(*os.File).Name()
	waitFor(t, 10*time.Second, func() bool { return readFile(t, out) == "up\n" },
		func() string { return "the container did not start" })
	if err := cmd.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if r := e.wait(cmd); r.code != 7 {
		t.Fatalf("%s\nwant exit 7 (SIGTERM forwarded to the container)", r)
	}
	if took := time.Since(t0); took > 5*time.Second {
		t.Errorf("run took %v to pass SIGTERM on", took)
	}
	e.assertNoTrace(c.ID)
}

// start waits for READY, but not for a container that exits first: it
// returns 0, as runc does (the container did start).
func TestNotifyStartExitWithoutReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr(`sleep 0.3; echo bye`)
	c.mustNotify(recv.addr, "create")
	if took := c.mustStartNotify(recv.addr); took > 5*time.Second {
		t.Errorf("start took %v", took)
	}
	c.waitStatus("stopped")
	recv.wantNothing()
}

// A NOTIFY_SOCKET nobody listens on fails start before the container runs
// (runc starts it, then fails).
func TestNotifyStartNoReceiver(t *testing.T) {
	t.Parallel()
	hullOnly(t, "start checks NOTIFY_SOCKET before it releases the container")
	e := newEnv(t)
	recv := e.notifyReceiver(e.path("notify.sock"))
	c := e.notifyCtr("echo ran")
	c.mustNotify(recv.addr, "create")
	missing := e.path("nobody.sock")
	r, _ := e.withNotify(missing, "start", c.ID)
	if r.code == 0 || !strings.Contains(r.stderr, "NOTIFY_SOCKET "+missing) {
		t.Fatalf("%s\nwant a failure naming NOTIFY_SOCKET %s", r, missing)
	}
	c.wantStatus("created")
}

// Without NOTIFY_SOCKET nothing of this exists.
func TestNotifyAbsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", `echo "env=${NOTIFY_SOCKET-unset}"; grep -c ' /run/notify ' /proc/self/mountinfo; exec sleep 600`)
	c.mustCreate()
	if _, err := os.Lstat(filepath.Join(e.root, c.ID, "notify")); err == nil {
		t.Errorf("notify dir in the state dir of a container created without NOTIFY_SOCKET")
	}
	c.mustStart()
	if out := c.waitOutput("\n0\n"); out != "env=unset\n0\n" {
		t.Errorf("container output %q, want no NOTIFY_SOCKET and no /run/notify mount", out)
	}
}
