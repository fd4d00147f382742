package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/hull-oci/hull/image"
	"github.com/urfave/cli/v2"
)

var bundleCommand = &cli.Command{
	Name:      "bundle",
	Usage:     "unpack an image on disk into a bundle `hull run` can run",
	ArgsUsage: "<image> <dest> | --remove <dest> | --mount <dest>",
	Description: `IMAGE is an OCI image layout (a directory with index.json and blobs/, or
a tar of one) or a 'docker save' archive. Every blob is checked against its
digest and every layer against the config's rootfs.diff_ids. DEST must not
exist or be empty; it receives config.json, converted from the image config,
and rootfs/.

With --copy (the default) rootfs/ is a plain directory. With --overlay each
layer is extracted once into the layer store and shared by every bundle made
from an image that holds it; rootfs/ is then an overlay mount made by this
command, which outlives it (not a reboot: 'hull bundle --mount DEST' mounts it
again). The layer store is --store, else $` + image.StoreEnv + `, else ` + image.DefaultStore + `.

'hull bundle --remove DEST' unmounts DEST/rootfs if needed and deletes DEST;
the layers stay in the store for other bundles.

Example:
   hull bundle --overlay ./busybox-oci /srv/bundles/web
   hull run -b /srv/bundles/web web
   hull bundle --remove /srv/bundles/web`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "ref", Usage: "the image to unpack, when IMAGE holds several (OCI ref name or docker tag)"},
		&cli.BoolFlag{Name: "copy", Usage: "make rootfs a plain directory: the default mode"},
		&cli.BoolFlag{Name: "overlay", Usage: "make rootfs an overlay of shared layers from the layer store (needs root)"},
		&cli.StringFlag{Name: "store", EnvVars: []string{image.StoreEnv}, Value: image.DefaultStore, Usage: "layer store for --overlay"},
		&cli.BoolFlag{Name: "rootless", Usage: "a config for a container run by an unprivileged user"},
		&cli.BoolFlag{Name: "remove", Usage: "unmount and delete the bundle DEST"},
		&cli.BoolFlag{Name: "mount", Usage: "mount the rootfs of the overlay bundle DEST again"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary line"},
	},
	Action: func(ctx *cli.Context) error {
		switch {
		case ctx.Bool("remove") && ctx.Bool("mount"):
			return errors.New("bundle: --remove and --mount exclude each other")
		case ctx.Bool("remove"):
			return bundleDest(ctx, image.Remove)
		case ctx.Bool("mount"):
			return bundleDest(ctx, image.Mount)
		}
		if ctx.NArg() != 2 {
			return fmt.Errorf("bundle: 2 argument(s) required (IMAGE and DEST), got %d", ctx.NArg())
		}
		opts, err := bundleOptions(ctx)
		if err != nil {
			return err
		}
		res, err := image.Unpack(ctx.Args().Get(0), ctx.Args().Get(1), opts)
		if err != nil {
			return err
		}
		if !ctx.Bool("quiet") {
			fmt.Println(res)
		}
		return nil
	},
}

// bundleDest runs fn on the one DEST argument of --remove or --mount.
func bundleDest(ctx *cli.Context, fn func(string) error) error {
	if ctx.NArg() != 1 {
		return fmt.Errorf("bundle: want one DEST, got %d argument(s)", ctx.NArg())
	}
	return fn(ctx.Args().First())
}

func bundleOptions(ctx *cli.Context) (image.Options, error) {
	opts := image.Options{
		Ref:      ctx.String("ref"),
		Mode:     image.Copy,
		Rootless: ctx.Bool("rootless"),
		Store:    ctx.String("store"),
		Progress: os.Stderr,
	}
	if ctx.Bool("overlay") {
		if ctx.Bool("copy") {
			return opts, errors.New("bundle: --copy and --overlay exclude each other")
		}
		opts.Mode = image.Overlay
	}
	return opts, nil
}
