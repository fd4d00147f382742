package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cmdTimeout bounds every runtime command: a hung runtime fails its test
// instead of the whole run.
const cmdTimeout = 30 * time.Second

var seq atomic.Int64

// requireRoot skips t unless we are root (TestMain already exits early
// otherwise; this states the requirement where it is needed).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// requireNS skips t when the kernel lacks the namespace type ns.
func requireNS(t *testing.T, ns string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/ns/" + ns); err != nil {
		t.Skipf("needs %s namespaces: %v", ns, err)
	}
}

// hullOnly skips t under another runtime: why says which hull-specific
// behaviour (its message texts, a stricter rule than runc's) t checks.
func hullOnly(t *testing.T, why string) {
	t.Helper()
	if !isHull {
		t.Skipf("hull-only (%s); runtime under test is %s", why, runtimeBin)
	}
}

// env is one test's world: its own --root and scratch directory.
type env struct {
	t    *testing.T
	dir  string // scratch: bundles, output files, host dirs to bind
	root string // --root of the runtime
}

func newEnv(t *testing.T) *env {
	t.Helper()
	requireRoot(t)
	n := seq.Add(1)
	dir := filepath.Join(base, fmt.Sprintf("t%d", n))
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, dir: dir, root: filepath.Join(dir, "root")}
}

// newID returns a container id unique to the run, starting with idPrefix.
func (e *env) newID() string {
	name := strings.ToLower(strings.TrimPrefix(e.t.Name(), "Test"))
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
	if len(name) > 24 {
		name = name[:24]
	}
	return fmt.Sprintf("%s%d-%s", idPrefix, seq.Add(1), strings.Trim(name, "-"))
}

// path returns a path in the test's scratch directory.
func (e *env) path(name string) string { return filepath.Join(e.dir, name) }

// result is what one runtime command did.
type result struct {
	args       []string
	code       int
	stdout     string
	stderr     string
	stdoutPath string // still receives what a detached container writes
}

func (r result) String() string {
	return fmt.Sprintf("`%s %s`: exit %d\nstdout: %q\nstderr: %q",
		filepath.Base(runtimeBin), strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// command prepares `runtime --root <root> args...` with stdout and stderr
// going to fresh files, never pipes: a created container inherits the
// runtime's stdio, and a pipe would keep Wait waiting until it exits.
func (e *env) command(args ...string) *exec.Cmd {
	e.t.Helper()
	full := append([]string{"--root", e.root}, args...)
	cmd := exec.Command(runtimeBin, full...)
	cmd.Dir = e.dir
	cmd.Stdout = e.tempFile("stdout")
	cmd.Stderr = e.tempFile("stderr")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (e *env) tempFile(kind string) *os.File {
	e.t.Helper()
	f, err := os.CreateTemp(e.dir, kind+"-*")
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// run runs the runtime with args and returns what it did.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.exec(e.command(args...))
}

func (e *env) exec(cmd *exec.Cmd) result {
	e.t.Helper()
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start %v: %v", cmd.Args, err)
	}
	return e.wait(cmd)
}

// wait waits for a started command, killing it after cmdTimeout.
func (e *env) wait(cmd *exec.Cmd) result {
	e.t.Helper()
	r, err := collect(cmd)
	if err != nil {
		e.t.Fatalf("%s\n%v", r, err)
	}
	return r
}

// collect is wait for other goroutines than the test's: it returns the
// failure instead of failing the test.
func collect(cmd *exec.Cmd) (result, error) {
	timer := time.AfterFunc(cmdTimeout, func() { _ = cmd.Process.Kill() })
	_ = cmd.Wait()
	timedOut := !timer.Stop()
	r := result{args: cmd.Args[1:], code: cmd.ProcessState.ExitCode()}
	var err error
	if f, ok := cmd.Stdout.(*os.File); ok {
		f.Close()
		r.stdoutPath = f.Name()
		var b []byte
		b, err = os.ReadFile(f.Name())
		r.stdout = string(b)
	}
	if f, ok := cmd.Stderr.(*os.File); ok {
		f.Close()
		b, rerr := os.ReadFile(f.Name())
		r.stderr = string(b)
		err = errors.Join(err, rerr)
	}
	if timedOut {
		err = errors.Join(err, fmt.Errorf("timed out after %v", cmdTimeout))
	}
	return r, err
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ctr is one container: its id, bundle and config.
type ctr struct {
	e      *env
	ID     string
	Bundle string
	// Spec is written to Bundle/config.json before create and run; set
	// it to nil to keep a config.json written by hand (or none).
	Spec *specs.Spec
	// out receives the container's stdout after create or run -d.
	out string
}

// newCtr makes a container running args (default sh) with the default
// config; t's cleanup deletes it with --force.
func (e *env) newCtr(args ...string) *ctr {
	e.t.Helper()
	id := e.newID()
	c := &ctr{e: e, ID: id, Bundle: filepath.Join(e.dir, id), Spec: defaultSpec(id, args...)}
	if err := os.MkdirAll(c.Bundle, 0o755); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if r := e.run("delete", "--force", c.ID); r.code != 0 {
			e.t.Errorf("cleanup: %s", r)
		}
	})
	return c
}

// defaultSpec is the config of `hull spec` (runc's, plus a cgroup
// namespace), with no terminal, the shared rootfs and an absolute cgroup
// path named after id, so that nothing lands in the caller's own cgroups.
func defaultSpec(id string, args ...string) *specs.Spec {
	if len(args) == 0 {
		args = []string{"sh"}
	}
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.Spec{
		Version: "1.3.0",
		Process: &specs.Process{
			User: specs.User{UID: 0, GID: 0},
			Args: args,
			Env:  []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: rootfsDir, Readonly: true},
		Hostname: "hull",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			CgroupsPath: "/" + id,
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace},
			},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// removeNS drops namespace typ from the config.
func removeNS(s *specs.Spec, typ specs.LinuxNamespaceType) {
	var kept []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != typ {
			kept = append(kept, ns)
		}
	}
	s.Linux.Namespaces = kept
}

// setNS adds namespace typ (joining path, if set), replacing any entry of
// that type.
func setNS(s *specs.Spec, typ specs.LinuxNamespaceType, path string) {
	removeNS(s, typ)
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
}

// write stores the config in the bundle (unless Spec is nil).
func (c *ctr) write() {
	c.e.t.Helper()
	if c.Spec == nil {
		return
	}
	data, err := json.MarshalIndent(c.Spec, "", "\t")
	if err != nil {
		c.e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Bundle, "config.json"), data, 0o644); err != nil {
		c.e.t.Fatal(err)
	}
}

// run runs `run [flags] -b bundle id` in the foreground.
func (c *ctr) run(flags ...string) result {
	c.e.t.Helper()
	c.write()
	r := c.e.run(append(append([]string{"run"}, flags...), "-b", c.Bundle, c.ID)...)
	c.out = r.stdoutPath
	return r
}

// runOK runs the container and returns its stdout, failing t unless it
// exits 0.
func (c *ctr) runOK(flags ...string) string {
	c.e.t.Helper()
	r := c.run(flags...)
	if r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
	return r.stdout
}

func (c *ctr) create(flags ...string) result {
	c.e.t.Helper()
	c.write()
	r := c.e.run(append(append([]string{"create"}, flags...), "-b", c.Bundle, c.ID)...)
	c.out = r.stdoutPath
	return r
}

func (c *ctr) mustCreate(flags ...string) {
	c.e.t.Helper()
	if r := c.create(flags...); r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
}

func (c *ctr) start() result {
	c.e.t.Helper()
	return c.e.run("start", c.ID)
}

func (c *ctr) mustStart() {
	c.e.t.Helper()
	if r := c.start(); r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
}

func (c *ctr) kill(args ...string) result {
	c.e.t.Helper()
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		return c.e.run(append(append([]string{"kill"}, args[0], c.ID), args[1:]...)...)
	}
	return c.e.run(append([]string{"kill", c.ID}, args...)...)
}

func (c *ctr) delete(flags ...string) result {
	c.e.t.Helper()
	return c.e.run(append(append([]string{"delete"}, flags...), c.ID)...)
}

// ociState is the output of `state`: the runtime spec's state plus runc's
// rootfs, created and owner.
type ociState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     string            `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations"`
}

func (c *ctr) state() (ociState, result) {
	c.e.t.Helper()
	r := c.e.run("state", c.ID)
	var st ociState
	if r.code == 0 {
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			c.e.t.Fatalf("%s\nstate is not JSON: %v", r, err)
		}
	}
	return st, r
}

func (c *ctr) mustState() ociState {
	c.e.t.Helper()
	st, r := c.state()
	if r.code != 0 {
		c.e.t.Fatalf("%s\nwant exit 0", r)
	}
	return st
}

func (c *ctr) wantStatus(want string) ociState {
	c.e.t.Helper()
	st := c.mustState()
	if st.Status != want {
		c.e.t.Fatalf("state of %s: status %q, want %q (state %+v)", c.ID, st.Status, want, st)
	}
	return st
}

// waitStatus polls state until the container has status want.
func (c *ctr) waitStatus(want string) ociState {
	c.e.t.Helper()
	var st ociState
	waitFor(c.e.t, 10*time.Second, func() bool {
		st = c.mustState()
		return st.Status == want
	}, func() string { return fmt.Sprintf("status of %s is %q, want %q", c.ID, st.Status, want) })
	return st
}

// output returns what the container wrote to stdout so far (after create
// or run).
func (c *ctr) output() string {
	c.e.t.Helper()
	if c.out == "" {
		c.e.t.Fatal("container was neither created nor run")
	}
	return readFile(c.e.t, c.out)
}

// waitOutput polls the container's stdout until it contains s.
func (c *ctr) waitOutput(s string) string {
	c.e.t.Helper()
	var out string
	waitFor(c.e.t, 10*time.Second, func() bool {
		out = c.output()
		return strings.Contains(out, s)
	}, func() string { return fmt.Sprintf("container output %q does not contain %q", out, s) })
	return out
}

// waitFor polls cond until it holds, failing t with msg() after limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for d := time.Millisecond; !cond(); d = min(2*d, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, msg())
		}
		time.Sleep(d)
	}
}

// waitGone waits for pid to exit.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return processGone(pid) },
		func() string { return fmt.Sprintf("process %d is still alive", pid) })
}

// assertNoTrace checks that container id left nothing: no state dir, no
// cgroup, no mount under the test's directory, no process.
func (e *env) assertNoTrace(id string) {
	e.t.Helper()
	if _, err := os.Lstat(filepath.Join(e.root, id)); err == nil {
		e.t.Errorf("state dir %s was left", filepath.Join(e.root, id))
	}
	if dirs := cgroupDirsOf(id); len(dirs) > 0 {
		e.t.Errorf("cgroups were left: %v", dirs)
	}
	if mps := mountsUnder(e.dir); len(mps) > 0 {
		e.t.Errorf("mounts were left: %v", mps)
	}
	var procs []string
	waitFor(e.t, 3*time.Second, func() bool {
		procs = processes(id)
		return len(procs) == 0
	}, func() string { return fmt.Sprintf("processes were left: %v", procs) })
}

// runSh runs `sh -c script` in a container whose default config mod
// changed (mod may be nil), and returns its stdout; t fails unless it
// exits 0.
func runSh(t *testing.T, mod func(e *env, s *specs.Spec), script string) string {
	t.Helper()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", script)
	if mod != nil {
		mod(e, c.Spec)
	}
	return c.runOK()
}

// lines splits output into trimmed non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// keyed parses "key value..." lines into a map of key to the rest.
func keyed(s string) map[string]string {
	m := make(map[string]string)
	for _, l := range lines(s) {
		k, v, _ := strings.Cut(l, " ")
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// writeHostFile writes a file in the scratch dir and returns its path.
func (e *env) writeHostFile(name, content string) string {
	e.t.Helper()
	p := e.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}
