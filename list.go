package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/hull-oci/hull/libcontainer"
	"github.com/urfave/cli/v2"
)

var listCommand = &cli.Command{
	Name:    "list",
	Aliases: []string{"ps-all"},
	Usage:   "list the containers under --root",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table or json"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the ids"},
	},
	Action: func(ctx *cli.Context) error {
		store, err := openStore(ctx)
		if err != nil {
			return err
		}
		ids, err := store.List()
		if err != nil {
			return err
		}
		if ctx.Bool("quiet") {
			for _, id := range ids {
				fmt.Println(id)
			}
			return nil
		}
		states := make([]*libcontainer.OCIState, 0, len(ids))
		for _, id := range ids {
			c, err := libcontainer.Load(store, id)
			if err != nil {
				continue // removed while we listed
			}
			states = append(states, c.OCIState())
		}
		switch ctx.String("format") {
		case "json":
			return json.NewEncoder(os.Stdout).Encode(states)
		case "table":
			return printTable(states)
		default:
			return fmt.Errorf("invalid format %q: want table or json", ctx.String("format"))
		}
	},
}

func printTable(states []*libcontainer.OCIState) error {
	out := bufio.NewWriter(os.Stdout) // tabwriter writes cell by cell
	w := tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)
	fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
	for _, s := range states {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created, s.Owner)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Flush()
}
