package source

import (
	"bufio"
	"bytes"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// compression of a layer blob.
type compression int

const (
	sniff compression = iota // unknown media type: look at the first bytes
	plain
	gzipped
	zstded
)

// compressionOf maps a layer media type (OCI or docker, distributable or
// not) to its compression.
func compressionOf(mediaType string) (compression, error) {
	switch {
	case mediaType == "":
		return sniff, nil
	case !strings.Contains(mediaType, ".layer.") && !strings.Contains(mediaType, ".rootfs."):
		return 0, fmt.Errorf("media type %q is not a layer", mediaType)
	case strings.HasSuffix(mediaType, ".tar"):
		return plain, nil
	case strings.HasSuffix(mediaType, "+gzip"), strings.HasSuffix(mediaType, ".tar.gzip"):
		return gzipped, nil
	case strings.HasSuffix(mediaType, "+zstd"):
		return zstded, nil
	}
	return 0, fmt.Errorf("unsupported layer media type %q", mediaType)
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Stream is a layer's uncompressed tar. The blob's digest and size and the
// layer's diff ID are checked by Verify, once the consumer is done.
type Stream struct {
	layer  *Layer
	blob   io.ReadCloser
	count  counter
	raw    io.Reader // the blob, through the hash and the counter
	tar    io.Reader // uncompressed, through the diff ID hash
	dec    io.Closer
	size   int64
	blobH  hash.Hash
	diffH  hash.Hash
	closed bool
}

// counter counts the blob bytes read, for progress reports from another
// goroutine.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Open opens the layer blob as an uncompressed tar stream.
func (l *Layer) Open() (*Stream, error) {
	blob, size, err := l.files.open(l.path)
	if err != nil {
		return nil, fmt.Errorf("layers[%d]: blob %s: %w", l.Index, l.name(), err)
	}
	if l.Size >= 0 && size != l.Size {
		blob.Close()
		return nil, fmt.Errorf("layers[%d]: blob %s: %d bytes, its descriptor says %d: %w", l.Index, l.name(), size, l.Size, ErrDigest)
	}
	s := &Stream{layer: l, blob: blob, size: size, diffH: l.DiffID.Algorithm().Hash()}
	s.count.r = blob
	s.raw = &s.count
	if l.Digest != "" {
		s.blobH = l.Digest.Algorithm().Hash()
		s.raw = io.TeeReader(s.raw, s.blobH)
	}
	c, _ := compressionOf(l.MediaType)
	dec, err := s.decompress(c)
	if err != nil {
		blob.Close()
		return nil, fmt.Errorf("layers[%d]: blob %s: %w", l.Index, l.name(), err)
	}
	s.tar = io.TeeReader(dec, s.diffH)
	return s, nil
}

// name is how errors call the layer's blob.
func (l *Layer) name() string {
	if l.Digest != "" {
		return l.Digest.String()
	}
	return l.path
}

// decompress returns the uncompressed reader for c.
func (s *Stream) decompress(c compression) (io.Reader, error) {
	if c == sniff {
		br := bufio.NewReader(s.raw)
		s.raw = br
		head, _ := br.Peek(4)
		switch {
		case bytes.HasPrefix(head, gzipMagic):
			c = gzipped
		case bytes.HasPrefix(head, zstdMagic):
			c = zstded
		default:
			c = plain
		}
	}
	switch c {
	case gzipped:
		zr, err := gzip.NewReader(s.raw)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		s.dec = zr
		return zr, nil
	case zstded:
		zr, err := zstd.NewReader(s.raw, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		rc := zr.IOReadCloser()
		s.dec = rc
		return rc, nil
	}
	return s.raw, nil
}

// Read reads the uncompressed tar.
func (s *Stream) Read(p []byte) (int, error) { return s.tar.Read(p) }

// Size returns the size of the blob.
func (s *Stream) Size() int64 { return s.size }

// BlobBytes returns how many bytes of the blob were read so far. It may be
// called from any goroutine.
func (s *Stream) BlobBytes() int64 { return s.count.n.Load() }

// Verify reads what the consumer left (a tar reader stops at the end of
// archive marker, but the padding after it is part of both digests) and
// checks the blob's size and digest, then the layer's diff ID. A blob that
// does not match its digest is reported as such even when it also failed
// to decompress: the digest is the root cause.
func (s *Stream) Verify() error {
	l := s.layer
	_, tarErr := io.Copy(io.Discard, s.tar)
	if _, err := io.Copy(io.Discard, s.raw); err != nil {
		return fmt.Errorf("layers[%d]: blob %s: %w", l.Index, l.name(), err)
	}
	if n := s.count.n.Load(); l.Size >= 0 && n != l.Size {
		return fmt.Errorf("layers[%d]: blob %s: read %d bytes, its descriptor says %d: %w", l.Index, l.name(), n, l.Size, ErrDigest)
	}
	if s.blobH != nil {
		if got := digest.NewDigest(l.Digest.Algorithm(), s.blobH); got != l.Digest {
			return fmt.Errorf("layers[%d]: blob %s: content has digest %s: %w", l.Index, l.name(), got, ErrDigest)
		}
	}
	if tarErr != nil {
		return fmt.Errorf("layers[%d]: blob %s: %w", l.Index, l.name(), tarErr)
	}
	if got := digest.NewDigest(l.DiffID.Algorithm(), s.diffH); got != l.DiffID {
		return fmt.Errorf("layers[%d]: blob %s: uncompressed content has digest %s, rootfs.diff_ids[%d] says %s: %w",
			l.Index, l.name(), got, l.Index, l.DiffID, ErrDigest)
	}
	return nil
}

// Close releases the blob and the decompressor.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.dec != nil {
		s.dec.Close()
	}
	return s.blob.Close()
}
