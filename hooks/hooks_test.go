package hooks

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-oci/hull/internal/proc"
)

// script writes an executable /bin/sh hook into a temp dir.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func seconds(n int) *int { return &n }

func TestRunStdin(t *testing.T) {
	state := []byte(`{"ociVersion":"1.3.0","id":"c","status":"created","pid":42}`)
	out, err := Run(specs.Hook{Path: script(t, "/bin/cat")}, state)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, state) {
		t.Errorf("hook read %q, want %q", out, state)
	}
}

func TestRunArgv(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"args given", []string{"myhook", "-c", "cat /proc/$$/cmdline", "x"}, "myhook\x00-c\x00cat /proc/$$/cmdline\x00x\x00"},
		{"argv0 defaults to path", nil, "/bin/sh\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := specs.Hook{Path: "/bin/sh", Args: tc.args}
			if tc.args == nil {
				// sh reads its script from stdin.
				out, err := Run(h, []byte("cat /proc/$$/cmdline"))
				if err != nil {
					t.Fatal(err)
				}
				if string(out) != tc.want {
					t.Errorf("argv = %q, want %q", out, tc.want)
				}
				return
			}
			out, err := Run(h, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("argv = %q, want %q", out, tc.want)
			}
		})
	}
}

func TestRunEnvExact(t *testing.T) {
	t.Setenv("HULL_HOOK_TEST_LEAK", "1")
	path := script(t, "/usr/bin/env")
	tests := []struct {
		name string
		env  []string
	}{
		{"given", []string{"A=1", "B=two words"}},
		{"none", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Run(specs.Hook{Path: path, Env: tc.env}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, kv := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				got[kv] = true
			}
			for _, kv := range tc.env {
				if !got[kv] {
					t.Errorf("hook env lacks %q: %q", kv, out)
				}
			}
			if strings.Contains(string(out), "HULL_HOOK_TEST_LEAK") || strings.Contains(string(out), "HOME=") {
				t.Errorf("hull's environment leaked into the hook: %q", out)
			}
		})
	}
}

func TestRunExitStatus(t *testing.T) {
	_, err := Run(specs.Hook{Path: script(t, "echo doing things; echo it broke >&2; exit 3")}, nil)
	if err == nil {
		t.Fatal("Run succeeded, want exit status 3")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("error %v does not carry exit code 3", err)
	}
	if want := "exit status 3: doing things\nit broke"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestRunErrorOutputIsTail(t *testing.T) {
	// 4000 'a's then a final line: the error keeps only the last KiB.
	_, err := Run(specs.Hook{Path: script(t, "head -c 4000 /dev/zero | tr '\\0' a; echo; echo the end; exit 1")}, nil)
	if err == nil {
		t.Fatal("Run succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "exit status 1: ...") || !strings.HasSuffix(msg, "aaa\nthe end") {
		t.Errorf("error = %.60q...%q", msg, msg[len(msg)-20:])
	}
	if len(msg) > maxErrOutput+len("exit status 1: ...") {
		t.Errorf("error is %d bytes long, want at most about 1 KiB", len(msg))
	}
}

func TestRunTimeout(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "sleep.pid")
	// The hook forks: the timeout must kill the sleeping child too.
	path := script(t, "echo started; sleep 10 & echo $! > "+pidFile+"; wait")
	begin := time.Now()
	out, err := Run(specs.Hook{Path: path, Timeout: seconds(1)}, nil)
	elapsed := time.Since(begin)
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
		t.Fatalf("Run = %v, want a timeout", err)
	}
	if !strings.Contains(err.Error(), "started") {
		t.Errorf("timeout error lacks the output: %v", err)
	}
	if string(out) != "started\n" {
		t.Errorf("output = %q", out)
	}
	if elapsed > 3*time.Second {
		t.Errorf("Run took %v, want about 1s", elapsed)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
}

// waitGone waits until pid, a process the test started, has died. The
// hook's children are orphans reaped by pid 1, maybe lazily, so a zombie
// counts as dead.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s, err := proc.State(pid); err != nil || s == 'Z' || s == 'X' {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("hook child %d survived", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunNoTimeoutWhenZero(t *testing.T) {
	if _, err := Run(specs.Hook{Path: script(t, "exit 0"), Timeout: seconds(0)}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRunStdinClosedEarly(t *testing.T) {
	// Far more than a pipe buffer, so the write fails with EPIPE.
	state := bytes.Repeat([]byte("x"), 4<<20)
	out, err := Run(specs.Hook{Path: script(t, "exec 0<&-; echo fine")}, state)
	if err != nil {
		t.Fatalf("Run = %v, want success", err)
	}
	if string(out) != "fine\n" {
		t.Errorf("output = %q", out)
	}
	if _, err := Run(specs.Hook{Path: script(t, "exec 0<&-; exit 4")}, state); err == nil || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("Run = %v, want exit status 4", err)
	}
}

func TestRunDaemonisingHook(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "bg.pid")
	// The background sleep keeps stdout open after the hook exits 0.
	path := script(t, "sleep 30 & echo $! > "+pidFile+"; echo forked")
	begin := time.Now()
	out, err := Run(specs.Hook{Path: path}, nil)
	elapsed := time.Since(begin)
	if data, rerr := os.ReadFile(pidFile); rerr == nil {
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			waitGone(t, pid)
		}
	}
	if err != nil {
		t.Fatalf("Run = %v, want success", err)
	}
	if string(out) != "forked\n" {
		t.Errorf("output = %q", out)
	}
	if elapsed > waitDelay+2*time.Second {
		t.Errorf("Run took %v: it waited for the background child", elapsed)
	}
}

func TestRunBadPath(t *testing.T) {
	for _, path := range []string{"relative/hook", "", filepath.Join(t.TempDir(), "missing")} {
		if _, err := Run(specs.Hook{Path: path}, nil); err == nil {
			t.Errorf("Run(%q) succeeded", path)
		}
	}
}

func TestRunAllStopsAtFirstFailure(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	bad := script(t, "echo no good; exit 3")
	hs := []specs.Hook{
		{Path: script(t, "exit 0")},
		{Path: bad},
		{Path: script(t, "touch "+marker)},
	}
	err := RunAll("prestart", hs, nil)
	if want := "prestart hook #1 (" + bad + "): exit status 3: no good"; err == nil || err.Error() != want {
		t.Errorf("RunAll = %v, want %q", err, want)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("hook after the failing one ran")
	}
	if err := RunAll("prestart", hs[:1], nil); err != nil {
		t.Errorf("RunAll of a good hook = %v", err)
	}
	if err := RunAll("prestart", nil, nil); err != nil {
		t.Errorf("RunAll of no hooks = %v", err)
	}
}

func TestRunAllContinue(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	bad0 := script(t, "exit 1")
	bad2 := script(t, "exit 2")
	hs := []specs.Hook{
		{Path: bad0},
		{Path: script(t, "touch "+marker)},
		{Path: bad2},
	}
	err := RunAllContinue("poststop", hs, nil)
	if err == nil {
		t.Fatal("RunAllContinue succeeded")
	}
	if _, serr := os.Stat(marker); serr != nil {
		t.Error("hook after a failing one did not run")
	}
	for _, want := range []string{
		"poststop hook #0 (" + bad0 + "): exit status 1",
		"poststop hook #2 (" + bad2 + "): exit status 2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Error("joined error does not unwrap to the exit error")
	}
	if err := RunAllContinue("poststop", hs[1:2], nil); err != nil {
		t.Errorf("RunAllContinue of a good hook = %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		writes []string
		want   string
	}{
		{[]string{"ab", "cd"}, "abcd"},
		{[]string{"abc", "def"}, "cdef"},
		{[]string{"abcdefgh"}, "efgh"},
		{[]string{"a", "bcdefg", "h"}, "efgh"},
		{nil, ""},
	}
	for _, tc := range tests {
		b := &tailBuffer{max: 4}
		for _, w := range tc.writes {
			if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		if got := string(b.Bytes()); got != tc.want {
			t.Errorf("after %q: %q, want %q", tc.writes, got, tc.want)
		}
	}
}

func TestOutputSuffix(t *testing.T) {
	long := strings.Repeat("x", maxErrOutput+10)
	tests := []struct{ out, want string }{
		{"", ""},
		{" \n\t", ""},
		{"  oops\n", ": oops"},
		{long, ": ..." + long[10:]},
		{"\xff\xfeok", ": ok"},
	}
	for _, tc := range tests {
		if got := outputSuffix([]byte(tc.out)); got != tc.want {
			t.Errorf("outputSuffix(%.20q) = %.30q, want %.30q", tc.out, got, tc.want)
		}
	}
}
