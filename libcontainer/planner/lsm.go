package planner

import (
	"fmt"

	"github.com/hull-oci/hull/internal/protocol"
)

// execLabels asks the security modules to label the process at its execve:
// process.apparmorProfile and process.selinuxLabel. The caller has checked
// that the host enforces them. Like runc, this runs as root and before any
// seccomp filter (the attr file is opened with openat2, which older
// profiles deny); the no_new_privs set later does not block the
// transition, which takes the unconfined init into confinement.
func (c *compiler) execLabels() error {
	if p := c.proc.ApparmorProfile; p != "" {
		c.plan.Add(fmt.Sprintf("process.apparmorProfile %q", p), protocol.OpExecLabel,
			[]uint64{uint64(protocol.LSMApparmor)}, p)
	}
	if l := c.proc.SelinuxLabel; l != "" {
		c.plan.Add(fmt.Sprintf("process.selinuxLabel %q", l), protocol.OpExecLabel,
			[]uint64{uint64(protocol.LSMSelinux)}, l)
	}
	return nil
}

// labelledFS are the filesystems the runtime creates for the container that
// get linux.mountLabel as their SELinux context, as in runc; bind mounts
// keep the labels of their source.
var labelledFS = map[string]bool{"tmpfs": true, "devpts": true, "mqueue": true}

// withMountLabel adds linux.mountLabel to the data of a fresh mount of a
// labelled filesystem.
func (c *compiler) withMountLabel(m mountOp) mountOp {
	l := c.linux.MountLabel
	if l == "" || m.mflags&protocol.MountFlagBind != 0 || !labelledFS[m.fstype] {
		return m
	}
	ctx := fmt.Sprintf("context=%q", l)
	if m.data == "" {
		m.data = ctx
	} else {
		m.data += "," + ctx
	}
	return m
}
