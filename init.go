package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// initCommand is reached only when the C stage did not take over, i.e. when
// someone runs `hull init` by hand: the real init never starts the Go runtime.
var initCommand = &cli.Command{
	Name:   "init",
	Hidden: true,
	Usage:  "internal: the container init stage",
	Action: func(*cli.Context) error {
		return errors.New("init: this command is internal to hull and is run only by create/run")
	},
}
