package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// create -> created -> start -> running -> kill -> stopped -> delete -> gone.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo started; exec sleep 100")
	c.mustCreate()
	st := c.wantStatus("created")
	if st.Pid <= 0 {
		t.Fatalf("created container has pid %d", st.Pid)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(st.Pid)); err != nil {
		t.Fatalf("init of the created container: %v", err)
	}
	if out := c.output(); out != "" {
		t.Fatalf("the user process ran before start: output %q", out)
	}
	c.mustStart()
	if st2 := c.wantStatus("running"); st2.Pid != st.Pid {
		t.Errorf("pid changed from %d to %d at start", st.Pid, st2.Pid)
	}
	c.waitOutput("started")
	if r := c.kill("KILL"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	c.waitStatus("stopped")
	waitGone(t, st.Pid)
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	if _, r := c.state(); r.code == 0 {
		t.Fatalf("%s\nwant a failure for a deleted container", r)
	}
	e.assertNoTrace(c.ID)
}

func TestStateFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.Spec.Annotations = map[string]string{"org.example.key": "value", "org.example.other": "2"}
	before := time.Now()
	c.mustCreate()
	after := time.Now()
	st := c.wantStatus("created")
	// The spec says the version the state complies with: runc reports
	// the one it implements (1.1: 1.0.2-dev), hull the config's (1.3.0).
	if !strings.HasPrefix(st.OCIVersion, "1.") || isHull && st.OCIVersion != c.Spec.Version {
		t.Errorf("ociVersion %q, want 1.x (hull: the config's %q)", st.OCIVersion, c.Spec.Version)
	}
	if st.ID != c.ID {
		t.Errorf("id %q, want %q", st.ID, c.ID)
	}
	if st.Pid <= 0 {
		t.Errorf("pid %d, want > 0", st.Pid)
	}
	if st.Bundle != c.Bundle {
		t.Errorf("bundle %q, want %q", st.Bundle, c.Bundle)
	}
	if st.Rootfs != rootfsDir {
		t.Errorf("rootfs %q, want %q", st.Rootfs, rootfsDir)
	}
	if created, err := time.Parse(time.RFC3339Nano, st.Created); err != nil {
		t.Errorf("created %q: %v", st.Created, err)
	} else if created.Before(before.Add(-time.Second)) || created.After(after.Add(time.Second)) {
		t.Errorf("created %v, want between %v and %v", created, before, after)
	}
	// owner is runc's extension; runc 1.1's state leaves it empty
	if isHull && st.Owner != "root" {
		t.Errorf("owner %q, want root", st.Owner)
	}
	if !reflect.DeepEqual(st.Annotations, c.Spec.Annotations) {
		t.Errorf("annotations %v, want %v", st.Annotations, c.Spec.Annotations)
	}
	// the raw JSON has the spec's field names
	_, r := c.state()
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ociVersion", "id", "status", "pid", "bundle", "rootfs", "created", "owner", "annotations"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("state JSON has no %q: %s", k, r.stdout)
		}
	}
}

func TestStartTwiceFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo once; exec sleep 100")
	c.mustCreate()
	c.mustStart()
	if r := c.start(); r.code == 0 {
		t.Fatalf("%s\nwant a failure: the container is already running", r)
	}
	c.wantStatus("running")
	time.Sleep(100 * time.Millisecond)
	if out := c.waitOutput("once"); out != "once\n" {
		t.Errorf("container output %q, want the process started once", out)
	}
}

func TestStartStoppedFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	c.mustCreate()
	c.mustStart()
	c.waitStatus("stopped")
	if r := c.start(); r.code == 0 {
		t.Fatalf("%s\nwant a failure: the container is stopped", r)
	}
	c.wantStatus("stopped")
}

func TestDeleteRunningRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.mustCreate()
	c.mustStart()
	pid := c.wantStatus("running").Pid
	if r := c.delete(); r.code == 0 {
		t.Fatalf("%s\nwant a failure: the container is running", r)
	}
	if st := c.wantStatus("running"); st.Pid != pid || processGone(pid) {
		t.Fatalf("after a refused delete: pid %d (was %d), gone %v", st.Pid, pid, processGone(pid))
	}
}

// hull keeps a created container from a plain delete, like a running one;
// runc deletes (kills) it.
func TestDeleteCreatedRefused(t *testing.T) {
	t.Parallel()
	hullOnly(t, "delete without --force refuses a created container; runc kills it")
	e := newEnv(t)
	c := e.newCtr("true")
	c.mustCreate()
	r := c.delete()
	if r.code == 0 || !strings.Contains(r.stderr, "created") {
		t.Fatalf("%s\nwant a failure naming the created status", r)
	}
	c.wantStatus("created")
}

func TestDeleteForce(t *testing.T) {
	t.Parallel()
	for _, started := range []bool{false, true} {
		name := map[bool]string{false: "created", true: "running"}[started]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("sleep", "100")
			c.mustCreate()
			if started {
				c.mustStart()
			}
			pid := c.wantStatus(name).Pid
			if r := c.delete("--force"); r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			waitGone(t, pid)
			e.assertNoTrace(c.ID)
		})
	}
}

// Engines run delete --force on containers that may be gone already;
// every other command fails on a missing container.
func TestNonexistentContainer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.newID()
	if r := e.run("delete", "--force", id); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("%s\nwant a quiet success", r)
	}
	for _, args := range [][]string{{"delete", id}, {"state", id}, {"start", id}, {"kill", id, "KILL"}} {
		if r := e.run(args...); r.code == 0 {
			t.Errorf("%s\nwant a failure", r)
		} else if isHull && !strings.Contains(r.stderr, "does not exist") {
			t.Errorf("%s\nwant the message to say the container does not exist", r)
		}
	}
}

func TestKillBadSignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.mustCreate()
	c.mustStart()
	pid := c.wantStatus("running").Pid
	for _, sig := range []string{"NOSUCHSIG", "SIGNOPE", "-1", "1000"} {
		if r := c.kill(sig); r.code == 0 {
			t.Errorf("%s\nwant a failure", r)
		}
	}
	if st := c.wantStatus("running"); st.Pid != pid {
		t.Errorf("pid changed from %d to %d", pid, st.Pid)
	}
}

func TestKillSignalNames(t *testing.T) {
	t.Parallel()
	for _, sig := range []string{"KILL", "SIGKILL", "9"} {
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.newCtr("sleep", "100")
			c.mustCreate()
			c.mustStart()
			pid := c.wantStatus("running").Pid
			if r := c.kill(sig); r.code != 0 {
				t.Fatalf("%s\nwant exit 0", r)
			}
			c.waitStatus("stopped")
			waitGone(t, pid)
		})
	}
}

// The default signal is SIGTERM, delivered to a handler in the container.
func TestKillDefaultTERM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", `trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done`)
	c.mustCreate()
	c.mustStart()
	c.waitOutput("ready")
	if r := c.kill(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	c.waitOutput("got-TERM")
	c.waitStatus("stopped")
}

// Engines kill containers that were created but never started.
func TestKillCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo should not run")
	c.mustCreate()
	pid := c.wantStatus("created").Pid
	if r := c.kill("KILL"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	waitGone(t, pid)
	c.waitStatus("stopped")
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	if out := c.output(); out != "" {
		t.Errorf("the user process ran: %q", out)
	}
	e.assertNoTrace(c.ID)
}

// An init killed behind the runtime's back is seen as stopped.
func TestInitKilledFromHost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sleep", "100")
	c.mustCreate()
	c.mustStart()
	pid := c.wantStatus("running").Pid
	if err := syscallKill(pid); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if st := c.waitStatus("stopped"); st.Pid != 0 && !processGone(st.Pid) {
		t.Errorf("stopped container reports the live pid %d", st.Pid)
	}
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	e.assertNoTrace(c.ID)
}

func TestKillStoppedFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("true")
	c.mustCreate()
	c.mustStart()
	c.waitStatus("stopped")
	if r := c.kill("KILL"); r.code == 0 {
		t.Fatalf("%s\nwant a failure: the container is stopped", r)
	}
	// but kill --all succeeds: containerd's shim sends it after the init
	// exited, to reach orphans, and runc exits 0 there
	if r := c.kill("--all", "KILL"); r.code != 0 {
		t.Fatalf("%s\nwant kill --all of a stopped container to succeed", r)
	}
}

// kill --all reaches processes that outlive the init. Without a pid
// namespace nothing else kills them when the init dies.
func TestKillAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "sleep 100 & echo child $!; sleep 100 & echo child $!; wait")
	removeNS(c.Spec, "pid")
	c.mustCreate()
	c.mustStart()
	initPid := c.wantStatus("running").Pid
	var children []int
	waitFor(t, 10*time.Second, func() bool {
		children = children[:0]
		for _, l := range lines(c.output()) {
			if pid, err := strconv.Atoi(strings.TrimPrefix(l, "child ")); err == nil {
				children = append(children, pid)
			}
		}
		return len(children) == 2
	}, func() string { return "the container did not print its two children's pids: " + c.output() })
	if r := c.kill("--all", "KILL"); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	for _, pid := range append(children, initPid) {
		waitGone(t, pid)
	}
	c.waitStatus("stopped")
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c1 := e.newCtr("sleep", "100")
	c2 := e.newCtr("sleep", "100")
	c1.mustCreate()
	c2.mustCreate()
	c2.mustStart()
	pids := map[string]int{c1.ID: c1.wantStatus("created").Pid, c2.ID: c2.wantStatus("running").Pid}

	r := e.run("list", "-q")
	want := []string{c1.ID, c2.ID}
	sort.Strings(want)
	got := lines(r.stdout)
	sort.Strings(got)
	if r.code != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("%s\nwant the ids %v", r, want)
	}

	r = e.run("list", "--format", "json")
	var states []ociState
	if r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	if err := json.Unmarshal([]byte(r.stdout), &states); err != nil {
		t.Fatalf("%s\nnot a JSON list: %v", r, err)
	}
	if len(states) != 2 {
		t.Fatalf("%s\nwant 2 containers", r)
	}
	wantStatus := map[string]string{c1.ID: "created", c2.ID: "running"}
	for _, st := range states {
		if st.Status != wantStatus[st.ID] || st.Pid != pids[st.ID] || st.Bundle != filepath.Join(e.dir, st.ID) {
			t.Errorf("list entry %+v, want status %q pid %d bundle %s", st, wantStatus[st.ID], pids[st.ID], filepath.Join(e.dir, st.ID))
		}
	}
}

func TestCreateSameIDTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo first")
	c.mustCreate()
	pid := c.wantStatus("created").Pid
	firstOut := c.out

	other := e.newCtr("sh", "-c", "echo second")
	other.ID = c.ID
	r := other.create()
	if r.code == 0 {
		t.Fatalf("%s\nwant a failure: the id is taken", r)
	}
	if isHull && !strings.Contains(r.stderr, "already exists") {
		t.Errorf("%s\nwant the message to say the container already exists", r)
	}
	st := c.wantStatus("created")
	if st.Pid != pid || processGone(pid) || st.Bundle != c.Bundle {
		t.Fatalf("the first container changed: %+v (pid was %d, bundle %s)", st, pid, c.Bundle)
	}
	c.out = firstOut
	c.mustStart()
	c.waitOutput("first")
}

// Of concurrent creates of one id exactly one wins; the losers must not
// damage the winner. runc 1.1.5 fails this some of the time (a runc bug): its
// id reservation is not atomic, and losers leave init processes and cgroups.
func TestCreateConcurrentSameID(t *testing.T) {
	t.Parallel()
	const n = 16
	e := newEnv(t)
	c := e.newCtr("sh", "-c", "echo winner")
	c.write()
	results := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range results {
		cmd := e.command("create", "-b", c.Bundle, c.ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if errs[i] = cmd.Start(); errs[i] == nil {
				results[i], errs[i] = collect(cmd)
			}
		}()
	}
	close(start)
	wg.Wait()
	var wins []result
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("%s\n%v", r, errs[i])
		}
		if r.code == 0 {
			wins = append(wins, r)
		}
	}
	if len(wins) != 1 {
		t.Fatalf("%d of %d concurrent creates succeeded, want 1: %v", len(wins), n, wins)
	}
	st := c.wantStatus("created")
	if processGone(st.Pid) {
		t.Fatalf("the winner's init %d is gone", st.Pid)
	}
	c.out = wins[0].stdoutPath
	c.mustStart()
	c.waitOutput("winner")
	c.waitStatus("stopped")
	// nothing of the losers may outlive the winner
	if r := c.delete(); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	e.assertNoTrace(c.ID)
}

// pause freezes the container and state and list say so; resume undoes it.
// The frozen process must really stop: its counter must not advance.
func TestLifecyclePauseResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.newCtr("sh", "-c", `i=0; while :; do i=$((i+1)); echo $i > /dev/shm/n; sleep 0.05; done`)
	c.mustCreate()
	c.mustStart()
	counter := fmt.Sprintf("/proc/%d/root/dev/shm/n", c.wantStatus("running").Pid)
	// advancesWithin polls the counter; a read may catch the file between
	// the shell's truncate and write, so an empty read is no change.
	advancesWithin := func(d time.Duration) bool {
		first, _ := os.ReadFile(counter)
		for end := time.Now().Add(d); time.Now().Before(end); {
			time.Sleep(50 * time.Millisecond)
			if cur, _ := os.ReadFile(counter); len(cur) > 0 && !bytes.Equal(cur, first) {
				return true
			}
		}
		return false
	}
	waitFor(t, 5*time.Second, func() bool { _, err := os.Stat(counter); return err == nil },
		func() string { return counter + " never appeared" })
	if !advancesWithin(10 * time.Second) {
		t.Fatal("the counter does not advance in a running container")
	}
	if r := e.run("pause", c.ID); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	c.wantStatus("paused")
	if advancesWithin(time.Second) {
		t.Error("the counter advances in a paused container")
	}
	r := e.run("list", "--format", "json")
	var states []ociState
	if err := json.Unmarshal([]byte(r.stdout), &states); err != nil || len(states) != 1 || states[0].Status != "paused" {
		t.Fatalf("%s\nwant one paused container (%v)", r, err)
	}
	if r := e.run("pause", c.ID); r.code == 0 {
		t.Errorf("%s\npausing a paused container must fail", r)
	}
	if r := e.run("resume", c.ID); r.code != 0 {
		t.Fatalf("%s\nwant exit 0", r)
	}
	c.wantStatus("running")
	if !advancesWithin(10 * time.Second) {
		t.Error("the counter does not advance after resume")
	}
}
