package main

import (
	"slices"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestFlagNames: every flag of hull answers Names from its cache, with what
// urfave/cli's own FlagNames makes of it.
func TestFlagNames(t *testing.T) {
	app := newApp()
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			var want []string
			switch f := f.(type) {
			case *boolFlag:
				want = cli.FlagNames(f.Name, f.Aliases)
			case *stringFlag:
				want = cli.FlagNames(f.Name, f.Aliases)
			case *intFlag:
				want = cli.FlagNames(f.Name, f.Aliases)
			case *stringSliceFlag:
				want = cli.FlagNames(f.Name, f.Aliases)
			case *durationFlag:
				want = cli.FlagNames(f.Name, f.Aliases)
			default:
				t.Errorf("%s: flag %v (%T) has no name cache", where, f.Names(), f)
				continue
			}
			if got := f.Names(); !slices.Equal(got, want) {
				t.Errorf("%s: cached names %q, urfave/cli's %q", where, got, want)
			}
		}
	}
	check("hull", app.Flags)
	for _, c := range app.Commands {
		check("hull "+c.Name, c.Flags)
	}
}
