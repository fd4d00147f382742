package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"a", true},
		{"A-b_c.d+e", true},
		{"a.b", true},
		{".hidden", true},
		{strings.Repeat("x", MaxIDLen), true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"/a", false},
		{"a b", false},
		{"é", false},
		{"a\x00", false},
		{"a\n", false},
		{"a:b", false},
		{strings.Repeat("x", MaxIDLen+1), false},
	}
	for _, tc := range tests {
		err := ValidateID(tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
	err := ValidateID("a/b")
	if want := `invalid container id "a/b": only [A-Za-z0-9_+.-] allowed`; err == nil || err.Error() != want {
		t.Errorf("ValidateID(a/b) = %v, want %q", err, want)
	}
}

func TestNewMakesRootAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := New("rel/root")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(s.Root) {
		t.Errorf("Root = %q, want absolute", s.Root)
	}
	fi, err := os.Stat(s.Root)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("root mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestCreate(t *testing.T) {
	s := newStore(t)
	if err := s.Create("c1"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Dir("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o711 {
		t.Errorf("dir mode = %v, want 0711", fi.Mode().Perm())
	}
	err = s.Create("c1")
	if !errors.Is(err, ErrExist) {
		t.Fatalf("second Create = %v, want ErrExist", err)
	}
	if want := `container "c1" already exists`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if err := s.Create("../x"); err == nil {
		t.Error("Create(../x) succeeded")
	}
}

func TestCreateConcurrent(t *testing.T) {
	s := newStore(t)
	const n = 32
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Create("race")
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrExist):
			t.Errorf("Create = %v, want nil or ErrExist", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d creates succeeded, want exactly 1", wins)
	}
}

func sampleState(id string) *State {
	return &State{
		OCIVersion:   "1.3.0",
		ID:           id,
		Pid:          1234,
		PidStartTime: 987654,
		Bundle:       "/bundle",
		Rootfs:       "/bundle/rootfs",
		Created:      time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC),
		Owner:        "root",
		Annotations:  map[string]string{"k": "v"},
		CgroupPaths:  map[string]string{"memory": "/sys/fs/cgroup/memory/x", "": "/sys/fs/cgroup/unified/x"},
		Phase:        PhaseCreated,
		Systemd:      true,
	}
}

func TestSaveLoad(t *testing.T) {
	s := newStore(t)
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	want := sampleState("c")
	if err := s.Save("c", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("c")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
	// Saving again replaces the state and leaves no temp files behind.
	want.Phase = PhaseCreating
	if err := s.Save("c", want); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load("c"); got == nil || got.Phase != PhaseCreating {
		t.Errorf("after second Save, Load = %+v", got)
	}
	entries, err := os.ReadDir(s.Dir("c"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "state.json" {
		t.Errorf("state dir holds %v, want only state.json", entries)
	}
}

func TestStateJSONFieldNames(t *testing.T) {
	s := newStore(t)
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("c", sampleState("c")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(s.Dir("c"), "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"ociVersion"`, `"id"`, `"init_process_pid"`, `"init_process_start"`,
		`"bundle"`, `"rootfs"`, `"created"`, `"owner"`, `"annotations"`, `"cgroup_paths"`, `"phase"`, `"systemd"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("state.json lacks %s: %s", key, data)
		}
	}
}

func TestSaveMismatchedID(t *testing.T) {
	s := newStore(t)
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("c", sampleState("other")); err == nil {
		t.Error("Save of a state naming another container succeeded")
	}
}

func TestSaveMissing(t *testing.T) {
	s := newStore(t)
	if err := s.Save("nope", sampleState("nope")); !errors.Is(err, ErrNotExist) {
		t.Errorf("Save to missing container = %v, want ErrNotExist", err)
	}
}

func TestLoadErrors(t *testing.T) {
	s := newStore(t)
	if _, err := s.Load("missing"); !errors.Is(err, ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	} else if want := `container "missing" does not exist`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if err := s.Create("new"); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load("new")
	if !errors.Is(err, ErrNoState) || st != nil {
		t.Errorf("Load(new) = %v, %v; want nil, ErrNoState", st, err)
	}
	if errors.Is(err, ErrNotExist) {
		t.Error("ErrNoState must not match ErrNotExist")
	}
	if _, err := s.Load("a/b"); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("Load(a/b) = %v, want an invalid id error", err)
	}
}

func TestLoadCorrupt(t *testing.T) {
	good, err := jsonOf(sampleState("c"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":      {},
		"truncated":  good[:len(good)/2],
		"garbage":    []byte("\x00\x01not json"),
		"trailing":   append(append([]byte{}, good...), []byte("}}")...),
		"wrong id":   []byte(`{"id":"other"}`),
		"wrong type": []byte(`{"id":"c","init_process_pid":"x"}`),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			if err := s.Create("c"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(s.Dir("c"), "state.json"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load("c"); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
			// A corrupt container is still listed and removable.
			if ids, err := s.List(); err != nil || len(ids) != 1 {
				t.Errorf("List = %v, %v", ids, err)
			}
			if err := s.Remove("c"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load("c"); !errors.Is(err, ErrNotExist) {
				t.Errorf("Load after Remove = %v, want ErrNotExist", err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	s := newStore(t)
	if err := s.SaveConfig("c", []byte(`{}`)); !errors.Is(err, ErrNotExist) {
		t.Errorf("SaveConfig to missing container = %v, want ErrNotExist", err)
	}
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadConfig("c"); !errors.Is(err, ErrNoState) {
		t.Errorf("LoadConfig before save = %v, want ErrNoState", err)
	}
	if err := s.SaveConfig("c", []byte(`{"ociVersion":`)); err == nil {
		t.Error("SaveConfig of invalid JSON succeeded")
	}
	spec := []byte(`{"ociVersion":"1.3.0","hostname":"box","process":{"args":["sh"],"cwd":"/"}}`)
	if err := s.SaveConfig("c", spec); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadConfig("c")
	if err != nil {
		t.Fatal(err)
	}
	if got.Hostname != "box" || got.Process == nil || got.Process.Args[0] != "sh" {
		t.Errorf("LoadConfig = %+v", got)
	}
	if err := os.WriteFile(filepath.Join(s.Dir("c"), "config.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadConfig("c"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("LoadConfig of truncated file = %v, want ErrCorrupt", err)
	}
}

func TestRemove(t *testing.T) {
	s := newStore(t)
	if err := s.Remove("missing"); err != nil {
		t.Errorf("Remove(missing) = %v, want nil", err)
	}
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.FifoPath("c"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("c"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(s.Dir("c")); !os.IsNotExist(err) {
		t.Errorf("state dir still there: %v", err)
	}
	if err := s.Remove(".."); err == nil {
		t.Error("Remove(..) succeeded")
	}
}

func TestList(t *testing.T) {
	s := newStore(t)
	ids, err := s.List()
	if err != nil || len(ids) != 0 {
		t.Fatalf("List of empty root = %v, %v", ids, err)
	}
	for _, id := range []string{"b", "a", "c.1", ".dot"} {
		if err := s.Create(id); err != nil {
			t.Fatal(err)
		}
	}
	// Neither files (stray temp files) nor directories whose names are
	// not ids are containers.
	for _, f := range []string{"file", ".state.json.tmp-123"} {
		if err := os.WriteFile(filepath.Join(s.Root, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(s.Root, "bad name"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(s.Dir("a"), filepath.Join(s.Root, "link")); err != nil {
		t.Fatal(err)
	}
	ids, err = s.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".dot", "a", "b", "c.1"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("List = %q, want %q", ids, want)
	}
}

func TestListMissingRoot(t *testing.T) {
	s := &Store{Root: filepath.Join(t.TempDir(), "gone")}
	ids, err := s.List()
	if err != nil || len(ids) != 0 {
		t.Errorf("List = %v, %v; want empty", ids, err)
	}
}

func TestLockExcludes(t *testing.T) {
	s := newStore(t)
	if _, err := s.Lock("missing"); !errors.Is(err, ErrNotExist) {
		t.Errorf("Lock(missing) = %v, want ErrNotExist", err)
	}
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock("c")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		unlock2, err := s.Lock("c")
		if err == nil {
			unlock2()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second Lock returned (%v) while the first was held", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	unlock() // idempotent
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("second Lock = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Lock still blocked after unlock")
	}
}

func TestLockAfterRemove(t *testing.T) {
	s := newStore(t)
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock("c")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		unlock2, err := s.Lock("c")
		if err == nil {
			unlock2()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	// The holder deletes the container and a new one takes its id: the
	// waiter must not believe it locked the new container.
	if err := s.Remove("c"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	unlock()
	select {
	case err := <-got:
		if !errors.Is(err, ErrNotExist) {
			t.Errorf("waiting Lock = %v, want ErrNotExist", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting Lock still blocked")
	}
}

func TestFifoPath(t *testing.T) {
	s := &Store{Root: "/run/hull"}
	if got, want := s.FifoPath("c"), "/run/hull/c/exec.fifo"; got != want {
		t.Errorf("FifoPath = %q, want %q", got, want)
	}
}

func BenchmarkList1000(b *testing.B) {
	s := newStore(b)
	for i := range 1000 {
		id := fmt.Sprintf("c%04d", i)
		if err := s.Create(id); err != nil {
			b.Fatal(err)
		}
		if err := s.Save(id, sampleState(id)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		ids, err := s.List()
		if err != nil || len(ids) != 1000 {
			b.Fatalf("List = %d ids, %v", len(ids), err)
		}
	}
}

func jsonOf(st *State) ([]byte, error) {
	return json.Marshal(st)
}
