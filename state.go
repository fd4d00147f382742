package main

import (
	"encoding/json"
	"os"

	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var stateCommand = &cli.Command{
	Name:      "state",
	Usage:     "print the state of a container as JSON",
	ArgsUsage: "<container-id>",
	Action: containerAction(func(_ *cli.Context, c *libcontainer.Container) error {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c.OCIState())
	}),
}
