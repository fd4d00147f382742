// Package imagetest builds the layers and images that hull's image tests
// unpack: tar changesets with every entry type, whiteouts and opaque
// markers, a busybox base layer, and images in the three input formats.
package imagetest

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
	"time"
)

// Epoch is the mtime entries get unless a test sets one.
var Epoch = time.Unix(1700000000, 0)

// Entry is one tar entry of a layer.
type Entry struct {
	tar.Header
	Body []byte
}

// File is a regular file.
func File(name, body string, mode int64) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}, Body: []byte(body)}
}

// Dir is a directory.
func Dir(name string, mode int64) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimSuffix(name, "/") + "/", Mode: mode}}
}

// Symlink is a symbolic link to target.
func Symlink(name, target string) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

// Hardlink is a hard link to target, a path in the image.
func Hardlink(name, target string) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target}}
}

// Fifo is a named pipe.
func Fifo(name string, mode int64) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeFifo, Name: name, Mode: mode}}
}

// CharDev is a character device node.
func CharDev(name string, major, minor int64) Entry {
	return Entry{Header: tar.Header{Typeflag: tar.TypeChar, Name: name, Mode: 0o666, Devmajor: major, Devminor: minor}}
}

// Whiteout deletes the lower path p.
func Whiteout(p string) Entry {
	dir, base := path.Split(p)
	return File(dir+".wh."+base, "", 0o644)
}

// Opaque hides what lower layers hold in dir.
func Opaque(dir string) Entry {
	return File(path.Join(dir, ".wh..wh..opq"), "", 0o644)
}

// Owned sets an entry's owner.
func (e Entry) Owned(uid, gid int) Entry {
	e.Uid, e.Gid = uid, gid
	return e
}

// Xattr adds an extended attribute.
func (e Entry) Xattr(name, value string) Entry {
	recs := map[string]string{}
	for k, v := range e.PAXRecords {
		recs[k] = v
	}
	recs["SCHILY.xattr."+name] = value
	e.PAXRecords = recs
	return e
}

// At sets an entry's mtime.
func (e Entry) At(t time.Time) Entry {
	e.ModTime = t
	return e
}

// Tar writes the entries, in order, as a PAX tar archive.
func Tar(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := e.Header
		if hdr.ModTime.IsZero() {
			hdr.ModTime = Epoch
		}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatalf("tar header %s: %v", hdr.Name, err)
		}
		if _, err := tw.Write(e.Body); err != nil {
			t.Fatalf("tar body %s: %v", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Busybox returns a base layer: a static busybox with a symlink per applet
// in bin/, and an etc/ with passwd, group and a marker file.
func Busybox(t testing.TB) []Entry {
	t.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skipf("needs Debian's busybox-static: %v", err)
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		t.Skipf("busybox --list: %v", err)
	}
	entries := []Entry{Dir("./", 0o755), Dir("bin", 0o755)}
	bb := File("bin/busybox", string(bin), 0o755)
	entries = append(entries, bb)
	for _, applet := range strings.Fields(string(out)) {
		if applet != "busybox" {
			entries = append(entries, Symlink("bin/"+applet, "busybox"))
		}
	}
	return append(entries,
		Dir("etc", 0o755),
		File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0o644),
		File("etc/group", "root:x:0:\ndaemon:x:1:\nwheel:x:10:app\napp:x:1000:\naudio:x:29:app,daemon\nnogroup:x:65534:\n", 0o644),
		File("etc/marker", "base layer\n", 0o644),
		Dir("root", 0o700),
		Dir("tmp", 0o1777),
		Dir("proc", 0o755),
		Dir("sys", 0o755),
		Dir("dev", 0o755),
	)
}
