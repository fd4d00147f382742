/*
 * The C init stage. When the hull binary is re-executed as `hull init`, this
 * constructor runs before the Go runtime starts: it reads the plan the parent
 * compiled (internal/protocol), executes it op by op with raw syscalls and
 * finally execve()s the user process, so no Go runtime ever runs inside a
 * container. Failures go back to the parent as (op index, errno, detail).
 */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/keyctl.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void send_msg(int fd, uint32_t type, int32_t op, int32_t err, int32_t val,
	      const char *data, size_t len)
{
	char buf[HULL_MSG_MAX_SIZE];
	uint32_t hdr[5] = { type, (uint32_t)op, (uint32_t)err, (uint32_t)val, 0 };

	if (len > sizeof(buf) - HULL_MSG_HEADER_SIZE)
		len = sizeof(buf) - HULL_MSG_HEADER_SIZE;
	hdr[4] = (uint32_t)len;
	memcpy(buf, hdr, HULL_MSG_HEADER_SIZE);
	if (len)
		memcpy(buf + HULL_MSG_HEADER_SIZE, data, len);
	while (send(fd, buf, HULL_MSG_HEADER_SIZE + len, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

void bail(struct ctx *c, int err, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (c->syncfd >= 0)
		send_msg(c->syncfd, HULL_MSG_ERROR, c->cur, err, 0, detail, strlen(detail));
	else /* after `create` returned nobody listens on the socket: tell the user */
		dprintf(2, "hull: %s%s%s\n", detail, err ? ": " : "", err ? strerror(err) : "");
	_exit(err == ENOENT ? 127 : 1);
}

const char *fdpath(int fd, char buf[64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
	return buf;
}

static char *read_all(int fd, size_t *n)
{
	size_t cap = 16384, len = 0;
	char *b = malloc(cap);

	for (;;) {
		ssize_t r;
		if (!b)
			return NULL;
		if (len == cap)
			b = realloc(b, cap *= 2);
		if (!b)
			return NULL;
		r = read(fd, b + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*n = len;
	return b;
}

static int take(const char **p, const char *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	memcpy(dst, *p, n);
	*p += n;
	return 0;
}

/* parse_plan decodes the layout written by protocol.Plan.Encode. Strings
 * point into buf, which stays allocated for the life of the process. */
static struct op *parse_plan(const char *buf, size_t n, uint32_t *nops)
{
	const char *p = buf, *end = buf + n;
	uint32_t hdr[3];
	struct op *ops;

	if (take(&p, end, hdr, sizeof(hdr)) || hdr[0] != HULL_PLAN_MAGIC || hdr[1] != HULL_PLAN_VERSION)
		return NULL;
	ops = calloc(hdr[2] ? hdr[2] : 1, sizeof(*ops));
	if (!ops)
		return NULL;
	for (uint32_t i = 0; i < hdr[2]; i++) {
		struct op *o = &ops[i];
		uint32_t f[3];
		if (take(&p, end, f, sizeof(f)))
			return NULL;
		o->code = f[0], o->nints = f[1], o->nstrs = f[2];
		o->ints = calloc(o->nints + 1, sizeof(uint64_t));
		o->strs = calloc(o->nstrs + 1, sizeof(char *));
		o->lens = calloc(o->nstrs + 1, sizeof(uint32_t));
		if (!o->ints || !o->strs || !o->lens)
			return NULL;
		if (take(&p, end, o->ints, (size_t)o->nints * 8))
			return NULL;
		for (uint32_t j = 0; j < o->nstrs; j++) {
			if (take(&p, end, &o->lens[j], 4) || (size_t)(end - p) < (size_t)o->lens[j] + 1)
				return NULL;
			o->strs[j] = (char *)p;
			p += o->lens[j] + 1;
		}
	}
	*nops = hdr[2];
	return ops;
}

static void write_file(struct ctx *c, const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		bail(c, errno, "open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		bail(c, errno, "write %s", path);
	close(fd);
}

static void op_setns(struct ctx *c, struct op *o)
{
	int fd = open(o->strs[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail(c, errno, "open %s", o->strs[0]);
	if (setns(fd, (int)o->ints[0]) < 0)
		bail(c, errno, "setns %s", o->strs[0]);
	close(fd);
}

static void op_timens(struct ctx *c, struct op *o)
{
	if (unshare(CLONE_NEWTIME) < 0)
		bail(c, errno, "unshare time namespace");
	if (o->lens[0])
		write_file(c, "/proc/self/timens_offsets", o->strs[0], o->lens[0]);
}

static void write_idmaps(struct ctx *c, pid_t pid, struct op *o)
{
	char path[64];

	if (o->ints[1]) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		write_file(c, path, "deny", 4);
	}
	if (o->lens[0]) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		write_file(c, path, o->strs[0], o->lens[0]);
	}
	if (o->lens[1]) {
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		write_file(c, path, o->strs[1], o->lens[1]);
	}
}

/* op_clone forks the container init. CLONE_PARENT makes it a child of the Go
 * parent (so `run` can wait for it); this process writes the id maps, reports
 * the pid, waits for the parent's MsgContinue (cgroup limits set), then lets
 * the child go on and exits. The child waits for that, so MsgPid always
 * reaches the parent before any message of the child. */
static void op_clone(struct ctx *c, struct op *o)
{
	unsigned long flags = (unsigned long)o->ints[0];
	int gate[2];
	pid_t pid;
	char b;

	if (pipe2(gate, O_CLOEXEC) < 0)
		bail(c, errno, "pipe");
	pid = (pid_t)syscall(SYS_clone, flags | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		bail(c, errno, "clone");
	if (pid > 0) {
		char buf[HULL_MSG_HEADER_SIZE];
		close(gate[0]);
		write_idmaps(c, pid, o);
		send_msg(c->syncfd, HULL_MSG_PID, c->cur, 0, pid, NULL, 0);
		/* the parent sets the cgroup limits (device rules first of all)
		 * before the init may touch anything they govern */
		if (recv(c->syncfd, buf, sizeof(buf), 0) < HULL_MSG_HEADER_SIZE)
			_exit(1);
		if (write(gate[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(gate[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(gate[0], &b, 1) != 1)
		_exit(1); /* the intermediate died: the parent reports it */
	close(gate[0]);
	if (flags & CLONE_NEWUSER) {
		c->userns = 1;
		/* become root of the new namespace so files we create are owned by it */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			bail(c, errno, "become root in the user namespace (is 0 mapped?)");
	}
}

static void op_sync(struct ctx *c, struct op *o)
{
	char buf[HULL_MSG_MAX_SIZE];
	uint32_t type;
	ssize_t n;

	send_msg(c->syncfd, HULL_MSG_SYNC, c->cur, 0, (int32_t)o->ints[0], NULL, 0);
	do
		n = recv(c->syncfd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < HULL_MSG_HEADER_SIZE)
		_exit(1); /* parent gone */
	memcpy(&type, buf, 4);
	if (type != HULL_MSG_CONTINUE)
		_exit(1);
	if (n > HULL_MSG_HEADER_SIZE) {
		char **dst = o->ints[0] == HULL_SYNC_SECCOMP ? &c->agent_state : &c->state;
		size_t *dlen = o->ints[0] == HULL_SYNC_SECCOMP ? &c->agent_state_len : &c->state_len;
		free(*dst);
		*dlen = (size_t)n - HULL_MSG_HEADER_SIZE;
		*dst = malloc(*dlen);
		if (!*dst)
			bail(c, ENOMEM, "store state");
		memcpy(*dst, buf + HULL_MSG_HEADER_SIZE, *dlen);
	}
}

static void op_ready(struct ctx *c)
{
	/* from here on the container outlives `create`: no parent-death signal */
	prctl(PR_SET_PDEATHSIG, 0);
	send_msg(c->syncfd, HULL_MSG_READY, c->cur, 0, 0, NULL, 0);
	close(c->syncfd);
	c->syncfd = -1;
}

static void op_wait_start(struct ctx *c, struct op *o)
{
	int fd = (int)o->ints[0];
	ssize_t n;
	char b;

	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		bail(c, n < 0 ? errno : 0, "read exec fifo");
	close(fd);
}

static void run_op(struct ctx *c, struct op *o)
{
	switch (o->code) {
	case HULL_OP_SETNS: op_setns(c, o); break;
	case HULL_OP_TIMENS: op_timens(c, o); break;
	case HULL_OP_CLONE: op_clone(c, o); break;
	case HULL_OP_SYNC: op_sync(c, o); break;
	case HULL_OP_MOUNT_PROPAGATION: op_mount_propagation(c, o); break;
	case HULL_OP_ROOTFS: op_rootfs(c, o); break;
	case HULL_OP_MOUNT: op_mount(c, o); break;
	case HULL_OP_MKNOD: op_mknod(c, o); break;
	case HULL_OP_SYMLINK: op_symlink(c, o); break;
	case HULL_OP_MKDIR_ALL: op_mkdir_all(c, o); break;
	case HULL_OP_PIVOT_ROOT: op_pivot_root(c, o); break;
	case HULL_OP_CHROOT: op_chroot(c, o); break;
	case HULL_OP_MASK_PATH: op_mask_path(c, o); break;
	case HULL_OP_READONLY_PATH: op_readonly_path(c, o); break;
	case HULL_OP_REMOUNT_RO: op_remount_ro(c, o); break;
	case HULL_OP_WRITE_FILE: write_file(c, o->strs[0], o->strs[1], o->lens[1]); break;
	case HULL_OP_SETHOSTNAME:
		if (sethostname(o->strs[0], o->lens[0]) < 0)
			bail(c, errno, "sethostname");
		break;
	case HULL_OP_SETDOMAINNAME:
		if (setdomainname(o->strs[0], o->lens[0]) < 0)
			bail(c, errno, "setdomainname");
		break;
	case HULL_OP_RLIMIT: op_rlimit(c, o); break;
	case HULL_OP_UMASK:
		umask((mode_t)o->ints[0]);
		c->umask_set = 1;
		break;
	case HULL_OP_DROP_BOUNDING: op_drop_bounding(c, o); break;
	case HULL_OP_SET_USER: op_set_user(c, o); break;
	case HULL_OP_CAPABILITIES: op_capabilities(c, o); break;
	case HULL_OP_NO_NEW_PRIVS:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			bail(c, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
		break;
	case HULL_OP_SECCOMP: op_seccomp(c, o); break;
	case HULL_OP_CHDIR: op_chdir(c, o); break;
	case HULL_OP_FIND_EXEC: op_find_exec(c, o); break;
	case HULL_OP_READY: op_ready(c); break;
	case HULL_OP_WAIT_START: op_wait_start(c, o); break;
	case HULL_OP_EXEC: op_exec(c, o);
	case HULL_OP_CONSOLE: op_console(c, o); break;
	case HULL_OP_JOIN_KEYRING:
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, o->strs[0]) < 0 && errno != ENOSYS)
			bail(c, errno, "join session keyring %s", o->strs[0]);
		break;
	case HULL_OP_HOOK: op_hook(c, o); break;
	case HULL_OP_PERSONALITY:
		if (personality((unsigned long)o->ints[0]) < 0)
			bail(c, errno, "personality");
		break;
	case HULL_OP_SCHEDULER: op_scheduler(c, o); break;
	case HULL_OP_IO_PRIORITY:
		if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)o->ints[0]) < 0)
			bail(c, errno, "ioprio_set");
		break;
	case HULL_OP_CPU_AFFINITY: op_cpu_affinity(c, o); break;
	case HULL_OP_CLOSE_FDS: close_fds_from(c, (unsigned int)o->ints[0]); break;
	case HULL_OP_EXEC_LABEL: op_exec_label(c, o); break;
	case HULL_OP_ENTER_ROOT:
		if (fchdir((int)o->ints[0]) < 0 || chroot(".") < 0 || chdir("/") < 0)
			bail(c, errno, "enter the container root");
		close((int)o->ints[0]);
		c->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0)
			bail(c, errno, "open /");
		break;
	case HULL_OP_SETSID:
		if (setsid() < 0)
			bail(c, errno, "setsid");
		break;
	default:
		bail(c, 0, "unknown plan op %u", o->code);
	}
}

static void run_init(int planfd, int syncfd)
{
	struct ctx c = { .syncfd = syncfd, .rootfd = -1, .nullfd = -1, .cur = -1 };
	struct op *ops;
	uint32_t nops = 0;
	size_t n;
	char *buf;

	/* not dumpable until the user process execs: the container must not
	 * reach our memory or /proc/<pid>/exe while we set it up */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* devices and mount points get the modes the plan asks for */
	umask(0);
	buf = read_all(planfd, &n);
	if (!buf)
		bail(&c, errno, "read plan");
	close(planfd);
	ops = parse_plan(buf, n, &nops);
	if (!ops)
		bail(&c, 0, "corrupt plan (%zu bytes)", n);
	for (uint32_t i = 0; i < nops; i++) {
		c.cur = (int)i;
		run_op(&c, &ops[i]);
	}
	bail(&c, 0, "plan ended without exec");
}

static int env_fd(char **envp, const char *name)
{
	size_t l = strlen(name);
	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, name, l) && (*e)[l] == '=')
			return atoi(*e + l + 1);
	return -1;
}

#ifdef __GLIBC__
/* glibc passes argc, argv and envp to constructors. */
static int is_init(int argc, char **argv)
{
	return argc >= 2 && strcmp(argv[1], "init") == 0;
}
#else
/* musl passes constructors nothing: argv comes from /proc/self/cmdline,
 * read only when the init's environment is there (the static musl build
 * of the Makefile; see libc_compat.c). */
static int is_init(int argc, char **argv)
{
	char buf[64];
	ssize_t n = 0;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = 0;
	size_t l = strlen(buf); /* argv[0] */
	return (size_t)n > l + 1 && strcmp(buf + l + 1, "init") == 0;
}
#endif

__attribute__((constructor)) static void hull_nsenter(int argc, char **argv, char **envp)
{
	int planfd, syncfd;

#ifndef __GLIBC__
	envp = environ;
#endif
	planfd = env_fd(envp, HULL_ENV_PLAN_FD);
	syncfd = env_fd(envp, HULL_ENV_SYNC_FD);
	if (planfd < 0 || syncfd < 0 || !is_init(argc, argv))
		return; /* Go's `init` command reports a misuse */
	run_init(planfd, syncfd);
}
