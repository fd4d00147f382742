package state

import (
	"errors"
	"fmt"
	"strings"
)

// MaxIDLen is the longest container id accepted. It keeps ids well below
// NAME_MAX-sized limits once combined with cgroup and systemd unit names.
const MaxIDLen = 1024

// Sentinel errors, checked with errors.Is.
var (
	// ErrExist means a container with that id already exists.
	ErrExist = errors.New("container already exists")
	// ErrNotExist means there is no container with that id.
	ErrNotExist = errors.New("container does not exist")
	// ErrNoState means the container directory exists but its state has
	// not been saved yet: it is being created (or its creator died).
	ErrNoState = errors.New("container state not yet written")
	// ErrCorrupt means a state or config file cannot be decoded.
	ErrCorrupt = errors.New("state file is corrupt")
)

// ValidateID reports whether id can name a container. The id becomes a
// directory name under --root, so anything that could escape it ("..",
// slashes) or confuse other tools (spaces, control bytes) is refused.
func ValidateID(id string) error {
	switch {
	case id == "":
		return errors.New("invalid container id: must not be empty")
	case id == "." || id == "..":
		return fmt.Errorf("invalid container id %q: must not be . or ..", id)
	case len(id) > MaxIDLen:
		return fmt.Errorf("invalid container id %.16q...: longer than %d bytes", id, MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !validIDByte(id[i]) {
			return fmt.Errorf("invalid container id %q: only [A-Za-z0-9_+.-] allowed", id)
		}
	}
	return nil
}

func validIDByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("_+.-", c) >= 0
}

// idError attaches a container id to a sentinel so the user reads
// `container "web" does not exist` while callers still match the sentinel.
type idError struct {
	id  string
	err error
}

func (e *idError) Error() string {
	msg := e.err.Error()
	if rest, ok := strings.CutPrefix(msg, "container "); ok {
		return fmt.Sprintf("container %q %s", e.id, rest)
	}
	return fmt.Sprintf("container %q: %s", e.id, msg)
}

func (e *idError) Unwrap() error { return e.err }

func withID(id string, err error) error {
	return &idError{id: id, err: err}
}
