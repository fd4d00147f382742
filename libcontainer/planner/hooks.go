package planner

import (
	"fmt"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hookState fetches the state JSON from the parent once, early, when any
// hook will run inside the container (the parent knows the init's pid by then).
func (c *compiler) hookState() error {
	if h := c.spec.Hooks; h != nil && (len(h.CreateContainer) > 0 || len(h.StartContainer) > 0) {
		c.plan.Add("get the state for createContainer and startContainer hooks", protocol.OpSync,
			[]uint64{uint64(protocol.SyncState)})
	}
	return nil
}

// hooks emits one OpHook per hook; they run in the container's namespaces.
func (c *compiler) hooks(kind string, hs []specs.Hook) {
	for i, h := range hs {
		args := h.Args
		if len(args) == 0 {
			args = []string{h.Path}
		}
		var timeout uint64
		if h.Timeout != nil && *h.Timeout > 0 {
			timeout = uint64(*h.Timeout)
		}
		strs := append(append([]string{h.Path}, args...), h.Env...)
		c.plan.Add(fmt.Sprintf("hooks.%s[%d] (%s)", kind, i, h.Path), protocol.OpHook,
			[]uint64{uint64(len(args)), timeout}, strs...)
	}
}

// startContainerHooks run after start, before the user process, with the
// container's root: their path resolves inside the container.
func (c *compiler) startContainerHooks() error {
	if c.spec.Hooks != nil {
		c.hooks("startContainer", c.spec.Hooks.StartContainer)
	}
	return nil
}
