package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Hooks run on the host with /bin/sh; they get the container state as JSON
// on stdin.

// saveStateHook writes the state it receives to path.
func saveStateHook(path string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", `cat > "$1"`, "sh", path}}
}

// readHookState reads what saveStateHook wrote, failing t if it did not run.
func readHookState(t *testing.T, path string) ociState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the hook did not run: %v", err)
	}
	var st ociState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("the hook got %q on stdin, not a state: %v", data, err)
	}
	return st
}

func hookRan(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestCreateHooksState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	prestart, createRuntime := e.path("prestart.json"), e.path("createRuntime.json")
	c.Spec.Hooks = &specs.Hooks{
		Prestart:      []specs.Hook{saveStateHook(prestart)}, //nolint:staticcheck // deprecated, still run by runtimes
		CreateRuntime: []specs.Hook{saveStateHook(createRuntime)},
	}
	c.mustCreate()
	pid := c.wantStatus("created").Pid
	for _, path := range []string{prestart, createRuntime} {
		st := readHookState(t, path)
		// runc says "creating" (the create is not over); runtime-tools'
		// hooks_stdin wants "created", which hull follows.
		if st.Status != "creating" && st.Status != "created" || st.Pid != pid || st.ID != c.ID || st.Bundle != c.Bundle {
			t.Errorf("%s got state %+v, want status creating or created, pid %d, id %s, bundle %s", path, st, pid, c.ID, c.Bundle)
		}
	}
}

func TestPoststartHook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	poststart := e.path("poststart.json")
	c.Spec.Hooks = &specs.Hooks{Poststart: []specs.Hook{saveStateHook(poststart)}}
	c.mustCreate()
	// runc 1.1 runs poststart hooks at create (fixed in runc 1.2)
	if hookRan(poststart) {
		t.Fatal("the poststart hook ran at create")
	}
	pid := c.wantStatus("created").Pid
	c.mustStart()
	// start returns after the poststart hooks
	st := readHookState(t, poststart)
	if st.Status != "running" || st.Pid != pid || st.ID != c.ID {
		t.Errorf("poststart got state %+v, want status running, pid %d", st, pid)
	}
}

func TestPoststopHook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	poststop := e.path("poststop.json")
	c.Spec.Hooks = &specs.Hooks{Poststop: []specs.Hook{saveStateHook(poststop)}}
	c.mustCreate()
	c.mustStart()
	c.waitStatus("stopped")
	if hookRan(poststop) {
		t.Fatal("the poststop hook ran before delete")
	}
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	if st := readHookState(t, poststop); st.ID != c.ID || st.Status != "stopped" {
		t.Errorf("poststop got state %+v, want id %s, status stopped", st, c.ID)
	}
	e.assertNoTrace(c.ID)
}

func TestFailingCreateRuntimeHook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo should not run")
	c.Spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo hook-says-no >&2; exit 3"}}}}
	r := c.create()
	if r.code == 0 {
		t.Fatalf("%s\nwant a failure", r)
	}
	if isHull && !strings.Contains(r.stderr, "createRuntime") {
		t.Errorf("%s\nwant the message to name the createRuntime hook", r)
	}
	e.assertNoTrace(c.ID)
}

// A hook that outlives its timeout is killed and fails the create.
func TestHookTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	// a sleep length unique to this test, to find the hook process by
	arg := fmt.Sprintf("20.%d", seq.Add(1))
	timeout := 1
	c.Spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", arg}, Timeout: &timeout}}}
	findHook := func() []int {
		var pids []int
		for _, pid := range allPids() {
			if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); string(cmd) == "sleep\x00"+arg+"\x00" && !processGone(pid) {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	t.Cleanup(func() {
		for _, pid := range findHook() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	begin := time.Now()
	r := c.create()
	if r.code == 0 {
		t.Fatalf("%s\nwant a failure: the hook timed out", r)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("create took %v with a hook timeout of 1s", d)
	}
	if isHull && !strings.Contains(r.stderr, "createRuntime") {
		t.Errorf("%s\nwant the message to name the createRuntime hook", r)
	}
	var left []int
	waitFor(t, 3*time.Second, func() bool { left = findHook(); return len(left) == 0 },
		func() string { return fmt.Sprintf("the timed-out hook is still running: pids %v", left) })
	e.assertNoTrace(c.ID)
}

// A `create` killed with SIGKILL while it waits for a hook leaves a
// half-made container; delete --force must remove all of it.
// runc 1.1.5 fails this (a runc bug): it had not written state.json yet, so
// delete --force removes only the state dir and leaks the cgroups.
func TestDeleteForceAfterKilledCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	statePath, hookPidPath := e.path("hook-state.json"), e.path("hook.pid")
	// The hook saves the state (for the init's pid), then says its pid and
	// blocks as `sleep 30`; we kill it ourselves at the end.
	block := `cat > "$1"; echo $$ > "$2.tmp"; mv "$2.tmp" "$2"; exec sleep 30`
	c.Spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", block, "sh", statePath, hookPidPath}}}}
	c.write()
	cmd := e.command("create", "-b", c.Bundle, c.ID)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return hookRan(hookPidPath) },
		func() string { return "the createRuntime hook did not start" })
	hookPid, err := strconv.Atoi(strings.TrimSpace(readFile(t, hookPidPath)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killHook(t, hookPid) })

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if r := e.wait(cmd); r.code != -1 {
		t.Fatalf("%s\nwant the create killed by SIGKILL", r)
	}
	// The init may die with its creator or live on; either way nothing
	// may remain after delete --force.
	initPid := readHookState(t, statePath).Pid
	if initPid <= 0 {
		t.Fatalf("the hook got init pid %d", initPid)
	}
	if dirs := cgroupDirsOf(c.ID); len(dirs) == 0 {
		t.Fatalf("the killed create had made no cgroup: the test proves nothing")
	}
	if r := c.delete("--force"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	waitGone(t, initPid)
	e.assertNoTrace(c.ID)
}

// killHook kills the blocking hook process this test made, checking first
// that the pid is still that `sleep 30`.
func killHook(t *testing.T, pid int) {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || string(cmdline) != "sleep\x0030\x00" {
		return
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Errorf("kill hook %d: %v", pid, err)
	}
}
