package main

import (
	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var createCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a container",
	ArgsUsage: "<container-id>",
	Description: `Create a container from the bundle: its init waits in the created state
until "hull start" runs the user process.`,
	Flags: createFlags,
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		_, err := createContainer(ctx)
		return err
	},
}

func createContainer(ctx *cli.Context) (*libcontainer.Container, error) {
	opts, err := createOpts(ctx)
	if err != nil {
		return nil, err
	}
	return createWith(ctx, opts)
}

func createWith(ctx *cli.Context, opts *libcontainer.CreateOpts) (*libcontainer.Container, error) {
	if opts.Console != nil {
		defer opts.Console.Close() // the init has its own copy
	}
	store, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	c, err := libcontainer.Create(store, opts)
	if err != nil {
		return nil, err
	}
	if err := writePidFile(ctx.String("pid-file"), c.State.Pid); err != nil {
		_ = c.Delete(true)
		return nil, err
	}
	if err := sendPidfd(ctx, c.State.Pid); err != nil {
		_ = c.Delete(true)
		return nil, err
	}
	return c, nil
}
