package devices

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// cgroup2Dir makes a fresh cgroup in the machine's cgroup2 hierarchy (the
// whole tree on v2, /sys/fs/cgroup/unified on hybrid), removed at the end.
func cgroup2Dir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(root, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			dir, err := os.MkdirTemp(root, "hull-devices-test.")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(dir) })
			return dir
		}
	}
	t.Skip("no cgroup2 hierarchy")
	return ""
}

// writeNull runs a shell in cgroup dir that writes to /dev/null.
func writeNull(dir string) error {
	procs := filepath.Join(dir, "cgroup.procs")
	return exec.Command("/bin/sh", "-c", `echo $$ > "$1" && exec sh -c ': > /dev/null'`, "sh", procs).Run()
}

// TestAttachEnforces loads real programs: the kernel must accept what
// Program emits, enforce it, and Attach must replace the old program.
func TestAttachEnforces(t *testing.T) {
	dir := cgroup2Dir(t)
	deny := []Rule{{Type: 'a', Access: "rwm"}}
	if err := Attach(dir, deny); err != nil {
		t.Fatal(err)
	}
	if err := writeNull(dir); err == nil {
		t.Fatal("write to /dev/null allowed under a deny-all program")
	}
	allow := append(deny, Rule{Type: 'c', Major: 1, Minor: 3, Access: "w", Allow: true})
	if err := Attach(dir, allow); err != nil {
		t.Fatal(err)
	}
	if err := writeNull(dir); err != nil {
		t.Fatalf("write to /dev/null refused after the program was replaced: %v", err)
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ids, err := queryPrograms(fd); err != nil || len(ids) != 1 {
		t.Fatalf("programs attached after a replace: %v (%v), want exactly 1", ids, err)
	}
}
