package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hull-oci/hull/image/internal/convert"
	"github.com/hull-oci/hull/image/internal/du"
	"github.com/hull-oci/hull/image/internal/layer"
	"github.com/hull-oci/hull/image/internal/progress"
	"github.com/hull-oci/hull/image/internal/source"
)

// Unpack unpacks the image at src (a directory or a tar archive) into a
// new bundle at dest, which must not exist or be empty. On failure it
// removes what it made.
func Unpack(src, dest string, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Mode == "" {
		opts.Mode = Copy
	}
	if opts.Mode == Overlay && os.Geteuid() != 0 {
		return nil, errors.New("overlay bundles need root: the layer store holds trusted.overlay xattrs and the rootfs is a mount")
	}
	img, err := source.Open(src, opts.Ref)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	dest, err = filepath.Abs(dest)
	if err != nil {
		return nil, err
	}
	created, err := prepareDest(dest)
	if err != nil {
		return nil, err
	}
	u := &unpacker{
		img: img, dest: dest, opts: opts,
		res:      &Result{Image: img.Manifest, Layers: len(img.Layers)},
		progress: progress.ForTerminal(opts.Progress),
	}
	if u.res.Image == "" {
		u.res.Image = img.ConfigDigest
	}
	if err := u.run(src); err != nil {
		if cerr := cleanup(dest, created); cerr != nil {
			err = fmt.Errorf("%w (and cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	u.res.Elapsed = time.Since(start)
	return u.res, nil
}

// prepareDest creates dest, or checks it is an empty directory.
func prepareDest(dest string) (created bool, err error) {
	// 0700: a copied rootfs holds the image's setuid binaries, which
	// users of the host must not reach
	err = os.Mkdir(dest, 0o700)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, os.ErrExist) {
		return false, fmt.Errorf("create bundle: %w", err)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return false, fmt.Errorf("bundle %s: %w", dest, err)
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("bundle %s is not empty", dest)
	}
	return false, nil
}

// cleanup undoes a failed unpack.
func cleanup(dest string, created bool) error {
	if err := unmountRootfs(dest); err != nil {
		return err
	}
	if created {
		return os.RemoveAll(dest)
	}
	for _, name := range []string{"rootfs", "overlay", "config.json", infoFile} {
		if err := os.RemoveAll(filepath.Join(dest, name)); err != nil {
			return err
		}
	}
	return nil
}

// unpacker holds one unpack.
type unpacker struct {
	img  *source.Image
	dest string
	opts Options
	res  *Result
	// progress draws on a terminal, nothing elsewhere
	progress *progress.Reporter
}

func (u *unpacker) run(src string) error {
	info := &bundleInfo{
		Mode: u.opts.Mode, Image: absPath(src), Ref: u.opts.Ref,
		Manifest: u.img.Manifest, Config: u.img.ConfigDigest,
	}
	for _, l := range u.img.Layers {
		info.Layers = append(info.Layers, l.ChainID)
	}
	rootfs := filepath.Join(u.dest, "rootfs")
	var err error
	if u.opts.Mode == Overlay {
		err = u.overlay(rootfs, info)
	} else {
		err = u.copy(rootfs, info)
	}
	if err != nil {
		return err
	}
	return u.writeConfig(rootfs)
}

// copy applies the layers in order to a plain directory.
func (u *unpacker) copy(rootfs string, info *bundleInfo) error {
	if err := writeInfo(u.dest, info); err != nil {
		return err
	}
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return err
	}
	opts := layer.Options{Unprivileged: os.Geteuid() != 0}
	for i := range u.img.Layers {
		if err := u.apply(&u.img.Layers[i], rootfs, opts); err != nil {
			return err
		}
	}
	u.res.Extracted = len(u.img.Layers)
	var err error
	u.res.Written, err = du.Usage(rootfs)
	return err
}

// apply applies one layer to dir, then verifies the blob. The digests can
// only be checked once the blob was read; a failed check fails the
// unpack, which then removes what the layer wrote.
func (u *unpacker) apply(l *source.Layer, dir string, opts layer.Options) error {
	s, err := l.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	label := fmt.Sprintf("layer %d/%d %.19s", l.Index+1, len(u.img.Layers), l.DiffID)
	stop := u.progress.Start(label, s.Size(), s.BlobBytes)
	_, err = layer.Apply(dir, s, opts)
	verr := s.Verify()
	stop()
	if err != nil {
		err = fmt.Errorf("layers[%d] (diff ID %s): %w", l.Index, l.DiffID, err)
	}
	// a digest mismatch explains an apply error (a corrupt blob), not the
	// other way round
	if verr != nil && (err == nil || errors.Is(verr, source.ErrDigest)) {
		err = verr
	}
	return err
}

// writeConfig writes config.json, converted from the image config.
func (u *unpacker) writeConfig(rootfs string) error {
	spec, err := convert.Spec(&u.img.Config, rootfs, convert.Options{Rootless: u.opts.Rootless})
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(u.dest, "config.json"), append(data, '\n'), 0o644)
}

// absPath is p made absolute when possible, for the record.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
