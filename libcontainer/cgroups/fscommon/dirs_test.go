package fscommon

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMkdirReportsWhatItMade(t *testing.T) {
	root := fakeTree(t)
	leaf := filepath.Join(root, "a", "b", "c")
	made, err := Mkdir(leaf)
	want := []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b"), leaf}
	if err != nil || !slices.Equal(made, want) {
		t.Fatalf("Mkdir = %v, %v; want %v", made, err, want)
	}
	made, err = Mkdir(leaf)
	if err != nil || made != nil {
		t.Fatalf("Mkdir of an existing dir = %v, %v; want nothing made", made, err)
	}
	sibling := filepath.Join(root, "a", "x")
	if made, err = Mkdir(sibling); err != nil || !slices.Equal(made, []string{sibling}) {
		t.Fatalf("Mkdir = %v, %v; want [%s]", made, err, sibling)
	}
}

func TestMkdirRefusesAFile(t *testing.T) {
	root := fakeTree(t)
	write(t, root, ProcsFile, "")
	if _, err := Mkdir(filepath.Join(root, ProcsFile)); err == nil {
		t.Fatal("Mkdir accepted a file as a cgroup")
	}
}

func TestRemoveCgroups(t *testing.T) {
	root := fakeTree(t)
	shared := filepath.Join(root, "pod")   // made by us, shared later
	leaf := filepath.Join(shared, "ctr")   // made by us
	nested := filepath.Join(leaf, "inner") // made by the container
	other := filepath.Join(shared, "other")
	for _, d := range []string{nested, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, d, ProcsFile, "")
	}
	write(t, leaf, ProcsFile, "")
	missing := filepath.Join(root, "never-made")

	if err := RemoveCgroups([]string{leaf, missing}, []string{shared}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leaf); !os.IsNotExist(err) {
		t.Errorf("leaf %s still there (%v)", leaf, err)
	}
	// The parent has another container's cgroup in it: it stays.
	if _, err := os.Stat(other); err != nil {
		t.Errorf("shared parent's other child is gone: %v", err)
	}

	if err := RemoveCgroups([]string{other}, []string{shared}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(shared); !os.IsNotExist(err) {
		t.Errorf("empty parent %s still there (%v)", shared, err)
	}
}
