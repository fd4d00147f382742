/* Shared declarations of the C init stage. See nsenter.c for the flow. */
#ifndef HULL_NSENTER_H
#define HULL_NSENTER_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

struct op {
	uint32_t code, nints, nstrs;
	uint64_t *ints;
	char **strs;
	uint32_t *lens;
};

struct ctx {
	int syncfd;
	int rootfd;       /* root for path resolution: the rootfs, "/" after the switch */
	int nullfd;       /* verified /dev/null of our mount namespace, for masking */
	const char *rootfs;
	int pivoted;
	int umask_set;
	int userns;       /* the init has a new user namespace */
	char *exec_path;  /* resolved by OP_FIND_EXEC */
	char *state;      /* state JSON for hooks, from OP_SYNC(SYNC_STATE) */
	size_t state_len;
	char *agent_state; /* ContainerProcessState for the seccomp agent (SYNC_SECCOMP) */
	size_t agent_state_len;
	int cur;          /* index of the op being run, for error reports */
	uint64_t resolve; /* extra RESOLVE_* flags for resolve_in_root */
};

/* bail reports a failure of the current op (errno err, 0 for none) to the
 * parent and exits. It never returns. */
void bail(struct ctx *c, int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void send_msg(int fd, uint32_t type, int32_t op, int32_t err, int32_t val,
	      const char *data, size_t len);
const char *fdpath(int fd, char buf[64]);

int resolve_in_root(struct ctx *c, const char *path, int create, mode_t mode);
#define RESOLVE_NONE 0
#define RESOLVE_DIR 1
#define RESOLVE_FILE 2

void op_mount_propagation(struct ctx *c, struct op *o);
void op_rootfs(struct ctx *c, struct op *o);
void op_mount(struct ctx *c, struct op *o);
void op_mknod(struct ctx *c, struct op *o);
void op_symlink(struct ctx *c, struct op *o);
void op_mkdir_all(struct ctx *c, struct op *o);
void op_chdir(struct ctx *c, struct op *o);
void op_pivot_root(struct ctx *c, struct op *o);
void op_chroot(struct ctx *c, struct op *o);
void op_mask_path(struct ctx *c, struct op *o);
void op_readonly_path(struct ctx *c, struct op *o);
void op_remount_ro(struct ctx *c, struct op *o);
void copy_tree(struct ctx *c, int from, int to);

void op_set_user(struct ctx *c, struct op *o);
void op_drop_bounding(struct ctx *c, struct op *o);
void op_capabilities(struct ctx *c, struct op *o);
void op_rlimit(struct ctx *c, struct op *o);
void op_find_exec(struct ctx *c, struct op *o);
void op_exec(struct ctx *c, struct op *o) __attribute__((noreturn));
void op_seccomp(struct ctx *c, struct op *o);
void close_fds_from(struct ctx *c, unsigned int first);
void op_console(struct ctx *c, struct op *o);
void send_fd(struct ctx *c, int sock, int fd, const char *data, size_t len);
void op_hook(struct ctx *c, struct op *o);
void op_scheduler(struct ctx *c, struct op *o);
void op_cpu_affinity(struct ctx *c, struct op *o);
void op_exec_label(struct ctx *c, struct op *o);

#endif
