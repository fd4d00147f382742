package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CVE-2024-21626: file descriptors of the host reaching the container. The
// runtime's caller (an engine) may leak inheritable fds into the runtime,
// as runc itself once leaked a handle on the host's /sys/fs/cgroup; a
// process.cwd of /proc/self/fd/N then starts the container process in a
// host directory, from where ../../.. is the host's root.

// cveLeakedFds is how many fds (3..3+cveLeakedFds-1) the runtime inherits
// from its caller, all open on the same host directory.
const cveLeakedFds = 8

// cveHostDir makes a host directory holding a file "host-secret" and
// returns it with cveLeakedFds handles on it, closed at t's end.
func (e *env) cveHostDir() (string, []*os.File) {
	e.t.Helper()
	dir := filepath.Dir(e.writeHostFile("hostdir/host-secret", "HOST-SECRET\n"))
	var files []*os.File
	for i := 0; i < cveLeakedFds; i++ {
		f, err := os.Open(dir)
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { f.Close() })
		files = append(files, f)
	}
	return dir, files
}

// cveCwdScript reports where the process started; ESCAPED means it started
// in the host directory of cveHostDir.
const cveCwdScript = `echo "cwd $(pwd)"; [ -e host-secret ] && echo "ESCAPED $(cat host-secret)"; true`

// cveAssertNotEscaped checks a container process that was asked to start
// in /proc/self/fd/N: the runtime must have refused it (exit != 0, without
// running it) or started it inside the container.
func cveAssertNotEscaped(t *testing.T, r result, hostDir string) {
	t.Helper()
	if strings.Contains(r.stdout, "ESCAPED") {
		t.Errorf("the container process started in a host directory through a leaked fd:\n%s", r)
	}
	if r.code == 0 && !strings.HasPrefix(r.stdout, "cwd /") {
		t.Errorf("%s\nwant the process to report its cwd", r)
	}
	if r.code != 0 && strings.Contains(r.stdout, "cwd ") {
		t.Errorf("%s\nthe process ran although the runtime failed", r)
	}
	entries, _ := os.ReadDir(hostDir)
	if len(entries) != 1 {
		t.Errorf("the host directory %s changed: %v", hostDir, entries)
	}
}

// The container's process.cwd names a leaked fd. Expectation: refused (or,
// if started, inside the container): the runtime holds no fd of the host
// when it resolves the cwd, and verifies the cwd is inside the root.
func TestCVE_2024_21626_CwdLeakedFdRun(t *testing.T) {
	t.Parallel()
	for n := 3; n < 3+cveLeakedFds; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			hostDir, leaked := e.cveHostDir()
			c := e.newCtr("sh", "-c", cveCwdScript)
			c.Spec.Process.Cwd = fmt.Sprintf("/proc/self/fd/%d", n)
			c.write()
			cmd := e.command("run", "-b", c.Bundle, c.ID)
			cmd.ExtraFiles = leaked
			r := e.exec(cmd)
			t.Logf("cwd /proc/self/fd/%d: exit %d, %q %q", n, r.code, r.stdout, strings.TrimSpace(r.stderr))
			cveAssertNotEscaped(t, r, hostDir)
		})
	}
}

// `exec --cwd /proc/self/fd/N` into a running container, the runtime
// holding leaked fds: the original CVE-2024-21626 attack (runc exec).
// Expectation: refused, or started inside the container.
func TestCVE_2024_21626_CwdLeakedFdExec(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hostDir, leaked := e.cveHostDir()
	c := e.newCtr("sleep", "1000")
	c.mustCreate()
	c.mustStart()
	for n := 3; n < 3+cveLeakedFds; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			cmd := e.command("exec", "--cwd", fmt.Sprintf("/proc/self/fd/%d", n), c.ID, "sh", "-c", cveCwdScript)
			cmd.ExtraFiles = leaked
			r := e.exec(cmd)
			t.Logf("exec --cwd /proc/self/fd/%d: exit %d, %q %q", n, r.code, r.stdout, strings.TrimSpace(r.stderr))
			cveAssertNotEscaped(t, r, hostDir)
		})
	}
}

// A cwd outside the root through an fd the caller passes on purpose
// (--preserve-fds). The process may fchdir there itself (it holds the fd),
// but the runtime must not start it there. Expectation: refused, with an
// error naming the cwd: the runtime verifies the cwd it entered is inside
// the container's root.
func TestCVE_2024_21626_CwdOutsideRootRefused(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"run", "exec"} {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			hostDir, leaked := e.cveHostDir()
			var cmd *exec.Cmd
			if command == "run" {
				c := e.newCtr("sh", "-c", cveCwdScript)
				c.Spec.Process.Cwd = "/proc/self/fd/3"
				c.write()
				cmd = e.command("run", "--preserve-fds", "1", "-b", c.Bundle, c.ID)
			} else {
				c := e.newCtr("sleep", "1000")
				c.mustCreate()
				c.mustStart()
				cmd = e.command("exec", "--preserve-fds", "1", "--cwd", "/proc/self/fd/3", c.ID, "sh", "-c", cveCwdScript)
			}
			cmd.ExtraFiles = leaked[:1]
			r := e.exec(cmd)
			cveAssertNotEscaped(t, r, hostDir)
			if r.code == 0 {
				t.Errorf("%s\nwant a failure: the cwd is outside the container's root", r)
			} else if isHull && !strings.Contains(r.stderr, "cwd") {
				t.Errorf("%s\nwant the error to name the cwd", r)
			}
		})
	}
}

// Only stdio, --preserve-fds and LISTEN_FDS reach an exec'd process,
// whatever the runtime inherited (fds_test.go checks create and run).
// Expectation: contained - the fds are closed before the process runs.
func TestCVE_2024_21626_ExecOnlyStdio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, leaked := e.cveHostDir()
	c := e.newCtr("sleep", "1000")
	c.mustCreate()
	c.mustStart()
	tests := []struct {
		name  string
		flags []string
		env   string
		want  string
	}{
		{"leaked", nil, "", "0 1 2"},
		{"preserve-fds 2", []string{"--preserve-fds", "2"}, "", "0 1 2 3 4"},
		// socket activation is for the container's init (create, run):
		// runc's exec ignores LISTEN_FDS too
		{"LISTEN_FDS=1", nil, "LISTEN_FDS=1", "0 1 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"exec"}, tc.flags...), c.ID, "sh", "-c", "ls -l /proc/$$/fd")
			cmd := e.command(args...)
			cmd.ExtraFiles = leaked
			if tc.env != "" {
				cmd.Env = append(os.Environ(), tc.env)
			}
			r := e.exec(cmd)
			if r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			if got := parseFds(r.stdout)["fds"]; got != tc.want {
				t.Errorf("the exec'd process holds fds %q, want %q (the runtime had 0-%d open):\n%s", got, tc.want, 2+cveLeakedFds, r.stdout)
			}
		})
	}
}

// With LISTEN_FDS=N the container's init gets fds 3..3+N-1 (socket
// activation) and no other fd the runtime inherited.
func TestCVE_2024_21626_RunListenFds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, leaked := e.cveHostDir()
	c := e.newCtr("sh", "-c", "ls -l /proc/$$/fd; echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID")
	c.write()
	cmd := e.command("run", "-b", c.Bundle, c.ID)
	cmd.ExtraFiles = leaked
	// as systemd does: LISTEN_PID is the runtime's pid (runc checks it)
	cmd.Args = append([]string{"sh", "-c", `export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" "$@"`}, cmd.Args...)
	cmd.Path = "/bin/sh"
	r := e.exec(cmd)
	if r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	if got := parseFds(r.stdout)["fds"]; got != "0 1 2 3" || !strings.Contains(r.stdout, "LISTEN_FDS=1 LISTEN_PID=1") {
		t.Errorf("the container's init holds fds %q, want 0 1 2 3 with LISTEN_FDS=1 LISTEN_PID=1:\n%s", got, r.stdout)
	}
}

// The cwd is a directory of the image when the runtime checks (or
// creates) it, and a symlink to /proc/self/fd/N when it enters it: a
// process sharing the rootfs swaps /work between the two while containers
// with process.cwd /work start, the runtime holding leaked fds on a host
// directory. Expectation: contained - every process starts inside its
// container (or is refused); the runtime enters the cwd without following
// magic links and verifies where it landed.
func TestCVE_2024_21626_CwdSymlinkRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hostDir, leaked := e.cveHostDir()
	rootfs := e.cveRootfs("rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	// the leaked fds are 3..10; the runtime's own take the lowest ones
	cveSymlink(t, "/proc/self/fd/9", filepath.Join(rootfs, "work-alt"))
	const n = 30
	var cs []*ctr
	for i := 0; i < n; i++ {
		c := e.newCtr("sh", "-c", cveCwdScript)
		c.cveUseRootfs(rootfs)
		c.Spec.Process.Cwd = "/work"
		cs = append(cs, c)
	}
	flip := cveFlip([][2]string{{filepath.Join(rootfs, "work"), filepath.Join(rootfs, "work-alt")}}, 0)
	results := e.cveRunMany(cs, 4, leaked...)
	flip.halt(t)
	started, escaped := 0, 0
	for i, r := range results {
		if r.code == 0 {
			started++
		}
		if strings.Contains(r.stdout, "ESCAPED") {
			escaped++
			t.Errorf("container %d started in the host directory: %q", i, r.stdout)
		}
	}
	t.Logf("%d swaps; %d of %d containers started; %d in the host directory", flip.flips.Load(), started, n, escaped)
	entries, _ := os.ReadDir(hostDir)
	if len(entries) != 1 {
		t.Errorf("the host directory %s changed: %v", hostDir, entries)
	}
}
