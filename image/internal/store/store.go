// Package store keeps the layers of overlay bundles, each extracted once
// and shared by every bundle whose image holds it. A layer is keyed by its
// chain ID, which names it together with every layer below it:
//
//	DIR/sha256/<chain ID>/diff        the layer's files: an overlayfs lower dir
//	DIR/sha256/<chain ID>/layer.json  what it is and what extracting it cost
//	DIR/tmp/                          layers being extracted
//
// A layer appears in one rename(2), complete, so bundles made at the same
// time never see half a layer; if two extract the same layer, the first
// rename wins and the other copy is dropped.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hull-oci/hull/image/internal/du"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// Layer describes a stored layer.
type Layer struct {
	ChainID digest.Digest `json:"chainID"`
	DiffID  digest.Digest `json:"diffID"`
	// Blob is the digest of the blob it was extracted from, if known.
	Blob digest.Digest `json:"blob,omitempty"`
	// DiskUsage is what the extracted layer takes on disk, in bytes.
	DiskUsage int64 `json:"diskUsage"`
	// ExtractTime is how long reading, checking and extracting it took.
	ExtractTime time.Duration `json:"extractTime"`
	Created     time.Time     `json:"created"`
	// Dir is the layer's files, the overlayfs lower directory.
	Dir string `json:"-"`
}

// Store is a directory of extracted layers.
type Store struct{ dir string }

// Open opens the store in dir, creating it if needed. The store is
// private (0700): layers keep their setuid binaries and device nodes, which
// must not be reachable by users of the host.
func Open(dir string) (*Store, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{dir, filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("layer store: %w", err)
		}
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(chainID digest.Digest) string {
	return filepath.Join(s.dir, chainID.Algorithm().String(), chainID.Encoded())
}

// Get returns the stored layer chainID, or an error wrapping
// fs.ErrNotExist if there is none.
func (s *Store) Get(chainID digest.Digest) (*Layer, error) {
	if err := chainID.Validate(); err != nil {
		return nil, fmt.Errorf("chain ID %q: %w", chainID, err)
	}
	p := s.path(chainID)
	data, err := os.ReadFile(filepath.Join(p, "layer.json"))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", chainID, err)
	}
	var l Layer
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("layer %s: layer.json: %w", chainID, err)
	}
	l.Dir = filepath.Join(p, "diff")
	return &l, nil
}

// Put extracts a layer into the store: extract fills the directory it is
// given, and the layer is kept only if it succeeds. l names the layer; Put
// fills in its disk usage, extraction time and directory.
func (s *Store) Put(l Layer, extract func(dir string) error) (*Layer, error) {
	if err := l.ChainID.Validate(); err != nil {
		return nil, fmt.Errorf("chain ID %q: %w", l.ChainID, err)
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "tmp"), l.ChainID.Encoded()[:12]+"-")
	if err != nil {
		return nil, fmt.Errorf("layer store: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename, there is nothing left
	diff := filepath.Join(tmp, "diff")
	if err := os.Mkdir(diff, 0o755); err != nil {
		return nil, fmt.Errorf("layer store: %w", err)
	}
	start := time.Now()
	if err := extract(diff); err != nil {
		return nil, err
	}
	l.ExtractTime = time.Since(start)
	l.Created = time.Now().UTC()
	if l.DiskUsage, err = du.Usage(diff); err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.ChainID, err)
	}
	if err := writeJSON(filepath.Join(tmp, "layer.json"), &l); err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.ChainID, err)
	}
	return s.commit(tmp, l.ChainID)
}

// commit moves an extracted layer into place. If another bundle stored the
// same layer meanwhile, that one is used and ours dropped.
func (s *Store) commit(tmp string, chainID digest.Digest) (*Layer, error) {
	final := s.path(chainID)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return nil, fmt.Errorf("layer store: %w", err)
	}
	err := os.Rename(tmp, final)
	if err != nil && !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.ENOTEMPTY) {
		return nil, fmt.Errorf("layer %s: %w", chainID, err)
	}
	return s.Get(chainID)
}

func writeJSON(p string, v any) error {
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(p, append(data, '\n'), 0o600)
}

// IsNotExist tells whether err says a layer is not stored.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
