// Package proc reads process facts from /proc that tell a live process
// apart from a dead one whose pid was reused.
package proc

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/hull-oci/hull/internal/readfile"
)

// stat holds the fields of /proc/<pid>/stat that hull needs.
type stat struct {
	state     byte   // field 3
	startTime uint64 // field 22, clock ticks after boot
}

// StartTime returns field 22 of /proc/<pid>/stat: when the process started,
// in clock ticks after boot. A pid and its start time together name one
// process for the life of the machine. For a missing process the error
// matches fs.ErrNotExist.
func StartTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return st.startTime, nil
}

// State returns field 3 of /proc/<pid>/stat, the process state: 'R', 'S',
// 'D', 'Z', 'T', ... For a missing process the error matches fs.ErrNotExist.
func State(pid int) (byte, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return st.state, nil
}

// Alive reports whether pid exists, started at start (so it is not a
// different process that reused the pid) and has not exited: a zombie
// ('Z') or dead ('X') process is not alive.
func Alive(pid int, start uint64) bool {
	st, err := readStat(pid)
	if err != nil {
		return false
	}
	return st.startTime == start && st.state != 'Z' && st.state != 'X'
}

func readStat(pid int) (*stat, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("invalid pid %d", pid)
	}
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	data, err := readfile.Read(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	st, err := parseStat(data)
	if err != nil {
		return nil, fmt.Errorf("unable to parse %s: %w", path, err)
	}
	return st, nil
}

// parseStat decodes the contents of /proc/<pid>/stat. Field 2, comm, is in
// parentheses and may itself hold spaces and parentheses (a process can
// name itself "a) b (c"), so the fields are split after the LAST ')'.
func parseStat(data []byte) (*stat, error) {
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return nil, fmt.Errorf("no (comm) field in %q", truncate(data))
	}
	// fields[0] is field 3 (state), so field n is fields[n-3].
	fields := bytes.Fields(data[end+1:])
	if len(fields) <= 22-3 {
		return nil, fmt.Errorf("only %d fields after comm in %q", len(fields), truncate(data))
	}
	if len(fields[0]) != 1 {
		return nil, fmt.Errorf("bad state field %q", fields[0])
	}
	start, err := strconv.ParseUint(string(fields[22-3]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad start time field: %w", err)
	}
	return &stat{state: fields[0][0], startTime: start}, nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
