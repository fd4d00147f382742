package integration

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestRunExitCode(t *testing.T) {
	t.Parallel()
	for _, code := range []int{0, 3, 255} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("sh", "-c", "exit "+strconv.Itoa(code))
			if r := c.run(); r.code != code {
				t.Fatalf("%s\nwant exit %d", r, code)
			}
			e.assertNoTrace(c.ID) // run without --keep deletes the container
		})
	}
}

// A container killed by signal N makes run exit 128+N, as a shell reports it.
func TestRunKilledBySignal(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGUSR1} {
		t.Run(strconv.Itoa(int(sig)), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("sh", "-c", "kill -"+strconv.Itoa(int(sig))+" $$; sleep 5; exit 99")
			// The init of a pid namespace ignores signals it has no
			// handler for, even from itself: kill -9 $$ would do
			// nothing there, so this container shares the host's.
			removeNS(c.Spec, specs.PIDNamespace)
			if r := c.run(); r.code != 128+int(sig) {
				t.Fatalf("%s\nwant exit %d (128+%d)", r, 128+int(sig), sig)
			}
		})
	}
}

// A foreground run whose container is killed from outside (kill KILL)
// exits 137.
func TestRunKilledFromOutside(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo ready; exec sleep 100")
	c.write()
	cmd := e.command("run", "-b", c.Bundle, c.ID)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.out = cmd.Stdout.(*os.File).Name()
	done := make(chan result, 1)
	go func() { r, _ := collect(cmd); done <- r }()
	c.waitOutput("ready")
	if r := c.kill("KILL"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	select {
	case r := <-done:
		if r.code != 137 {
			t.Fatalf("%s\nwant exit 137", r)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("run did not exit within 10s of its container's SIGKILL")
	}
}

func TestRunStdoutStderr(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo to-stdout; echo to-stderr >&2; echo more-stdout")
	r := c.run()
	if r.code != 0 || r.stdout != "to-stdout\nmore-stdout\n" || r.stderr != "to-stderr\n" {
		t.Fatalf("%s\nwant exit 0, stdout %q, stderr %q", r, "to-stdout\nmore-stdout\n", "to-stderr\n")
	}
}

func TestRunStdin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("cat")
	c.write()
	input := "line one\nline two\n" + strings.Repeat("x", 100000) + "\n"
	cmd := e.command("run", "-b", c.Bundle, c.ID)
	cmd.Stdin = strings.NewReader(input)
	r := e.exec(cmd)
	if r.code != 0 || r.stdout != input {
		t.Fatalf("%s\nwant exit 0 and stdin (%d bytes) echoed back, got %d bytes", r, len(input), len(r.stdout))
	}
}

// A foreground run forwards the signals it gets to the container.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	for sig, code := range map[syscall.Signal]int{syscall.SIGTERM: 7, syscall.SIGINT: 8, syscall.SIGHUP: 9, syscall.SIGUSR1: 10} {
		name := unix.SignalName(sig)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			script := fmt.Sprintf(`trap "exit %d" %s; echo ready; while :; do sleep 0.1; done`, code, strings.TrimPrefix(name, "SIG"))
			c := e.newCtr("sh", "-c", script)
			c.write()
			cmd := e.command("run", "-b", c.Bundle, c.ID)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			c.out = cmd.Stdout.(*os.File).Name()
			done := make(chan result, 1)
			go func() { r, _ := collect(cmd); done <- r }()
			c.waitOutput("ready") // the trap is set
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-done:
				if r.code != code {
					t.Fatalf("%s\nwant exit %d from the container's %s trap", r, code, name)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("run did not exit within 10s of %s: not forwarded? output %q", name, c.output())
			}
		})
	}
}

func TestRunDetach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	pidFile := e.path("pid")
	if r := c.run("-d", "--pid-file", pidFile); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	st := c.wantStatus("running")
	if st.Pid <= 0 || processGone(st.Pid) {
		t.Fatalf("state pid %d is not a live process", st.Pid)
	}
	if got := strings.TrimSpace(readFile(t, pidFile)); got != strconv.Itoa(st.Pid) {
		t.Errorf("--pid-file holds %q, state pid is %d", got, st.Pid)
	}
	if r := c.kill("KILL"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	c.waitStatus("stopped")
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	e.assertNoTrace(c.ID)
}

// run --keep leaves the stopped container for state and delete.
func TestRunKeep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "exit 4")
	if r := c.run("--keep"); r.code != 4 {
		t.Fatalf("%s\nwant exit 4", r)
	}
	c.wantStatus("stopped")
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	e.assertNoTrace(c.ID)
}

// --pid-file, absolute or relative to the runtime's working directory.
func TestCreatePidFile(t *testing.T) {
	t.Parallel()
	for _, rel := range []bool{false, true} {
		t.Run(map[bool]string{false: "absolute", true: "relative"}[rel], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("true")
			pidFile := e.path("the-pid")
			arg := pidFile
			if rel {
				arg = "the-pid" // commands run in e.dir
			}
			c.mustCreate("--pid-file", arg)
			st := c.wantStatus("created")
			if got := strings.TrimSpace(readFile(t, pidFile)); got != strconv.Itoa(st.Pid) {
				t.Errorf("--pid-file holds %q, state pid is %d", got, st.Pid)
			}
		})
	}
}
