package main

import (
	"encoding/json"
	"os"

	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var featuresCommand = &cli.Command{
	Name:  "features",
	Usage: "print what hull supports on this host, as runtime-spec features JSON",
	Action: func(ctx *cli.Context) error {
		if err := checkArgs(ctx, 0, 0); err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(libcontainer.HostFeatures(version))
	},
}
