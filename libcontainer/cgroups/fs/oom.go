package fs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hull-oci/hull/libcontainer/cgroups/fscommon"
)

// NotifyOOM reports each time the container's memory cgroup runs out of
// memory, through cgroup v1's memory.oom_control notification: an eventfd
// registered in cgroup.event_control. The kernel also signals the eventfd
// when the cgroup is removed; the channel is then closed, as it is when
// ctx ends.
func (m *Manager) NotifyOOM(ctx context.Context) (<-chan struct{}, error) {
	dir, ok := m.paths["memory"]
	if !ok {
		return nil, errors.New("the memory cgroup controller is not mounted")
	}
	control, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return nil, err
	}
	defer control.Close()
	// Non-blocking, so that the Go poller waits for it and Close wakes a
	// pending Read.
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	event := os.NewFile(uintptr(efd), "oom eventfd")
	reg := strconv.Itoa(efd) + " " + strconv.Itoa(int(control.Fd()))
	if err := fscommon.WriteFile(dir, "cgroup.event_control", reg); err != nil {
		event.Close()
		return nil, fmt.Errorf("register for OOM notifications: %w", err)
	}
	ch := make(chan struct{})
	go func() {
		<-ctx.Done()
		event.Close()
	}()
	go func() {
		defer close(ch)
		buf := make([]byte, 8)
		for {
			if _, err := event.Read(buf); err != nil {
				return
			}
			if binary.NativeEndian.Uint64(buf) == 0 {
				continue
			}
			// The cgroup going away signals the eventfd too.
			if _, err := os.Stat(filepath.Join(dir, "memory.oom_control")); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
