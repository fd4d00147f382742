package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-oci/hull/image/internal/convert"
	it "github.com/hull-oci/hull/image/internal/imagetest"
	"github.com/hull-oci/hull/image/internal/layer"
	"github.com/hull-oci/hull/image/internal/source"
	"github.com/moby/sys/mountinfo"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: ownership, device nodes, overlay mounts")
	}
}

// noMounts fails the test if anything is still mounted under dir.
func noMounts(t *testing.T, dir string) {
	t.Helper()
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		t.Errorf("left mounted: %s", m.Mountpoint)
	}
}

// tmp is a test directory checked for stray mounts when the test ends; the
// check runs after the test's own cleanups, before the directory goes.
func tmp(t *testing.T) string {
	dir := t.TempDir()
	t.Cleanup(func() { noMounts(t, dir) })
	return dir
}

// testImage is three layers: busybox with extra files (uncompressed), one
// that deletes and replaces with whiteouts and an opaque directory (gzip),
// and one with every other entry type (zstd).
func testImage(t *testing.T) it.Image {
	base := append(it.Busybox(t),
		it.Dir("var", 0o755), it.File("var/gone", "deleted by layer 2", 0o644),
		it.Dir("opt", 0o755), it.Dir("opt/old", 0o755), it.File("opt/old/a", "a", 0o644), it.Dir("opt/old/sub", 0o755), it.File("opt/old/sub/b", "b", 0o644),
		it.Dir("srv", 0o755), it.File("srv/keep", "kept", 0o644), it.File("srv/todir", "file, then dir", 0o644),
	)
	second := []it.Entry{
		it.Dir("var", 0o755), it.Whiteout("var/gone"),
		it.Dir("opt/old", 0o750), it.Opaque("opt/old"), it.File("opt/old/new", "new", 0o644),
		it.Dir("etc", 0o755), it.File("etc/marker", "layer two\n", 0o644),
		it.Dir("srv/todir", 0o755), it.File("srv/todir/inner", "inner", 0o600),
		it.Whiteout("bin/vi"),
	}
	third := []it.Entry{
		it.Dir("etc", 0o755), it.File("etc/marker", "hello from layer three\n", 0o644),
		it.Hardlink("etc/marker-link", "etc/marker"),
		it.Dir("home", 0o755), it.Dir("home/app", 0o700).Owned(1000, 1000),
		it.File("home/app/.profile", "export X=1\n", 0o640).Owned(1000, 1000).Xattr("user.origin", "layer3"),
		it.File("bin/suid", "#!/bin/sh\n", 0o4755),
		it.Fifo("srv/pipe", 0o620),
		it.CharDev("srv/null", 1, 3),
		it.Symlink("srv/link", "/etc/marker"),
	}
	return it.Image{
		Ref: "test",
		Layers: []it.Layer{
			{Tar: it.Tar(t, base...)},
			{Tar: it.Tar(t, second...), Compression: it.Gzip},
			{Tar: it.Tar(t, third...), Compression: it.Zstd},
		},
		Config: ocispec.ImageConfig{
			User:         "app",
			Cmd:          []string{"sh", "-c", "cat /etc/marker; id -u"},
			Env:          []string{"GREETING=hi"},
			WorkingDir:   "/home/app",
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			Volumes:      map[string]struct{}{"/data": {}},
			Labels:       map[string]string{"org.example.test": "yes"},
		},
	}
}

// expectTree checks the unpacked tree of testImage file by file.
func expectTree(t *testing.T, rootfs string) {
	t.Helper()
	e := it.Epoch.Unix()
	it.Expect(t, it.Tree(t, rootfs), map[string]string{
		".":                    "dir 0755 0:0",
		"bin/sh":               fmt.Sprintf("symlink busybox 0:0 mtime=%d", e),
		"bin/vi":               "",
		"bin/suid":             fmt.Sprintf(`file 4755 0:0 "#!/bin/sh\n" nlink=1 mtime=%d`, e),
		"etc/marker":           fmt.Sprintf(`file 0644 0:0 "hello from layer three\n" nlink=2 mtime=%d`, e),
		"etc/marker-link":      fmt.Sprintf(`file 0644 0:0 "hello from layer three\n" nlink=2 mtime=%d`, e),
		"var":                  "dir 0755 0:0",
		"var/gone":             "",
		"var/.wh.gone":         "",
		"opt/old":              "dir 0750 0:0",
		"opt/old/a":            "",
		"opt/old/sub":          "",
		"opt/old/new":          fmt.Sprintf(`file 0644 0:0 "new" nlink=1 mtime=%d`, e),
		"opt/old/.wh..wh..opq": "",
		"srv/keep":             fmt.Sprintf(`file 0644 0:0 "kept" nlink=1 mtime=%d`, e),
		"srv/todir":            "dir 0755 0:0",
		"srv/todir/inner":      fmt.Sprintf(`file 0600 0:0 "inner" nlink=1 mtime=%d`, e),
		"srv/pipe":             fmt.Sprintf("fifo 0620 0:0 mtime=%d", e),
		"srv/null":             fmt.Sprintf("char 1:3 0666 0:0 mtime=%d", e),
		"srv/link":             fmt.Sprintf("symlink /etc/marker 0:0 mtime=%d", e),
		"home/app":             "dir 0700 1000:1000",
		"home/app/.profile":    fmt.Sprintf(`file 0640 1000:1000 "export X=1\n" nlink=1 user.origin=layer3 mtime=%d`, e),
		"tmp":                  "dir 1777 0:0",
		"root":                 "dir 0700 0:0",
	})
	if got := it.Tree(t, rootfs)["bin/busybox"]; !strings.HasPrefix(got, "file 0755 0:0 sha256:") {
		t.Errorf("bin/busybox: %s", got)
	}
}

// inputs writes img in the three input formats.
func inputs(t *testing.T, img it.Image) map[string]string {
	dir := t.TempDir()
	in := map[string]string{
		"layout":     filepath.Join(dir, "layout"),
		"layout tar": filepath.Join(dir, "layout.tar"),
		"docker":     filepath.Join(dir, "docker.tar"),
	}
	it.WriteLayout(t, in["layout"], img)
	it.WriteLayoutTar(t, in["layout tar"], img)
	for i := range img.Layers {
		img.Layers[i].Compression = it.Uncompressed
	}
	it.WriteDockerArchive(t, in["docker"], img)
	return in
}

func TestUnpackCopy(t *testing.T) {
	requireRoot(t)
	for format, src := range inputs(t, testImage(t)) {
		t.Run(format, func(t *testing.T) {
			dest := filepath.Join(tmp(t), "bundle")
			res, err := Unpack(src, dest, Options{Ref: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Layers != 3 || res.Extracted != 3 || res.Reused != 0 || res.Written <= 0 {
				t.Errorf("result %+v", res)
			}
			expectTree(t, filepath.Join(dest, "rootfs"))
			checkConfig(t, dest)
			if err := Remove(dest); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dest); !os.IsNotExist(err) {
				t.Errorf("bundle still there after Remove: %v", err)
			}
		})
	}
}

// checkConfig checks config.json against testImage's config.
func checkConfig(t *testing.T, dest string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if strings.Join(p.Args, " ") != "sh -c cat /etc/marker; id -u" || p.Cwd != "/home/app" || p.Terminal {
		t.Errorf("process args %q cwd %q terminal %v", p.Args, p.Cwd, p.Terminal)
	}
	if p.User.UID != 1000 || p.User.GID != 1000 || fmt.Sprint(p.User.AdditionalGids) != "[10 29]" {
		t.Errorf("user %+v, want app: 1000:1000 in wheel and audio", p.User)
	}
	if p.Env[0] != "GREETING=hi" || !strings.HasPrefix(p.Env[1], "PATH=") {
		t.Errorf("env %q", p.Env)
	}
	a := s.Annotations
	if a[convert.AnnotationExposedPorts] != "8080/tcp" || a[convert.AnnotationVolumes] != "/data" || a["org.example.test"] != "yes" {
		t.Errorf("annotations %v", a)
	}
}

func TestUnpackOverlay(t *testing.T) {
	requireRoot(t)
	dir := tmp(t)
	src := inputs(t, testImage(t))["layout"]
	opts := Options{Mode: Overlay, Store: filepath.Join(dir, "store")}
	one, two := filepath.Join(dir, "one"), filepath.Join(dir, "two")
	res, err := Unpack(src, one, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(one) })
	if res.Extracted != 3 || res.Reused != 0 {
		t.Errorf("first bundle: %+v, want 3 layers extracted", res)
	}
	expectTree(t, filepath.Join(one, "rootfs"))
	checkConfig(t, one)

	res, err = Unpack(src, two, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(two) })
	if res.Extracted != 0 || res.Reused != 3 || res.Saved <= 0 || res.Written != 0 {
		t.Errorf("second bundle: %+v, want 3 layers reused", res)
	}
	if !strings.Contains(res.String(), "3 layers reused") {
		t.Errorf("summary %q", res)
	}
	// the bundles share layers, not writes
	os.WriteFile(filepath.Join(one, "rootfs/etc/marker"), []byte("changed in one"), 0o644)
	os.Remove(filepath.Join(one, "rootfs/srv/keep"))
	expectTree(t, filepath.Join(two, "rootfs"))

	for _, b := range []string{one, two} {
		if err := Remove(b); err != nil {
			t.Fatal(err)
		}
	}
	noMounts(t, dir)
}

// TestCopyAndOverlayAgree unpacks the image both ways: the trees must be
// the same, entry by entry.
func TestCopyAndOverlayAgree(t *testing.T) {
	requireRoot(t)
	dir := tmp(t)
	src := inputs(t, testImage(t))["layout tar"]
	cp, ov := filepath.Join(dir, "copy"), filepath.Join(dir, "overlay")
	if _, err := Unpack(src, cp, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(src, ov, Options{Mode: Overlay, Store: filepath.Join(dir, "store")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(ov) })
	want, got := it.Tree(t, filepath.Join(cp, "rootfs")), it.Tree(t, filepath.Join(ov, "rootfs"))
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: overlay %q, copy %q", p, got[p], w)
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: only in overlay: %s", p, g)
		}
	}
}

// TestMountAgain unmounts an overlay bundle, as a reboot would, and mounts
// it again with what it kept: the container's writes included.
func TestMountAgain(t *testing.T) {
	requireRoot(t)
	dir := tmp(t)
	dest := filepath.Join(dir, "bundle")
	if _, err := Unpack(inputs(t, testImage(t))["docker"], dest, Options{Mode: Overlay, Store: filepath.Join(dir, "store")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Remove(dest) })
	rootfs := filepath.Join(dest, "rootfs")
	os.WriteFile(filepath.Join(rootfs, "written"), []byte("kept"), 0o644)
	if err := Mount(dest); err == nil {
		t.Error("Mount of a mounted bundle: want an error")
	}
	if err := unmountRootfs(dest); err != nil {
		t.Fatal(err)
	}
	if err := Mount(dest); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(rootfs, "written")); string(data) != "kept" {
		t.Errorf("written: %q after mounting again", data)
	}
	expectTree(t, rootfs)
}

// TestCorruptLayer damages a layer blob: the unpack fails naming it, and
// leaves no bundle, no mount and no layer in the store.
func TestCorruptLayer(t *testing.T) {
	requireRoot(t)
	img := testImage(t)
	for _, mode := range []Mode{Copy, Overlay} {
		t.Run(string(mode), func(t *testing.T) {
			dir := tmp(t)
			src := filepath.Join(dir, "layout")
			descs := it.WriteLayout(t, src, img)
			var m ocispec.Manifest
			data, _ := os.ReadFile(it.BlobPath(src, descs[0].Digest))
			json.Unmarshal(data, &m)
			bad := m.Layers[1].Digest
			p := it.BlobPath(src, bad)
			blob, _ := os.ReadFile(p)
			blob[len(blob)/2] ^= 0xff
			os.WriteFile(p, blob, 0o644)

			dest, store := filepath.Join(dir, "bundle"), filepath.Join(dir, "store")
			_, err := Unpack(src, dest, Options{Mode: mode, Store: store})
			if !errors.Is(err, source.ErrDigest) || !strings.Contains(err.Error(), bad.String()) {
				t.Errorf("got %v, want a digest error naming %s", err, bad)
			}
			if _, err := os.Stat(dest); !os.IsNotExist(err) {
				t.Errorf("bundle left behind: %v", err)
			}
			if mode == Overlay {
				layers, _ := filepath.Glob(filepath.Join(store, "sha256", "*"))
				if len(layers) != 1 {
					t.Errorf("store holds %d layers, want only the good base layer", len(layers))
				}
			}
		})
	}
}

// TestMaliciousImage unpacks an image whose second layer climbs out
// through a symlink the first planted.
func TestMaliciousImage(t *testing.T) {
	requireRoot(t)
	dir := tmp(t)
	outside := filepath.Join(dir, "outside")
	os.Mkdir(outside, 0o755)
	img := it.Image{Layers: []it.Layer{
		{Tar: it.Tar(t, it.Symlink("escape", outside))},
		{Tar: it.Tar(t, it.File("escape/pwned", "x", 0o644))},
	}}
	src := filepath.Join(dir, "layout")
	it.WriteLayout(t, src, img)
	for _, mode := range []Mode{Copy, Overlay} {
		dest := filepath.Join(dir, "bundle-"+string(mode))
		_, err := Unpack(src, dest, Options{Mode: mode, Store: filepath.Join(dir, "store")})
		if mode == Copy && !errors.Is(err, layer.ErrUnsafePath) {
			t.Errorf("%s: got %v, want ErrUnsafePath", mode, err)
		}
		if mode == Overlay {
			// each layer is extracted on its own: the symlink is followed
			// by nobody until the container runs, inside its root
			if err != nil {
				t.Errorf("%s: %v", mode, err)
			}
			Remove(dest)
		}
		if entries, _ := os.ReadDir(outside); len(entries) != 0 {
			t.Errorf("%s: wrote outside the rootfs: %v", mode, entries)
		}
	}
}

func TestDestMustBeEmpty(t *testing.T) {
	requireRoot(t)
	dest := tmp(t)
	os.WriteFile(filepath.Join(dest, "precious"), nil, 0o644)
	src := inputs(t, testImage(t))["layout"]
	if _, err := Unpack(src, dest, Options{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("got %v, want a not-empty error", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "precious")); err != nil {
		t.Errorf("precious: %v", err)
	}
	if err := Remove(dest); err == nil {
		t.Error("Remove of a directory hull did not make: want an error")
	}
}
