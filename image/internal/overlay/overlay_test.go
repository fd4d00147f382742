package overlay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// TestMount stacks two lower layers: the first is on top, its whiteout
// hides the second's file and its opaque directory the second's content.
func TestMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	for _, legacy := range []bool{false, true} {
		dir := t.TempDir()
		p := func(s string) string { return filepath.Join(dir, s) }
		for _, d := range []string{"top", "bottom/opq", "top/opq", "upper", "work", "merged"} {
			os.MkdirAll(p(d), 0o755)
		}
		os.WriteFile(p("bottom/f"), []byte("bottom"), 0o644)
		os.WriteFile(p("top/f"), []byte("top"), 0o644)
		os.WriteFile(p("bottom/gone"), nil, 0o644)
		os.WriteFile(p("bottom/opq/hidden"), nil, 0o644)
		unix.Mknod(p("top/gone"), unix.S_IFCHR, 0)
		unix.Setxattr(p("top/opq"), "trusted.overlay.opaque", []byte("y"), 0)
		mount := Mount
		if legacy {
			mount = func(target string, lowers []string, upper, work string) error {
				return mountLegacy(target, lowers, upper, work)
			}
		}
		if err := mount(p("merged"), []string{p("top"), p("bottom")}, p("upper"), p("work")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Unmount(p("merged"), unix.MNT_DETACH) })
		if data, _ := os.ReadFile(p("merged/f")); string(data) != "top" {
			t.Errorf("legacy=%v: f = %q, want the top layer's", legacy, data)
		}
		for _, hidden := range []string{"gone", "opq/hidden"} {
			if _, err := os.Lstat(p("merged/" + hidden)); !os.IsNotExist(err) {
				t.Errorf("legacy=%v: %s visible: %v", legacy, hidden, err)
			}
		}
		if err := Unmount(p("merged")); err != nil {
			t.Fatal(err)
		}
		if m, _ := mountinfo.Mounted(p("merged")); m {
			t.Errorf("legacy=%v: still mounted", legacy)
		}
	}
}

func TestMountErrorSaysWhy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	dir := t.TempDir()
	err := Mount(filepath.Join(dir, "merged"), []string{filepath.Join(dir, "missing")}, dir, dir)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("got %v, want an error naming the missing lower dir", err)
	}
}
