package integration

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Path attacks: an image (or a process racing the runtime on a shared
// rootfs) puts symlinks where the runtime mounts, creates or writes, to
// send the operation outside the container's root or onto a file that
// the container can then write although it should be masked or
// read-only. The host side of every attack is a directory or file under
// the test's scratch directory: it must be untouched afterwards.

// cveUp is a relative symlink prefix that climbs from anywhere in a
// rootfs to the host's "/" when followed on the host.
var cveUp = strings.Repeat("../", 32)

func cveSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.RemoveAll(link); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// cveHostTarget makes a host directory holding one file "host-file" (what
// an attack would like to overmount or overwrite) and returns the
// directory.
func (e *env) cveHostTarget(name string) string {
	e.t.Helper()
	return filepath.Dir(e.writeHostFile(name+"/host-file", "HOST\n"))
}

// cveAssertHostTarget checks that a directory of cveHostTarget still holds
// exactly its file, unchanged, and that nothing is mounted on or under it
// in our mount namespace.
func cveAssertHostTarget(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Errorf("host directory %s: %v", dir, err)
		return
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "host-file" {
		t.Errorf("host directory %s now holds %v, want only host-file", dir, names)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "host-file")); err != nil || string(b) != "HOST\n" {
		t.Errorf("host file %s/host-file: %q, %v; want HOST", dir, b, err)
	}
	if mps := mountsUnder(dir); len(mps) > 0 {
		t.Errorf("mounts on the host directory: %v", mps)
	}
}

// cveDropMounts removes the config's mounts at the given destinations.
func cveDropMounts(s *specs.Spec, dests ...string) {
	var kept []specs.Mount
	for _, m := range s.Mounts {
		drop := false
		for _, d := range dests {
			drop = drop || m.Destination == d
		}
		if !drop {
			kept = append(kept, m)
		}
	}
	s.Mounts = kept
}

// cveImageDev makes the container use the image's /dev: no tmpfs on /dev
// (nor /dev/shm, /dev/mqueue); devpts stays when keepPts.
func cveImageDev(s *specs.Spec, keepPts bool) {
	cveDropMounts(s, "/dev", "/dev/shm", "/dev/mqueue")
	if !keepPts {
		cveDropMounts(s, "/dev/pts")
	}
}

// cveMountinfo splits a container's output at the mountinfo marker into
// the script's lines and the mounts, and also returns the raw "root" field
// (the source path inside its filesystem) of each mount.
func cveMountinfo(t *testing.T, out string) (string, []mountEntry, []string) {
	t.Helper()
	head, ms := splitMountinfo(t, out)
	_, mi, _ := strings.Cut(out, mountinfoMarker+"\n")
	var roots []string
	for _, l := range lines(mi) {
		if f := strings.Fields(l); len(f) > 4 {
			roots = append(roots, unescapeOctal(f[3]))
		}
	}
	return head, ms, roots
}

// cveFlipper swaps two entries of a directory with RENAME_EXCHANGE in a
// loop, as a process sharing the rootfs (another container, a volume)
// would, until stopped. It always stops with the entries in their first
// places.
type cveFlipper struct {
	stop  chan struct{}
	done  chan struct{}
	flips atomic.Int64
	err   error
}

func cveFlip(pairs [][2]string, hold time.Duration) *cveFlipper {
	f := &cveFlipper{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for i := 0; ; i++ {
			select {
			case <-f.stop:
				return
			default:
			}
			p := pairs[i%len(pairs)]
			for k := 0; k < 2; k++ {
				if err := unix.Renameat2(unix.AT_FDCWD, p[0], unix.AT_FDCWD, p[1], unix.RENAME_EXCHANGE); err != nil {
					f.err = err
					return
				}
				f.flips.Add(1)
				if hold > 0 {
					time.Sleep(hold)
				}
			}
		}
	}()
	return f
}

func (f *cveFlipper) halt(t *testing.T) {
	t.Helper()
	close(f.stop)
	<-f.done
	if f.err != nil {
		t.Fatalf("swapping: %v", f.err)
	}
}

// cveRunMany runs the containers concurrently (a few at a time) while
// something races them, and returns each one's result. The runtime
// inherits extra (fds 3...), as from a leaky caller.
func (e *env) cveRunMany(cs []*ctr, parallel int, extra ...*os.File) []result {
	e.t.Helper()
	cmds := make([]*cveCmd, len(cs))
	for i, c := range cs {
		c.write()
		cmds[i] = &cveCmd{cmd: e.command("run", "-b", c.Bundle, c.ID)}
		cmds[i].cmd.ExtraFiles = extra
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, c := range cmds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := c.cmd.Start(); err != nil {
				c.err = err
				return
			}
			c.r, c.err = collect(c.cmd)
		}()
	}
	wg.Wait()
	out := make([]result, len(cmds))
	for i, c := range cmds {
		if c.err != nil {
			e.t.Fatalf("%s\n%v", c.r, c.err)
		}
		out[i] = c.r
	}
	return out
}

type cveCmd struct {
	cmd *exec.Cmd
	r   result
	err error
}

// CVE-2021-30465 and CVE-2024-45310: a process sharing the rootfs swaps a
// mount destination (and the parent of directories the runtime must
// create) between a directory and a symlink to a host directory, by
// absolute and by relative path, while 50 containers with a tmpfs at
// /mnt/target or a bind mount at /mnt/target/sub/dir start. Expectation:
// contained - every mount of a container that starts lands inside its
// root (visible in its own mountinfo, exactly once), and the host
// directory gets neither a mount nor a file.
func TestCVE_2021_30465_MountTargetSymlinkRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hostDir := e.cveHostTarget("host-target")
	bindSrc := filepath.Dir(e.writeHostFile("cve-bindsrc/bind-marker", "x"))
	rootfs := e.cveRootfs("rootfs")
	mnt := filepath.Join(rootfs, "mnt")
	if err := os.MkdirAll(filepath.Join(mnt, "target"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Both symlinks also lead to a directory inside the root (what they
	// resolve to when scoped to it): the runtime then goes on to mount
	// whichever way it resolved them, and only where it mounts tells.
	if err := os.MkdirAll(filepath.Join(rootfs, hostDir), 0o755); err != nil {
		t.Fatal(err)
	}
	cveSymlink(t, hostDir, filepath.Join(mnt, "abs"))
	cveSymlink(t, cveUp+strings.TrimPrefix(hostDir, "/"), filepath.Join(mnt, "rel"))

	const n = 50
	var cs []*ctr
	for i := 0; i < n; i++ {
		c := e.newCtr("sh", "-c", withMountinfo("true"))
		c.cveUseRootfs(rootfs)
		if i%2 == 0 {
			c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/mnt/target", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=772k"}})
		} else {
			c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: fmt.Sprintf("/mnt/target/sub%d/dir", i), Type: "bind", Source: bindSrc, Options: []string{"rbind"}})
		}
		cs = append(cs, c)
	}
	target := filepath.Join(mnt, "target")
	flip := cveFlip([][2]string{{target, filepath.Join(mnt, "abs")}, {target, filepath.Join(mnt, "rel")}}, 0)
	results := e.cveRunMany(cs, 4)
	flip.halt(t)

	started, failed, failure := 0, 0, ""
	for i, r := range results {
		if r.code != 0 {
			failed++
			failure = lastLine(r.stderr)
			continue
		}
		started++
		head, ms, roots := cveMountinfo(t, r.stdout)
		if strings.Contains(head, "wrote") {
			t.Errorf("container %d: %s", i, strings.TrimSpace(head))
		}
		found := 0
		for j, m := range ms {
			if i%2 == 0 && m.FSType == "tmpfs" && m.hasSuper("size=772k") ||
				i%2 == 1 && strings.HasSuffix(roots[j], "/cve-bindsrc") {
				found++
			}
		}
		if found != 1 {
			t.Errorf("container %d: its mount is %d times in its own mountinfo, want once (it landed outside the root?):\n%s", i, found, r.stdout)
		}
	}
	t.Logf("%d swaps; %d of %d containers started; %d refused, the last with: %s", flip.flips.Load(), started, n, failed, failure)
	if started == 0 {
		t.Errorf("no container started: the race proves nothing")
	}
	cveAssertHostTarget(t, hostDir)
}

func lastLine(s string) string {
	l := lines(s)
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1]
}

// cveMaskScript reads and writes two masked files and reports the
// hostname (a UTS-namespaced file the image points /dev/null at). It never
// uses /dev/null: that is the image's.
const cveMaskScript = `for p in /proc/timer_list /etc/masked-file; do echo "$p $(stat -c '%F %t:%T' $p) [$(head -c 40 $p)]"; echo pwned > $p; done
echo "hostname $(cat /proc/sys/kernel/hostname)"`

// CVE-2025-31133: the image's /dev/null (the container uses the image's
// /dev) is a symlink to a procfs file, to a host-looking path, or a plain
// file. Masking must not bind that onto maskedPaths: a symlink to
// /proc/sys/kernel/core_pattern would give the container a writable
// core_pattern (here the target is the namespaced hostname, to stay
// harmless). Expectation: contained - every masked file is the real null
// device (1:3), reads empty and swallows writes.
func TestCVE_2025_31133_MaskedPathsImageDevNull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(e *env, rootfs string) string // returns a host dir to check, or ""
	}{
		{"symlink to procfs", func(e *env, rootfs string) string {
			cveSymlink(t, "/proc/sys/kernel/hostname", filepath.Join(rootfs, "dev/null"))
			return ""
		}},
		{"symlink to host path", func(e *env, rootfs string) string {
			dir := e.cveHostTarget("host-null")
			cveSymlink(t, cveUp+strings.TrimPrefix(dir, "/")+"/host-file", filepath.Join(rootfs, "dev/null"))
			return dir
		}},
		{"regular file", func(e *env, rootfs string) string {
			if err := os.WriteFile(filepath.Join(rootfs, "dev/null"), []byte("IMAGE-NULL\n"), 0o666); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
		{"directory", func(e *env, rootfs string) string {
			if err := os.MkdirAll(filepath.Join(rootfs, "dev/null/sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			rootfs := e.cveRootfs("rootfs")
			if err := os.WriteFile(filepath.Join(rootfs, "etc/masked-file"), []byte("SECRET\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			hostDir := tc.make(e, rootfs)
			c := e.newCtr("sh", "-c", cveMaskScript)
			c.cveUseRootfs(rootfs)
			cveImageDev(c.Spec, false)
			c.Spec.Linux.MaskedPaths = []string{"/proc/timer_list", "/etc/masked-file"}
			out := c.runOK()
			got := keyed(out)
			for _, p := range []string{"/proc/timer_list", "/etc/masked-file"} {
				if want := "character special file 1:3 []"; got[p] != want {
					t.Errorf("masked %s: %q, want %q", p, got[p], want)
				}
			}
			if got["hostname"] != "hull" {
				t.Errorf("the write to a masked file reached the hostname: %q", got["hostname"])
			}
			if b, _ := os.ReadFile(filepath.Join(rootfs, "etc/masked-file")); string(b) != "SECRET\n" {
				t.Errorf("the write to the masked /etc/masked-file reached the image's file: %q", b)
			}
			if hostDir != "" {
				cveAssertHostTarget(t, hostDir)
			}
			if t.Failed() {
				t.Logf("container output:\n%s", out)
			}
		})
	}
}

// cveConsole is a console socket: it receives the pty master of a
// container and collects what the container writes to its terminal.
type cveConsole struct {
	path string
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
	err  error
}

func (e *env) cveConsoleSocket() *cveConsole {
	e.t.Helper()
	c := &cveConsole{path: e.path(fmt.Sprintf("console-%d.sock", seq.Add(1))), done: make(chan struct{})}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: c.path, Net: "unix"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { l.Close() })
	go func() {
		defer close(c.done)
		c.err = c.serve(l)
	}()
	return c
}

func (c *cveConsole) serve(l *net.UnixListener) error {
	conn, err := l.AcceptUnix()
	if err != nil {
		return err
	}
	defer conn.Close()
	buf, oob := make([]byte, 64), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return fmt.Errorf("console socket: no control message: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return fmt.Errorf("console socket: no fd: %v", err)
	}
	master := os.NewFile(uintptr(fds[0]), "pty-master")
	defer master.Close()
	b := make([]byte, 4096)
	for {
		n, err := master.Read(b)
		c.mu.Lock()
		c.buf.Write(b[:n])
		c.mu.Unlock()
		if err != nil {
			return nil // EIO once the container's side is closed
		}
	}
}

func (c *cveConsole) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.ReplaceAll(c.buf.String(), "\r\n", "\n")
}

// cveConsoleScript reports what /dev/console is, what became of the
// image's file /etc/console-target, and tries to write to a read-only
// procfs file (the namespaced hostname).
// It reads no file the pty may be mounted on: that would wait for input.
const cveConsoleScript = `echo "console $(stat -c '%F %t' /dev/console)"
echo "target $(stat -c '%F' /etc/console-target)"
(echo pwned > /proc/sys/kernel/hostname) 2>&1 | head -1
echo "hostname $(hostname)"
echo "tty $(tty)"
echo '` + mountinfoMarker + `'; cat /proc/self/mountinfo; echo end`

// CVE-2025-52565: the image's /dev/console (the container uses the
// image's /dev, with its own devpts) is a symlink: to a file of the image,
// to a host-looking path, to a read-only procfs file. Expectation:
// contained - the pty may be bound where the symlink leads inside the
// root (hull resolves /dev/console inside the root), but never outside it
// (the host file stays as it was, nothing is mounted on it), the
// container's terminal is the pty, and no procfs file becomes writable
// (the console bind happens before readonlyPaths).
func TestCVE_2025_52565_ConsoleSymlink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target func(e *env) (link, hostDir string)
	}{
		{"to an image file", func(e *env) (string, string) { return "/etc/console-target", "" }},
		{"to a host path", func(e *env) (string, string) {
			dir := e.cveHostTarget("host-console")
			return cveUp + strings.TrimPrefix(dir, "/") + "/host-file", dir
		}},
		{"to a read-only procfs file", func(e *env) (string, string) { return "/proc/sys/kernel/hostname", "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			rootfs := e.cveRootfs("rootfs")
			if err := os.WriteFile(filepath.Join(rootfs, "etc/console-target"), []byte("TARGET\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			link, hostDir := tc.target(e)
			cveSymlink(t, link, filepath.Join(rootfs, "dev/console"))
			c := e.newCtr("sh", "-c", cveConsoleScript)
			c.cveUseRootfs(rootfs)
			cveImageDev(c.Spec, true)
			c.Spec.Process.Terminal = true
			cons := e.cveConsoleSocket()
			if r := c.create("--console-socket", cons.path); r.code != 0 {
				t.Logf("refused: %s", lastLine(r.stderr))
				if hostDir != "" {
					cveAssertHostTarget(t, hostDir)
				}
				return
			}
			c.mustStart()
			c.waitStatus("stopped")
			select {
			case <-cons.done:
			case <-time.After(10 * time.Second):
				t.Fatalf("the console did not close; output so far:\n%s", cons.output())
			}
			if cons.err != nil {
				t.Fatal(cons.err)
			}
			out := cons.output()
			head, ms, _ := cveMountinfo(t, out)
			got := keyed(head)
			if !strings.HasPrefix(got["tty"], "/dev/pts/") {
				t.Errorf("the container's terminal is %q, want a pty", got["tty"])
			}
			if got["hostname"] != "hull" {
				t.Errorf("a write reached /proc/sys/kernel/hostname: %q", got["hostname"])
			}
			var consoles []string
			for _, m := range ms {
				// readonlyPaths clone their submounts: the same place may show twice
				if m.FSType == "devpts" && m.Mountpoint != "/dev/pts" && (len(consoles) == 0 || consoles[len(consoles)-1] != m.Mountpoint) {
					consoles = append(consoles, m.Mountpoint)
				}
			}
			if len(consoles) != 1 {
				t.Errorf("the pty is mounted at %v inside the container, want exactly one place", consoles)
			}
			t.Logf("the pty landed on %v; /dev/console: %q; image file: %q", consoles, got["console"], got["target"])
			if hostDir != "" {
				cveAssertHostTarget(t, hostDir)
			}
			if t.Failed() {
				t.Logf("container output:\n%s", out)
			}
		})
	}
}

// CVE-2025-52881: writes of the runtime to procfs (sysctls,
// oom_score_adj) redirected to other files, by a rootfs whose /proc is a
// symlink to a fake procfs, or by mounts over /proc/sys. Expectation:
// contained - the writes land in the real procfs of the container (or the
// container is refused), never in the fake files.
func TestCVE_2025_52881_ProcWritesRedirected(t *testing.T) {
	t.Parallel()
	const script = `echo "forward $(cat /proc/sys/net/ipv4/ip_forward)"; echo "oom $(cat /proc/self/oom_score_adj)"`
	fake := func(t *testing.T, dir string) {
		for name, content := range map[string]string{"sys/net/ipv4/ip_forward": "FAKE\n", "self/oom_score_adj": "FAKE\n", "1/oom_score_adj": "FAKE\n"} {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkFake := func(t *testing.T, dir string) {
		for _, name := range []string{"sys/net/ipv4/ip_forward", "self/oom_score_adj", "1/oom_score_adj"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != "FAKE\n" {
				t.Errorf("the fake %s/%s now reads %q (%v): a runtime write went there", dir, name, b, err)
			}
		}
	}
	hostForward := strings.TrimSpace(readFile(t, "/proc/sys/net/ipv4/ip_forward"))
	adj := 321
	setup := func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		s.Process.OOMScoreAdj = &adj
	}
	check := func(t *testing.T, r result) {
		if r.code == 0 {
			if got := keyed(r.stdout); got["forward"] != "1" || got["oom"] != "321" {
				t.Errorf("the container sees ip_forward %q and oom_score_adj %q, want 1 and 321 from the real procfs:\n%s", got["forward"], got["oom"], r)
			}
		} else {
			t.Logf("refused: %s", lastLine(r.stderr))
		}
		if got := strings.TrimSpace(readFile(t, "/proc/sys/net/ipv4/ip_forward")); got != hostForward {
			t.Errorf("the host's ip_forward changed from %s to %s", hostForward, got)
		}
	}
	t.Run("proc symlink to a fake procfs", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		rootfs := e.cveRootfs("rootfs")
		fake(t, filepath.Join(rootfs, "fakeproc"))
		cveSymlink(t, "/fakeproc", filepath.Join(rootfs, "proc"))
		c := e.newCtr("sh", "-c", script)
		c.cveUseRootfs(rootfs)
		setup(c.Spec)
		// the fake files are hidden under the procfs if it is mounted on
		// /fakeproc: look at them from the host only
		check(t, c.run())
		checkFake(t, filepath.Join(rootfs, "fakeproc"))
	})
	t.Run("host directory over /proc/sys/net", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		hostFake := e.path("fakeproc")
		fake(t, hostFake)
		c := e.newCtr("sh", "-c", script)
		setup(c.Spec)
		c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/proc/sys/net", Type: "bind", Source: filepath.Join(hostFake, "sys/net"), Options: []string{"rbind", "rw"}})
		r := c.run()
		if r.code == 0 {
			// the real ip_forward is under the bind: only oom_score_adj can be read back
			if got := keyed(r.stdout); got["oom"] != "321" {
				t.Errorf("oom_score_adj %q inside, want 321:\n%s", got["oom"], r)
			}
		}
		checkFake(t, hostFake)
	})
	t.Run("labels refused", func(t *testing.T) {
		t.Parallel()
		hullOnly(t, "runc ignores an AppArmor profile when AppArmor is off")
		e := newEnv(t)
		c := e.newCtr("true")
		c.Spec.Process.ApparmorProfile = "cve-profile"
		r := c.create()
		if r.code == 0 || !strings.Contains(r.stderr, "apparmor") {
			t.Errorf("%s\nwant a refusal naming apparmor (no label is written to procfs)", r)
		}
		e.assertNoTrace(c.ID)
	})
}

// CVE-2019-19921 / CVE-2023-27561: /proc or /sys in the image is a
// symlink, to "/", to another directory of the image, to each other or to
// a host-looking path. procfs mounted through it would be somewhere the
// maskedPaths and readonlyPaths (resolved again later) may not reach.
// Expectation: refused, with an error naming the path (as runc does:
// "must be mounted on ordinary directory").
func TestCVE_2019_19921_ProcSysSymlinkRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		target     func(e *env) (string, string) // link target, host dir to check
	}{
		{"proc to root", "proc", func(*env) (string, string) { return "/", "" }},
		{"proc to image dir", "proc", func(*env) (string, string) { return "/tmp", "" }},
		{"proc to sys", "proc", func(*env) (string, string) { return "/sys", "" }},
		{"proc to host path", "proc", func(e *env) (string, string) {
			dir := e.cveHostTarget("host-proc")
			return cveUp + strings.TrimPrefix(dir, "/"), dir
		}},
		{"sys to root", "sys", func(*env) (string, string) { return "/", "" }},
		{"sys to proc", "sys", func(*env) (string, string) { return "/proc", "" }},
		{"sys to host path", "sys", func(e *env) (string, string) {
			dir := e.cveHostTarget("host-sys")
			return dir, dir
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			rootfs := e.cveRootfs("rootfs")
			link, hostDir := tc.target(e)
			cveSymlink(t, link, filepath.Join(rootfs, tc.path))
			c := e.newCtr("sh", "-c", withMountinfo("true"))
			c.cveUseRootfs(rootfs)
			r := c.run()
			t.Logf("/%s -> %s: exit %d, stderr %q", tc.path, link, r.code, strings.TrimSpace(r.stderr))
			if r.code == 0 || strings.Contains(r.stdout, mountinfoMarker) {
				_, ms := splitMountinfo(t, r.stdout)
				var where []string
				for _, m := range ms {
					if m.FSType == "proc" || m.FSType == "sysfs" {
						where = append(where, m.FSType+" on "+m.Mountpoint)
					}
				}
				t.Errorf("/%s -> %s: the container started (%v), want a refusal", tc.path, link, where)
			} else if isHull && !strings.Contains(r.stderr, "/"+tc.path) {
				t.Errorf("%s\nwant the error to name /%s", r, tc.path)
			}
			if hostDir != "" {
				cveAssertHostTarget(t, hostDir)
			}
		})
	}
}

// CVE-2023-27561 (CVE-2019-19921 re-introduced): a process sharing the
// rootfs flips /proc between symlinks to two directories while containers
// start, so that the procfs mount and the maskedPaths/readonlyPaths that
// follow it may resolve /proc differently. Expectation: every container
// is refused (its /proc is a symlink), or each procfs it gets is fully
// protected: /proc/sys read-only and /proc/timer_list masked.
func TestCVE_2023_27561_ProcSymlinkRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rootfs := e.cveRootfs("rootfs")
	for _, d := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cveSymlink(t, "/a", filepath.Join(rootfs, "proc"))
	cveSymlink(t, "/b", filepath.Join(rootfs, "proc-alt"))
	// The script writes the (namespaced) hostname through the procfs
	// wherever it is: had it written kernel/core_pattern instead, the
	// host would run its program as root.
	const script = `for d in /a /b; do [ -e $d/sys/kernel/hostname ] && (echo cve-27561 > $d/sys/kernel/hostname) 2>/dev/null && echo "wrote $d/sys/kernel/hostname"; done; true`
	const n = 30
	var cs []*ctr
	for i := 0; i < n; i++ {
		// /proc leads to /a or /b, whichever it did when the process started
		c := e.newCtr("sh", "-c", script+"; echo '"+mountinfoMarker+"'; cat /a/self/mountinfo 2>/dev/null || cat /b/self/mountinfo")
		c.cveUseRootfs(rootfs)
		c.Spec.Linux.MaskedPaths = []string{"/proc/timer_list"}
		c.Spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
		cs = append(cs, c)
	}
	flip := cveFlip([][2]string{{filepath.Join(rootfs, "proc"), filepath.Join(rootfs, "proc-alt")}}, time.Millisecond)
	results := e.cveRunMany(cs, 4)
	flip.halt(t)
	started, unprotected, failure := 0, 0, ""
	for i, r := range results {
		if r.code != 0 {
			failure = lastLine(r.stderr)
			continue
		}
		started++
		head, ms, roots := cveMountinfo(t, r.stdout)
		if strings.Contains(head, "wrote") {
			t.Errorf("container %d: %s", i, strings.TrimSpace(head))
		}
		for j, m := range ms {
			if m.FSType != "proc" || roots[j] != "/" {
				continue // not a procfs itself, but a bind of a part of one (readonlyPaths)
			}
			sys, okSys := findMount(ms, m.Mountpoint+"/sys")
			_, okMask := findMount(ms, m.Mountpoint+"/timer_list")
			if !okSys || !sys.hasOption("ro") || !okMask {
				unprotected++
				t.Errorf("container %d: procfs on %s without protection (/sys ro mount: %v, timer_list masked: %v)", i, m.Mountpoint, okSys && sys.hasOption("ro"), okMask)
			}
		}
	}
	t.Logf("%d swaps; %d of %d containers started (a refusal: %s); %d unprotected procfs", flip.flips.Load(), started, n, failure, unprotected)
}

// CVE-2026-41579: the image's /dev is a symlink, to a host-looking path
// (absolute or climbing out with ..) or to another directory of the image.
// Expectation: contained (or refused) - the /dev tmpfs, the default
// devices and linux.devices land inside the root; nothing is created or
// mounted on the host path.
func TestCVE_2026_41579_DevSymlink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		imageDev bool // no /dev tmpfs: devices go into the image's /dev
		target   func(e *env) (link, hostDir string)
	}{
		{"absolute host path, /dev tmpfs", false, func(e *env) (string, string) {
			d := e.cveHostTarget("host-dev")
			return d, d
		}},
		{"relative host path, /dev tmpfs", false, func(e *env) (string, string) {
			d := e.cveHostTarget("host-dev")
			return cveUp + strings.TrimPrefix(d, "/"), d
		}},
		{"absolute host path, image /dev", true, func(e *env) (string, string) {
			d := e.cveHostTarget("host-dev")
			return d, d
		}},
		{"relative host path, image /dev", true, func(e *env) (string, string) {
			d := e.cveHostTarget("host-dev")
			return cveUp + strings.TrimPrefix(d, "/"), d
		}},
		{"image /tmp, image /dev", true, func(e *env) (string, string) { return "/tmp", "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			rootfs := e.cveRootfs("rootfs")
			link, hostDir := tc.target(e)
			cveSymlink(t, link, filepath.Join(rootfs, "dev"))
			c := e.newCtr("sh", "-c", `stat -c "null %F %t:%T" /dev/null; stat -c "cve %F %t:%T" /dev/cve-zero`)
			c.cveUseRootfs(rootfs)
			if tc.imageDev {
				cveImageDev(c.Spec, true)
			}
			c.Spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/cve-zero", Type: "c", Major: 1, Minor: 5}}
			r := c.run()
			if r.code == 0 {
				got := keyed(r.stdout)
				if got["cve"] != "character special file 1:5" {
					t.Errorf("/dev/cve-zero inside: %q, want the 1:5 device:\n%s", got["cve"], r)
				}
				if !tc.imageDev && got["null"] != "character special file 1:3" {
					t.Errorf("/dev/null inside: %q, want the 1:3 device:\n%s", got["null"], r)
				}
			} else {
				t.Logf("refused: %s", lastLine(r.stderr))
			}
			if hostDir != "" {
				cveAssertHostTarget(t, hostDir)
			}
			if _, err := os.Lstat("/tmp/cve-zero"); err == nil {
				t.Errorf("a device was created in the host's /tmp")
			}
			if tc.imageDev && hostDir == "" && r.code == 0 {
				if st, err := os.Lstat(filepath.Join(rootfs, "tmp/cve-zero")); err != nil || st.Mode()&os.ModeCharDevice == 0 {
					t.Errorf("the device is not in the image's /tmp (where /dev leads inside the root): %v", err)
				}
			}
		})
	}
}
