package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hull-oci/hull/image/internal/layer"
	"github.com/hull-oci/hull/image/internal/overlay"
	"github.com/hull-oci/hull/image/internal/store"
	"github.com/moby/sys/mountinfo"
)

// overlay gets each layer from the store, extracting those it lacks, and
// mounts them under the bundle's own upper directory.
func (u *unpacker) overlay(rootfs string, info *bundleInfo) error {
	st, err := store.Open(storeDir(u.opts.Store))
	if err != nil {
		return err
	}
	info.Store = st.Dir()
	n := len(u.img.Layers)
	lowers := make([]string, n)
	for i := range u.img.Layers {
		sl, err := u.storeLayer(st, i)
		if err != nil {
			return err
		}
		lowers[n-1-i] = sl.Dir // overlay wants the topmost first
	}
	upper, work := filepath.Join(u.dest, "overlay", "upper"), filepath.Join(u.dest, "overlay", "work")
	for _, d := range []string{rootfs, upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// written before mounting, so that Remove can undo a mount even if a
	// later step fails
	if err := writeInfo(u.dest, info); err != nil {
		return err
	}
	return overlay.Mount(rootfs, lowers, upper, work)
}

// storeLayer returns layer i from the store, extracting it if needed.
func (u *unpacker) storeLayer(st *store.Store, i int) (*store.Layer, error) {
	l := &u.img.Layers[i]
	sl, err := st.Get(l.ChainID)
	if err == nil {
		u.res.Reused++
		u.res.Saved += sl.DiskUsage
		u.res.SavedTime += sl.ExtractTime
		return sl, nil
	}
	if !store.IsNotExist(err) {
		return nil, err
	}
	sl, err = st.Put(store.Layer{ChainID: l.ChainID, DiffID: l.DiffID, Blob: l.Digest}, func(dir string) error {
		return u.apply(l, dir, layer.Options{Overlay: true})
	})
	if err != nil {
		return nil, err
	}
	u.res.Extracted++
	u.res.Written += sl.DiskUsage
	return sl, nil
}

// storeDir is the layer store to use: dir, else $HULL_LAYER_STORE, else
// DefaultStore.
func storeDir(dir string) string {
	if dir != "" {
		return dir
	}
	if env := os.Getenv(StoreEnv); env != "" {
		return env
	}
	return DefaultStore
}

// unmountRootfs unmounts dest/rootfs if it is a mount point.
func unmountRootfs(dest string) error {
	rootfs := filepath.Join(dest, "rootfs")
	mounted, err := mountinfo.Mounted(rootfs)
	if err != nil || !mounted {
		return nil // nothing there, or nothing mounted
	}
	return overlay.Unmount(rootfs)
}

// Remove deletes a bundle Unpack made: it unmounts an overlay rootfs, then
// removes dest. Layers stay in the store for other bundles. It refuses a
// directory without hull-bundle.json, and one with anything else still
// mounted below it, which removing would reach into.
func Remove(dest string) error {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := readInfo(dest); err != nil {
		return err
	}
	if err := unmountRootfs(dest); err != nil {
		return err
	}
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dest))
	if err != nil {
		return err
	}
	if len(mounts) > 0 {
		var points []string
		for _, m := range mounts {
			points = append(points, m.Mountpoint)
		}
		return fmt.Errorf("bundle %s still has mounts, not removing it: %s", dest, strings.Join(points, ", "))
	}
	return os.RemoveAll(dest)
}

// Mount mounts the overlay rootfs of a bundle again, as after a reboot:
// the mount does not survive one, the layers and the upper dir do.
func Mount(dest string) error {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	info, err := readInfo(dest)
	if err != nil {
		return err
	}
	if info.Mode != Overlay {
		return fmt.Errorf("bundle %s is a %s bundle: it has nothing to mount", dest, info.Mode)
	}
	rootfs := filepath.Join(dest, "rootfs")
	if mounted, _ := mountinfo.Mounted(rootfs); mounted {
		return fmt.Errorf("%s is already mounted", rootfs)
	}
	st, err := store.Open(info.Store)
	if err != nil {
		return err
	}
	n := len(info.Layers)
	lowers := make([]string, n)
	for i, chain := range info.Layers {
		sl, err := st.Get(chain)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", dest, err)
		}
		lowers[n-1-i] = sl.Dir
	}
	return overlay.Mount(rootfs, lowers, filepath.Join(dest, "overlay", "upper"), filepath.Join(dest, "overlay", "work"))
}
