// Package source reads container images from disk: an OCI image layout
// directory, the same layout in a tar archive, or a `docker save` archive.
// It resolves the manifest, checks every blob it reads against its digest
// and the layers against the config's rootfs.diff_ids, and hands out the
// layers as verified, uncompressed tar streams.
package source

import (
	_ "crypto/sha256" // go-digest's algorithms need their hashes linked in
	_ "crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrDigest marks content that does not match its digest.
var ErrDigest = errors.New("digest mismatch")

// maxJSON caps the size of manifests, indexes and configs we read into
// memory, so a hostile image cannot make us allocate without bound.
const maxJSON = 32 << 20

// Image is an image read from disk: its config and its layers, base first.
type Image struct {
	// Manifest is the manifest's digest, "" for a legacy docker archive,
	// which has none.
	Manifest digest.Digest
	// ConfigDigest is the digest of the config blob.
	ConfigDigest digest.Digest
	Config       ocispec.Image
	Layers       []Layer
	files        files
}

// Layer is one layer blob of an image.
type Layer struct {
	Index     int
	MediaType string        // "" when unknown: the compression is then sniffed
	Digest    digest.Digest // of the blob as stored; "" when unknown (legacy docker archives)
	Size      int64         // of the blob; -1 when unknown
	DiffID    digest.Digest // of the uncompressed tar, from the config
	ChainID   digest.Digest // names the stack of layers up to this one
	path      string
	files     files
}

// Open reads the image at path, a directory or a tar archive. ref picks
// one image of several: an OCI ref name (org.opencontainers.image.ref.name
// or io.containerd.image.name) or a docker RepoTag; it may be empty when
// the input holds one image for this platform.
func Open(path, ref string) (*Image, error) {
	fsys, err := openFiles(path)
	if err != nil {
		return nil, err
	}
	var img *Image
	if fsys.exists("manifest.json") {
		img, err = openDocker(fsys, ref)
	} else {
		img, err = openOCI(fsys, ref)
	}
	if err == nil {
		err = img.check()
	}
	if err != nil {
		fsys.Close()
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return img, nil
}

// openFiles opens path as a directory or an uncompressed tar archive.
func openFiles(path string) (files, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return openDir(path)
	}
	ok, err := isTar(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("image %s: neither a directory nor an uncompressed tar archive (decompress it first)", path)
	}
	return openTar(path)
}

// Close releases the files of the image.
func (img *Image) Close() error { return img.files.Close() }

// check verifies that the config describes the layers, and computes their
// chain IDs.
func (img *Image) check() error {
	rootfs := img.Config.RootFS
	if rootfs.Type != "layers" {
		return fmt.Errorf("config %s: rootfs.type is %q, want \"layers\"", img.ConfigDigest, rootfs.Type)
	}
	if len(rootfs.DiffIDs) != len(img.Layers) {
		return fmt.Errorf("config %s: %d rootfs.diff_ids for %d layers", img.ConfigDigest, len(rootfs.DiffIDs), len(img.Layers))
	}
	for i, d := range rootfs.DiffIDs {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("config %s: rootfs.diff_ids[%d]: %w", img.ConfigDigest, i, err)
		}
	}
	chain := ChainIDs(rootfs.DiffIDs)
	for i := range img.Layers {
		img.Layers[i].Index = i
		img.Layers[i].DiffID = rootfs.DiffIDs[i]
		img.Layers[i].ChainID = chain[i]
		img.Layers[i].files = img.files
	}
	return nil
}

// ChainIDs returns the chain ID of each layer of a stack, base first, from
// their diff IDs: the image spec's ChainID(L0) = DiffID(L0) and
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = digest.FromString(out[i-1].String() + " " + d.String())
	}
	return out
}

// readJSON reads the file name, checks it against want (when want is not
// empty) and decodes it into v.
func readJSON(fsys files, name string, want digest.Digest, v any) (digest.Digest, error) {
	rc, size, err := fsys.open(name)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	if size > maxJSON {
		return "", fmt.Errorf("%s: %d bytes, more than the %d we accept", name, size, maxJSON)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	got := digest.FromBytes(data)
	if want != "" {
		// want was validated, so its algorithm is available
		if got = want.Algorithm().FromBytes(data); got != want {
			return "", fmt.Errorf("blob %s: content has digest %s: %w", want, got, ErrDigest)
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return got, nil
}
