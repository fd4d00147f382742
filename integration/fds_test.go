package integration

import (
	"os"
	"strings"
	"testing"
)

// The container's init must hold only its stdio, whatever fds the runtime
// had open, except those passed on purpose with --preserve-fds. The shell
// lists its own fds (/proc/$$/fd, not /proc/self/fd, which would be ls's),
// then reads what it got as fd 3 and 4. The listing goes straight to
// stdout: in a command substitution the shell would hold the pipe's fd.
const fdScript = `ls -l /proc/$$/fd; for fd in 3 4; do [ -e /proc/$$/fd/$fd ] && echo "fd$fd $(cat <&$fd)"; done; true`

// parseFds reads fdScript's output: the fds found (space separated) as
// "fds", with what fd 3 and 4 read as "fd3" and "fd4".
func parseFds(out string) map[string]string {
	got := map[string]string{}
	var fds []string
	for _, l := range lines(out) {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[len(f)-2] == "->":
			fds = append(fds, f[len(f)-3])
		case strings.HasPrefix(l, "fd"):
			k, v, _ := strings.Cut(l, " ")
			got[k] = v
		}
	}
	got["fds"] = strings.Join(fds, " ")
	return got
}

// runWithExtraFiles runs the container (command "run", or "create" then
// start) with the runtime holding two extra fds (3 and 4, inheritable), as
// an engine's leaked fds would be.
func runWithExtraFiles(t *testing.T, command string, flags ...string) map[string]string {
	t.Helper()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", fdScript)
	c.write()
	var extra []*os.File
	for _, name := range []string{"three", "four"} {
		f, err := os.Open(e.writeHostFile(name, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		extra = append(extra, f)
	}
	cmd := e.command(append(append([]string{command}, flags...), "-b", c.Bundle, c.ID)...)
	cmd.ExtraFiles = extra
	r := e.exec(cmd)
	if r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	out := r.stdout
	if command == "create" {
		c.out = r.stdoutPath
		c.mustStart()
		c.waitStatus("stopped")
		out = c.output()
	}
	got := parseFds(out)
	if got["fds"] == "" {
		t.Logf("container output:\n%s", out)
	}
	return got
}

func TestFdsOnlyStdio(t *testing.T) {
	t.Parallel()
	out := runSh(t, nil, fdScript)
	if got := parseFds(out); got["fds"] != "0 1 2" || len(got) != 1 {
		t.Fatalf("container output %q, want only fds 0 1 2", out)
	}
}

func TestFdsRuntimeExtraFilesNotLeaked(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"run", "create"} {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			got := runWithExtraFiles(t, command)
			if got["fds"] != "0 1 2" || len(got) != 1 {
				t.Fatalf("container saw %v, want only fds 0 1 2 although the runtime had 3 and 4 open", got)
			}
		})
	}
}

func TestFdsPreserve(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"run", "create"} {
		t.Run(command+"/2", func(t *testing.T) {
			t.Parallel()
			got := runWithExtraFiles(t, command, "--preserve-fds", "2")
			want := map[string]string{"fds": "0 1 2 3 4", "fd3": "three", "fd4": "four"}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
		t.Run(command+"/1", func(t *testing.T) {
			t.Parallel()
			got := runWithExtraFiles(t, command, "--preserve-fds", "1")
			if got["fds"] != "0 1 2 3" || got["fd3"] != "three" {
				t.Errorf("container saw %v, want fds 0 1 2 3 with fd 3 reading three", got)
			}
		})
	}
}
