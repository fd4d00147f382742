package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Tests of process.apparmorProfile, process.selinuxLabel and
// linux.mountLabel. Where the host lacks the module, a config asking for it
// is refused with nothing left behind. Where it has AppArmor (the cgroup2 VM,
// which sets REQUIRE_APPARMOR=1 so that these tests cannot skip there), a
// profile loaded by the test confines the container's processes.

const testSELinuxLabel = "system_u:system_r:container_t:s0"

// hostAppArmor is runc's test for an enabled AppArmor.
func hostAppArmor() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	if err != nil || !strings.HasPrefix(string(b), "Y") {
		return false
	}
	_, err = os.Stat("/sys/kernel/security/apparmor")
	return err == nil
}

// hostSELinux reports whether selinuxfs is mounted.
func hostSELinux() bool {
	_, err := os.Stat("/sys/fs/selinux/enforce")
	return err == nil
}

// requireAppArmor skips t unless AppArmor is enabled and apparmor_parser is
// installed; with REQUIRE_APPARMOR=1 their absence fails t instead.
func requireAppArmor(t *testing.T) {
	t.Helper()
	why := ""
	if !hostAppArmor() {
		why = "AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled, securityfs)"
	} else if _, err := exec.LookPath("apparmor_parser"); err != nil {
		why = "apparmor_parser is not installed (Debian package apparmor)"
	}
	if why == "" {
		return
	}
	if os.Getenv("REQUIRE_APPARMOR") == "1" {
		t.Fatalf("REQUIRE_APPARMOR=1: %s", why)
	}
	t.Skip(why)
}

// A profile or label the host cannot apply fails create and run, naming the
// field, and leaves nothing behind.
func TestLSMRefused(t *testing.T) {
	t.Parallel()
	hullOnly(t, "hull's texts; runc fails later, at the write to procfs")
	cases := []struct {
		name    string
		present bool
		mod     func(*specs.Spec)
		want    string
	}{
		{"apparmorProfile", hostAppArmor(), func(s *specs.Spec) { s.Process.ApparmorProfile = "hull-test" },
			`config.json: process.apparmorProfile: AppArmor is not enabled on this host (profile "hull-test")`},
		{"selinuxLabel", hostSELinux(), func(s *specs.Spec) { s.Process.SelinuxLabel = testSELinuxLabel },
			`config.json: process.selinuxLabel: SELinux is not enabled on this host (label "` + testSELinuxLabel + `")`},
		{"mountLabel", hostSELinux(), func(s *specs.Spec) { s.Linux.MountLabel = testSELinuxLabel },
			`config.json: linux.mountLabel: SELinux is not enabled on this host (label "` + testSELinuxLabel + `")`},
	}
	for _, tc := range cases {
		for _, command := range []string{"create", "run"} {
			t.Run(tc.name+"/"+command, func(t *testing.T) {
				t.Parallel()
				if tc.present {
					t.Skip("this host has the security module")
				}
				e := newEnv(t)
				c := e.newCtr("true")
				tc.mod(c.Spec)
				var r result
				if command == "create" {
					r = c.create()
				} else {
					r = c.run()
				}
				if r.code == 0 || strings.TrimSpace(r.stderr) != "hull: "+tc.want {
					t.Errorf("%s\nwant a failure saying: hull: %s", r, tc.want)
				}
				e.assertNoTrace(c.ID)
			})
		}
	}
}

// exec --apparmor, --process-label and a --process json with a label are
// refused on a host without the module; the container is not disturbed.
func TestLSMRefusedExec(t *testing.T) {
	t.Parallel()
	hullOnly(t, "hull's texts")
	e := newEnv(t)
	c := e.newCtr("sleep", "1000")
	c.mustCreate()
	c.mustStart()
	pj := e.writeHostFile("process.json",
		`{"args": ["true"], "cwd": "/", "apparmorProfile": "hull-test", "user": {"uid": 0, "gid": 0}}`)
	cases := []struct {
		present bool
		args    []string
		want    string
	}{
		{hostAppArmor(), []string{"--apparmor", "hull-test", c.ID, "true"},
			`exec: process.apparmorProfile: AppArmor is not enabled on this host (profile "hull-test")`},
		{hostAppArmor(), []string{"-p", pj, c.ID},
			`exec: process.apparmorProfile: AppArmor is not enabled on this host (profile "hull-test")`},
		{hostSELinux(), []string{"--process-label", testSELinuxLabel, c.ID, "true"},
			`exec: process.selinuxLabel: SELinux is not enabled on this host (label "` + testSELinuxLabel + `")`},
	}
	ran := 0
	for _, tc := range cases {
		if tc.present {
			continue
		}
		ran++
		r := e.run(append([]string{"exec"}, tc.args...)...)
		if r.code == 0 || strings.TrimSpace(r.stderr) != "hull: "+tc.want {
			t.Errorf("%s\nwant a failure saying: hull: %s", r, tc.want)
		}
	}
	if ran == 0 {
		t.Skip("this host has AppArmor and SELinux")
	}
	c.wantStatus("running")
}

// appArmorScript prints the process's label and tries a write the test
// profile allows and one it denies, both in a world-writable tmpfs, so that
// nothing but AppArmor can refuse the second.
const appArmorScript = `cat /proc/self/attr/current; echo
if echo x > /dev/shm/hull-allowed; then echo allowed written; else echo allowed refused; fi
if echo x > /dev/shm/hull-denied; then echo denied written; else echo denied refused; fi`

// loadTestProfile loads a profile that allows everything but writing
// /dev/shm/hull-denied, named after this test process, and unloads it when
// t ends.
func loadTestProfile(t *testing.T, e *env) string {
	t.Helper()
	name := fmt.Sprintf("hull-test-%d", os.Getpid())
	text := fmt.Sprintf(`profile %s flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
  deny /dev/shm/hull-denied w,
}
`, name)
	path := e.writeHostFile(name+".profile", text)
	if out, err := exec.Command("apparmor_parser", "-r", "-K", path).CombinedOutput(); err != nil {
		t.Fatalf("apparmor_parser -r %s: %v\n%s", path, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("apparmor_parser", "-R", path).CombinedOutput(); err != nil {
			t.Errorf("apparmor_parser -R %s: %v\n%s", path, err, out)
		}
	})
	return name
}

// checkConfined checks appArmorScript's output under profile ("" for none).
func checkConfined(t *testing.T, out, profile string) {
	t.Helper()
	label, denied := profile+" (enforce)", "denied refused"
	if profile == "" {
		label, denied = "unconfined", "denied written"
	}
	t.Logf("container output %q", out)
	want := []string{label, "allowed written", denied}
	if got := lines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("container output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

func TestAppArmorProfile(t *testing.T) {
	requireRoot(t)
	requireAppArmor(t)
	profile := loadTestProfile(t, newEnv(t))
	for _, nnp := range []bool{true, false} {
		t.Run(fmt.Sprintf("run/noNewPrivileges=%v", nnp), func(t *testing.T) {
			out := runSh(t, func(_ *env, s *specs.Spec) {
				s.Process.ApparmorProfile = profile
				s.Process.NoNewPrivileges = nnp
			}, appArmorScript)
			checkConfined(t, out, profile)
		})
	}
	// the same script without a profile writes both files: the refusal
	// above is the profile's doing
	t.Run("run/unconfined", func(t *testing.T) {
		checkConfined(t, runSh(t, nil, appArmorScript), "")
	})
	t.Run("exec", func(t *testing.T) {
		e := newEnv(t)
		c := e.newCtr("sleep", "1000")
		c.mustCreate()
		c.mustStart()
		r := e.run("exec", c.ID, "sh", "-c", appArmorScript)
		checkConfined(t, r.stdout, "")
		r = e.run("exec", "--apparmor", profile, c.ID, "sh", "-c", appArmorScript)
		checkConfined(t, r.stdout, profile)
		p, err := json.Marshal(specs.Process{
			Args: []string{"sh", "-c", appArmorScript}, Cwd: "/", ApparmorProfile: profile,
			Env: []string{"PATH=/usr/bin:/bin"},
		})
		if err != nil {
			t.Fatal(err)
		}
		r = e.run("exec", "-p", e.writeHostFile("process.json", string(p)), c.ID)
		checkConfined(t, r.stdout, profile)
	})
	// a container's profile applies to the processes exec'd into it
	t.Run("exec/inherited", func(t *testing.T) {
		e := newEnv(t)
		c := e.newCtr("sleep", "1000")
		c.Spec.Process.ApparmorProfile = profile
		c.mustCreate()
		c.mustStart()
		checkConfined(t, e.run("exec", c.ID, "sh", "-c", appArmorScript).stdout, profile)
	})
	t.Run("unknown profile", func(t *testing.T) {
		e := newEnv(t)
		c := e.newCtr("true")
		c.Spec.Process.ApparmorProfile = profile + "-missing"
		r := c.create()
		t.Logf("create: exit %d, %s", r.code, strings.TrimSpace(r.stderr))
		want := fmt.Sprintf("process.apparmorProfile %q: profile not loaded", profile+"-missing")
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s\nwant a failure naming %s", r, want)
		}
		e.assertNoTrace(c.ID)
	})
	// CVE-2019-16884, CVE-2025-52881: a mount over the attr directory must
	// not absorb the write that applies the profile (the init is pid 1 of
	// its pid namespace; /proc/thread-self is /proc/1/task/1)
	t.Run("attr under a mount", func(t *testing.T) {
		hullOnly(t, "hull's message")
		e := newEnv(t)
		c := e.newCtr("true")
		c.Spec.Process.ApparmorProfile = profile
		c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/proc/1/task/1/attr/apparmor", Type: "tmpfs", Source: "tmpfs"})
		r := c.create()
		t.Logf("create: exit %d, %s", r.code, strings.TrimSpace(r.stderr))
		if want := "invalid cross-device link"; r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s\nwant a failure saying %s", r, want)
		}
		e.assertNoTrace(c.ID)
	}) // without procfs at /proc the write would go to a plain file
	t.Run("no procfs", func(t *testing.T) {
		hullOnly(t, "hull's message")
		e := newEnv(t)
		c := e.newCtr("true")
		c.Spec.Process.ApparmorProfile = profile
		c.Spec.Mounts[0] = specs.Mount{Destination: "/proc", Type: "tmpfs", Source: "tmpfs"}
		r := c.create()
		t.Logf("create: exit %d, %s", r.code, strings.TrimSpace(r.stderr))
		if want := "/proc is not the root of a procfs mount"; r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s\nwant a failure saying %s", r, want)
		}
		e.assertNoTrace(c.ID)
	})
}
