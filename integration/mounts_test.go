package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Tests of the container's filesystem: root, /dev, /proc protections,
// mounts from the config. Each shell script prints a marker line, then
// /proc/self/mountinfo, which splitMountinfo separates.

const mountinfoMarker = "--- mountinfo ---"

func withMountinfo(script string) string {
	return script + "; echo '" + mountinfoMarker + "'; cat /proc/self/mountinfo"
}

func splitMountinfo(t *testing.T, out string) (string, []mountEntry) {
	t.Helper()
	head, mi, ok := strings.Cut(out, mountinfoMarker+"\n")
	if !ok {
		t.Fatalf("no mountinfo in the output %q", out)
	}
	return head, parseMountinfo(mi)
}

func TestReadonlyRoot(t *testing.T) {
	t.Parallel()
	out := runSh(t, nil, withMountinfo(`touch /x 2>&1 && echo wrote; (echo x > /root/y) 2>&1 && echo wrote; true`))
	head, ms := splitMountinfo(t, out)
	if strings.Contains(head, "wrote") || strings.Count(head, "Read-only file system") != 2 {
		t.Errorf("writes to the readonly root: %q, want two Read-only file system errors", head)
	}
	if m, ok := findMount(ms, "/"); !ok || !m.hasOption("ro") {
		t.Errorf("root mount %+v, want ro", m)
	}
}

func TestWritableRoot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// a private rootfs: this one is written to
	rootfs := e.path("rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(filepath.Join(rootfsDir, "bin/busybox"), filepath.Join(rootfs, "bin/busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := e.newCtr("/bin/busybox", "sh", "-c", "/bin/busybox touch /written && echo ok")
	c.Spec.Root = &specs.Root{Path: rootfs}
	c.Spec.Mounts = c.Spec.Mounts[:1] // /proc only
	if out := c.runOK(); out != "ok\n" {
		t.Fatalf("output %q, want ok", out)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "written")); err != nil {
		t.Fatalf("the file written to a writable root: %v", err)
	}
}

// Masked files read empty (/dev/null over them), masked directories are
// empty; paths the kernel does not have (this one may lack /proc/kcore)
// stay absent.
func TestMaskedPaths(t *testing.T) {
	t.Parallel()
	masked := defaultSpec("x").Linux.MaskedPaths
	script := `for p in ` + strings.Join(masked, " ") + `; do
	if [ -d $p ]; then echo "$p dir $(ls -A $p | wc -l)"
	elif [ -e $p ]; then echo "$p file $(cat $p | wc -c)"
	else echo "$p absent"; fi
done`
	// CAP_SYS_RAWIO and CAP_SYS_ADMIN: reading must not fail for want of
	// a capability, only find nothing
	caps := []string{"CAP_SYS_RAWIO", "CAP_SYS_ADMIN", "CAP_SYSLOG"}
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	}, withMountinfo(script))
	head, ms := splitMountinfo(t, out)
	got := keyed(head)
	for _, p := range masked {
		want := "absent"
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			want = "dir 0"
		} else if err == nil {
			want = "file 0"
		}
		if got[p] != want {
			t.Errorf("masked %s: %q inside, want %q", p, got[p], want)
		}
		if _, ok := findMount(ms, p); want != "absent" && !ok {
			t.Errorf("no mount over the masked %s", p)
		}
	}
}

func TestReadonlyPaths(t *testing.T) {
	t.Parallel()
	// CAP_SYS_ADMIN so that only the read-only mount, not a missing
	// capability, can refuse the write (to the container's own hostname).
	out := runSh(t, func(_ *env, s *specs.Spec) {
		caps := []string{"CAP_SYS_ADMIN"}
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	}, withMountinfo(`(echo changed > /proc/sys/kernel/hostname) 2>&1 && echo wrote; true`))
	head, ms := splitMountinfo(t, out)
	if strings.Contains(head, "wrote") || !strings.Contains(head, "Read-only file system") {
		t.Errorf("write to /proc/sys: %q, want Read-only file system", head)
	}
	for _, p := range defaultSpec("x").Linux.ReadonlyPaths {
		if _, err := os.Stat(p); err != nil {
			continue // this kernel has no such file: nothing to protect
		}
		if m, ok := findMount(ms, p); !ok || !m.hasOption("ro") {
			t.Errorf("mount at %s: %+v (found %v), want ro", p, m, ok)
		}
	}
}

func TestDev(t *testing.T) {
	t.Parallel()
	script := `for d in null zero full random urandom tty; do stat -c "$d %F %t:%T" /dev/$d; done
for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done
echo x > /dev/null && echo null-write ok
echo zero-read $(head -c 5 /dev/zero | wc -c)
echo urandom-read $(head -c 7 /dev/urandom | wc -c)
echo x 2>/dev/null > /dev/full || echo full-write refused`
	out := runSh(t, nil, withMountinfo(script))
	head, ms := splitMountinfo(t, out)
	got := keyed(head)
	want := map[string]string{
		"null": "character special file 1:3", "zero": "character special file 1:5",
		"full": "character special file 1:7", "random": "character special file 1:8",
		"urandom": "character special file 1:9", "tty": "character special file 5:0",
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
		"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx",
		"null-write": "ok", "zero-read": "5", "urandom-read": "7", "full-write": "refused",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("/dev: %s is %q, want %q", k, got[k], v)
		}
	}
	for mp, fstype := range map[string]string{"/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue"} {
		if m, ok := findMount(ms, mp); !ok || m.FSType != fstype {
			t.Errorf("mount at %s: %+v (found %v), want %s", mp, m, ok, fstype)
		}
	}
	if t.Failed() {
		t.Logf("container output:\n%s", head)
	}
}

func TestLinuxDevices(t *testing.T) {
	t.Parallel()
	mode := os.FileMode(0o640)
	uid, gid := uint32(1234), uint32(5678)
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/mydev", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid}}
	}, "ls -ln /dev/mydev")
	l := lines(out)
	if len(l) != 1 {
		t.Fatalf("output %q, want one line of ls -ln", out)
	}
	f := strings.Fields(l[0])
	if len(f) < 6 || f[0] != "crw-r-----" || f[2] != "1234" || f[3] != "5678" || f[4] != "1," || f[5] != "3" {
		t.Fatalf("ls -ln /dev/mydev: %q, want crw-r----- 1234 5678 1, 3", l[0])
	}
}

func TestBindMount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	host := filepath.Dir(e.writeHostFile("host/in", "from-host\n"))
	c := e.newCtr("sh", "-c", withMountinfo("cat /mnt/h/in; echo from-container > /mnt/h/out"))
	c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/mnt/h", Type: "bind", Source: host, Options: []string{"rbind", "rw"}})
	head, ms := splitMountinfo(t, c.runOK())
	if head != "from-host\n" {
		t.Errorf("the host file reads %q inside, want from-host", head)
	}
	if got := readFile(t, filepath.Join(host, "out")); got != "from-container\n" {
		t.Errorf("the file written inside reads %q on the host", got)
	}
	if m, ok := findMount(ms, "/mnt/h"); !ok || m.hasOption("ro") {
		t.Errorf("mount at /mnt/h: %+v (found %v), want rw", m, ok)
	}
}

func TestBindMountReadonly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	host := filepath.Dir(e.writeHostFile("host/in", "from-host\n"))
	c := e.newCtr("sh", "-c", withMountinfo("cat /mnt/ro/in; (echo x > /mnt/ro/out) 2>&1 || echo refused"))
	c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{Destination: "/mnt/ro", Type: "bind", Source: host, Options: []string{"rbind", "ro"}})
	head, ms := splitMountinfo(t, c.runOK())
	if !strings.HasPrefix(head, "from-host\n") || !strings.Contains(head, "Read-only file system") || !strings.HasSuffix(head, "refused\n") {
		t.Errorf("output %q, want the host file, then a refused write", head)
	}
	if _, err := os.Stat(filepath.Join(host, "out")); err == nil {
		t.Errorf("the write went through to the host")
	}
	if m, ok := findMount(ms, "/mnt/ro"); !ok || !m.hasOption("ro") {
		t.Errorf("mount at /mnt/ro: %+v (found %v), want ro", m, ok)
	}
}

func TestTmpfsMount(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "size=1m", "mode=1770"}})
	}, withMountinfo("stat -c 'mode %a' /scratch; echo x > /scratch/f && echo write ok"))
	head, ms := splitMountinfo(t, out)
	if head != "mode 1770\nwrite ok\n" {
		t.Errorf("output %q, want mode 1770 and a write", head)
	}
	m, ok := findMount(ms, "/scratch")
	if !ok || m.FSType != "tmpfs" || !m.hasSuper("size=1024k") || !m.hasSuper("mode=1770") || !m.hasOption("nosuid") || !m.hasOption("nodev") {
		t.Errorf("mount at /scratch: %+v (found %v), want tmpfs nosuid,nodev size=1024k,mode=1770", m, ok)
	}
}

// tmpcopyup fills a tmpfs with what the rootfs had at its mountpoint.
func TestTmpfsCopyUp(t *testing.T) {
	t.Parallel()
	out := runSh(t, func(_ *env, s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "mode=755"}})
	}, withMountinfo("head -n 1 /etc/passwd; echo new > /etc/new && echo write ok"))
	head, ms := splitMountinfo(t, out)
	if head != "root:x:0:0:root:/root:/bin/sh\nwrite ok\n" {
		t.Errorf("output %q, want the rootfs's /etc/passwd and a write", head)
	}
	if m, ok := findMount(ms, "/etc"); !ok || m.FSType != "tmpfs" {
		t.Errorf("mount at /etc: %+v (found %v), want tmpfs", m, ok)
	}
	if _, err := os.Stat(filepath.Join(rootfsDir, "etc/new")); err == nil {
		t.Errorf("the write reached the rootfs")
	}
}
