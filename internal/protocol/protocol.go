// Package protocol is what the Go parent and the C init stage (nsenter/) share:
// the plan format (the ops the init executes, in order) and the messages on the
// init socket. The C header nsenter/protocol.h is generated from the constants
// in this file (go generate); a test fails when the two disagree.
//
// The conversation on the init socket (SOCK_SEQPACKET, one message per send):
//
//	parent (hull create)                 hull init (C, pre-Go)
//	--------------------                 ---------------------
//	start `hull init`, join cgroups
//	write plan to the plan pipe, close -> read plan until EOF
//	                                     run pre-clone ops (setns, timens)
//	                                     clone(new namespaces)
//	                                        intermediate: write id maps,
//	                                <-      MsgPid{Val: child pid}
//	set cgroup limits (devices...)
//	MsgContinue                     ->      release the child, exit
//	                                     child runs the remaining ops
//	                                <-   MsgSync{Val: SyncHooks} (if planned)
//	run prestart/createRuntime hooks
//	MsgContinue                     ->
//	                                <-   MsgReady (created: waiting for start)
//	write state, exit                    block on the exec fifo, then execve
//
//	Any failure in the init sends MsgError{Op: index, Errno, Data: detail}
//	and exits; the parent turns the op index into the config field it came from.
package protocol

//go:generate go run ./gen -in protocol.go -out ../../nsenter/protocol.h

// Op is one plan operation. Values are part of the C contract: append, never renumber.
// Each op documents its ints (u64) and strs (NUL-terminated byte strings).
type Op uint32

// Plan operations.
const (
	// OpSetns joins a namespace before the clone. ints: [nstype CLONE_NEW*]; strs: [path].
	OpSetns Op = 1
	// OpTimens unshares a time namespace and writes its offsets before the clone,
	// so that the cloned child is born inside it. strs: [timens_offsets text].
	OpTimens Op = 2
	// OpClone forks the container init into new namespaces. The calling process
	// writes the id maps (if any), reports MsgPid and exits; the child runs every
	// later op. ints: [clone flags, deny setgroups (0/1)]; strs: [uid_map, gid_map] ("" = none).
	OpClone Op = 3
	// OpSync asks the parent to act (hooks) and waits for MsgContinue. ints: [SyncKind].
	OpSync Op = 4
	// OpMountPropagation sets the propagation of "/" (recursively). ints: [MS_* flags].
	OpMountPropagation Op = 5
	// OpRootfs bind-mounts the rootfs onto itself and makes it the root for every
	// later path; with a parent mount point given, that mount is made private first
	// (pivot_root refuses shared parents). strs: [rootfs, parent mount point or ""].
	OpRootfs Op = 6
	// OpMount mounts onto a destination resolved inside the rootfs (symlinks stay
	// inside it; missing directories are created). ints: [MS_* flags, propagation
	// MS_* flags (0 = none), recursive MOUNT_ATTR_* to set, recursive MOUNT_ATTR_* to clear,
	// MountFlag* bits]; strs: [source, destination, fstype, data].
	OpMount Op = 7
	// OpMknod creates a device node inside the rootfs (parents created), or with
	// MknodBind, an empty file with the host device bind-mounted on it (user namespaces).
	// ints: [mode (type|perm), dev (makedev), uid, gid, MknodBind 0/1]; strs: [path, host path].
	OpMknod Op = 8
	// OpSymlink creates a symlink inside the rootfs; an existing path is left alone.
	// strs: [target, path].
	OpSymlink Op = 9
	// OpMkdirAll creates a directory (and parents) inside the rootfs. ints: [mode]; strs: [path].
	OpMkdirAll Op = 10
	// OpPivotRoot makes the rootfs "/" with pivot_root and detaches the old root.
	// ints: [propagation MS_* flags for the new "/" (0 = leave)].
	OpPivotRoot Op = 11
	// OpChroot is --no-pivot: move the rootfs onto "/" and chroot into it. ints: as OpPivotRoot.
	OpChroot Op = 12
	// OpMaskPath hides a path after the root switch: a read-only tmpfs over a directory,
	// /dev/null bound over anything else; a missing path is skipped. strs: [path].
	OpMaskPath Op = 13
	// OpReadonlyPath binds a path onto itself read-only (recursive); missing is skipped. strs: [path].
	OpReadonlyPath Op = 14
	// OpRemountRo remounts a mount point read-only, keeping its other flags. strs: [path].
	OpRemountRo Op = 15
	// OpWriteFile writes a whole value to an existing file (sysctl, oom_score_adj).
	// strs: [path, content].
	OpWriteFile Op = 16
	// OpSethostname sets the hostname. strs: [name].
	OpSethostname Op = 17
	// OpSetdomainname sets the NIS domain name. strs: [name].
	OpSetdomainname Op = 18
	// OpRlimit sets one resource limit. ints: [resource, soft, hard].
	OpRlimit Op = 19
	// OpUmask sets the umask. ints: [mask].
	OpUmask Op = 20
	// OpDropBounding drops every capability not in the mask from the bounding set
	// (needs CAP_SETPCAP, so it runs before the user switch). ints: [keep mask low, keep mask high].
	OpDropBounding Op = 21
	// OpSetUser switches credentials, keeping capabilities across the switch for
	// OpCapabilities. ints: [uid, gid, call setgroups (0/1), groups...].
	OpSetUser Op = 22
	// OpCapabilities sets the capability sets (64-bit masks as low/high words) and raises ambient
	// ones. ints: [eff lo, eff hi, perm lo, perm hi, inh lo, inh hi, amb lo, amb hi].
	OpCapabilities Op = 23
	// OpNoNewPrivs sets PR_SET_NO_NEW_PRIVS.
	OpNoNewPrivs Op = 24
	// OpSeccomp loads a BPF filter compiled by the parent. With an agent socket
	// fd (SCMP_ACT_NOTIFY), the listener fd goes to the agent with the
	// process state JSON got by OpSync(SyncSeccomp), as the runtime spec says.
	// ints: [SECCOMP_FILTER_FLAG_*, agent socket fd or 0]; strs: [struct sock_filter array].
	OpSeccomp Op = 25
	// OpChdir changes the working directory. strs: [dir].
	OpChdir Op = 26
	// OpFindExec resolves args[0] like execvp (PATH from the process env) and checks it is
	// executable, so a missing binary fails create, not start. strs: [name, PATH value].
	OpFindExec Op = 27
	// OpReady reports MsgReady and closes the init socket: the container is created.
	OpReady Op = 28
	// OpWaitStart blocks until `start` writes a byte into the exec fifo (held O_RDWR). ints: [fifo fd].
	OpWaitStart Op = 29
	// OpExec execs the resolved program; with a first private fd other than 0 it
	// first marks every fd >= first close-on-exec (OpCloseFds does it earlier
	// when a seccomp filter is loaded in between). ints: [argc, first private fd];
	// strs: [argv..., envp...].
	OpExec Op = 30
	// OpSetsid starts a new session (the init has no controlling terminal of the caller).
	OpSetsid Op = 31
	// OpConsole opens a pty in the container's devpts (before the root switch), binds
	// its slave onto /dev/console, sends the master over the console socket (SCM_RIGHTS)
	// and makes the slave the controlling terminal and stdio.
	// ints: [socket fd, rows, cols, bind /dev/console (0/1)].
	OpConsole Op = 32
	// OpJoinKeyring joins a new session keyring named after the container. strs: [name].
	OpJoinKeyring Op = 33
	// OpEnterRoot makes an open directory the root (exec: the container's root,
	// /proc/<init>/root opened by the parent before we joined the mount ns). ints: [fd].
	OpEnterRoot Op = 34
	// OpHook runs a hook (createContainer, startContainer) in the container's
	// namespaces with the state JSON got by OpSync(SyncState) on its stdin.
	// ints: [argc, timeout seconds (0 = none)]; strs: [path, argv..., envp...].
	OpHook Op = 35
	// OpPersonality sets the execution domain. ints: [persona].
	OpPersonality Op = 36
	// OpScheduler sets the scheduling policy with sched_setattr(2).
	// ints: [policy, flags, nice, priority, runtime, deadline, period].
	OpScheduler Op = 37
	// OpIOPriority sets the I/O priority. ints: [ioprio value (class << 13 | level)].
	OpIOPriority Op = 38
	// OpCPUAffinity sets the CPU affinity. ints: [mask words, 64 CPUs each...].
	OpCPUAffinity Op = 39
	// OpCloseFds marks every fd >= first close-on-exec. ints: [first].
	OpCloseFds Op = 40
	// OpExecLabel asks a Linux security module to give the next execve a
	// label (an AppArmor profile, an SELinux process label), through the
	// attr file of the root's /proc, which must be a procfs mount root; the
	// file is opened without crossing mounts below it. ints: [LSM*]; strs: [label].
	OpExecLabel Op = 41
)

// LSM names the security module of OpExecLabel.
type LSM uint32

// Security modules.
const (
	// LSMApparmor writes "exec <profile>" to attr/apparmor/exec (attr/exec before Linux 5.1).
	LSMApparmor LSM = 1
	// LSMSelinux writes the label to attr/exec.
	LSMSelinux LSM = 2
)

// Flags for OpMount's last int.
const (
	MountFlagBind      = 1 // bind mount: flags other than MS_BIND|MS_REC need a remount
	MountFlagFile      = 2 // the destination is created as a file (bind of a non-directory)
	MountFlagTmpcopyup = 4 // copy the destination's previous contents into the new tmpfs
	MountFlagNoCreate  = 8 // the destination must already exist
	// MountFlagNoSymlinks refuses a destination reached through any symlink
	// (procfs and sysfs: CVE-2019-19921, CVE-2023-27561)
	MountFlagNoSymlinks = 16
)

// SyncKind says what OpSync asks the parent to do.
type SyncKind uint32

// Sync kinds.
const (
	// SyncHooks: run prestart and createRuntime hooks (mounts done, before pivot_root).
	SyncHooks SyncKind = 1
	// SyncState: send the state JSON (in MsgContinue's data) for hooks run by the init.
	SyncState SyncKind = 2
	// SyncSeccomp: send the ContainerProcessState JSON for the seccomp agent.
	SyncSeccomp SyncKind = 3
)

// MsgType is the type of one message on the init socket.
type MsgType uint32

// Message types.
const (
	MsgPid      MsgType = 1 // intermediate -> parent: Val = container init pid
	MsgSync     MsgType = 2 // init -> parent: Val = SyncKind
	MsgContinue MsgType = 3 // parent -> init: Data = state JSON for SyncState
	MsgReady    MsgType = 4 // init -> parent: created
	MsgError    MsgType = 5 // init -> parent: Op = op index, Errno, Data = detail
)

// Layout constants of the plan and the messages.
const (
	PlanMagic     = 0x4e414c50 // "PLAN" little-endian
	PlanVersion   = 1
	MsgHeaderSize = 20    // type u32, op i32, errno i32, val i32, len u32
	MsgMaxSize    = 65536 // one SEQPACKET message, header included (state JSON with annotations)
)

// Environment variables by which the parent hands `hull init` its fds.
const (
	EnvPlanFd = "_HULL_PLAN_FD"
	EnvSyncFd = "_HULL_SYNC_FD"
)
