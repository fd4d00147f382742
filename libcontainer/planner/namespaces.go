package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hull-oci/hull/internal/protocol"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsEntry is one configured namespace: where it came from and, when joined, its path.
type nsEntry struct {
	index int    // position in linux.namespaces, for descriptions
	path  string // "" = new namespace
}

// namespaces holds the configured namespaces by type.
type namespaces map[specs.LinuxNamespaceType]nsEntry

// nsCloneFlag maps each namespace type to its CLONE_NEW* flag.
var nsCloneFlag = map[specs.LinuxNamespaceType]uint64{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// setnsOrder is the order namespaces are joined in. The user namespace comes
// first so that we hold capabilities over the namespaces it owns; the mount
// namespace comes last because every path is opened relative to the current
// mount namespace, the host's until we leave it.
var setnsOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace,
	specs.IPCNamespace,
	specs.UTSNamespace,
	specs.NetworkNamespace,
	specs.PIDNamespace,
	specs.CgroupNamespace,
	specs.TimeNamespace,
	specs.MountNamespace,
}

// cloneOrder lists namespace types in the order their names appear in descriptions.
var cloneOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace,
	specs.PIDNamespace,
	specs.NetworkNamespace,
	specs.IPCNamespace,
	specs.UTSNamespace,
	specs.MountNamespace,
	specs.CgroupNamespace,
}

// parseNamespaces indexes linux.namespaces by type.
func parseNamespaces(list []specs.LinuxNamespace) (namespaces, error) {
	ns := namespaces{}
	for i, n := range list {
		if _, ok := nsCloneFlag[n.Type]; !ok {
			return nil, fmt.Errorf("linux.namespaces[%d].type: unknown namespace %q", i, n.Type)
		}
		if _, dup := ns[n.Type]; dup {
			return nil, fmt.Errorf("linux.namespaces[%d].type: duplicate namespace %q", i, n.Type)
		}
		ns[n.Type] = nsEntry{index: i, path: n.Path}
	}
	return ns, nil
}

// has reports whether the container has its own namespace of type t, new or joined.
func (ns namespaces) has(t specs.LinuxNamespaceType) bool {
	_, ok := ns[t]
	return ok
}

// isNew reports whether the container gets a new namespace of type t.
func (ns namespaces) isNew(t specs.LinuxNamespaceType) bool {
	e, ok := ns[t]
	return ok && e.path == ""
}

// joinNamespaces emits OpSetns for every namespace given by path.
func (c *compiler) joinNamespaces() error {
	for _, t := range setnsOrder {
		e, ok := c.ns[t]
		if !ok || e.path == "" {
			continue
		}
		desc := fmt.Sprintf("linux.namespaces[%d] (%s): join %s", e.index, t, e.path)
		c.plan.Add(desc, protocol.OpSetns, []uint64{nsCloneFlag[t]}, e.path)
	}
	return nil
}

// unshareTime emits OpTimens for a new time namespace. Its offsets can only
// be written before any process is born in it, hence before the clone.
func (c *compiler) unshareTime() error {
	if !c.ns.isNew(specs.TimeNamespace) {
		return nil
	}
	offsets, err := timeOffsetsText(c.linux.TimeOffsets)
	if err != nil {
		return err
	}
	desc := fmt.Sprintf("linux.namespaces[%d] (time): unshare with linux.timeOffsets",
		c.ns[specs.TimeNamespace].index)
	c.plan.Add(desc, protocol.OpTimens, nil, offsets)
	return nil
}

// timeOffsetsText renders linux.timeOffsets in the format of
// /proc/<pid>/timens_offsets, sorted by clock for a deterministic plan.
func timeOffsetsText(offsets map[string]specs.LinuxTimeOffset) (string, error) {
	clocks := make([]string, 0, len(offsets))
	for clock := range offsets {
		if clock != "monotonic" && clock != "boottime" {
			return "", fmt.Errorf("linux.timeOffsets: unknown clock %q (want monotonic or boottime)", clock)
		}
		clocks = append(clocks, clock)
	}
	sort.Strings(clocks)
	var b strings.Builder
	for _, clock := range clocks {
		o := offsets[clock]
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	return b.String(), nil
}

// clone emits OpClone. It is emitted even without new namespaces: the init
// always forks once, so that the process reporting MsgPid is the container's.
func (c *compiler) clone() error {
	var flags uint64
	var names []string
	for _, t := range cloneOrder {
		if c.ns.isNew(t) {
			flags |= nsCloneFlag[t]
			names = append(names, string(t))
		}
	}
	uidMap, gidMap := "", ""
	desc := "clone the container init"
	if len(names) > 0 {
		desc += " into new namespaces (" + strings.Join(names, ", ") + ")"
	}
	if c.ns.isNew(specs.UserNamespace) {
		uidMap = idMapText(c.linux.UIDMappings)
		gidMap = idMapText(c.linux.GIDMappings)
		desc += " with linux.uidMappings and linux.gidMappings"
	}
	// denySetgroups stays 0: we write the maps as root on the host, which the
	// kernel allows without denying setgroups first.
	c.plan.Add(desc, protocol.OpClone, []uint64{flags, 0}, uidMap, gidMap)
	return nil
}

// idMapText renders id mappings as the kernel reads them from uid_map/gid_map.
func idMapText(maps []specs.LinuxIDMapping) string {
	var b strings.Builder
	for _, m := range maps {
		fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
	}
	return b.String()
}
