package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hull-oci/hull/internal/proc"
	"github.com/hull-oci/hull/internal/readfile"
	"github.com/hull-oci/hull/libcontainer/cgroups"
	"github.com/hull-oci/hull/libcontainer/planner"
	"github.com/hull-oci/hull/libcontainer/state"
	"github.com/hull-oci/hull/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// CreateOpts is everything `create` and `run` decide before a container exists.
type CreateOpts struct {
	ID           string
	Bundle       string // absolute
	Rootfs       string // absolute, symlinks resolved
	Spec         *specs.Spec
	SpecJSON     []byte // config.json as read, kept for hooks and later commands
	NoPivot      bool
	NoNewKeyring bool
	PreserveFds  int
	// SystemdCgroup is --systemd-cgroup: cgroupsPath is slice:prefix:name.
	SystemdCgroup bool
	// Console receives the pty master when process.terminal is set: a
	// connection to --console-socket, or run's own socket in the foreground.
	Console *os.File
	// NotifySocket is the caller's NOTIFY_SOCKET (absolute, or "@name" for
	// an abstract socket): the container gets a socket of its own whose
	// READY start passes on to it. "" for none.
	NotifySocket string
}

// Create makes a container in the created state: its init waits for start.
// On any failure nothing is left behind: no state dir, cgroup, mount or process.
func Create(store *state.Store, o *CreateOpts) (c *Container, err error) {
	if o.Spec.Process != nil && o.Spec.Process.Terminal && o.Console == nil {
		return nil, errors.New("cannot allocate tty if hull will detach without setting console socket")
	}
	if wantsLSM(o.Spec.Process, o.Spec.Linux) {
		if err := specconv.CheckLSM(o.Spec, hostLSM()); err != nil {
			return nil, err
		}
	}
	if err := store.Create(o.ID); err != nil {
		return nil, err
	}
	c = &Container{store: store, ID: o.ID, State: newState(o), spec: o.Spec}
	var cg cgroups.Manager
	defer func() {
		if err != nil {
			c.cleanup(cg)
		}
	}()
	if o.NotifySocket != "" {
		if err = c.setupNotify(o); err != nil {
			return c, err
		}
	}
	m, err := newCgroup(o)
	if err != nil {
		return c, err
	}
	cg = m
	c.State.CgroupPaths, c.State.CgroupParents = cg.Paths(), cgroups.MadeParents(cg)
	// saved before anything is spawned: delete --force of a create that was
	// SIGKILLed finds the cgroups to remove
	if err = store.Save(o.ID, c.State); err != nil {
		return c, err
	}
	if err = store.SaveConfig(o.ID, o.SpecJSON); err != nil {
		return c, err
	}
	if err = c.spawn(o, cg); err != nil {
		return c, err
	}
	c.State.Phase = "created"
	c.State.CgroupParents = cgroups.MadeParents(cg)
	if err = store.Save(o.ID, c.State); err != nil {
		return c, err
	}
	return c, nil
}

func newState(o *CreateOpts) *state.State {
	owner := userName(os.Geteuid())
	return &state.State{
		OCIVersion:  o.Spec.Version,
		ID:          o.ID,
		Bundle:      o.Bundle,
		Rootfs:      o.Rootfs,
		Created:     time.Now().UTC(),
		Owner:       owner,
		Annotations: o.Spec.Annotations,
		Phase:       "creating",
	}
}

// cgroupsPath is linux.cgroupsPath, or /<id> when unset. runc's default is
// <id> relative to the runtime's own cgroup, which on hosts whose process
// supervisor owns that cgroup would nest containers inside it.
func newCgroup(o *CreateOpts) (cgroups.Manager, error) {
	if o.SystemdCgroup {
		return cgroups.NewSystemd(cgroupsPath(o.Spec, o.ID), o.ID)
	}
	return cgroups.New(cgroupsPath(o.Spec, o.ID), o.ID)
}

func resources(s *specs.Spec) *specs.LinuxResources {
	if s.Linux == nil {
		return nil
	}
	return s.Linux.Resources
}

// userName finds uid in /etc/passwd. It does not use os/user: with cgo
// that loads the NSS modules, which costs more than starting a container.
func userName(uid int) string {
	b, err := readfile.Read("/etc/passwd")
	if err != nil {
		return ""
	}
	return passwdName(string(b), uid)
}

// passwdName finds uid's name in the text of an /etc/passwd.
func passwdName(passwd string, uid int) string {
	want := strconv.Itoa(uid)
	for _, line := range strings.Split(passwd, "\n") {
		if f := strings.SplitN(line, ":", 4); len(f) == 4 && f[2] == want {
			return f[0]
		}
	}
	return ""
}

func cgroupsPath(s *specs.Spec, id string) string {
	if s.Linux == nil || s.Linux.CgroupsPath == "" {
		return "/" + id
	}
	return s.Linux.CgroupsPath
}

// spawn starts the init, follows it to the created state and records its pid.
func (c *Container) spawn(o *CreateOpts, cg cgroups.Manager) error {
	fifo, err := c.makeFifo()
	if err != nil {
		return err
	}
	defer fifo.Close()
	first := 3 + o.PreserveFds
	filter, agent, err := compileSeccomp(o.Spec.Linux, first+4)
	if err != nil {
		return err
	}
	if agent != nil {
		defer agent.Close()
	}
	res, err := planner.Compile(&planner.Input{
		Seccomp:        filter,
		Spec:           o.Spec,
		Bundle:         o.Bundle,
		Rootfs:         o.Rootfs,
		NoPivot:        o.NoPivot,
		ID:             o.ID,
		NoNewKeyring:   o.NoNewKeyring,
		ConsoleFd:      consoleFd(o, first+3),
		FifoFd:         first + 2,
		FirstPrivateFd: first,
		CreateHooks:    hasCreateHooks(o.Spec),
		Cgroups:        cgroupHierarchies(cg),
	})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		logrus.Warn(w)
	}
	init := &initProcess{
		plan:       res.Plan,
		preserved:  o.PreserveFds,
		files:      optional(fifo, o.Console, agent),
		cg:         cg,
		create:     true,
		resources:  resources(o.Spec),
		onPid:      c.setPid,
		onHooks:    func() error { return c.runCreateHooks(o.Spec) },
		state:      func() []byte { return c.stateJSON(Created) },
		agentState: func() []byte { return c.agentState(Creating) },
	}
	return init.run()
}

// optional drops the nil files off the end of a list of fds to pass.
func optional(files ...*os.File) []*os.File {
	for len(files) > 0 && files[len(files)-1] == nil {
		files = files[:len(files)-1]
	}
	return files
}

func consoleFd(o *CreateOpts, fd int) int {
	if o.Console == nil || o.Spec.Process == nil || !o.Spec.Process.Terminal {
		return 0
	}
	return fd
}

func (c *Container) setPid(pid int) error {
	start, err := proc.StartTime(pid)
	if err != nil {
		return fmt.Errorf("container init %d: %w", pid, err)
	}
	c.State.Pid, c.State.PidStartTime = pid, start
	return nil
}

// makeFifo creates the exec fifo that `start` writes into; the init holds it
// open read-write, so `start` can tell a live init from a dead one.
func (c *Container) makeFifo() (*os.File, error) {
	path := c.store.FifoPath(c.ID)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return nil, &os.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

// cleanup undoes a failed create: kill the init, drop cgroups and state.
func (c *Container) cleanup(cg cgroups.Manager) {
	if c.State.Pid != 0 {
		_ = unix.Kill(c.State.Pid, unix.SIGKILL)
	}
	if cg != nil {
		killCgroup(cg)
		if err := cg.Destroy(); err != nil {
			logrus.Warnf("cleanup: %v", err)
		}
	}
	if err := c.store.Remove(c.ID); err != nil {
		logrus.Warnf("cleanup: %v", err)
	}
}
