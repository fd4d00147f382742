package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hull-oci/hull/specconv"
	"github.com/urfave/cli/v2"
)

var specCommand = &cli.Command{
	Name:  "spec",
	Usage: "write a default config.json into the bundle",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "bundle directory (default: current directory)"},
		&cli.BoolFlag{Name: "rootless", Usage: "a config for a container run by an unprivileged user"},
	},
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		s := specconv.Example()
		if ctx.Bool("rootless") {
			specconv.ToRootless(s)
		}
		path := filepath.Join(ctx.String("bundle"), "config.json")
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("file %s exists: remove it first", path)
		}
		b, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			return err
		}
		return os.WriteFile(path, append(b, '\n'), 0o666)
	},
}
