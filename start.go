package main

import (
	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var startCommand = &cli.Command{
	Name:      "start",
	Usage:     "start the user process of a created container",
	ArgsUsage: "<container-id>",
	Description: `A container created with NOTIFY_SOCKET set: start returns once the
container sent READY=1 to its own NOTIFY_SOCKET (or exited), and passes it on.`,
	Action: containerAction(func(_ *cli.Context, c *libcontainer.Container) error {
		proxy, err := startNotify(c)
		if err != nil {
			return err
		}
		defer proxy.Close()
		return forwardReady(proxy, c.State.Pid)
	}),
}
