package seccomp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/fnv"
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
const cacheFormat = "hull-seccomp-bpf-2"

// Cache keeps compiled programs in a directory. libseccomp 2.5 spends
// milliseconds per architecture on an engine's default profile (see
// BenchmarkCompileDefaultProfile), and every container of an engine carries
// the same one: after the first, Compile reads the file instead.
//
// The key encodes what the BPF depends on: the checked profile as libseccomp
// sees it (default action, architectures, rules in order), the libseccomp
// version, whose syscall tables decide which names are skipped, and the
// native architecture. Flags and the listener are not in the BPF and are
// worked out again on every call, errors and kernel probe included.
//
// A file is named by a 128-bit FNV-1a hash of the key and holds the whole
// key ahead of the BPF, which is used only when the key matches: two keys
// sharing a name are a miss, never a wrong program. That needs no
// cryptographic hash, whose packages (crypto/internal/fips140/...) would
// otherwise run their initialisers on every hull command.
type Cache struct {
	// Dir holds one file per program, named by a hash of its key. It
	// is created (0700) when missing and must not be writable by anyone
	// the containers are protected from.
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
	key := cacheKey(p)
	name := filepath.Join(c.Dir, cacheName(key))
	data, err := readEntry(name, len(key))
	if err == nil {
		if bpf, ok := decodeEntry(data, key); ok {
			now := time.Now()
			_ = os.Chtimes(name, now, now) // the eviction order
			return bpf, nil
		}
		// another key with the same name, or a torn or foreign
		// file: rebuild and write over it
	} else if !errors.Is(err, fs.ErrNotExist) {
		logrus.Debugf("seccomp cache: %v", err)
	}
	bpf, err := build(p)
	if err != nil {
		return nil, err
	}
	if err := c.store(name, encodeEntry(key, bpf)); err != nil {
		logrus.Debugf("seccomp cache: %v", err)
	}
	return bpf, nil
}

// store writes entry to name whole or not at all, then evicts.
func (c *Cache) store(name string, entry []byte) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.Dir, ".tmp-")
	if err != nil {
		return err
	}
	_, err = f.Write(entry)
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
// after an hour any other file: temporary files a crashed writer left
// behind, and programs an older hull named another way.
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
		if len(e.Name()) != cacheNameLen {
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

// cacheKey encodes everything build's output depends on, numbers as
// varints: a short key is quicker to hash, store and compare.
func cacheKey(p *profile) []byte {
	size := 64 + len(cacheFormat) + 10*len(p.arches)
	for _, r := range p.rules {
		size += len(r.name) + 8 + 16*len(r.conds)
	}
	buf := make([]byte, 0, size)
	num := func(v uint64) { buf = binary.AppendUvarint(buf, v) }
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
	}
	return buf
}

// cacheNameLen is the length of cacheName's result: 128 bits in hex.
const cacheNameLen = 32

// cacheName names the file of key. Collisions are harmless (the file holds
// the key, see decodeEntry), so the hash only has to spread names well.
func cacheName(key []byte) string {
	h := fnv.New128a()
	h.Write(key)
	var sum [16]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// encodeEntry lays out a cache file: the key's length (8 bytes, little
// endian), the key, then the BPF.
func encodeEntry(key, bpf []byte) []byte {
	b := make([]byte, 0, 8+len(key)+len(bpf))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, bpf...)
}

// readEntry reads a cache file. A file too big to be an entry for a key of
// keyLen bytes is returned empty: a miss.
func readEntry(name string, keyLen int) ([]byte, error) {
	data, err := readfile.ReadAtMost(name, 8+keyLen+maxInsns*sockFilterSize)
	if errors.Is(err, readfile.ErrTooBig) {
		return nil, nil
	}
	return data, err
}

// decodeEntry returns the BPF of a cache file if the file is whole and was
// stored for key.
func decodeEntry(data, key []byte) ([]byte, bool) {
	if len(data) < 8 || binary.LittleEndian.Uint64(data) != uint64(len(key)) {
		return nil, false
	}
	data = data[8:]
	if len(data) < len(key) || !bytes.Equal(data[:len(key)], key) {
		return nil, false
	}
	bpf := data[len(key):]
	return bpf, validLength(len(bpf))
}

// validLength reports whether n bytes can be a program the kernel takes.
func validLength(n int) bool {
	return n > 0 && n%sockFilterSize == 0 && n/sockFilterSize <= maxInsns
}
