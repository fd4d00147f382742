package source

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// files gives access to the files of an image on disk, a directory or a
// tar archive, by slash-separated paths relative to its top.
type files interface {
	// open returns a file's content and size.
	open(name string) (io.ReadCloser, int64, error)
	exists(name string) bool
	Close() error
}

// dirFiles reads an image layout directory. os.Root keeps every open
// beneath the directory, even through symlinks a hostile layout might hold.
type dirFiles struct{ root *os.Root }

func openDir(dir string) (*dirFiles, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirFiles{root: r}, nil
}

func (d *dirFiles) open(name string) (io.ReadCloser, int64, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	return f, fi.Size(), nil
}

func (d *dirFiles) exists(name string) bool {
	_, err := d.root.Stat(name)
	return err == nil
}

func (d *dirFiles) Close() error { return d.root.Close() }

// tarFiles reads an image archived in an uncompressed tar (an OCI layout
// tar or a `docker save` archive) in place: one pass records where each
// regular file's data starts, then reads are section reads of the archive.
type tarFiles struct {
	f     *os.File
	index map[string]section
}

type section struct{ off, size int64 }

func openTar(file string) (*tarFiles, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	index, err := indexTar(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read archive %s: %w", file, err)
	}
	return &tarFiles{f: f, index: index}, nil
}

// indexTar maps the cleaned name of each regular file to its data. The tar
// reader reads whole 512-byte blocks from the *os.File without buffering,
// so after Next the file offset is where the entry's data starts.
func indexTar(f *os.File) (map[string]section, error) {
	index := map[string]section{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return index, nil
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		index[cleanPath(hdr.Name)] = section{off: off, size: hdr.Size}
	}
}

func cleanPath(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func (t *tarFiles) open(name string) (io.ReadCloser, int64, error) {
	s, ok := t.index[cleanPath(name)]
	if !ok {
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return io.NopCloser(io.NewSectionReader(t.f, s.off, s.size)), s.size, nil
}

func (t *tarFiles) exists(name string) bool {
	_, ok := t.index[cleanPath(name)]
	return ok
}

func (t *tarFiles) Close() error { return t.f.Close() }

// isTar tells whether file starts like a tar archive: "ustar" at offset 257
// (POSIX and GNU formats alike).
func isTar(file string) (bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var blk [512]byte
	if _, err := io.ReadFull(f, blk[:]); err != nil {
		return false, nil
	}
	return string(blk[257:262]) == "ustar", nil
}
