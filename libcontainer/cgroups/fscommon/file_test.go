package fscommon

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTree returns a temporary directory registered as a fake cgroup root.
func fakeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Cleanup(AddFakeRoot(root))
	return root
}

func TestWriteFileErrorNamesFileAndValue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone") // not a fake tree
	err := WriteFile(dir, "cgroup.procs", "123")
	want := `write "123" to ` + dir + `/cgroup.procs: no such file or directory`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestWriteFileOutsideFakeTreeCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, "cgroup.procs", "1"); err == nil {
		t.Fatal("WriteFile created a file outside any fake tree")
	}
}

func TestWriteReadFakeTree(t *testing.T) {
	root := fakeTree(t)
	if err := WriteFile(root, "pids.max", "100"); err != nil {
		t.Fatal(err)
	}
	// A second write replaces the value, as on cgroupfs.
	if err := WriteFile(root, "pids.max", "7"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(root, "pids.max")
	if err != nil || got != "7" {
		t.Fatalf("ReadFile = %q, %v; want \"7\"", got, err)
	}
}

func TestIsUnder(t *testing.T) {
	for _, c := range []struct {
		dir, path string
		want      bool
	}{
		{"/sys/fs/cgroup", "/sys/fs/cgroup", true},
		{"/sys/fs/cgroup", "/sys/fs/cgroup/a", true},
		{"/sys/fs/cgroup", "/sys/fs/cgroupx", false},
		{"/sys/fs/cgroup", "/sys/fs", false},
		{"/", "/a", true},
	} {
		if got := IsUnder(c.dir, c.path); got != c.want {
			t.Errorf("IsUnder(%q, %q) = %v", c.dir, c.path, got)
		}
	}
}

func TestPoll(t *testing.T) {
	calls := 0
	err := Poll(time.Now().Add(time.Second), func() (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Poll = %v after %d calls; want nil after 3", err, calls)
	}

	start := time.Now()
	err = Poll(start.Add(20*time.Millisecond), func() (bool, error) { return false, nil })
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Poll = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond || d > time.Second {
		t.Errorf("Poll gave up after %v, want about 20ms", d)
	}

	busy := errors.New("busy")
	err = Poll(time.Now().Add(5*time.Millisecond), func() (bool, error) { return false, busy })
	if err != busy {
		t.Fatalf("Poll = %v, want the last error", err)
	}
}

func TestReadPidsAndAllPids(t *testing.T) {
	root := fakeTree(t)
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, ProcsFile, "1\n2\n")
	write(t, filepath.Join(root, "a"), ProcsFile, "")
	write(t, sub, ProcsFile, "30\n")
	pids, err := ReadPids(root)
	if err != nil || len(pids) != 2 || pids[0] != 1 || pids[1] != 2 {
		t.Fatalf("ReadPids = %v, %v", pids, err)
	}
	all, err := AllPids(root)
	if err != nil || len(all) != 3 || all[2] != 30 {
		t.Fatalf("AllPids = %v, %v", all, err)
	}
	write(t, sub, ProcsFile, "x\n")
	if _, err := AllPids(root); err == nil || !strings.Contains(err.Error(), `bad pid "x"`) {
		t.Fatalf("AllPids on garbage = %v", err)
	}
}

func write(t *testing.T, dir, file, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
}
