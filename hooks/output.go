package hooks

import (
	"bytes"
	"strings"
)

const (
	// maxOutput is how much of a hook's output is kept: the end of it,
	// so a hook that floods stdout cannot exhaust the runtime's memory.
	maxOutput = 64 << 10
	// maxErrOutput is how much of the output an error message quotes.
	maxErrOutput = 1 << 10
)

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return n, nil
	}
	if over := len(b.buf) + len(p) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

// Bytes returns the kept output.
func (b *tailBuffer) Bytes() []byte {
	return b.buf
}

// outputSuffix formats the end of a hook's output for an error message:
// ": <last KiB, trimmed>", or "" when the hook printed nothing.
func outputSuffix(out []byte) string {
	cut := len(out) > maxErrOutput
	if cut {
		out = out[len(out)-maxErrOutput:]
	}
	s := strings.ToValidUTF8(string(bytes.TrimSpace(out)), "")
	if s == "" {
		return ""
	}
	if cut {
		s = "..." + s
	}
	return ": " + s
}
