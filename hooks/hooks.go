// Package hooks runs OCI lifecycle hooks: each hook is a host program fed
// the container state on stdin, with its own argv, environment and timeout.
package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// waitDelay bounds how long Run waits for the hook's stdio to close after
// the hook exited or was killed. A hook that daemonises leaves a child
// holding stdout, and waiting for that child would hang the runtime.
const waitDelay = time.Second

// Run executes one hook: h.Path with argv h.Args (argv0 is h.Path when Args
// is empty), exactly the environment h.Env, and stateJSON on stdin. It
// returns the hook's stdout and stderr, interleaved (the last 64 KiB). If h.Timeout is set
// and positive, the hook and every process in its process group are
// SIGKILLed after that many seconds. A non-zero exit is an error carrying
// the exit status and the end of the output.
func Run(h specs.Hook, stateJSON []byte) (output []byte, err error) {
	if !filepath.IsAbs(h.Path) {
		return nil, fmt.Errorf("hook path %q is not absolute", h.Path)
	}
	ctx := context.Background()
	if h.Timeout != nil && *h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	out := &tailBuffer{max: maxOutput}
	cmd, killed := command(ctx, h)
	cmd.Stdin = bytes.NewReader(stateJSON)
	cmd.Stdout, cmd.Stderr = out, out

	// Go's exec already ignores EPIPE on stdin: a hook may exit without
	// reading its state and still succeed.
	err = cmd.Run()
	output = out.Bytes()
	switch {
	case err == nil:
		return output, nil
	case killed.Load():
		return output, fmt.Errorf("timed out after %ds%s", *h.Timeout, outputSuffix(output))
	case errors.Is(err, exec.ErrWaitDelay):
		// The hook exited 0; only a process it left behind still
		// held its stdio.
		return output, nil
	}
	return output, fmt.Errorf("%w%s", err, outputSuffix(output))
}

// command builds the hook's exec.Cmd. killed reports whether the timeout
// fired and the hook was killed.
func command(ctx context.Context, h specs.Hook) (cmd *exec.Cmd, killed *atomic.Bool) {
	cmd = exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = append([]string(nil), h.Args...)
	}
	// A nil Env would make exec pass on hull's own environment; hooks get
	// exactly what the config says.
	cmd.Env = append([]string{}, h.Env...)
	// Its own process group lets a timeout kill whatever the hook forked
	// too, instead of leaving a `sleep` holding the output pipe.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	killed = new(atomic.Bool)
	cmd.Cancel = func() error {
		killed.Store(true)
		err := unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		if errors.Is(err, unix.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = waitDelay
	return cmd, killed
}

// RunAll runs hs in order and stops at the first failure. name is the hook
// kind ("prestart", "createRuntime", ...) used in errors and logs.
func RunAll(name string, hs []specs.Hook, stateJSON []byte) error {
	for i, h := range hs {
		if err := runLogged(name, i, h, stateJSON); err != nil {
			return err
		}
	}
	return nil
}

// RunAllContinue runs every hook in hs even when some fail, and returns all
// failures joined. Poststop hooks run this way: the container is gone, so a
// failing hook can only be reported, and the others must still run.
func RunAllContinue(name string, hs []specs.Hook, stateJSON []byte) error {
	var errs []error
	for i, h := range hs {
		if err := runLogged(name, i, h, stateJSON); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runLogged runs hook #i and logs its output at debug level, since an error
// keeps only the end of it and a successful hook's output is otherwise lost.
func runLogged(name string, i int, h specs.Hook, stateJSON []byte) error {
	out, err := Run(h, stateJSON)
	if len(out) > 0 {
		logrus.WithField("hook", name).WithField("index", i).WithField("path", h.Path).
			Debug(string(out))
	}
	if err != nil {
		return fmt.Errorf("%s hook #%d (%s): %w", name, i, h.Path, err)
	}
	return nil
}
