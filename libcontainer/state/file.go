package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hull-oci/hull/internal/readfile"
)

// writeFile replaces Dir(id)/name with data. It writes a temporary file in
// the same directory and renames it over name, so a reader sees either the
// old or the new content, never a partial one. There is no fsync: the root
// normally lives on tmpfs, and after a crash on a disk file system a
// truncated file is reported as ErrCorrupt, which callers handle anyway.
func (s *Store) writeFile(id, name string, data []byte) error {
	dir := s.Dir(id)
	f, err := os.CreateTemp(dir, "."+name+".tmp-")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return withID(id, ErrNotExist)
		}
		return fmt.Errorf("unable to write %s of container %q: %w", name, id, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("unable to write %s of container %q: %w", name, id, err)
	}
	return nil
}

// readFile reads Dir(id)/name, telling a missing container (ErrNotExist)
// from one whose file was not written yet (ErrNoState).
func (s *Store) readFile(id, name string) ([]byte, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	data, err := readfile.Read(filepath.Join(s.Dir(id), name))
	if err == nil {
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("unable to read %s of container %q: %w", name, id, err)
	}
	if _, serr := os.Lstat(s.Dir(id)); errors.Is(serr, fs.ErrNotExist) {
		return nil, withID(id, ErrNotExist)
	}
	return nil, withID(id, ErrNoState)
}
