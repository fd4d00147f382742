package source

import (
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker's own media types, which skopeo and docker keep in OCI layouts.
const (
	dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	dockerConfig       = "application/vnd.docker.container.image.v1+json"
	// containerdRefName is the annotation docker puts the full image name in.
	containerdRefName = "io.containerd.image.name"
)

// maxIndexDepth bounds how deep indexes may nest, against a loop of
// indexes naming each other.
const maxIndexDepth = 4

// openOCI resolves ref in an OCI image layout.
func openOCI(fsys files, ref string) (*Image, error) {
	var layout ocispec.ImageLayout
	if _, err := readJSON(fsys, ocispec.ImageLayoutFile, "", &layout); err != nil {
		return nil, fmt.Errorf("not an OCI image layout nor a docker archive: %w", err)
	}
	if layout.Version != ocispec.ImageLayoutVersion {
		return nil, fmt.Errorf("%s: unsupported imageLayoutVersion %q", ocispec.ImageLayoutFile, layout.Version)
	}
	var index ocispec.Index
	if _, err := readJSON(fsys, ocispec.ImageIndexFile, "", &index); err != nil {
		return nil, err
	}
	desc, err := selectRef(index.Manifests, ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ocispec.ImageIndexFile, err)
	}
	return resolve(fsys, desc, 0)
}

// selectRef picks the descriptor named ref, or with no ref the only one
// (after keeping those for this platform).
func selectRef(descs []ocispec.Descriptor, ref string) (ocispec.Descriptor, error) {
	if ref != "" {
		for _, d := range descs {
			if d.Annotations[ocispec.AnnotationRefName] == ref || d.Annotations[containerdRefName] == ref {
				return d, nil
			}
		}
		return ocispec.Descriptor{}, fmt.Errorf("no image named %q (have: %s)", ref, refNames(descs))
	}
	if len(descs) == 1 {
		return descs[0], nil
	}
	if d, err := selectPlatform(descs); err == nil {
		return d, nil
	}
	return ocispec.Descriptor{}, fmt.Errorf("%d images: choose one with --ref (have: %s)", len(descs), refNames(descs))
}

func refNames(descs []ocispec.Descriptor) string {
	var names []string
	for _, d := range descs {
		if n := d.Annotations[ocispec.AnnotationRefName]; n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "no ref names"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// selectPlatform picks the one manifest for linux on this architecture.
func selectPlatform(descs []ocispec.Descriptor) (ocispec.Descriptor, error) {
	var match []ocispec.Descriptor
	for _, d := range descs {
		if p := d.Platform; p != nil && p.OS == "linux" && p.Architecture == runtime.GOARCH {
			match = append(match, d)
		}
	}
	if len(match) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("%d of %d manifests are for linux/%s", len(match), len(descs), runtime.GOARCH)
	}
	return match[0], nil
}

// resolve follows desc through nested indexes to an image manifest.
func resolve(fsys files, desc ocispec.Descriptor, depth int) (*Image, error) {
	switch desc.MediaType {
	case ocispec.MediaTypeImageIndex, dockerManifestList:
		if depth >= maxIndexDepth {
			return nil, fmt.Errorf("index %s: indexes nest more than %d deep", desc.Digest, maxIndexDepth)
		}
		var index ocispec.Index
		if err := readBlobJSON(fsys, desc, &index); err != nil {
			return nil, err
		}
		d, err := selectPlatform(index.Manifests)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", desc.Digest, err)
		}
		return resolve(fsys, d, depth+1)
	case ocispec.MediaTypeImageManifest, dockerManifest:
		return openManifest(fsys, desc)
	}
	return nil, fmt.Errorf("descriptor %s: unsupported media type %q", desc.Digest, desc.MediaType)
}

// openManifest reads an image manifest and its config.
func openManifest(fsys files, desc ocispec.Descriptor) (*Image, error) {
	var m ocispec.Manifest
	if err := readBlobJSON(fsys, desc, &m); err != nil {
		return nil, err
	}
	if t := m.Config.MediaType; t != ocispec.MediaTypeImageConfig && t != dockerConfig {
		return nil, fmt.Errorf("manifest %s: config media type %q is not an image config", desc.Digest, t)
	}
	img := &Image{Manifest: desc.Digest, ConfigDigest: m.Config.Digest, files: fsys}
	if err := readBlobJSON(fsys, m.Config, &img.Config); err != nil {
		return nil, err
	}
	for i, l := range m.Layers {
		if _, err := compressionOf(l.MediaType); err != nil {
			return nil, fmt.Errorf("manifest %s: layers[%d]: %w", desc.Digest, i, err)
		}
		p, err := blobPath(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: layers[%d]: %w", desc.Digest, i, err)
		}
		img.Layers = append(img.Layers, Layer{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size, path: p})
	}
	return img, nil
}

// readBlobJSON reads the blob desc names and decodes it into v, after
// checking its size and digest.
func readBlobJSON(fsys files, desc ocispec.Descriptor, v any) error {
	p, err := blobPath(desc.Digest)
	if err != nil {
		return err
	}
	if desc.Size > maxJSON {
		return fmt.Errorf("blob %s: %d bytes, more than the %d we accept", desc.Digest, desc.Size, maxJSON)
	}
	rc, size, err := fsys.open(p)
	if err != nil {
		return fmt.Errorf("blob %s: %w", desc.Digest, err)
	}
	rc.Close()
	if size != desc.Size {
		return fmt.Errorf("blob %s: %d bytes, its descriptor says %d: %w", desc.Digest, size, desc.Size, ErrDigest)
	}
	_, err = readJSON(fsys, p, desc.Digest, v)
	return err
}

// blobPath is where a layout keeps the blob d. Validating d first keeps a
// crafted digest ("sha256:../../x") from naming another file.
func blobPath(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("digest %q: %w", d, err)
	}
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded(), nil
}
