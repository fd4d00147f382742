/* Hooks that run inside the container's namespaces (createContainer,
 * startContainer): forked from the init with the state JSON on stdin. */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void feed_state(struct ctx *c, int fd)
{
	size_t off = 0;

	signal(SIGPIPE, SIG_IGN); /* a hook may not read its stdin */
	while (off < c->state_len) {
		ssize_t n = write(fd, c->state + off, c->state_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	signal(SIGPIPE, SIG_DFL);
}

/* wait_hook waits for the hook, killing it after timeout seconds (0 = none). */
static int wait_hook(struct ctx *c, pid_t pid, int timeout)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;

	if (pfd >= 0 && timeout > 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r;
		do
			r = poll(&p, 1, timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			bail(c, 0, "timed out after %ds", timeout);
		}
	}
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bail(c, errno, "wait for hook");
	return status;
}

void op_hook(struct ctx *c, struct op *o)
{
	uint32_t argc = (uint32_t)o->ints[0];
	char **argv = calloc(argc + 1, sizeof(char *));
	char **envp = calloc(o->nstrs - argc, sizeof(char *));
	int in[2], status;
	pid_t pid;

	if (!argv || !envp || argc + 1 > o->nstrs)
		bail(c, EINVAL, "hook arguments");
	memcpy(argv, o->strs + 1, argc * sizeof(char *));
	memcpy(envp, o->strs + 1 + argc, (o->nstrs - 1 - argc) * sizeof(char *));
	if (pipe2(in, O_CLOEXEC) < 0)
		bail(c, errno, "pipe");
	pid = fork();
	if (pid < 0)
		bail(c, errno, "fork hook");
	if (pid == 0) {
		dup2(in[0], 0);
		execve(o->strs[0], argv, envp);
		_exit(127);
	}
	close(in[0]);
	feed_state(c, in[1]);
	status = wait_hook(c, pid, (int)o->ints[1]);
	if (WIFSIGNALED(status))
		bail(c, 0, "killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status))
		bail(c, 0, "exit status %d", WEXITSTATUS(status));
	free(argv);
	free(envp);
}
