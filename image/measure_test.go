package image_test

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	it "github.com/hull-oci/hull/image/internal/imagetest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"
)

// bigImage is busybox and four layers of files with some redundancy (as
// binaries and text have): 64 MiB, 32 MiB, 16 MiB, then a layer that
// deletes half of the first one's files and rewrites some.
func bigImage(t *testing.T) it.Image {
	rng := rand.New(rand.NewSource(1))
	files := func(dir string, n, size int) []it.Entry {
		entries := []it.Entry{it.Dir(dir, 0o755)}
		for i := range n {
			data := make([]byte, size)
			for j := range data {
				data[j] = "abcdefghijklmnop"[rng.Intn(16)] // half the entropy of random bytes
			}
			entries = append(entries, it.File(fmt.Sprintf("%s/f%03d", dir, i), string(data), 0o644))
		}
		return entries
	}
	var last []it.Entry
	for i := 0; i < 128; i += 2 {
		last = append(last, it.Whiteout(fmt.Sprintf("data1/f%03d", i)))
	}
	last = append(last, files("data4", 16, 256<<10)...)
	return it.Image{
		Layers: []it.Layer{
			{Tar: it.Tar(t, it.Busybox(t)...), Compression: it.Gzip},
			{Tar: it.Tar(t, files("data1", 128, 512<<10)...), Compression: it.Gzip},
			{Tar: it.Tar(t, files("data2", 64, 512<<10)...), Compression: it.Zstd},
			{Tar: it.Tar(t, files("data3", 64, 256<<10)...), Compression: it.Gzip},
			{Tar: it.Tar(t, last...), Compression: it.Zstd},
		},
		Config: ocispec.ImageConfig{Cmd: []string{"sh", "-c", "ls /data1 | wc -l"}},
	}
}

// TestMeasure reports unpack time and disk use of a multi-layer image in
// copy and overlay mode, and of a second overlay bundle. Run it with
// HULL_MEASURE=1 go test -run TestMeasure -v ./image/
func TestMeasure(t *testing.T) {
	if os.Getenv("HULL_MEASURE") == "" {
		t.Skip("set HULL_MEASURE=1 to measure")
	}
	bin := hull(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "layout")
	it.WriteLayout(t, src, bigImage(t))
	store := filepath.Join(dir, "store")
	t.Logf("image: %s of blobs", duK(t, src))
	for _, b := range []struct{ name, mode, dest string }{
		{"copy", "--copy", "copy"},
		{"overlay, first bundle", "--overlay", "ov1"},
		{"overlay, second bundle", "--overlay", "ov2"},
	} {
		dest := filepath.Join(dir, b.dest)
		storeBefore := duK(t, store)
		unix.Sync() // start each from a clean page cache state
		start := time.Now()
		out, stderr, err := cli(bin, "bundle", b.mode, "--store", store, src, dest)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("hull bundle: %v: %s", err, stderr)
		}
		unix.Sync()
		synced := time.Since(start)
		t.Cleanup(func() { cli(bin, "bundle", "--remove", dest) })
		// -x: the overlay rootfs is another filesystem, made of the store
		t.Logf("%-24s %6.2fs (%5.2fs with sync)  bundle %s, store +%s\n    %s", b.name, elapsed.Seconds(), synced.Seconds(),
			duK(t, dest, "-x"), diffK(storeBefore, duK(t, store)), strings.TrimSpace(out))
	}
}

// duK is du -sk of p, as "N KiB" ("0 KiB" if p does not exist).
func duK(t *testing.T, p string, flags ...string) string {
	out, err := exec.Command("du", append(append([]string{"-sk"}, flags...), p)...).Output()
	if err != nil {
		return "0 KiB"
	}
	return strings.Fields(string(out))[0] + " KiB"
}

func diffK(before, after string) string {
	b, _ := strconv.Atoi(strings.Fields(before)[0])
	a, _ := strconv.Atoi(strings.Fields(after)[0])
	return fmt.Sprintf("%d KiB", a-b)
}
