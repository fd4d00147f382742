package readfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReadSizes(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 1023, 1024, 1025, 70000} {
		want := bytes.Repeat([]byte{'x'}, n)
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Read(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Read of %d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
}

// Files in /proc report size 0; Read must not trust the size.
func TestReadProc(t *testing.T) {
	want, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	got, err := Read("/proc/self/mountinfo")
	if err != nil || len(got) < len(want)/2 {
		t.Fatalf("Read(/proc/self/mountinfo) = %d bytes, %v; os.ReadFile read %d", len(got), err, len(want))
	}
}

func TestReadMissing(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "none"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		t.Fatalf("Read of a missing file: %v, want a *fs.PathError for ErrNotExist", err)
	}
}

// TestReadSizedOnce: a file bigger than the stack buffer is read into one
// buffer of its size, as few allocations as a small file takes.
func TestReadSizedOnce(t *testing.T) {
	dir := t.TempDir()
	allocs := map[int]float64{}
	for _, n := range []int{100, 5000, 70000} {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, n), 0o600); err != nil {
			t.Fatal(err)
		}
		allocs[n] = testing.AllocsPerRun(20, func() { _, _ = Read(p) })
	}
	if allocs[5000] != allocs[100] || allocs[70000] != allocs[100] {
		t.Errorf("allocations by size: %v", allocs)
	}
}

func TestReadAtMost(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ size, limit int }{{0, 0}, {10, 10}, {11, 10}, {5000, 5000}, {5001, 5000}, {5000, 100}} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte{'x'}, c.size)
		if err := os.WriteFile(p, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadAtMost(p, c.limit)
		if c.size > c.limit {
			if !errors.Is(err, ErrTooBig) || got != nil {
				t.Errorf("%d bytes, limit %d: %d bytes, %v; want ErrTooBig", c.size, c.limit, len(got), err)
			}
		} else if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes, limit %d: %d bytes, %v", c.size, c.limit, len(got), err)
		}
	}
}
