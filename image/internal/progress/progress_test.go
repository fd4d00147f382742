package progress

import (
	"bytes"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, 100)
	var n atomic.Int64
	stop := r.Start("layer 1/2 sha256:abc", 3<<20, n.Load)
	n.Store(1 << 20)
	time.Sleep(2 * interval)
	n.Store(3 << 20)
	stop()
	out := buf.String()
	if !strings.HasSuffix(out, "\r\x1b[Klayer 1/2 sha256:abc 3.0 MiB / 3.0 MiB\n") {
		t.Errorf("final line: %q", out)
	}
	if !strings.Contains(out, "1.0 MiB / 3.0 MiB") {
		t.Errorf("no intermediate line in %q", out)
	}
}

func TestQuiet(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, 100).Start("small", 99, func() int64 { return 0 })()
	var nilR *Reporter
	nilR.Start("no terminal", 1<<30, func() int64 { return 0 })()
	if buf.Len() != 0 {
		t.Errorf("drew %q for a small blob", buf.String())
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	if ForTerminal(f) != nil {
		t.Error("a regular file was taken for a terminal")
	}
}
