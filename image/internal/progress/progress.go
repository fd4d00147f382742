// Package progress draws a progress line for each big layer being
// unpacked, on a terminal only; elsewhere (a pipe, a log file) it is quiet:
//
//	layer 2/5 sha256:0123456789ab   12.5 MiB / 48.0 MiB
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// MinSize is the blob size from which a layer gets a progress line: a
// smaller one unpacks too fast to need one.
const MinSize = 8 << 20

// interval between redraws.
const interval = 200 * time.Millisecond

// Reporter draws progress lines. A nil Reporter draws nothing.
type Reporter struct {
	w       io.Writer
	minSize int64
	mu      sync.Mutex
}

// ForTerminal returns a Reporter drawing on f if f is a terminal, else
// (f nil too) nil.
func ForTerminal(f *os.File) *Reporter {
	if f == nil {
		return nil
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return nil
	}
	return New(f, MinSize)
}

// New returns a Reporter drawing on w for blobs of at least minSize bytes.
func New(w io.Writer, minSize int64) *Reporter {
	return &Reporter{w: w, minSize: minSize}
}

// Start draws the progress of a blob of total bytes, of which read tells
// how many were read so far, until the returned stop is called. stop draws
// the final line.
func (r *Reporter) Start(label string, total int64, read func() int64) (stop func()) {
	if r == nil || total < r.minSize {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			r.draw(label, read(), total, "")
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		r.draw(label, read(), total, "\n")
	}
}

// draw rewrites the current line: carriage return, then erase to its end.
func (r *Reporter) draw(label string, n, total int64, end string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "\r\x1b[K%s %s / %s%s", label, mib(n), mib(total), end)
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
