package source

import (
	"fmt"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"
)

// dockerEntry is one image of a `docker save` archive's manifest.json.
type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// openDocker resolves ref among the images of a `docker save` archive.
// Legacy archives name files by IDs that are not content digests
// (<id>/layer.tar); docker 25 and later use blobs/sha256/<hex>. Whatever
// the name says is checked; a legacy layer is checked by its diff ID only.
func openDocker(fsys files, ref string) (*Image, error) {
	var entries []dockerEntry
	if _, err := readJSON(fsys, "manifest.json", "", &entries); err != nil {
		return nil, err
	}
	e, err := selectTag(entries, ref)
	if err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	img := &Image{files: fsys}
	img.ConfigDigest, err = readJSON(fsys, e.Config, digestOfName(e.Config), &img.Config)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", e.Config, err)
	}
	for _, p := range e.Layers {
		img.Layers = append(img.Layers, Layer{Digest: digestOfName(p), Size: -1, path: p})
	}
	return img, nil
}

// selectTag picks the image tagged ref ("busybox" means "busybox:latest"),
// or with no ref the only image.
func selectTag(entries []dockerEntry, ref string) (dockerEntry, error) {
	var tags []string
	for _, e := range entries {
		for _, t := range e.RepoTags {
			if ref != "" && (t == ref || t == ref+":latest" || strings.TrimPrefix(t, "docker.io/library/") == ref) {
				return e, nil
			}
			tags = append(tags, t)
		}
	}
	if ref == "" && len(entries) == 1 {
		return entries[0], nil
	}
	if ref == "" {
		return dockerEntry{}, fmt.Errorf("%d images: choose one with --ref (have: %s)", len(entries), strings.Join(tags, ", "))
	}
	return dockerEntry{}, fmt.Errorf("no image tagged %q (have: %s)", ref, strings.Join(tags, ", "))
}

// digestOfName returns the digest a file name states (<hex>.json, or
// blobs/<alg>/<hex>), or "" when it states none.
func digestOfName(name string) digest.Digest {
	dir, base := path.Split(path.Clean(name))
	var d digest.Digest
	switch {
	case strings.HasPrefix(dir, "blobs/"):
		d = digest.NewDigestFromEncoded(digest.Algorithm(path.Base(dir)), base)
	case strings.HasSuffix(base, ".json") && dir == "":
		d = digest.NewDigestFromEncoded(digest.SHA256, strings.TrimSuffix(base, ".json"))
	}
	if d.Validate() != nil {
		return ""
	}
	return d
}
