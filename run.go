package main

import (
	"errors"
	"os"
	"os/signal"

	"github.com/hull-oci/hull/internal/console"
	"github.com/hull-oci/hull/internal/sdnotify"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

var runCommand = &cli.Command{
	Name:      "run",
	Usage:     "create and start a container, and wait for it unless detached",
	ArgsUsage: "<container-id>",
	Flags: append([]cli.Flag{
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "do not wait for the container process"},
		&cli.BoolFlag{Name: "keep", Usage: "do not delete the container after it exits"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "accepted for runc compatibility (hull's init is its direct child)"},
	}, createFlags...),
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		// subscribe before the container starts so no signal is missed
		sigs := make(chan os.Signal, 64)
		if !ctx.Bool("detach") {
			signal.Notify(sigs, forwarded...)
		}
		opts, err := createOpts(ctx)
		if err != nil {
			return err
		}
		// a foreground terminal is ours to drive: the init sends us the master
		var local *os.File
		if opts.Console == nil && !ctx.Bool("detach") && opts.Spec.Process.Terminal {
			if local, opts.Console, err = console.Pair(); err != nil {
				return err
			}
			defer local.Close()
		}
		c, err := createWith(ctx, opts)
		if err != nil {
			return err
		}
		restore := func() {}
		if local != nil {
			master, err := console.RecvMaster(local)
			if err != nil {
				_ = c.Delete(true)
				return err
			}
			defer master.Close()
			restore = console.Proxy(master)
		}
		proxy, err := startNotify(c)
		if err != nil {
			_ = c.Delete(true)
			return err
		}
		defer proxy.Close()
		if ctx.Bool("detach") {
			return forwardReady(proxy, c.State.Pid)
		}
		code := waitForeground(c.State.Pid, proxy, sigs)
		restore()
		if !ctx.Bool("keep") {
			if err := c.Delete(true); err != nil {
				logrus.Warn(err)
			}
		}
		return &exitError{code: code}
	},
}

// waitForeground waits for the container's init, forwarding signals to it
// and meanwhile its READY to our NOTIFY_SOCKET. We stay the main process in
// the foreground, so MAINPID is ours (runc sends its own too).
func waitForeground(pid int, proxy *sdnotify.Proxy, sigs chan os.Signal) int {
	if proxy == nil {
		return waitForward(pid, sigs)
	}
	ready := make(chan error, 1)
	go func() { ready <- proxy.Forward(os.Getpid()) }()
	code := waitForward(pid, sigs)
	// the init is gone: Forward returns as soon as it has passed on what
	// the container sent before it exited
	if err := <-ready; err != nil && !errors.Is(err, sdnotify.ErrExited) {
		logrus.Warn(err)
	}
	return code
}

// forwarded are the signals a foreground run or exec passes on. Naming
// them (rather than all) spares the Go runtime a handler for every signal.
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1, unix.SIGUSR2,
	unix.SIGWINCH, unix.SIGCONT, unix.SIGALRM, unix.SIGPWR, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU,
}

// waitForward waits for the container init (our direct child: the C stage
// clones it with CLONE_PARENT) and forwards every signal we get to it.
func waitForward(pid int, sigs chan os.Signal) int {
	longRunning()
	done := make(chan unix.WaitStatus, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				break
			}
		}
		done <- ws
	}()
	for {
		select {
		case ws := <-done:
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		case s := <-sigs:
			sig := s.(unix.Signal)
			// SIGCHLD is ours; SIGURG is the Go runtime's preemption signal
			if sig == unix.SIGCHLD || sig == unix.SIGURG {
				continue
			}
			_ = unix.Kill(pid, sig)
		}
	}
}
