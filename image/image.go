// Package image turns a container image on disk into an OCI runtime
// bundle, for `hull bundle`. It reads an OCI image layout (a directory or
// a tar) or a `docker save` archive, verifies every blob, applies the
// layers and writes a config.json converted from the image config.
//
// A bundle's root filesystem is either a plain copy of the layers applied
// in order (Copy), or an overlayfs mount (Overlay) of layers each
// extracted once into a shared store keyed by chain ID, under an upper
// directory of the bundle's own:
//
//	DEST/config.json
//	DEST/rootfs/            the root filesystem (Overlay: the mount point)
//	DEST/overlay/upper/     Overlay: the container's writes
//	DEST/overlay/work/      Overlay: overlayfs' work directory
//	DEST/hull-bundle.json   what the bundle was made from, for Remove and Mount
package image

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
)

// Mode is how a bundle's root filesystem is made.
type Mode string

// The two modes.
const (
	Copy    Mode = "copy"
	Overlay Mode = "overlay"
)

// DefaultStore is where Overlay keeps layers unless told otherwise: with
// the rest of a host's persistent container data, never on a tmpfs, since
// bundles outlive reboots.
const DefaultStore = "/var/lib/hull/layers"

// StoreEnv names the environment variable that overrides DefaultStore.
const StoreEnv = "HULL_LAYER_STORE"

// Options say how to unpack an image.
type Options struct {
	// Ref names the image to unpack when the input holds several.
	Ref  string
	Mode Mode
	// Rootless writes a config for an unprivileged user. Unpacking as an
	// unprivileged user also skips device nodes and foreign owners.
	Rootless bool
	// Store is the layer store for Overlay ("" for DefaultStore).
	Store string
	// Progress, if a terminal, gets a progress line for each big layer.
	Progress *os.File
}

// Result says what Unpack did and what it cost.
type Result struct {
	// Image is the digest of the manifest unpacked (of the config, for a
	// legacy docker archive).
	Image     digest.Digest
	Layers    int
	Extracted int   // layers extracted by this unpack
	Reused    int   // Overlay: layers found in the store
	Written   int64 // bytes of disk this unpack used: the rootfs, or new store layers
	// Saved is the disk use of the reused layers, and SavedTime what
	// extracting them took when they were stored.
	Saved     int64
	SavedTime time.Duration
	Elapsed   time.Duration
}

// String is the summary `hull bundle` prints.
func (r *Result) String() string {
	s := fmt.Sprintf("unpacked %s: %d layers in %.2fs, %s written", r.Image, r.Layers, r.Elapsed.Seconds(), mib(r.Written))
	if r.Reused > 0 {
		s += fmt.Sprintf("; %d layers reused from the store, saving %s and %.2fs of extraction",
			r.Reused, mib(r.Saved), r.SavedTime.Seconds())
	}
	return s
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// infoFile records how a bundle was made.
const infoFile = "hull-bundle.json"

type bundleInfo struct {
	Mode     Mode            `json:"mode"`
	Image    string          `json:"image"`
	Ref      string          `json:"ref,omitempty"`
	Manifest digest.Digest   `json:"manifest,omitempty"`
	Config   digest.Digest   `json:"config"`
	Store    string          `json:"store,omitempty"`
	Layers   []digest.Digest `json:"layers"` // chain IDs, base first
}

func writeInfo(dest string, info *bundleInfo) error {
	data, err := json.MarshalIndent(info, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dest, infoFile), append(data, '\n'), 0o644)
}

func readInfo(dest string) (*bundleInfo, error) {
	data, err := os.ReadFile(filepath.Join(dest, infoFile))
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("%s was not made by hull bundle: it has no %s", dest, infoFile)
	}
	if err != nil {
		return nil, err
	}
	var info bundleInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dest, infoFile), err)
	}
	return &info, nil
}
