// Command hull is an OCI container runtime with runc's command line.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	_ "github.com/hull-oci/hull/nsenter" // the C init stage runs before main when started as `hull init`
	"github.com/hull-oci/hull/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// Set at build time with -ldflags "-X main.version=... -X main.gitCommit=...".
var (
	version   = "0.1.0"
	gitCommit = ""
)

const usage = "Open Container Initiative runtime"

const description = `hull runs containers from OCI bundles: a directory with a config.json and a
root filesystem. Its commands and flags are runc's.`

func main() {
	// hull's commands are short and mostly wait on syscalls. Two Ps, not one:
	// while the goroutine is in a syscall the other P is idle, and sysmon
	// then leaves its P alone instead of handing it to a new thread at every
	// syscall over 20 us (measured: 169 vs 210 context switches per `run`).
	// More than two would only add idle Ps for the scheduler to wake.
	if runtime.GOMAXPROCS(0) > 2 {
		runtime.GOMAXPROCS(2)
	}
	// most commands are short-lived: their heap never grows enough to be
	// worth collecting; the long-running ones call longRunning()
	debug.SetGCPercent(-1)
	if err := newApp().Run(os.Args); err != nil {
		fatal(err)
	}
}

func newApp() *cli.App {
	app := &cli.App{
		Name:                   "hull",
		Usage:                  usage,
		Description:            description,
		Version:                version,
		UseShortOptionHandling: true,
		Flags:                  globalFlags(),
		Before:                 setupLogging,
		Commands: []*cli.Command{
			createCommand, startCommand, runCommand, stateCommand, killCommand,
			deleteCommand, listCommand, specCommand, execCommand, featuresCommand, updateCommand,
			pauseCommand, resumeCommand, eventsCommand, psCommand, bundleCommand, initCommand,
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	cacheFlagNames(app)
	cli.VersionPrinter = func(*cli.Context) {
		fmt.Printf("hull version %s\n", version)
		if gitCommit != "" {
			fmt.Printf("commit: %s\n", gitCommit)
		}
		fmt.Printf("spec: %s\ngo: %s\n", specs.Version, runtime.Version())
	}
	return app
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "debug", Usage: "enable debug logging"},
		&cli.StringFlag{Name: "log", Usage: "log file path (default: stderr)"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
		&cli.StringFlag{Name: "root", Value: "/run/hull", Usage: "directory for container state (tmpfs recommended)"},
		&cli.BoolFlag{Name: "systemd-cgroup", Usage: "use the systemd cgroup driver (cgroupsPath slice:prefix:name)"},
		&cli.StringFlag{Name: "rootless", Value: "auto", Usage: "ignore cgroup permission errors (true, false or auto)"},
		&cli.StringFlag{Name: "criu", Value: "criu", Usage: "accepted for runc compatibility; checkpointing is not supported"},
		&cli.BoolFlag{Name: "lenient", Usage: "warn about unknown config.json fields under process and linux instead of refusing them"},
	}
}

// logFile is set when --log names a file: errors then go there (engines read
// it) and to stderr.
var logFile io.Writer

func setupLogging(ctx *cli.Context) error {
	specconv.Lenient = ctx.Bool("lenient")
	if ctx.Bool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	switch f := ctx.String("log-format"); f {
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{})
	default:
		return fmt.Errorf("unknown log-format %q: want text or json", f)
	}
	if path := ctx.String("log"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file: %w", err)
		}
		logrus.SetOutput(f)
		logFile = f
	}
	return nil
}

// exitError carries a process exit code (run, exec) past the error path.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func fatal(err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	msg := strings.TrimSpace(err.Error())
	if logFile != nil {
		logrus.Error(msg)
	}
	fmt.Fprintln(os.Stderr, "hull: "+msg)
	os.Exit(1)
}

// longRunning turns the garbage collector back on for commands that run as
// long as a container (a foreground run or exec, events).
func longRunning() {
	debug.SetGCPercent(100)
}
