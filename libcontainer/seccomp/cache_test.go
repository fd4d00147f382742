package seccomp

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cacheFiles lists the programs in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestCache(t *testing.T) {
	c := &Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	s := defaultProfile(t)
	want := mustCompile(t, s)

	got, err := c.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.BPF, want.BPF) || got.Flags != want.Flags || got.Notify != want.Notify {
		t.Fatalf("cached program differs from Compile's: %d bytes, flags %#x", len(got.BPF), got.Flags)
	}
	files := cacheFiles(t, c.Dir)
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one program", files)
	}

	// A hit reads the file: replace it to see it served.
	allow := binaryRet(unix.SECCOMP_RET_ALLOW)
	if err := os.WriteFile(filepath.Join(c.Dir, files[0]), encodeEntry(profileKey(t, s), allow), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err = c.Compile(s); err != nil || !bytes.Equal(got.BPF, allow) {
		t.Fatalf("second Compile = %v, %v; want the stored program", got, err)
	}

	// Flags are not in the key: they are worked out on each call.
	s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}
	if got, err = c.Compile(s); err != nil || got.Flags != unix.SECCOMP_FILTER_FLAG_LOG || !bytes.Equal(got.BPF, allow) {
		t.Fatalf("Compile with flags = %+v, %v", got, err)
	}

	// A file that cannot be a program is rebuilt over.
	if err := os.WriteFile(filepath.Join(c.Dir, files[0]), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err = c.Compile(s); err != nil || !bytes.Equal(got.BPF, want.BPF) {
		t.Fatalf("Compile over a bad file = %v, %v; want a rebuilt program", got, err)
	}

	// Errors are the same as Compile's.
	s.DefaultAction = "SCMP_ACT_FOO"
	if _, err := c.Compile(s); err == nil || err.Error() != `linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"` {
		t.Fatalf("Compile of a bad profile: %v", err)
	}
}

// TestCacheMiss checks that a file under the expected name is used only if
// it is whole and was stored for the same key.
func TestCacheMiss(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}},
	}
	want := mustCompile(t, s).BPF
	key := profileKey(t, s)
	name := filepath.Join(c.Dir, cacheName(key))
	allow := binaryRet(unix.SECCOMP_RET_ALLOW)
	other := append([]byte(nil), key...)
	other[len(other)-1] ^= 1
	whole := encodeEntry(key, allow)
	for what, data := range map[string][]byte{
		// what a colliding name would hold: another profile's program
		"another key":  encodeEntry(other, allow),
		"shorter key":  encodeEntry(key[:len(key)-1], allow),
		"longer key":   encodeEntry(append(key[:len(key):len(key)], 0), allow),
		"empty":        nil,
		"torn length":  whole[:5],
		"no key":       whole[:8],
		"torn key":     whole[:8+len(key)/2],
		"no program":   whole[:8+len(key)],
		"torn program": whole[:len(whole)-1],
		"huge length":  append(binary.LittleEndian.AppendUint64(nil, 1<<63), whole[8:]...),
		"too long":     append(whole, make([]byte, maxInsns*sockFilterSize)...),
		"bare program": allow, // as format 1 stored it
	} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := c.Compile(s)
		if err != nil || !bytes.Equal(got.BPF, want) {
			t.Errorf("%s: Compile = %v, %v; want the program rebuilt", what, got, err)
			continue
		}
		// and the file written over, so that the next call hits
		if data, err := os.ReadFile(name); err != nil || !bytes.Equal(data, encodeEntry(key, want)) {
			t.Errorf("%s: file not rewritten: %v", what, err)
		}
	}
	// the same file, whole, is served
	if err := os.WriteFile(name, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Compile(s); err != nil || !bytes.Equal(got.BPF, allow) {
		t.Fatalf("Compile = %v, %v; want the stored program", got, err)
	}
}

func TestCacheName(t *testing.T) {
	a, b := cacheName([]byte("a")), cacheName([]byte("b"))
	if len(a) != cacheNameLen || len(b) != cacheNameLen || a == b {
		t.Fatalf("cacheName: %q, %q", a, b)
	}
	// the FNV-1a 128 test vector for "a": names must not change between
	// builds, or every cache is rebuilt
	if a != "d228cb696f1a8caf78912b704e4a8964" {
		t.Fatalf("cacheName(a) = %s", a)
	}
}

// profileKey is the cache key of s.
func profileKey(t testing.TB, s *specs.LinuxSeccomp) []byte {
	t.Helper()
	p, err := parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return cacheKey(p)
}

// binaryRet is a one-instruction program returning v.
func binaryRet(v uint32) []byte {
	b := make([]byte, sockFilterSize)
	binary.NativeEndian.PutUint16(b, unix.BPF_RET|unix.BPF_K)
	binary.NativeEndian.PutUint32(b[4:], v)
	return b
}

func TestCacheKey(t *testing.T) {
	base := func() *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{
			DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"getppid"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: 1}},
			}},
		}
	}
	key := func(s *specs.LinuxSeccomp) string { return string(profileKey(t, s)) }
	same := map[string]func(*specs.LinuxSeccomp){
		"flags":          func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog} },
		"explicit EPERM": func(s *specs.LinuxSeccomp) { s.DefaultErrnoRet = uintp(uint(unix.EPERM)) },
		"rule like the default": func(s *specs.LinuxSeccomp) {
			s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"x"}, Action: specs.ActErrno})
		},
	}
	differ := map[string]func(*specs.LinuxSeccomp){
		"default errno": func(s *specs.LinuxSeccomp) { s.DefaultErrnoRet = uintp(2) },
		"arch":          func(s *specs.LinuxSeccomp) { s.Architectures = []specs.Arch{specs.ArchX86} },
		"name":          func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names[0] = "getpid" },
		"value":         func(s *specs.LinuxSeccomp) { s.Syscalls[0].Args[0].Value = 2 },
		"op":            func(s *specs.LinuxSeccomp) { s.Syscalls[0].Args[0].Op = specs.OpNotEqual },
		"index":         func(s *specs.LinuxSeccomp) { s.Syscalls[0].Args[0].Index = 1 },
		"action":        func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = specs.ActLog },
	}
	want := key(base())
	for name, change := range same {
		s := base()
		change(s)
		if got := key(s); got != want {
			t.Errorf("%s: key changed", name)
		}
	}
	for name, change := range differ {
		s := base()
		change(s)
		if got := key(s); got == want {
			t.Errorf("%s: key unchanged", name)
		}
	}
}

func TestCacheEvict(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), MaxEntries: 2}
	// a crashed writer's temporary file, and a program of format 1
	// (named by sha256)
	for _, stale := range []string{".tmp-123", strings.Repeat("ab", 32)} {
		stale = filepath.Join(c.Dir, stale)
		if err := os.WriteFile(stale, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-2 * time.Hour)
		if err := os.Chtimes(stale, old, old); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for errno := uint(1); errno <= 3; errno++ {
		s := &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uintp(errno)}},
		}
		keys = append(keys, cacheName(profileKey(t, s)))
		if _, err := c.Compile(s); err != nil {
			t.Fatal(err)
		}
		// Distinct times even on coarse file systems.
		past := time.Now().Add(time.Duration(int(errno)-10) * time.Minute)
		if err := os.Chtimes(filepath.Join(c.Dir, keys[len(keys)-1]), past, past); err != nil {
			t.Fatal(err)
		}
	}
	got := cacheFiles(t, c.Dir)
	want := []string{keys[1], keys[2]}
	if len(got) != 2 || !(got[0] == want[0] && got[1] == want[1] || got[0] == want[1] && got[1] == want[0]) {
		t.Fatalf("cache holds %v, want the two newest %v", got, want)
	}
}

// BenchmarkCacheHit measures Compile through a warm Cache on the default-like
// profile: what `create` pays after the first container.
func BenchmarkCacheHit(b *testing.B) {
	s := defaultProfile(b)
	c := &Cache{Dir: b.TempDir()}
	if _, err := c.Compile(s); err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compile(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(threadCPU(b)-start)/float64(b.N), "cpu-ns/op")
}
