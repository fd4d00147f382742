// Package state stores container state under the runtime's --root
// directory. It is the only code that touches --root/<id>: one directory per
// container holding state.json, a copy of config.json and the exec fifo.
package state

import (
	"time"
)

// Phases recorded in State.Phase. The live status (running, stopped, ...)
// is derived from the init process, not stored, because a stored status goes
// stale the moment the process exits.
const (
	// PhaseCreating is recorded before init has reported that it is ready.
	PhaseCreating = "creating"
	// PhaseCreated is recorded once init waits on the exec fifo.
	PhaseCreated = "created"
)

// State is what state.json holds. The JSON field names are a contract with
// older and newer hull binaries reading the same --root, so keep them. Save
// encodes it with appendJSON (json.go): a new field goes there too.
type State struct {
	OCIVersion string `json:"ociVersion"`
	ID         string `json:"id"`
	Pid        int    `json:"init_process_pid"`
	// PidStartTime is field 22 of /proc/<pid>/stat; it tells a reused pid
	// apart from our init process.
	PidStartTime uint64            `json:"init_process_start"`
	Bundle       string            `json:"bundle"`
	Rootfs       string            `json:"rootfs"`
	Created      time.Time         `json:"created"`
	Owner        string            `json:"owner"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	// CgroupPaths maps a controller to its absolute directory; the ""
	// key is the unified (v2) hierarchy.
	CgroupPaths map[string]string `json:"cgroup_paths,omitempty"`
	// CgroupParents are the parent cgroups create made, removed at delete.
	CgroupParents []string `json:"cgroup_parents,omitempty"`
	// Phase is PhaseCreating until init reported ready, then PhaseCreated.
	Phase    string `json:"phase"`
	Systemd  bool   `json:"systemd,omitempty"`
	Rootless bool   `json:"rootless,omitempty"`
	// NotifySocket is the NOTIFY_SOCKET create was called with: start
	// passes the container's READY on to it.
	NotifySocket string `json:"notify_socket,omitempty"`
}
