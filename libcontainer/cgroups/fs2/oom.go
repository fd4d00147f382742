package fs2

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// NotifyOOM reports each time the kernel's OOM killer acts in the
// container's cgroup: memory.events' oom or oom_kill counters go up
// (watched with inotify, as the kernel signals a change of these files
// with a modify event). The channel is closed when the cgroup has no
// processes left (cgroup.events says "populated 0") or is removed, and
// when ctx ends.
func (m *Manager) NotifyOOM(ctx context.Context) (<-chan struct{}, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	in := os.NewFile(uintptr(fd), "inotify")
	for _, f := range []string{"memory.events", "cgroup.events"} {
		if _, err := unix.InotifyAddWatch(fd, filepath.Join(m.dir, f), unix.IN_MODIFY); err != nil {
			in.Close()
			return nil, &os.PathError{Op: "inotify_add_watch", Path: filepath.Join(m.dir, f), Err: err}
		}
	}
	last, err := m.oomCount()
	if err != nil {
		in.Close()
		return nil, err
	}
	ch := make(chan struct{})
	go func() {
		<-ctx.Done()
		in.Close()
	}()
	go func() {
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			if _, err := in.Read(buf); err != nil {
				return
			}
			n, err := m.oomCount()
			if err != nil {
				return
			}
			if n > last {
				last = n
				select {
				case ch <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
			if !m.populated() {
				return
			}
		}
	}()
	return ch, nil
}

// oomCount is the sum of memory.events' oom and oom_kill counters.
func (m *Manager) oomCount() (uint64, error) {
	ev, err := fscommon.ReadKeyValues(m.dir, "memory.events")
	if err != nil {
		return 0, fmt.Errorf("read OOM events: %w", err)
	}
	return ev["oom"] + ev["oom_kill"], nil
}

func (m *Manager) populated() bool {
	ev, err := fscommon.ReadFile(m.dir, "cgroup.events")
	return err == nil && !strings.Contains(ev, "populated 0")
}
