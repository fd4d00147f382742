package seccomp

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hull-oci/hull/internal/readfile"
	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
)

// DefaultCacheEntries is the number of programs a Cache keeps when its
// MaxEntries is 0.
const DefaultCacheEntries = 64

// cacheFormat changes whenever what build makes of the same profile does,
// so that programs built by an older hull are not reused.
const cacheFormat = "hull-seccomp-bpf-1"

// Cache keeps compiled programs in a directory. libseccomp 2.5 spends
// milliseconds per architecture on an engine's default profile (see
// BenchmarkCompileDefaultProfile), and every container of an engine carries
// the same one: after the first, Compile reads the file instead.
//
// The key digests what the BPF depends on: the checked profile as libseccomp
// sees it (default action, architectures, rules in order), the libseccomp
// version, whose syscall tables decide which names are skipped, and the
// native architecture. Flags and the listener are not in the BPF and are
// worked out again on every call, errors and kernel probe included.
type Cache struct {
	// Dir holds one file per program, named by its key. It is created
	// (0700) when missing and must not be writable by anyone the
	// containers are protected from.
	Dir string
	// MaxEntries bounds the programs kept, the least recently used going
	// first; 0 means DefaultCacheEntries.
	MaxEntries int
}

// Compile is the package's Compile, served from the cache when it can be.
// Failing to use the cache is not an error: it is logged at debug level and
// the program is built.
func (c *Cache) Compile(s *specs.LinuxSeccomp) (*Program, error) {
	return compile(s, c.build)
}

// build returns the BPF for p from the cache, or builds and stores it.
func (c *Cache) build(p *profile) ([]byte, error) {
	name := filepath.Join(c.Dir, cacheKey(p))
	if bpf, err := readfile.Read(name); err == nil && validLength(len(bpf)) {
		now := time.Now()
		_ = os.Chtimes(name, now, now) // the eviction order
		return bpf, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		logrus.Debugf("seccomp cache: %v", err)
	}
	bpf, err := build(p)
	if err != nil {
		return nil, err
	}
	if err := c.store(name, bpf); err != nil {
		logrus.Debugf("seccomp cache: %v", err)
	}
	return bpf, nil
}

// store writes bpf to name whole or not at all, then evicts.
func (c *Cache) store(name string, bpf []byte) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.Dir, ".tmp-")
	if err != nil {
		return err
	}
	_, err = f.Write(bpf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return c.evict()
}

// evict removes the least recently used programs beyond MaxEntries, and
// temporary files a crashed writer left behind.
func (c *Cache) evict() error {
	limit := c.MaxEntries
	if limit <= 0 {
		limit = DefaultCacheEntries
	}
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return err
	}
	type program struct {
		name string
		used time.Time
	}
	var programs []program
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if len(e.Name()) != 2*sha256.Size {
			if time.Since(info.ModTime()) > time.Hour {
				_ = os.Remove(filepath.Join(c.Dir, e.Name()))
			}
			continue
		}
		programs = append(programs, program{e.Name(), info.ModTime()})
	}
	if len(programs) <= limit {
		return nil
	}
	slices.SortFunc(programs, func(a, b program) int { return a.used.Compare(b.used) })
	for _, p := range programs[:len(programs)-limit] {
		if err := os.Remove(filepath.Join(c.Dir, p.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// cacheKey digests everything build's output depends on.
func cacheKey(p *profile) string {
	h := sha256.New()
	var buf []byte
	num := func(v uint64) { buf = binary.LittleEndian.AppendUint64(buf, v) }
	str := func(s string) { num(uint64(len(s))); buf = append(buf, s...) }

	str(cacheFormat)
	major, minor, micro := libseccomp.GetLibraryVersion()
	num(uint64(major))
	num(uint64(minor))
	num(uint64(micro))
	native, _ := libseccomp.GetNativeArch()
	num(uint64(native))
	num(uint64(p.defAction))
	num(uint64(len(p.arches)))
	for _, a := range p.arches {
		num(uint64(a))
	}
	num(uint64(len(p.rules)))
	for _, r := range p.rules {
		str(r.name)
		num(uint64(r.action))
		num(uint64(len(r.conds)))
		for _, c := range r.conds {
			num(uint64(c.Argument))
			num(uint64(c.Op))
			num(c.Operand1)
			num(c.Operand2)
		}
		if len(buf) > 4096 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// validLength reports whether n bytes can be a program the kernel takes.
func validLength(n int) bool {
	return n > 0 && n%sockFilterSize == 0 && n/sockFilterSize <= maxInsns
}
