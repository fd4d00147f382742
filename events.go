package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/hull-oci/hull/libcontainer"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// event is one line of `events` output, as runc writes it: type "stats"
// with the usage in data, or "oom".
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

var eventsCommand = &cli.Command{
	Name:      "events",
	Usage:     "print a container's OOM events and resource usage as JSON lines",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "time between stats events"},
		&cli.BoolFlag{Name: "stats", Usage: "print the usage once and exit"},
	},
	Action: containerAction(func(ctx *cli.Context, c *libcontainer.Container) error {
		longRunning()
		if c.Status() == libcontainer.Stopped {
			return fmt.Errorf("container %q is not running: %w", c.ID, libcontainer.ErrNotRunning)
		}
		enc := json.NewEncoder(os.Stdout)
		if ctx.Bool("stats") {
			s, err := c.Stats()
			if err != nil {
				return err
			}
			return enc.Encode(event{Type: "stats", ID: c.ID, Data: s})
		}
		interval := ctx.Duration("interval")
		if interval <= 0 {
			return fmt.Errorf("events: --interval must be positive, got %v", interval)
		}
		return followEvents(ctx.Context, c, enc, interval)
	}),
}

// followEvents prints an oom event as each happens and a stats event every
// interval, until the container stops.
func followEvents(parent context.Context, c *libcontainer.Container, enc *json.Encoder, interval time.Duration) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	ooms, err := c.NotifyOOM(ctx)
	if err != nil {
		// Stats still work without OOM notifications (no memory controller).
		logrus.Warnf("events: no OOM notifications: %v", err)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-ooms:
			if !ok {
				ooms = nil
				continue
			}
			if err := enc.Encode(event{Type: "oom", ID: c.ID}); err != nil {
				return err
			}
		case <-tick.C:
			if c.Status() == libcontainer.Stopped {
				return nil
			}
			s, err := c.Stats()
			if err != nil {
				// The container may be going away; the next tick tells.
				logrus.Warnf("events: %v", err)
				continue
			}
			if err := enc.Encode(event{Type: "stats", ID: c.ID, Data: s}); err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
	}
}
