package main

import (
	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var pauseCommand = &cli.Command{
	Name:      "pause",
	Usage:     "suspend every process of a container (cgroup freezer)",
	ArgsUsage: "<container-id>",
	Action: containerAction(func(_ *cli.Context, c *libcontainer.Container) error {
		return c.Pause()
	}),
}

var resumeCommand = &cli.Command{
	Name:      "resume",
	Usage:     "resume every process of a paused container",
	ArgsUsage: "<container-id>",
	Action: containerAction(func(_ *cli.Context, c *libcontainer.Container) error {
		return c.Resume()
	}),
}
