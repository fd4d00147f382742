package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Every failed create names the cause, exits non-zero and leaves nothing.
// The message texts are hull's (runc words them differently): they are
// checked only under hull.
func TestCreateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(e *env, c *ctr)
		want string // in hull's message
	}{
		{"bad JSON", func(e *env, c *ctr) {
			c.Spec = nil
			writeConfig(t, c, "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n    \"args\": [\"sh\",]\n  }\n}\n")
		}, "invalid JSON at line 4"},
		{"missing config.json", func(e *env, c *ctr) { c.Spec = nil }, "config.json"},
		{"missing bundle", func(e *env, c *ctr) { c.Bundle, c.Spec = e.path("no-such-bundle"), nil }, "no-such-bundle"},
		{"missing root", func(e *env, c *ctr) { c.Spec.Root = nil }, "root: must be set"},
		{"nonexistent rootfs", func(e *env, c *ctr) { c.Spec.Root.Path = e.path("no-such-rootfs") }, "root.path"},
		{"empty args", func(e *env, c *ctr) { c.Spec.Process.Args = nil }, "config.json: process.args: must not be empty"},
		{"relative cwd", func(e *env, c *ctr) { c.Spec.Process.Cwd = "tmp" }, "process.cwd"},
		{"unknown namespace", func(e *env, c *ctr) { setNS(c.Spec, "foo", "") }, `unknown namespace "foo"`},
		{"bad rlimit", func(e *env, c *ctr) {
			c.Spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_FOO", Soft: 1, Hard: 1}}
		}, "process.rlimits[0]"},
		{"nonexistent executable", func(e *env, c *ctr) { c.Spec.Process.Args = []string{"no-such-program"} }, "executable file not found"},
		{"nonexistent executable path", func(e *env, c *ctr) { c.Spec.Process.Args = []string{"/bin/no-such-program"} }, "/bin/no-such-program"},
		{"bind mount without source", func(e *env, c *ctr) {
			c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/mnt/x", Type: "bind", Source: e.path("no-such-dir"), Options: []string{"rbind"}})
		}, "mounts["},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("sh", "-c", "echo should not run")
			tc.mod(e, c)
			r := c.create()
			if r.code == 0 {
				t.Fatalf("%s\nwant a failure", r)
			}
			if isHull && !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%s\nwant the message to contain %q", r, tc.want)
			}
			e.assertNoTrace(c.ID)
			if r := e.run("state", c.ID); r.code == 0 {
				t.Errorf("%s\nwant no container", r)
			}
		})
	}
}

func writeConfig(t *testing.T, c *ctr, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.Bundle, "config.json"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hull's error lines name the cause in one line; check the exact form of
// a few, as engines show them to users.
func TestErrorMessageForm(t *testing.T) {
	t.Parallel()
	hullOnly(t, "exact message texts")
	e := newEnv(t)
	c := e.newCtr("sh")
	setNS(c.Spec, "foo", "")
	r := c.create()
	want := `hull: config.json: linux.namespaces[6].type: unknown namespace "foo"` + "\n"
	if r.stderr != want {
		t.Errorf("%s\nwant stderr %q", r, want)
	}
	id := e.newID()
	r = e.run("state", id)
	if want := "hull: container \"" + id + "\" does not exist\n"; r.stderr != want {
		t.Errorf("%s\nwant stderr %q", r, want)
	}
}

func TestInvalidIDs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a/b", "..", "", "../x", "a b"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("true")
			c.write()
			for _, cmd := range []string{"create", "run"} {
				r := e.run(cmd, "-b", c.Bundle, id)
				if r.code == 0 {
					t.Errorf("%s\nwant a failure", r)
				} else if isHull && !strings.Contains(r.stderr, "id") {
					t.Errorf("%s\nwant the message to name the id", r)
				}
			}
			for _, args := range [][]string{{"state", id}, {"start", id}, {"kill", id, "KILL"}, {"delete", id}} {
				if r := e.run(args...); r.code == 0 {
					t.Errorf("%s\nwant a failure", r)
				}
			}
			if entries, _ := os.ReadDir(e.root); len(entries) != 0 {
				t.Errorf("--root holds %v after failed creates", entries)
			}
			if _, err := os.Stat(filepath.Join(e.dir, "x")); err == nil {
				t.Errorf("a create with id %q made %s", id, filepath.Join(e.dir, "x"))
			}
			if mps := mountsUnder(e.dir); len(mps) > 0 {
				t.Errorf("mounts were left: %v", mps)
			}
		})
	}
}

// A limit the kernel refuses fails create once the init exists (the
// parent sets limits while the intermediate waits): create must return
// promptly with the cgroup file named, and leave nothing behind.
func TestCreateFailsOnBadLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	c.Spec.Linux.Resources = &specs.LinuxResources{
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1 << 20}},
	}
	start := time.Now()
	r := c.create()
	if r.code == 0 {
		t.Fatalf("%s\nwant a failure: there are no 3MB huge pages", r)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("create took %v to fail", d)
	}
	if isHull && !strings.Contains(r.stderr, "hugetlb") {
		t.Errorf("error does not name the hugetlb file: %q", r.stderr)
	}
	e.assertNoTrace(c.ID)
}
