package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exec runs in the container's namespaces, returns the process's exit
// code, and applies the command line's overrides.
func TestExecBasics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.mustCreate()
	c.mustStart()
	r := e.run("exec", "--env", "FOO=bar", "--cwd", "/etc", "--user", "65534:65534", c.ID,
		"sh", "-c", `echo "$(hostname) $FOO $(pwd) $(id -u):$(id -g)"; tr '\0' ' ' </proc/1/cmdline`)
	if want := "hull bar /etc 65534:65534\nsleep 100 "; r.code != 0 || r.stdout != want {
		t.Errorf("%s\nwant exit 0 and %q", r, want)
	}
	if r := e.run("exec", c.ID, "sh", "-c", "exit 7"); r.code != 7 {
		t.Errorf("%s\nwant the process's exit code 7", r)
	}
	if r := e.run("exec", c.ID, "/no/such/binary"); r.code == 0 || !strings.Contains(r.stderr, "/no/such/binary") {
		t.Errorf("%s\nwant a failure naming the binary", r)
	}
	c.wantStatus("running")
}

// exec --cgroup puts the process in an existing sub-cgroup of the
// container: of every controller, or of those named before a colon.
func TestExecSubCgroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.mustCreate()
	c.mustStart()
	dirs := cgroupDirsOf(c.ID)
	if len(dirs) == 0 {
		t.Fatalf("no cgroup directory of %s found", c.ID)
	}
	for _, d := range dirs {
		for _, sub := range []string{"sub", "msub"} {
			p := filepath.Join(d, sub)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(p) }) // before the container's own cleanup
			// a new v1 cpuset takes no task until it has cpus and mems
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if v, err := os.ReadFile(filepath.Join(d, f)); err == nil && strings.Contains(d, "/cpuset") {
					if err := os.WriteFile(filepath.Join(p, f), v, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	// lines of /proc/self/cgroup, as the process sees them in its cgroup namespace
	cgroupOf := func(flags ...string) []string {
		t.Helper()
		args := append(append([]string{"exec"}, flags...), c.ID, "cat", "/proc/self/cgroup")
		r := e.run(args...)
		if r.code != 0 {
			t.Fatalf("%s\nwant exit 0", r)
		}
		return lines(r.stdout)
	}
	for _, l := range cgroupOf("--cgroup", "sub") {
		if !strings.HasSuffix(l, "/sub") {
			t.Errorf("exec --cgroup sub: %q is not in the sub-cgroup", l)
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/" + c.ID); err == nil { // cgroup v1: per controller
		for _, l := range cgroupOf("--cgroup", "memory:msub", "--cgroup", "sub") {
			f := strings.SplitN(l, ":", 3)
			if want := map[bool]string{true: "/msub", false: "/sub"}[f[1] == "memory"]; !strings.HasSuffix(l, want) {
				t.Errorf("exec --cgroup memory:msub --cgroup sub: %q, want it in %s", l, want)
			}
		}
	}
	for flag, want := range map[string]string{"nosuch": "does not exist", "../up": "below the container's cgroup"} {
		if r := e.run("exec", "--cgroup", flag, c.ID, "true"); r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s\nwant a failure saying %q", r, want)
		}
	}
}
