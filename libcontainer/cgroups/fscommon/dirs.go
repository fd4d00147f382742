package fscommon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// RemoveTimeout bounds how long RemoveCgroups waits for busy cgroups. The
// kernel frees a cgroup shortly after its last process has exited and been
// reaped, so rmdir can fail with EBUSY for a few milliseconds after a kill.
const RemoveTimeout = time.Second

// Mkdir makes dir and any missing parents, like mkdir -p, and returns the
// directories it made, parents first, so that the caller can later remove
// exactly those. A directory that already exists, or that a concurrent
// caller made first, is not reported. On error, the directories made so
// far are returned too.
func Mkdir(dir string) ([]string, error) {
	// One mkdir(2) in the common case, where the parent exists.
	err := unix.Mkdir(dir, 0o755)
	switch {
	case err == nil:
		return []string{dir}, nil
	case errors.Is(err, unix.EEXIST):
		return nil, checkDir(dir)
	case !errors.Is(err, unix.ENOENT):
		return nil, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	parent := filepath.Dir(dir)
	if parent == dir {
		return nil, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	made, err := Mkdir(parent)
	if err != nil {
		return made, err
	}
	err = unix.Mkdir(dir, 0o755)
	switch {
	case err == nil:
		return append(made, dir), nil
	case errors.Is(err, unix.EEXIST):
		return made, checkDir(dir)
	}
	return made, &os.PathError{Op: "mkdir", Path: dir, Err: err}
}

// checkDir makes sure an existing dir is a directory: a cgroup path that
// names a cgroup file (say ".../cgroup.procs") must not pass for a cgroup.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("mkdir %s: exists and is not a directory", dir)
	}
	return nil
}

// RemoveCgroups removes a container's cgroups. Each leaf is removed with
// every cgroup below it (the container may have made sub-cgroups), deepest
// first, retrying busy ones with backoff for up to RemoveTimeout in total.
// Then parents (given deepest first) are removed only if empty: another
// container may share a parent, which is then left in place without error.
// Missing directories are fine. All leaves are tried; the first error is
// returned.
func RemoveCgroups(leaves, parents []string) error {
	deadline := time.Now().Add(RemoveTimeout)
	var first error
	for _, dir := range leaves {
		if err := removeTree(dir, deadline); err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	for _, dir := range parents {
		if err := rmdir(dir); err != nil && !isBusy(err) {
			return err
		}
	}
	return nil
}

func removeTree(dir string, deadline time.Time) error {
	err := rmdir(dir)
	if err == nil || !isBusy(err) {
		return err
	}
	// The kernel says EBUSY both for a cgroup with processes and for one
	// with child cgroups; only the second can be helped from here.
	subdirs, err := listSubdirs(dir)
	if err != nil {
		return err
	}
	for _, sub := range subdirs {
		if err := removeTree(sub, deadline); err != nil {
			return err
		}
	}
	return Poll(deadline, func() (bool, error) {
		err := rmdir(dir)
		return err == nil || !isBusy(err), err
	})
}

// rmdir removes dir; a missing dir counts as removed.
func rmdir(dir string) error {
	err := unix.Rmdir(dir)
	if errors.Is(err, unix.ENOTEMPTY) && inFakeTree(dir) {
		err = rmdirFake(dir)
	}
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return &os.PathError{Op: "rmdir", Path: dir, Err: err}
}

// rmdirFake removes a directory of a fake tree the way the kernel removes
// a cgroup: its files go with it, but not if it has child cgroups.
func rmdirFake(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			return unix.ENOTEMPTY
		}
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return unix.Rmdir(dir)
}

func isBusy(err error) bool {
	return errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY)
}

// listSubdirs returns the child cgroups of dir; a missing dir has none.
func listSubdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	return dirs, nil
}

// MissingParents returns the ancestors of dirs that do not exist yet,
// parents first, each once: what Mkdir would make besides dirs.
func MissingParents(dirs []string) []string {
	var missing []string
	for _, dir := range dirs {
		var chain []string
		for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(d); err == nil {
				break
			}
			chain = append(chain, d)
		}
		slices.Reverse(chain)
		for _, d := range chain {
			if !slices.Contains(missing, d) {
				missing = append(missing, d)
			}
		}
	}
	return missing
}

// DeepestFirst returns dirs sorted so that each comes before its parents.
func DeepestFirst(dirs []string) []string {
	out := slices.Clone(dirs)
	slices.SortStableFunc(out, func(a, b string) int {
		return strings.Count(b, "/") - strings.Count(a, "/")
	})
	return out
}

// CheckSavedParents checks parent directories read back from a state file:
// each must be a saved path (see CheckSavedPath) and an ancestor of one of
// leaves. A parent is removed only if empty, but must still never be a
// directory hull did not make.
func CheckSavedParents(root string, leaves, parents []string) ([]string, error) {
	for _, p := range parents {
		if err := CheckSavedPath(root, "parent", p); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(leaves, func(l string) bool { return l != p && IsUnder(p, l) }) {
			return nil, fmt.Errorf("saved parent cgroup %q is not above any of the container's cgroups", p)
		}
	}
	return slices.Clone(parents), nil
}
