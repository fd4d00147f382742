package main

import "github.com/urfave/cli/v2"

// urfave/cli works a flag's names out with a regexp (cli.FlagNames strips
// what follows a comma or a space, a v1 habit) every time it looks a flag
// up, and it looks every flag of a command up by every other one when it
// runs flag actions: about a thousand regexp runs and 40-70 KB of garbage
// for each command. The flags below answer Names from a slice made once.
// Our names hold no comma or space, so the result is the same
// (TestFlagNames).

type boolFlag struct {
	*cli.BoolFlag
	names []string
}

func (f *boolFlag) Names() []string { return f.names }

type stringFlag struct {
	*cli.StringFlag
	names []string
}

func (f *stringFlag) Names() []string { return f.names }

type intFlag struct {
	*cli.IntFlag
	names []string
}

func (f *intFlag) Names() []string { return f.names }

type stringSliceFlag struct {
	*cli.StringSliceFlag
	names []string
}

func (f *stringSliceFlag) Names() []string { return f.names }

type durationFlag struct {
	*cli.DurationFlag
	names []string
}

func (f *durationFlag) Names() []string { return f.names }

// cacheFlagNames swaps the flags of app and of its commands for ones that
// remember their names. A flag of another type is left as it is.
func cacheFlagNames(app *cli.App) {
	cacheNames(app.Flags)
	for _, c := range app.Commands {
		cacheNames(c.Flags)
	}
}

func cacheNames(flags []cli.Flag) {
	names := func(name string, aliases []string) []string {
		return append([]string{name}, aliases...)
	}
	for i, f := range flags {
		switch f := f.(type) {
		case *cli.BoolFlag:
			flags[i] = &boolFlag{f, names(f.Name, f.Aliases)}
		case *cli.StringFlag:
			flags[i] = &stringFlag{f, names(f.Name, f.Aliases)}
		case *cli.IntFlag:
			flags[i] = &intFlag{f, names(f.Name, f.Aliases)}
		case *cli.StringSliceFlag:
			flags[i] = &stringSliceFlag{f, names(f.Name, f.Aliases)}
		case *cli.DurationFlag:
			flags[i] = &durationFlag{f, names(f.Name, f.Aliases)}
		}
	}
}
