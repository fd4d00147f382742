package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hull-oci/hull/internal/sdnotify"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setupNotify prepares a container created with NOTIFY_SOCKET: the
// directory of its notify socket, in the state dir so that delete removes
// it, mounted read-only at /run/notify, and NOTIFY_SOCKET pointing there.
// The socket itself is bound by start (StartNotify), as runc does.
func (c *Container) setupNotify(o *CreateOpts) error {
	dir := c.store.NotifyDir(c.ID)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	// a container user that is not root must reach the socket: set the
	// mode explicitly, mkdir's is filtered by umask
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	notifyInSpec(o.Spec, dir)
	c.State.NotifySocket = o.NotifySocket
	return nil
}

// notifyInSpec adds the mount of dir and sets NOTIFY_SOCKET, replacing any
// value the config had: the host's socket path means nothing inside.
func notifyInSpec(s *specs.Spec, dir string) {
	s.Mounts = append(s.Mounts, specs.Mount{
		Destination: sdnotify.ContainerDir,
		Type:        "bind",
		Source:      dir,
		Options:     []string{"bind", "nosuid", "noexec", "nodev", "ro"},
	})
	if s.Process == nil {
		return
	}
	env := make([]string, 0, len(s.Process.Env)+1)
	for _, kv := range s.Process.Env {
		if !strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
			env = append(env, kv)
		}
	}
	s.Process.Env = append(env, "NOTIFY_SOCKET="+filepath.Join(sdnotify.ContainerDir, sdnotify.SocketName))
}

// StartNotify is Start for a caller that wants the container's READY
// passed on to host, its NOTIFY_SOCKET. When the container was created
// with NOTIFY_SOCKET and host is set, the container's socket is bound
// before the init is released, and the returned proxy forwards READY once
// the caller calls its Forward (after StartNotify has dropped the
// container's lock, so that kill and delete are not held up meanwhile).
// Otherwise the proxy is nil, and its methods do nothing.
func (c *Container) StartNotify(host string) (*sdnotify.Proxy, error) {
	unlock, err := c.store.Lock(c.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if s := c.Status(); s != Created {
		return nil, fmt.Errorf("cannot start a container that is %s: %w", s, ErrNotCreated)
	}
	var proxy *sdnotify.Proxy
	if host != "" && c.State.NotifySocket != "" {
		// the pidfd it opens names our init: release checks below that
		// the init still waits, so the pid was not reused before the open
		path := filepath.Join(c.store.NotifyDir(c.ID), sdnotify.SocketName)
		if proxy, err = sdnotify.Listen(path, host, c.State.Pid); err != nil {
			return nil, err
		}
	}
	if err := c.release(); err != nil {
		proxy.Close()
		return nil, err
	}
	c.poststart()
	return proxy, nil
}
