package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

// bundleCommand hands over to hull-bundle (cmd/hull-bundle), installed next
// to hull: the image code stays out of the runtime binary.
var bundleCommand = &cli.Command{
	Name:            "bundle",
	Usage:           "unpack an image on disk into a bundle `hull run` can run (see hull bundle --help)",
	ArgsUsage:       "<image> <dest> | --remove <dest> | --mount <dest>",
	SkipFlagParsing: true,
	Action: func(ctx *cli.Context) error {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		helper := filepath.Join(filepath.Dir(exe), "hull-bundle")
		args := append([]string{"hull-bundle"}, ctx.Args().Slice()...)
		err = unix.Exec(helper, args, os.Environ())
		return fmt.Errorf("bundle: run %s (built by make next to hull): %w", helper, err)
	},
}
