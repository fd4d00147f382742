package layer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	it "github.com/hull-oci/hull/image/internal/imagetest"
)

// TestMaliciousLayers applies layers made to write outside the root. Each
// must fail with ErrUnsafePath and leave the directory next to the root,
// which their links aim at, untouched.
func TestMaliciousLayers(t *testing.T) {
	requireRoot(t)
	for _, overlay := range []bool{false, true} {
		for name, mk := range map[string]func(outside string) [][]it.Entry{
			"dotdot name":   func(string) [][]it.Entry { return [][]it.Entry{{it.File("../pwned", "x", 0o644)}} },
			"dotdot inside": func(string) [][]it.Entry { return [][]it.Entry{{it.File("a/../../pwned", "x", 0o644)}} },
			"absolute name": func(o string) [][]it.Entry { return [][]it.Entry{{it.File(o+"/pwned", "x", 0o644)}} },
			"absolute symlink parent": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", o), it.File("evil/pwned", "x", 0o644)}}
			},
			"relative symlink parent": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", "../../../../../../../.."+o), it.File("evil/pwned", "x", 0o644)}}
			},
			"symlink parent from lower layer": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", o)}, {it.Dir("evil/sub", 0o755)}}
			},
			"symlink chain": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("a", "b"), it.Symlink("b", o), it.File("a/pwned", "x", 0o644)}}
			},
			"hardlink dotdot":   func(string) [][]it.Entry { return [][]it.Entry{{it.Hardlink("h", "../../../etc/passwd")}} },
			"hardlink absolute": func(string) [][]it.Entry { return [][]it.Entry{{it.Hardlink("h", "/etc/passwd")}} },
			"hardlink through symlink": func(string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", "/etc"), it.Hardlink("h", "evil/passwd")}}
			},
			"whiteout through symlink": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", o)}, {it.Whiteout("evil/victim")}}
			},
			"opaque through symlink": func(o string) [][]it.Entry {
				return [][]it.Entry{{it.Symlink("evil", o)}, {it.Opaque("evil")}}
			},
			"whiteout of dot":    func(string) [][]it.Entry { return [][]it.Entry{{it.File("d/.wh..", "", 0o644)}} },
			"whiteout of dotdot": func(string) [][]it.Entry { return [][]it.Entry{{it.File("d/.wh...", "", 0o644)}} },
		} {
			t.Run(name+map[bool]string{false: "", true: " (overlay)"}[overlay], func(t *testing.T) {
				top := t.TempDir()
				root, outside := filepath.Join(top, "rootfs"), filepath.Join(top, "outside")
				for _, d := range []string{root, outside} {
					os.Mkdir(d, 0o755)
				}
				os.WriteFile(filepath.Join(outside, "victim"), []byte("safe"), 0o644)
				before := it.Tree(t, outside)
				err := apply(t, root, Options{Overlay: overlay}, mk(outside)...)
				if !errors.Is(err, ErrUnsafePath) {
					t.Errorf("got error %v, want ErrUnsafePath", err)
				}
				if after := it.Tree(t, outside); len(after) != len(before) || after["victim"] != before["victim"] {
					t.Errorf("outside changed: %v -> %v", before, after)
				}
			})
		}
	}
}

// TestReplaceSymlinkNotFollowed checks that the last component of an
// entry is never followed: a file or directory entry replaces a symlink
// planted in its place instead of writing where it points.
func TestReplaceSymlinkNotFollowed(t *testing.T) {
	requireRoot(t)
	top := t.TempDir()
	root, outside := filepath.Join(top, "rootfs"), filepath.Join(top, "outside")
	os.Mkdir(root, 0o755)
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "f"), []byte("safe"), 0o644)
	err := apply(t, root, Options{},
		[]it.Entry{it.Symlink("f", outside+"/f"), it.Symlink("d", outside)},
		[]it.Entry{it.File("f", "inside", 0o600), it.Dir("d", 0o700)},
	)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "f")); string(data) != "safe" {
		t.Errorf("outside/f: %q, want it untouched", data)
	}
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o755 {
		t.Errorf("outside: mode %v, want 0755 untouched", fi.Mode().Perm())
	}
	tree := it.Tree(t, root)
	if tree["d"] != "dir 0700 0:0" {
		t.Errorf("d: %s, want a directory in place of the symlink", tree["d"])
	}
}

// TestTruncatedTar checks that a tar cut short is an error.
func TestTruncatedTar(t *testing.T) {
	data := it.Tar(t, it.File("f", string(make([]byte, 4096)), 0o644))
	_, err := Apply(t.TempDir(), bytes.NewReader(data[:1024]), Options{})
	if err == nil {
		t.Fatal("want an error for a truncated layer")
	}
}
