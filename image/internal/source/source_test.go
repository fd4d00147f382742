package source

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	it "github.com/hull-oci/hull/image/internal/imagetest"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestChainIDs(t *testing.T) {
	a, b, c := digest.FromString("a"), digest.FromString("b"), digest.FromString("c")
	ab := digest.Digest(fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(a.String()+" "+b.String()))))
	abc := digest.Digest(fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(ab.String()+" "+c.String()))))
	got := ChainIDs([]digest.Digest{a, b, c})
	if want := []digest.Digest{a, ab, abc}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ChainIDs = %v, want %v", got, want)
	}
}

// testImage has an uncompressed, a gzip and a zstd layer.
func testImage(t *testing.T, ref string) it.Image {
	return it.Image{
		Ref: ref,
		Layers: []it.Layer{
			{Tar: it.Tar(t, it.File("one", "1", 0o644))},
			{Tar: it.Tar(t, it.File("two", "2", 0o644)), Compression: it.Gzip},
			{Tar: it.Tar(t, it.File("three", "3", 0o644)), Compression: it.Zstd},
		},
		Config: ocispec.ImageConfig{Cmd: []string{"/bin/" + ref}},
	}
}

// inputs writes img in the three input formats and returns their paths.
func inputs(t *testing.T, imgs ...it.Image) map[string]string {
	dir := t.TempDir()
	in := map[string]string{
		"layout":     filepath.Join(dir, "layout"),
		"layout tar": filepath.Join(dir, "layout.tar"),
		"docker":     filepath.Join(dir, "docker.tar"),
	}
	it.WriteLayout(t, in["layout"], imgs...)
	it.WriteLayoutTar(t, in["layout tar"], imgs...)
	for i := range imgs {
		for j := range imgs[i].Layers {
			imgs[i].Layers[j].Compression = it.Uncompressed // docker save writes plain tars
		}
	}
	it.WriteDockerArchive(t, in["docker"], imgs...)
	return in
}

// names lists the entries of each layer, verifying it.
func names(t *testing.T, img *Image) []string {
	var out []string
	for i := range img.Layers {
		s, err := img.Layers[i].Open()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(s)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, hdr.Name)
		}
		if err := s.Verify(); err != nil {
			t.Errorf("layer %d: %v", i, err)
		}
		s.Close()
	}
	return out
}

func TestFormats(t *testing.T) {
	in := inputs(t, testImage(t, "app"))
	var chain digest.Digest
	for format, p := range in {
		t.Run(format, func(t *testing.T) {
			img, err := Open(p, "")
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if got := strings.Join(names(t, img), " "); got != "one two three" {
				t.Errorf("layer entries %q, want \"one two three\"", got)
			}
			if got := img.Config.Config.Cmd; len(got) != 1 || got[0] != "/bin/app" {
				t.Errorf("config cmd %v", got)
			}
			top := img.Layers[2].ChainID
			if chain != "" && top != chain {
				t.Errorf("chain ID %s differs from another format's %s", top, chain)
			}
			chain = top
		})
	}
}

func TestSelectRef(t *testing.T) {
	in := inputs(t, testImage(t, "a"), testImage(t, "b"))
	for format, p := range in {
		if _, err := Open(p, ""); err == nil || !strings.Contains(err.Error(), "--ref") {
			t.Errorf("%s: no ref among two images: got %v, want an error asking for --ref", format, err)
		}
		if _, err := Open(p, "c"); err == nil || !strings.Contains(err.Error(), `"c"`) {
			t.Errorf("%s: unknown ref: got %v", format, err)
		}
		img, err := Open(p, "b")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if got := img.Config.Config.Cmd[0]; got != "/bin/b" {
			t.Errorf("%s: ref b opened the image with cmd %s", format, got)
		}
		img.Close()
	}
}

// TestNestedIndex checks that a multi-platform index is followed to the
// manifest for this platform.
func TestNestedIndex(t *testing.T) {
	dir := t.TempDir()
	descs := it.WriteLayout(t, dir, testImage(t, ""))
	other := descs[0]
	other.Platform = &ocispec.Platform{OS: "linux", Architecture: "s390x-not-this-one"}
	mine := descs[0]
	mine.Platform = &ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}
	data, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{other, mine}})
	idx := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromBytes(data), Size: int64(len(data)),
		Annotations: map[string]string{ocispec.AnnotationRefName: "multi"}}
	os.WriteFile(it.BlobPath(dir, idx.Digest), data, 0o644)
	top, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, Manifests: []ocispec.Descriptor{idx}})
	os.WriteFile(filepath.Join(dir, "index.json"), top, 0o644)
	img, err := Open(dir, "multi")
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Manifest != descs[0].Digest {
		t.Errorf("resolved manifest %s, want %s", img.Manifest, descs[0].Digest)
	}
}

func TestDigestMismatch(t *testing.T) {
	img := testImage(t, "app")
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string, m ocispec.Manifest, mdesc ocispec.Descriptor)
		want   string // the blob the error must name
		atOpen bool
	}{
		{"layer blob", func(t *testing.T, dir string, m ocispec.Manifest, _ ocispec.Descriptor) {
			flip(t, it.BlobPath(dir, m.Layers[1].Digest))
		}, "layers[1]", false},
		{"config", func(t *testing.T, dir string, m ocispec.Manifest, _ ocispec.Descriptor) {
			flip(t, it.BlobPath(dir, m.Config.Digest))
		}, "config", true},
		{"manifest", func(t *testing.T, dir string, _ ocispec.Manifest, d ocispec.Descriptor) {
			flip(t, it.BlobPath(dir, d.Digest))
		}, "manifest", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			d := it.WriteLayout(t, dir, img)[0]
			var m ocispec.Manifest
			data, _ := os.ReadFile(it.BlobPath(dir, d.Digest))
			json.Unmarshal(data, &m)
			want := map[string]digest.Digest{"layers[1]": m.Layers[1].Digest, "config": m.Config.Digest, "manifest": d.Digest}[tc.want]
			tc.damage(t, dir, m, d)
			err := openAndRead(dir)
			if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), want.String()) {
				t.Errorf("got %v, want ErrDigest naming %s", err, want)
			}
		})
	}
}

// TestDiffIDMismatch changes a layer of a docker archive, where layers
// have no blob digest: the config's diff ID catches it.
func TestDiffIDMismatch(t *testing.T) {
	good := testImage(t, "app")
	bad := good
	bad.Layers = append([]it.Layer(nil), good.Layers...)
	file := filepath.Join(t.TempDir(), "docker.tar")
	dir := t.TempDir()
	// write the archive with layer 1 replaced after the config was made
	it.WriteDockerArchive(t, file, good)
	extract(t, file, dir)
	var entries []dockerEntry
	data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	json.Unmarshal(data, &entries)
	os.WriteFile(filepath.Join(dir, entries[0].Layers[1]), it.Tar(t, it.File("evil", "x", 0o644)), 0o644)
	it.TarDir(t, dir, file)
	err := openAndRead(file)
	if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), "rootfs.diff_ids[1]") || !strings.Contains(err.Error(), entries[0].Layers[1]) {
		t.Errorf("got %v, want ErrDigest naming rootfs.diff_ids[1] and %s", err, entries[0].Layers[1])
	}
}

func openAndRead(p string) error {
	img, err := Open(p, "")
	if err != nil {
		return err
	}
	defer img.Close()
	for i := range img.Layers {
		s, err := img.Layers[i].Open()
		if err != nil {
			return err
		}
		err = s.Verify()
		s.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// flip changes the last byte of a file, keeping its size.
func flip(t *testing.T, p string) {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0xff
	os.WriteFile(p, data, 0o644)
}

func extract(t *testing.T, file, dir string) {
	f, _ := os.Open(file)
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return
		}
		p := filepath.Join(dir, hdr.Name)
		if hdr.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		data, _ := io.ReadAll(tr)
		os.WriteFile(p, data, 0o644)
	}
}

// TestDockerArchiveWithBlobs reads the archive docker 25 and later write:
// an OCI layout whose manifest.json names blobs/sha256/<hex> files, which
// are then checked against the digest in their name.
func TestDockerArchiveWithBlobs(t *testing.T) {
	dir := t.TempDir()
	d := it.WriteLayout(t, dir, testImage(t, "app"))[0]
	var m ocispec.Manifest
	data, _ := os.ReadFile(it.BlobPath(dir, d.Digest))
	json.Unmarshal(data, &m)
	e := dockerEntry{Config: "blobs/sha256/" + m.Config.Digest.Encoded(), RepoTags: []string{"app:v1"}}
	for _, l := range m.Layers {
		e.Layers = append(e.Layers, "blobs/sha256/"+l.Digest.Encoded())
	}
	data, _ = json.Marshal([]dockerEntry{e})
	os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644)
	file := filepath.Join(t.TempDir(), "docker.tar")
	it.TarDir(t, dir, file)
	img, err := Open(file, "app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(t, img), " "); got != "one two three" || img.Layers[2].Digest != m.Layers[2].Digest {
		t.Errorf("entries %q, layer 2 digest %s", got, img.Layers[2].Digest)
	}
	img.Close()

	flip(t, it.BlobPath(dir, m.Layers[2].Digest))
	it.TarDir(t, dir, file)
	if err := openAndRead(file); !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), m.Layers[2].Digest.String()) {
		t.Errorf("got %v, want ErrDigest naming %s", err, m.Layers[2].Digest)
	}
}
