package main

import "github.com/urfave/cli/v2"

var startCommand = &cli.Command{
	Name:      "start",
	Usage:     "start the user process of a created container",
	ArgsUsage: "<container-id>",
	Description: `A container created with NOTIFY_SOCKET set: start returns once the
container sent READY=1 to its own NOTIFY_SOCKET (or exited), and passes it on.`,
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			return err
		}
		proxy, err := startNotify(c)
		if err != nil {
			return err
		}
		defer proxy.Close()
		return forwardReady(proxy, c.State.Pid)
	},
}
