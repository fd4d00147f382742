package imagetest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Compression of a layer blob.
type Compression string

// The compressions the image spec defines media types for.
const (
	Uncompressed Compression = ""
	Gzip         Compression = "gzip"
	Zstd         Compression = "zstd"
)

// Layer is a layer tar and how its blob is compressed.
type Layer struct {
	Tar         []byte
	Compression Compression
}

// Image is an image to write: its layers, base first, and its config.
type Image struct {
	Ref    string // ref name (OCI) or RepoTag (docker)
	Layers []Layer
	Config ocispec.ImageConfig
}

// blob is content with its digest.
type blob struct {
	data []byte
	desc ocispec.Descriptor
}

func newBlob(mediaType string, data []byte) blob {
	return blob{data: data, desc: ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}}
}

func compress(t testing.TB, l Layer) blob {
	t.Helper()
	switch l.Compression {
	case Gzip:
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(l.Tar)
		zw.Close()
		return newBlob(ocispec.MediaTypeImageLayerGzip, buf.Bytes())
	case Zstd:
		zw, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		return newBlob(ocispec.MediaTypeImageLayerZstd, zw.EncodeAll(l.Tar, nil))
	}
	return newBlob(ocispec.MediaTypeImageLayer, l.Tar)
}

// configBlob is the image config: linux on this machine's architecture.
func (img Image) configBlob(t testing.TB) blob {
	t.Helper()
	cfg := ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   img.Config,
		RootFS:   ocispec.RootFS{Type: "layers"},
	}
	created := Epoch.UTC()
	cfg.Created = &created
	for _, l := range img.Layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(l.Tar))
	}
	return newBlob(ocispec.MediaTypeImageConfig, mustJSON(t, cfg))
}

// WriteLayout writes the images as an OCI image layout in dir and returns
// their manifests' descriptors.
func WriteLayout(t testing.TB, dir string, imgs ...Image) []ocispec.Descriptor {
	t.Helper()
	var index ocispec.Index
	index.SchemaVersion = 2
	index.MediaType = ocispec.MediaTypeImageIndex
	for _, img := range imgs {
		m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest}
		m.SchemaVersion = 2
		cfg := img.configBlob(t)
		writeBlob(t, dir, cfg)
		m.Config = cfg.desc
		for _, l := range img.Layers {
			b := compress(t, l)
			writeBlob(t, dir, b)
			m.Layers = append(m.Layers, b.desc)
		}
		mb := newBlob(ocispec.MediaTypeImageManifest, mustJSON(t, m))
		writeBlob(t, dir, mb)
		if img.Ref != "" {
			mb.desc.Annotations = map[string]string{ocispec.AnnotationRefName: img.Ref}
		}
		index.Manifests = append(index.Manifests, mb.desc)
	}
	writeFile(t, filepath.Join(dir, ocispec.ImageLayoutFile), mustJSON(t, ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion}))
	writeFile(t, filepath.Join(dir, ocispec.ImageIndexFile), mustJSON(t, index))
	return index.Manifests
}

// BlobPath is where a layout in dir keeps the blob d.
func BlobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}

func writeBlob(t testing.TB, dir string, b blob) {
	t.Helper()
	writeFile(t, BlobPath(dir, b.desc.Digest), b.data)
}

// WriteLayoutTar writes the images as an OCI layout tar archive.
func WriteLayoutTar(t testing.TB, file string, imgs ...Image) {
	t.Helper()
	dir := t.TempDir()
	WriteLayout(t, dir, imgs...)
	TarDir(t, dir, file)
}

type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// WriteDockerArchive writes the images as a legacy `docker save` archive:
// manifest.json, <config hex>.json and <id>/layer.tar, uncompressed, with
// layer IDs that are not content digests.
func WriteDockerArchive(t testing.TB, file string, imgs ...Image) {
	t.Helper()
	dir := t.TempDir()
	var entries []dockerEntry
	for _, img := range imgs {
		cfg := img.configBlob(t)
		e := dockerEntry{Config: cfg.desc.Digest.Encoded() + ".json"}
		if img.Ref != "" {
			e.RepoTags = []string{img.Ref}
		}
		writeFile(t, filepath.Join(dir, e.Config), cfg.data)
		parent := ""
		for _, l := range img.Layers {
			id := digest.FromString(parent + digest.FromBytes(l.Tar).String()).Encoded()
			writeFile(t, filepath.Join(dir, id, "layer.tar"), l.Tar)
			writeFile(t, filepath.Join(dir, id, "VERSION"), []byte("1.0"))
			e.Layers = append(e.Layers, id+"/layer.tar")
			parent = id
		}
		entries = append(entries, e)
	}
	writeFile(t, filepath.Join(dir, "manifest.json"), mustJSON(t, entries))
	TarDir(t, dir, file)
}

// TarDir archives the regular files and directories under dir.
func TarDir(t testing.TB, dir, file string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatalf("tar %s: %v", dir, err)
	}
	writeFile(t, file, buf.Bytes())
}

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
