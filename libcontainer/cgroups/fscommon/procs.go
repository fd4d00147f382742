package fscommon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcsFile lists a cgroup's processes (thread-group ids), one per line, in
// both cgroup versions; writing a pid to it moves that whole process.
const ProcsFile = "cgroup.procs"

// WritePid moves process pid into the cgroup dir.
func WritePid(dir string, pid int) error {
	return WriteFile(dir, ProcsFile, strconv.Itoa(pid))
}

// ReadPids returns the processes directly in the cgroup dir.
func ReadPids(dir string) ([]int, error) {
	text, err := ReadFile(dir, ProcsFile)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, field := range strings.Fields(text) {
		pid, err := strconv.Atoi(field)
		if err != nil {
			return nil, fmt.Errorf("%s: bad pid %q", filepath.Join(dir, ProcsFile), field)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// AllPids returns the processes in the cgroup dir and in every cgroup below
// it, so that kill --all reaches processes in sub-cgroups the container
// made. Cgroups removed while we walk are skipped.
func AllPids(dir string) ([]int, error) {
	pids, err := ReadPids(dir)
	if err != nil {
		return nil, err
	}
	subdirs, err := listSubdirs(dir)
	if err != nil {
		return nil, err
	}
	for _, sub := range subdirs {
		more, err := AllPids(sub)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		pids = append(pids, more...)
	}
	return pids, nil
}
