package main

import (
	"github.com/urfave/cli/v2"
)

var killCommand = &cli.Command{
	Name:      "kill",
	Usage:     "send a signal to a container's init (default SIGTERM)",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "send the signal to every process of the container"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 2); err != nil {
			return err
		}
		sigName := ctx.Args().Get(1)
		if sigName == "" {
			sigName = "SIGTERM"
		}
		sig, err := parseSignal(sigName)
		if err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			return err
		}
		return c.Signal(sig, ctx.Bool("all"))
	},
}
