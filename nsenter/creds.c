/* Process ops: credentials, capabilities, limits, seccomp and the final exec. */
#include "nsenter.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/personality.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static uint64_t mask64(struct op *o, int i)
{
	return (o->ints[i] & 0xffffffffULL) | (o->ints[i + 1] << 32);
}

void op_set_user(struct ctx *c, struct op *o)
{
	uid_t uid = (uid_t)o->ints[0];
	gid_t gid = (gid_t)o->ints[1];
	size_t n = o->nints > 3 ? o->nints - 3 : 0;
	gid_t *groups = calloc(n + 1, sizeof(gid_t));

	if (!groups)
		bail(c, ENOMEM, "setgroups");
	for (size_t i = 0; i < n; i++)
		groups[i] = (gid_t)o->ints[3 + i];
	/* keep the permitted set across setuid: OP_CAPABILITIES sets the final sets */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		bail(c, errno, "prctl(PR_SET_KEEPCAPS)");
	if (o->ints[2] && setgroups(n, groups) < 0)
		bail(c, errno, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		bail(c, errno, "setresgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		bail(c, errno, "setresuid %u", uid);
	free(groups);
}

void op_drop_bounding(struct ctx *c, struct op *o)
{
	uint64_t keep = mask64(o, 0);

	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			bail(c, errno, "drop capability %d from the bounding set", cap);
		}
	}
}

void op_capabilities(struct ctx *c, struct op *o)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t eff = mask64(o, 0), perm = mask64(o, 2), inh = mask64(o, 4), amb = mask64(o, 6);

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(eff >> (32 * i));
		d[i].permitted = (uint32_t)(perm >> (32 * i));
		d[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, d) < 0)
		bail(c, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		bail(c, errno, "clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			bail(c, errno, "raise ambient capability %d (it must be permitted and inheritable)", cap);
}

void op_rlimit(struct ctx *c, struct op *o)
{
	struct rlimit rl = { .rlim_cur = o->ints[1], .rlim_max = o->ints[2] };

	if (setrlimit((int)o->ints[0], &rl) < 0)
		bail(c, errno, "setrlimit");
}

void op_seccomp(struct ctx *c, struct op *o)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(o->lens[0] / sizeof(struct sock_filter)),
		.filter = (struct sock_filter *)o->strs[0],
	};

	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned int)o->ints[0], &prog);
	int agent = o->nints > 1 ? (int)o->ints[1] : 0;

	if (r < 0)
		bail(c, errno, "load seccomp filter");
	if (agent > 0) { /* r is the listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) */
		if (!c->agent_state)
			bail(c, EINVAL, "no state for the seccomp agent");
		send_fd(c, agent, (int)r, c->agent_state, c->agent_state_len);
		close((int)r);
		close(agent);
	}
}

static int executable(const char *path)
{
	struct stat st;
	return access(path, X_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void op_find_exec(struct ctx *c, struct op *o)
{
	const char *name = o->strs[0], *dirs = o->strs[1];
	char full[PATH_MAX];

	if (strchr(name, '/')) {
		if (!executable(name))
			bail(c, errno ? errno : EACCES, "exec: \"%s\"", name);
		c->exec_path = (char *)name;
		return;
	}
	while (dirs) {
		const char *end = strchrnul(dirs, ':');
		int len = (int)(end - dirs);
		snprintf(full, sizeof(full), "%.*s/%s", len ? len : 1, len ? dirs : ".", name);
		if (executable(full)) {
			c->exec_path = strdup(full);
			return;
		}
		dirs = *end ? end + 1 : NULL;
	}
	bail(c, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* nothing of ours past stdio and the preserved fds reaches the program (CVE-2024-21626) */
void close_fds_from(struct ctx *c, unsigned int first)
{
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail(c, errno, "close_range");
}

void op_exec(struct ctx *c, struct op *o)
{
	uint32_t argc = (uint32_t)o->ints[0], envc = o->nstrs - argc;
	char **argv = calloc(argc + 1, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
	const char *path;

	if (!argv || !envp || argc == 0 || argc > o->nstrs)
		bail(c, EINVAL, "exec arguments");
	memcpy(argv, o->strs, argc * sizeof(char *));
	memcpy(envp, o->strs + argc, envc * sizeof(char *));
	path = c->exec_path ? c->exec_path : argv[0];
	if (!c->umask_set)
		umask(022);
	if (o->ints[1])
		close_fds_from(c, (unsigned int)o->ints[1]);
	execve(path, argv, envp);
	bail(c, errno, "exec %s", path);
}

struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

void op_scheduler(struct ctx *c, struct op *o)
{
	struct sched_attr_v1 a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)o->ints[0],
		.sched_flags = o->ints[1],
		.sched_nice = (int32_t)o->ints[2],
		.sched_priority = (uint32_t)o->ints[3],
		.sched_runtime = o->ints[4],
		.sched_deadline = o->ints[5],
		.sched_period = o->ints[6],
	};

	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		bail(c, errno, "sched_setattr");
}

void op_cpu_affinity(struct ctx *c, struct op *o)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (uint32_t w = 0; w < o->nints; w++)
		for (int b = 0; b < 64; b++)
			if ((o->ints[w] >> b) & 1 && w * 64 + (uint32_t)b < CPU_SETSIZE)
				CPU_SET(w * 64 + b, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		bail(c, errno, "sched_setaffinity");
}
