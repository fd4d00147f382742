package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/hull-oci/hull/internal/specjson"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const (
	stateFile  = "state.json"
	configFile = "config.json"
	fifoFile   = "exec.fifo"
	notifyDir  = "notify"
)

// Store is the state directory of one runtime root: Root/<id>/ per
// container.
type Store struct {
	// Root is the absolute --root directory.
	Root string
}

// New returns the store rooted at root, creating root (mode 0700) if needed.
// The root is made absolute so that a later chdir cannot move it.
func New(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("unable to resolve state root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("unable to create state root: %w", err)
	}
	return &Store{Root: abs}, nil
}

// Dir returns the state directory of container id. It does not validate
// id; every method that touches the directory does.
func (s *Store) Dir(id string) string {
	return filepath.Join(s.Root, id)
}

// FifoPath returns the path of the exec fifo that holds init until start.
func (s *Store) FifoPath(id string) string {
	return filepath.Join(s.Dir(id), fifoFile)
}

// NotifyDir returns the directory of the socket that receives the
// container's sd_notify messages; it is bind-mounted into the container.
func (s *Store) NotifyDir(id string) string {
	return filepath.Join(s.Dir(id), notifyDir)
}

// Create makes the state directory of id. mkdir is atomic, so of several
// concurrent creates of one id exactly one succeeds; the others get ErrExist.
func (s *Store) Create(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	dir := s.Dir(id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return withID(id, ErrExist)
		}
		return fmt.Errorf("unable to create state directory: %w", err)
	}
	// 0711 lets a container user that is not root reach exec.fifo by
	// path; set it explicitly because mkdir's mode is filtered by umask.
	if err := os.Chmod(dir, 0o711); err != nil {
		_ = os.Remove(dir)
		return fmt.Errorf("unable to set state directory mode: %w", err)
	}
	return nil
}

// Save writes st as the state of id, replacing the old state atomically.
func (s *Store) Save(id string, st *State) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if st.ID != id {
		return fmt.Errorf("unable to save state of container %q: state names container %q", id, st.ID)
	}
	var buf [1024]byte // a state is smaller unless it has many annotations
	data, err := st.appendJSON(buf[:0])
	if err != nil {
		return fmt.Errorf("unable to encode state of container %q: %w", id, err)
	}
	return s.writeFile(id, stateFile, data)
}

// Load reads the state of id. It returns ErrNotExist if there is no such
// container, ErrNoState if the container exists but no state was saved yet,
// and ErrCorrupt if state.json cannot be decoded.
func (s *Store) Load(id string) (*State, error) {
	data, err := s.readFile(id, stateFile)
	if err != nil {
		return nil, err
	}
	var st State
	if !st.decode(data) {
		st = State{}
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, filepath.Join(s.Dir(id), stateFile), err)
		}
	}
	if st.ID != id {
		return nil, fmt.Errorf("%w: %s: names container %q", ErrCorrupt, filepath.Join(s.Dir(id), stateFile), st.ID)
	}
	return &st, nil
}

// SaveConfig stores spec, the container's config.json, in its state
// directory so later commands do not depend on the bundle staying put.
func (s *Store) SaveConfig(id string, spec []byte) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if !json.Valid(spec) {
		return fmt.Errorf("unable to save config of container %q: not valid JSON", id)
	}
	return s.writeFile(id, configFile, spec)
}

// LoadConfig reads the config saved by SaveConfig, with the same errors as
// Load.
func (s *Store) LoadConfig(id string) (*specs.Spec, error) {
	data, err := s.readFile(id, configFile)
	if err != nil {
		return nil, err
	}
	spec, err := specjson.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, filepath.Join(s.Dir(id), configFile), err)
	}
	return spec, nil
}

// Remove deletes the state directory of id. A missing directory is not an
// error, so a failed delete can simply be retried.
func (s *Store) Remove(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if err := os.RemoveAll(s.Dir(id)); err != nil {
		return fmt.Errorf("unable to remove state of container %q: %w", id, err)
	}
	return nil
}

// List returns the ids of all containers, sorted. It reads directory names
// only, so it stays fast with thousands of containers and works when some
// state files are corrupt. A missing root holds no containers.
func (s *Store) List() ([]string, error) {
	entries, err := os.ReadDir(s.Root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return []string{}, nil
		}
		return nil, fmt.Errorf("unable to list containers: %w", err)
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		// Files and names that are not ids are not containers: they
		// are leftovers or something another tool put there.
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids) // ReadDir sorts already; do not depend on it
	return ids, nil
}
