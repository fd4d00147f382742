package main

import (
	"errors"

	"github.com/hull-oci/hull/libcontainer/state"
	"github.com/urfave/cli/v2"
)

var deleteCommand = &cli.Command{
	Name:      "delete",
	Usage:     "delete a stopped container and everything it holds",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill the container first if it is not stopped"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 1, 1); err != nil {
			return err
		}
		c, err := loadContainer(ctx)
		if err != nil {
			// engines always follow delete with delete --force: a gone container is fine then
			if ctx.Bool("force") && errors.Is(err, state.ErrNotExist) {
				return nil
			}
			return err
		}
		return c.Delete(ctx.Bool("force"))
	},
}
