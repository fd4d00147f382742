package du

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUsageCountsHardlinksOnce(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i)
	}
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	one, err := Usage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if one < 1<<20 {
		t.Errorf("usage %d, want at least the file's 1 MiB", one)
	}
	if err := os.Link(f, filepath.Join(dir, "g")); err != nil {
		t.Fatal(err)
	}
	if two, _ := Usage(dir); two != one {
		t.Errorf("usage with a hard link %d, want %d", two, one)
	}
}
