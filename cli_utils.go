package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/internal/console"
	"github.com/hull-oci/hull/internal/sdnotify"
	"github.com/hull-oci/hull/libcontainer"
	"github.com/hull-oci/hull/libcontainer/state"
	"github.com/hull-oci/hull/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

func openStore(ctx *cli.Context) (*state.Store, error) {
	return state.New(ctx.String("root"))
}

// containerID returns the one ID argument of a command.
func containerID(ctx *cli.Context) (string, error) {
	id := ctx.Args().First()
	if id == "" {
		return "", fmt.Errorf("%s: container id cannot be empty", ctx.Command.Name)
	}
	return id, state.ValidateID(id)
}

func checkArgs(ctx *cli.Context, min, max int) error {
	n := ctx.NArg()
	switch {
	case n < min:
		return fmt.Errorf("%s: %d argument(s) required, got %d (usage: %s)", ctx.Command.Name, min, n, ctx.Command.ArgsUsage)
	case max >= 0 && n > max:
		return fmt.Errorf("%s: at most %d argument(s), got %d", ctx.Command.Name, max, n)
	}
	return nil
}

// containerAction is the Action of a command that takes exactly one
// container id: it checks the arguments, loads the container and calls f.
func containerAction(f func(ctx *cli.Context, c *libcontainer.Container) error) cli.ActionFunc {
	return func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			return err
		}
		return f(ctx, c)
	}
}

func loadContainer(ctx *cli.Context) (*libcontainer.Container, error) {
	store, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	id, err := containerID(ctx)
	if err != nil {
		return nil, err
	}
	return libcontainer.Load(store, id)
}

// createOpts reads the bundle and the create flags shared by create and run.
func createOpts(ctx *cli.Context) (*libcontainer.CreateOpts, error) {
	id, err := containerID(ctx)
	if err != nil {
		return nil, err
	}
	bundle := ctx.String("bundle")
	if bundle == "" {
		bundle = "."
	}
	if bundle, err = filepath.Abs(bundle); err != nil {
		return nil, err
	}
	spec, raw, err := specconv.LoadBundle(bundle)
	if err != nil {
		return nil, err
	}
	rootfs := specconv.Rootfs(spec, bundle)
	var sock *os.File
	if path := ctx.String("console-socket"); path != "" && spec.Process != nil && spec.Process.Terminal {
		if sock, err = console.Dial(path); err != nil {
			return nil, err
		}
	}
	preserve, err := listenFds(spec, ctx.Int("preserve-fds"))
	if err != nil {
		return nil, err
	}
	notify, err := notifySocket()
	if err != nil {
		return nil, err
	}
	return &libcontainer.CreateOpts{
		ID:            id,
		Bundle:        bundle,
		Rootfs:        rootfs,
		Spec:          spec,
		SpecJSON:      raw,
		NoPivot:       ctx.Bool("no-pivot"),
		PreserveFds:   preserve,
		NoNewKeyring:  ctx.Bool("no-new-keyring"),
		SystemdCgroup: ctx.Bool("systemd-cgroup"),
		Console:       sock,
		NotifySocket:  notify,
	}, nil
}

var createFlags = []cli.Flag{
	&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the bundle directory (default: current directory)"},
	&cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives the pty master of a terminal container"},
	&cli.StringFlag{Name: "pid-file", Usage: "file to write the container init's pid to"},
	&cli.BoolFlag{Name: "no-pivot", Usage: "use chroot (MS_MOVE) instead of pivot_root"},
	&cli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a new session keyring"},
	&cli.IntFlag{Name: "preserve-fds", Usage: "pass N extra fds (3..3+N-1) to the container"},
	&cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket that receives a pidfd of the container init"},
}

// writePidFile writes the pid atomically, as engines poll for this file.
func writePidFile(path string, pid int) error {
	if path == "" {
		return nil
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// parseSignal accepts "KILL", "SIGKILL", "kill" and "9".
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal number %d", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// listenFds passes socket-activation fds on, as runc does: with LISTEN_FDS=N
// in our environment, fds 3..3+N-1 go to the container (at least as many
// as --preserve-fds asks) and its environment says LISTEN_FDS=N, LISTEN_PID=1.
func listenFds(spec *specs.Spec, preserve int) (int, error) {
	v := os.Getenv("LISTEN_FDS")
	if v == "" || spec.Process == nil {
		return preserve, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("LISTEN_FDS=%q: not a count of fds", v)
	}
	spec.Process.Env = append(spec.Process.Env, "LISTEN_FDS="+v, "LISTEN_PID=1")
	return max(preserve, n), nil
}

// notifySocket returns our NOTIFY_SOCKET, made absolute unless it names an
// abstract socket ("@name"): start may run in another directory.
func notifySocket() (string, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" || path[0] == '@' || filepath.IsAbs(path) {
		return path, nil
	}
	return filepath.Abs(path)
}

// startNotify starts the container. When it was created with NOTIFY_SOCKET,
// the returned proxy passes its READY on to our NOTIFY_SOCKET, or, if we
// have none, to the one create had (runc uses start's own only).
func startNotify(c *libcontainer.Container) (*sdnotify.Proxy, error) {
	host, err := notifySocket()
	if err != nil {
		return nil, err
	}
	if host == "" {
		host = c.State.NotifySocket
	}
	return c.StartNotify(host)
}

// forwardReady waits for the container's READY and passes it on. A
// container that exits without sending it is not an error (runc's rule):
// the caller learns of the exit anyway.
func forwardReady(proxy *sdnotify.Proxy, mainPid int) error {
	err := proxy.Forward(mainPid)
	if errors.Is(err, sdnotify.ErrExited) {
		logrus.Warn(err)
		return nil
	}
	return err
}

// sendPidfd honours --pidfd-socket once the process exists.
func sendPidfd(ctx *cli.Context, pid int) error {
	if path := ctx.String("pidfd-socket"); path != "" {
		return console.SendPidfd(path, pid)
	}
	return nil
}
