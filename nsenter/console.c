/* The container's terminal: a pty of its own devpts instance, handed to the
 * caller as the master fd over the console socket, as runc does. */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#ifndef OPEN_TREE_CLONE /* musl: the new mount API is only in the kernel headers */
#include <linux/mount.h>
#endif
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

void send_fd(struct ctx *c, int sock, int fd, const char *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		bail(c, errno, "send an fd over a unix socket");
}

static int open_in_root(struct ctx *c, const char *path, int flags)
{
	char p[64];
	int t = resolve_in_root(c, path, RESOLVE_NONE, 0), fd;

	if (t < 0)
		bail(c, errno, "open %s", path);
	fd = open(fdpath(t, p), flags | O_CLOEXEC);
	if (fd < 0)
		bail(c, errno, "open %s", path);
	close(t);
	return fd;
}

/* /dev/console is the pty slave, bound onto a file we create inside the root */
static void bind_console(struct ctx *c, int slave)
{
	int t = resolve_in_root(c, "/dev/console", RESOLVE_FILE, 0600), tree;

	tree = t < 0 ? -1 : (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 || syscall(SYS_move_mount, tree, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		bail(c, errno, "mount the pty on /dev/console");
	close(tree);
	close(t);
}

void op_console(struct ctx *c, struct op *o)
{
	struct winsize ws = { .ws_row = (unsigned short)o->ints[1], .ws_col = (unsigned short)o->ints[2] };
	int sock = (int)o->ints[0], master, slave, unlock = 0, n;
	char name[PATH_MAX];

	master = open_in_root(c, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		bail(c, errno, "set up the pty");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	slave = open_in_root(c, name, O_RDWR | O_NOCTTY);
	if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		bail(c, errno, "set the console size");
	if (o->nints > 3 && o->ints[3])
		bind_console(c, slave);
	send_fd(c, sock, master, "c", 1);

	close(master);
	close(sock);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		bail(c, errno, "make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup3(slave, fd, 0) < 0)
			bail(c, errno, "dup the pty onto fd %d", fd);
	if (slave > 2)
		close(slave);
}
