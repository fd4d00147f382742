package planner

import (
	"fmt"

	"github.com/hull-oci/hull/internal/protocol"
	"github.com/hull-oci/hull/specconv"
)

// defaultPath is searched for args[0] when process.env has no PATH, as runc does.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// rlimits sets each process.rlimits entry.
func (c *compiler) rlimits() error {
	for i, r := range c.proc.Rlimits {
		res, ok := specconv.RlimitResource(r.Type)
		if !ok {
			return fmt.Errorf("process.rlimits[%d].type: unknown rlimit %q", i, r.Type)
		}
		c.plan.Add(fmt.Sprintf("process.rlimits[%d] (%s)", i, r.Type), protocol.OpRlimit, []uint64{uint64(res), r.Soft, r.Hard})
	}
	return nil
}

// umask sets process.user.umask.
func (c *compiler) umask() error {
	if m := c.proc.User.Umask; m != nil {
		c.plan.Add(fmt.Sprintf("process.user.umask %#o", *m), protocol.OpUmask, []uint64{uint64(*m)})
	}
	return nil
}

// chdir enters process.cwd, inside the new root.
func (c *compiler) chdir() error {
	c.plan.Add(fmt.Sprintf("process.cwd %q", c.proc.Cwd), protocol.OpChdir, nil, c.proc.Cwd)
	return nil
}

// noNewPrivs sets no_new_privs.
func (c *compiler) noNewPrivs() error {
	if c.proc.NoNewPrivileges {
		c.plan.Add("process.noNewPrivileges", protocol.OpNoNewPrivs, nil)
	}
	return nil
}

// findExec resolves args[0] before the container is reported created, so
// that a missing binary fails `create` rather than `start`.
func (c *compiler) findExec() error {
	env, err := c.processEnv()
	if err != nil {
		return err
	}
	pathVar, ok := lookupEnv(env, "PATH")
	if !ok {
		pathVar = defaultPath
	}
	name := c.proc.Args[0]
	c.plan.Add(fmt.Sprintf("process.args[0] %q", name), protocol.OpFindExec, nil, name, pathVar)
	return nil
}

// exec replaces the init with the container process.
func (c *compiler) exec() error {
	env, err := c.processEnv()
	if err != nil {
		return err
	}
	args := c.proc.Args
	strs := make([]string, 0, len(args)+len(env))
	strs = append(strs, args...)
	strs = append(strs, env...)
	first := uint64(c.in.FirstPrivateFd)
	if c.fdsClosed {
		first = 0
	}
	c.plan.Add(fmt.Sprintf("process.args[0] %q: exec", args[0]), protocol.OpExec,
		[]uint64{uint64(len(args)), first}, strs...)
	return nil
}
