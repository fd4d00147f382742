package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"github.com/hull-oci/hull/internal/exeseal"
	"github.com/hull-oci/hull/internal/protocol"
	"github.com/hull-oci/hull/libcontainer/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// initProcess runs `hull init` (the C stage) and follows the conversation
// drawn in internal/protocol.
type initProcess struct {
	plan       *protocol.Plan
	preserved  int        // fds 3..3+preserved-1 are handed to the container as they are
	files      []*os.File // after the plan and sync fds: the exec fifo (or exec's root), the console socket
	cg         cgroups.Manager
	onPid      func(pid int) error
	onHooks    func() error
	state      func() []byte // state JSON for hooks the init runs itself
	agentState func() []byte // ContainerProcessState for a seccomp agent
	create     bool          // an init (not an exec): apply resources once it exists
	resources  *specs.LinuxResources
}

func (p *initProcess) run() error {
	planR, planW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer planR.Close()
	defer planW.Close()
	parent, child, err := socketPair()
	if err != nil {
		return err
	}
	defer parent.Close()
	defer child.Close()
	// the init runs from a handle on our binary that cannot be written
	// through, so /proc/<init>/exe never leads a container to the host's hull
	// fds our caller leaked to us (a shim's socket, a terminal) must not
	// reach the init: only stdio, the preserved fds and the ones we list
	if err := unix.CloseRange(uint(3+p.preserved), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("mark inherited fds close-on-exec: %w", err)
	}
	cmd, exe, err := p.start(planR, child)
	if err != nil {
		return err
	}
	defer exe.Close()
	planR.Close()
	child.Close()
	err = p.drive(cmd, planW, parent)
	if err != nil {
		// the intermediate may be waiting for our MsgContinue: it must not
		// keep us in Wait (the caller kills the init itself)
		_ = cmd.Process.Kill()
	}
	parent.Close()
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("init: %w", werr)
	}
	return err
}

// start runs `hull init` from a sealed handle on our binary; where the
// kernel will not exec from the detached read-only bind, from a sealed copy.
func (p *initProcess) start(planR, child *os.File) (*exec.Cmd, *os.File, error) {
	exe, err := exeseal.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("seal hull binary: %w", err)
	}
	cmd := p.command(exe, planR, child)
	err = cmd.Start()
	if errors.Is(err, unix.EACCES) {
		exe.Close()
		if exe, err = exeseal.Copy(); err != nil {
			return nil, nil, fmt.Errorf("seal hull binary: %w", err)
		}
		cmd = p.command(exe, planR, child)
		err = cmd.Start()
	}
	if err != nil {
		exe.Close()
		return nil, nil, fmt.Errorf("start init: %w", err)
	}
	return cmd, exe, nil
}

func (p *initProcess) command(exe, planR, child *os.File) *exec.Cmd {
	extra := make([]*os.File, 0, p.preserved+3)
	for i := 0; i < p.preserved; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved"))
	}
	extra = append(extra, planR, child)
	extra = append(extra, p.files...)
	// the binary is passed like the other fds, at a number we choose: Go
	// renumbers fds in the child and would clobber an unlisted one
	extra = append(extra, exe)
	first := 3 + p.preserved
	return &exec.Cmd{
		Path:       fmt.Sprintf("/proc/self/fd/%d", 3+len(extra)-1),
		Args:       []string{"hull", "init"},
		Env:        []string{protocol.EnvPlanFd + "=" + strconv.Itoa(first), protocol.EnvSyncFd + "=" + strconv.Itoa(first+1)},
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ExtraFiles: extra,
	}
}

// drive places the init in its cgroups, sends the plan and answers its
// messages until it reports ready, fails or dies.
func (p *initProcess) drive(cmd *exec.Cmd, planW, sock *os.File) error {
	if err := p.cg.Apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	if _, err := planW.Write(p.plan.Encode()); err != nil {
		return fmt.Errorf("send plan to init: %w", err)
	}
	planW.Close()
	buf := make([]byte, 4096) // the init's messages are small
	gotPid := false
	for {
		n, err := sock.Read(buf)
		if err != nil || n == 0 {
			if !gotPid {
				return errors.New("container init exited before reporting its pid")
			}
			return errors.New("container init exited before it was ready")
		}
		m, err := protocol.Unmarshal(buf[:n])
		if err != nil {
			return err
		}
		switch m.Type {
		case protocol.MsgPid:
			gotPid = true
			if err := p.onPid(int(m.Val)); err != nil {
				return err
			}
			// limits go on only now: pids.max=1 (a pids limit of 0, as runc
			// treats it) would keep the intermediate from forking the init
			if p.create {
				if err := p.cg.Set(cgroups.ForCreate(p.resources)); err != nil {
					return err
				}
			}
			// the intermediate holds the init back until the limits are set
			if err := p.send(sock, protocol.Msg{Type: protocol.MsgContinue}); err != nil {
				return err
			}
		case protocol.MsgSync:
			if err := p.sync(protocol.SyncKind(m.Val), sock); err != nil {
				return err
			}
		case protocol.MsgReady:
			return nil
		case protocol.MsgError:
			return p.initError(m)
		default:
			return fmt.Errorf("unexpected init message type %d", m.Type)
		}
	}
}

func (p *initProcess) send(sock *os.File, m protocol.Msg) error {
	if _, err := sock.Write(m.Marshal()); err != nil {
		return fmt.Errorf("write to init: %w", err)
	}
	return nil
}

func (p *initProcess) sync(kind protocol.SyncKind, sock *os.File) error {
	reply := protocol.Msg{Type: protocol.MsgContinue}
	switch {
	case kind == protocol.SyncHooks:
		if err := p.onHooks(); err != nil {
			return err
		}
	case kind == protocol.SyncState && p.state != nil:
		reply.Data = p.state()
	case kind == protocol.SyncSeccomp && p.agentState != nil:
		reply.Data = p.agentState()
		if len(reply.Data)+protocol.MsgHeaderSize > protocol.MsgMaxSize {
			return fmt.Errorf("state JSON for hooks is %d bytes, more than %d", len(reply.Data), protocol.MsgMaxSize)
		}
	default:
		return fmt.Errorf("unknown init sync request %d", kind)
	}
	_, err := sock.Write(reply.Marshal())
	return err
}

// initError names the config field behind the failed op.
func (p *initProcess) initError(m *protocol.Msg) error {
	msg := p.plan.Desc(int(m.Op))
	if len(m.Data) > 0 {
		msg += ": " + string(m.Data)
	}
	if m.Errno != 0 {
		return fmt.Errorf("%s: %w", msg, syscall.Errno(m.Errno))
	}
	return errors.New(msg)
}

func socketPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("init socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child"), nil
}
