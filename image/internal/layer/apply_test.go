package layer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	it "github.com/hull-oci/hull/image/internal/imagetest"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: chown, mknod and trusted xattrs")
	}
}

// apply applies the layers in order to root.
func apply(t *testing.T, root string, opts Options, layers ...[]it.Entry) error {
	t.Helper()
	for _, l := range layers {
		if _, err := Apply(root, bytes.NewReader(it.Tar(t, l...)), opts); err != nil {
			return err
		}
	}
	return nil
}

func TestCleanName(t *testing.T) {
	for name, want := range map[string]string{
		"./": "", ".": "", "a": "a", "./a/b/": "a/b", "a//b/./c": "a/b/c",
	} {
		if got, err := cleanName(name); err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"/etc/passwd", "../x", "a/../../x", "a/..", "/"} {
		if _, err := cleanName(name); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("cleanName(%q): got %v, want ErrUnsafePath", name, err)
		}
	}
}

func TestEntryTypes(t *testing.T) {
	requireRoot(t)
	root := t.TempDir()
	mtime := time.Unix(1600000000, 0)
	err := apply(t, root, Options{}, []it.Entry{
		it.Dir("./", 0o755),
		it.Dir("d", 0o750).Owned(1000, 1000),
		it.File("d/f", "hello", 0o640).Owned(1000, 1001).Xattr("user.color", "blue").At(mtime),
		it.File("d/suid", "x", 0o4755),
		it.Hardlink("d/hl", "d/f"),
		it.Symlink("d/sl", "f").Owned(7, 8),
		it.Symlink("d/abs", "/etc/passwd"),
		it.Fifo("d/fifo", 0o600),
		it.CharDev("d/null", 1, 3),
		it.File("deep/er/file", "implicit parents", 0o600),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := it.Epoch.Unix()
	it.Expect(t, it.Tree(t, root), map[string]string{
		"d":            "dir 0750 1000:1000",
		"d/f":          `file 0640 1000:1001 "hello" nlink=2 user.color=blue mtime=1600000000`,
		"d/hl":         `file 0640 1000:1001 "hello" nlink=2 user.color=blue mtime=1600000000`,
		"d/suid":       fmt.Sprintf(`file 4755 0:0 "x" nlink=1 mtime=%d`, e),
		"d/sl":         fmt.Sprintf("symlink f 7:8 mtime=%d", e),
		"d/abs":        fmt.Sprintf("symlink /etc/passwd 0:0 mtime=%d", e),
		"d/fifo":       fmt.Sprintf("fifo 0600 0:0 mtime=%d", e),
		"d/null":       fmt.Sprintf("char 1:3 0666 0:0 mtime=%d", e),
		"deep":         "dir 0755 0:0",
		"deep/er":      "dir 0755 0:0",
		"deep/er/file": fmt.Sprintf(`file 0600 0:0 "implicit parents" nlink=1 mtime=%d`, e),
	})
	var st os.FileInfo
	if st, err = os.Stat(filepath.Join(root, "d")); err != nil || !st.ModTime().Equal(it.Epoch) {
		t.Errorf("d: mtime %v, %v; want %v (set after its entries)", st.ModTime(), err, it.Epoch)
	}
}

func TestSecondLayerReplaces(t *testing.T) {
	requireRoot(t)
	root := t.TempDir()
	err := apply(t, root, Options{},
		[]it.Entry{it.Dir("d", 0o755), it.File("d/f", "old", 0o644), it.File("x", "file", 0o644), it.Dir("y", 0o700), it.File("y/z", "", 0o644)},
		[]it.Entry{it.Dir("d", 0o711).Owned(3, 3), it.Symlink("d/f", "elsewhere"), it.Dir("x", 0o755), it.File("y", "now a file", 0o600)},
	)
	if err != nil {
		t.Fatal(err)
	}
	e := it.Epoch.Unix()
	it.Expect(t, it.Tree(t, root), map[string]string{
		"d":   "dir 0711 3:3",
		"d/f": fmt.Sprintf("symlink elsewhere 0:0 mtime=%d", e),
		"x":   "dir 0755 0:0",
		"y":   fmt.Sprintf(`file 0600 0:0 "now a file" nlink=1 mtime=%d`, e),
		"y/z": "",
	})
}

// lower is a base layer the whiteout tests delete from.
var lower = []it.Entry{
	it.Dir("etc", 0o755), it.File("etc/marker", "base", 0o644), it.File("etc/gone", "x", 0o644), it.File("etc/keep", "k", 0o644),
	it.Dir("data", 0o755), it.File("data/a", "a", 0o644), it.Dir("data/sub", 0o755), it.File("data/sub/b", "b", 0o644),
	it.Dir("opq", 0o755), it.File("opq/old", "", 0o644), it.Dir("opq/olddir", 0o755), it.File("opq/olddir/f", "", 0o644),
	it.Dir("dirtofile", 0o755), it.File("dirtofile/x", "", 0o644),
	it.File("filetodir", "f", 0o644),
	it.Dir("wdir", 0o755), it.File("wdir/y", "", 0o644),
	it.Dir("redo", 0o755), it.File("redo/old", "", 0o644),
}

// upper deletes and replaces, with whiteouts before and after the entries
// of the same layer (which they must spare).
var upper = []it.Entry{
	it.Whiteout("etc/gone"),
	it.File("etc/marker", "replaced", 0o644),
	it.Whiteout("wdir"),
	it.Dir("opq", 0o755), it.Opaque("opq"), it.File("opq/new", "n", 0o644),
	it.File("dirtofile", "now a file", 0o644),
	it.Dir("filetodir", 0o755), it.File("filetodir/z", "", 0o644),
	it.Dir("same", 0o755), it.File("same/f", "mine", 0o644), it.Whiteout("same/f"),
	it.File("data/sub/new", "new", 0o644), it.Opaque("data"),
	it.Whiteout("redo"), it.Dir("redo", 0o755), it.File("redo/new", "", 0o644),
	it.Whiteout("never/existed"),
}

func TestCopyWhiteouts(t *testing.T) {
	requireRoot(t)
	root := t.TempDir()
	if err := apply(t, root, Options{}, lower, upper); err != nil {
		t.Fatal(err)
	}
	tree := it.Tree(t, root)
	for p, want := range map[string]bool{
		"etc/gone": false, "etc/keep": true, "wdir": false, "wdir/y": false,
		"opq/old": false, "opq/olddir": false, "opq/new": true,
		"filetodir/z": true, "same/f": true, "same/.wh.f": false,
		"data/a": false, "data/sub/b": false, "data/sub/new": true, "data/.wh..wh..opq": false,
		"redo/old": false, "redo/new": true, "never": false,
	} {
		if _, ok := tree[p]; ok != want {
			t.Errorf("%s: present %v, want %v", p, ok, want)
		}
	}
	if got := tree["etc/marker"]; !strings.Contains(got, `"replaced"`) {
		t.Errorf("etc/marker: %s", got)
	}
	if got := tree["dirtofile"]; !strings.HasPrefix(got, "file ") {
		t.Errorf("dirtofile: %s, want a file", got)
	}
}

func TestOverlayWhiteouts(t *testing.T) {
	requireRoot(t)
	root := t.TempDir()
	if err := apply(t, root, Options{Overlay: true}, upper); err != nil {
		t.Fatal(err)
	}
	e := it.Epoch.Unix()
	tree := it.Tree(t, root)
	whiteout := func(p string) {
		if got := tree[p]; !strings.HasPrefix(got, "char 0:0 0000 0:0") {
			t.Errorf("%s: %q, want a whiteout device", p, got)
		}
	}
	whiteout("etc/gone")
	whiteout("wdir")
	whiteout("never/existed")
	it.Expect(t, tree, map[string]string{
		"opq":        "dir 0755 0:0 trusted.overlay.opaque=y",
		"data":       "dir 0755 0:0 trusted.overlay.opaque=y",
		"redo":       "dir 0755 0:0 trusted.overlay.opaque=y",
		"same":       "dir 0755 0:0",
		"same/f":     fmt.Sprintf(`file 0644 0:0 "mine" nlink=1 mtime=%d`, e),
		"same/.wh.f": "",
		"filetodir":  "dir 0755 0:0",
	})
}

func TestParentSymlinkInsideRoot(t *testing.T) {
	requireRoot(t)
	root := t.TempDir()
	err := apply(t, root, Options{},
		[]it.Entry{it.Dir("usr", 0o755), it.Dir("usr/lib", 0o755), it.Symlink("lib", "usr/lib"), it.Symlink("usr/lib64", "../lib")},
		[]it.Entry{it.File("lib/x", "via lib", 0o644), it.File("usr/lib64/y", "via lib64", 0o644)},
	)
	if err != nil {
		t.Fatal(err)
	}
	tree := it.Tree(t, root)
	if !strings.Contains(tree["usr/lib/x"], "via lib") || !strings.Contains(tree["usr/lib/y"], "via lib64") {
		t.Errorf("usr/lib/x: %q, usr/lib/y: %q; want files written through in-root symlinks", tree["usr/lib/x"], tree["usr/lib/y"])
	}
}
