package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/hull-oci/hull/internal/console"
	"github.com/hull-oci/hull/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v2"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "run a new process inside a running container",
	ArgsUsage: "<container-id> <command> [args...]",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives the pty master"},
		&cli.StringFlag{Name: "cwd", Usage: "working directory in the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set an environment variable (KEY=VALUE)"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "UID[:GID] to run as"},
		&cli.StringSliceFlag{Name: "additional-gids", Aliases: []string{"g"}, Usage: "additional group ids"},
		&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "path to a process.json (runtime-spec Process)"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "do not wait for the process"},
		&cli.StringFlag{Name: "pid-file", Usage: "file to write the process's pid to"},
		&cli.StringFlag{Name: "process-label", Usage: "SELinux label of the process"},
		&cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile of the process"},
		&cli.BoolFlag{Name: "no-new-privs", Usage: "set no_new_privs for the process"},
		&cli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a capability to the process"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "pass N extra fds (3..3+N-1) to the process"},
		&cli.BoolFlag{Name: "ignore-paused", Usage: "exec even in a paused container"},
		&cli.StringSliceFlag{Name: "cgroup", Usage: "run the process in an existing sub-cgroup of the container: [CONTROLLER[,CONTROLLER...]:]PATH (repeatable)"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket that receives a pidfd of the process"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, -1); err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			return err
		}
		p, err := execProcess(ctx, c)
		if err != nil {
			return err
		}
		return runExec(ctx, c, p)
	},
}

func runExec(ctx *cli.Context, c *libcontainer.Container, p *specs.Process) error {
	detach := ctx.Bool("detach")
	sigs := make(chan os.Signal, 64)
	if !detach {
		signal.Notify(sigs, forwarded...)
	}
	opts := &libcontainer.ExecOpts{Process: p, PreserveFds: ctx.Int("preserve-fds"), IgnorePaused: ctx.Bool("ignore-paused"),
		SubCgroups: ctx.StringSlice("cgroup")}
	var local *os.File
	if p.Terminal {
		var err error
		if path := ctx.String("console-socket"); path != "" {
			opts.Console, err = console.Dial(path)
		} else if !detach {
			local, opts.Console, err = console.Pair()
		}
		if err != nil {
			return err
		}
		if opts.Console != nil {
			defer opts.Console.Close()
		}
	}
	pid, err := c.Exec(opts)
	if err != nil {
		return err
	}
	if err := writePidFile(ctx.String("pid-file"), pid); err != nil {
		return err
	}
	if err := sendPidfd(ctx, pid); err != nil {
		return err
	}
	if detach {
		return nil
	}
	restore := func() {}
	if local != nil {
		master, err := console.RecvMaster(local)
		if err != nil {
			return err
		}
		defer master.Close()
		restore = console.Proxy(master)
	}
	code := waitForward(pid, sigs)
	restore()
	return &exitError{code: code}
}

// execProcess builds the process from --process or from the container's own
// process with the command line's overrides, as runc does. --apparmor and
// --process-label apply to either: a security flag is never ignored.
func execProcess(ctx *cli.Context, c *libcontainer.Container) (*specs.Process, error) {
	p, err := baseProcess(ctx, c)
	if err != nil {
		return nil, err
	}
	if v := ctx.String("apparmor"); v != "" {
		p.ApparmorProfile = v
	}
	if v := ctx.String("process-label"); v != "" {
		p.SelinuxLabel = v
	}
	return p, nil
}

func baseProcess(ctx *cli.Context, c *libcontainer.Container) (*specs.Process, error) {
	if path := ctx.String("process"); path != "" {
		return readProcess(path)
	}
	args := ctx.Args().Tail()
	if len(args) == 0 {
		return nil, errors.New("exec: command must not be empty")
	}
	spec, err := c.Config()
	if err != nil {
		return nil, err
	}
	p := *spec.Process
	p.Args, p.Terminal = args, ctx.Bool("tty")
	p.Env = append(append([]string{}, p.Env...), ctx.StringSlice("env")...)
	if cwd := ctx.String("cwd"); cwd != "" {
		p.Cwd = cwd
	}
	if err := execUser(ctx, &p); err != nil {
		return nil, err
	}
	if ctx.Bool("no-new-privs") {
		p.NoNewPrivileges = true
	}
	addCaps(&p, ctx.StringSlice("cap"))
	return &p, nil
}

func readProcess(path string) (*specs.Process, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("exec: --process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("exec: --process %s: %w", path, err)
	}
	if len(p.Args) == 0 {
		return nil, fmt.Errorf("exec: --process %s: args must not be empty", path)
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	return &p, nil
}

func execUser(ctx *cli.Context, p *specs.Process) error {
	if u := ctx.String("user"); u != "" {
		uid, gid, hasGid := strings.Cut(u, ":")
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return fmt.Errorf("exec: --user %q: want UID[:GID]", u)
		}
		p.User.UID = uint32(n)
		if hasGid {
			g, err := strconv.ParseUint(gid, 10, 32)
			if err != nil {
				return fmt.Errorf("exec: --user %q: want UID[:GID]", u)
			}
			p.User.GID = uint32(g)
		}
	}
	for _, g := range ctx.StringSlice("additional-gids") {
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return fmt.Errorf("exec: --additional-gids %q: not a number", g)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(n))
	}
	return nil
}

func addCaps(p *specs.Process, caps []string) {
	if len(caps) == 0 {
		return
	}
	if p.Capabilities == nil {
		p.Capabilities = &specs.LinuxCapabilities{}
	} else {
		cp := *p.Capabilities
		p.Capabilities = &cp
	}
	pc := p.Capabilities
	for _, name := range caps {
		name = strings.ToUpper(name)
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		pc.Bounding = append(append([]string{}, pc.Bounding...), name)
		pc.Effective = append(append([]string{}, pc.Effective...), name)
		pc.Permitted = append(append([]string{}, pc.Permitted...), name)
	}
}
