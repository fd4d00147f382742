package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestPutGet(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "layers"))
	if err != nil {
		t.Fatal(err)
	}
	chain := digest.FromString("chain")
	if _, err := s.Get(chain); !IsNotExist(err) {
		t.Fatalf("Get before Put: %v, want not-exist", err)
	}
	put, err := s.Put(Layer{ChainID: chain, DiffID: digest.FromString("diff")}, func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "f"), make([]byte, 10000), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(chain)
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != put.Dir || got.DiskUsage < 10000 || got.DiffID != digest.FromString("diff") {
		t.Errorf("Get = %+v, want %+v with the file's usage", got, put)
	}
	if _, err := os.Stat(filepath.Join(got.Dir, "f")); err != nil {
		t.Error(err)
	}
	// a second Put of the same layer (another bundle raced us) keeps the first
	again, err := s.Put(Layer{ChainID: chain}, func(dir string) error { return nil })
	if err != nil || again.Dir != got.Dir || again.DiskUsage != got.DiskUsage {
		t.Errorf("second Put = %+v, %v; want the first layer", again, err)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(left) != 0 {
		t.Errorf("tmp holds %d leftovers", len(left))
	}
}

func TestFailedPutLeavesNothing(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	chain := digest.FromString("bad")
	boom := errors.New("boom")
	if _, err := s.Put(Layer{ChainID: chain}, func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Put: %v, want boom", err)
	}
	if _, err := s.Get(chain); !IsNotExist(err) {
		t.Errorf("Get after a failed Put: %v, want not-exist", err)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(left) != 0 {
		t.Errorf("tmp holds %d leftovers", len(left))
	}
}
