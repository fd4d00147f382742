// Command hull-bundle is `hull bundle`: it unpacks images into bundles. It
// is its own binary so that the runtime, which every container start
// executes twice, does not link (and initialise) the image and compression
// libraries; `hull bundle` execs it from hull's own directory.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:            "hull bundle",
		Usage:           bundleCommand.Usage,
		UsageText:       "hull bundle [options] " + bundleCommand.ArgsUsage,
		Description:     bundleCommand.Description,
		Flags:           bundleCommand.Flags,
		Action:          bundleCommand.Action,
		HideHelpCommand: true,
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "hull: "+err.Error())
		os.Exit(1)
	}
}
