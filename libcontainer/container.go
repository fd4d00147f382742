// Package libcontainer is the parent side of hull: it creates containers from
// a validated spec (compiling the init plan, placing cgroups, spawning the C
// init and following its progress), and drives their lifecycle afterwards.
package libcontainer

import (
	"errors"
	"fmt"
	"os"

	"github.com/hull-oci/hull/internal/proc"
	"github.com/hull-oci/hull/libcontainer/cgroups"
	"github.com/hull-oci/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Status is a container's lifecycle status as the runtime spec names it.
type Status string

// Statuses. Creating and Paused are runc's additions that engines understand.
const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// Errors callers branch on.
var (
	ErrNotRunning = errors.New("container is not running")
	ErrNotStopped = errors.New("container is not stopped")
	ErrNotCreated = errors.New("container is not in created state")
)

// Container is a handle on one container's state directory.
type Container struct {
	store *state.Store
	ID    string
	State *state.State
	spec  *specs.Spec // config.json, once read (run reuses the one it created with)
}

// Load opens an existing container. A state directory without a readable
// state file (create killed early, or a corrupt file) still loads, with a
// minimal state, so `delete --force` can clean it up.
func Load(store *state.Store, id string) (*Container, error) {
	if err := state.ValidateID(id); err != nil {
		return nil, err
	}
	st, err := store.Load(id)
	switch {
	case err == nil:
	case errors.Is(err, state.ErrNoState), errors.Is(err, state.ErrCorrupt):
		st = &state.State{ID: id, Phase: "creating"}
	default:
		return nil, err // already names the container
	}
	return &Container{store: store, ID: id, State: st}, nil
}

// Status derives the live status from the init process and the exec fifo.
func (c *Container) Status() Status {
	st := c.State
	if st.Pid == 0 {
		if st.Phase == "creating" {
			return Creating
		}
		return Stopped
	}
	if !proc.Alive(st.Pid, st.PidStartTime) {
		return Stopped
	}
	if st.Phase == "creating" {
		return Creating
	}
	if cgroups.Frozen(c.State.CgroupPaths) {
		return Paused
	}
	if _, err := os.Lstat(c.store.FifoPath(c.ID)); err == nil {
		return Created
	}
	return Running
}

// OCIState is the state JSON of the runtime spec plus runc's extra fields.
type OCIState struct {
	specs.State
	Rootfs  string `json:"rootfs"`
	Created string `json:"created"`
	Owner   string `json:"owner"`
}

// OCIState returns what `state` prints and hooks receive on stdin.
func (c *Container) OCIState() *OCIState {
	st := c.State
	s := &OCIState{
		State: specs.State{
			Version:     st.OCIVersion,
			ID:          c.ID,
			Status:      specs.ContainerState(c.Status()),
			Bundle:      st.Bundle,
			Annotations: st.Annotations,
		},
		Rootfs: st.Rootfs,
		Owner:  st.Owner,
	}
	if s.Status != specs.ContainerState(Stopped) {
		s.Pid = st.Pid
	}
	if !st.Created.IsZero() {
		s.Created = st.Created.Format("2006-01-02T15:04:05.999999999Z")
	}
	if s.Version == "" {
		s.Version = specs.Version
	}
	return s
}

// Config returns the config.json the container was created with.
func (c *Container) Config() (*specs.Spec, error) {
	if c.spec == nil {
		spec, err := c.store.LoadConfig(c.ID)
		if err != nil {
			return nil, err
		}
		c.spec = spec
	}
	return c.spec, nil
}

// configErr marks an error about config.json as such for the user.
func configErr(err error) error {
	return fmt.Errorf("config.json: %w", err)
}
