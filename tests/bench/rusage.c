/*
 * rusage: run a command and report what the whole process tree cost.
 *
 *   rusage [-s] [-o FILE] -- CMD [ARGS...]
 *
 * Forks and execs CMD (stdio inherited), waits for it and prints one line
 * to FILE (default stderr):
 *
 *   rc wall_us cpu_us maxrss_kb orphans orphan_cpu_us minflt majflt nvcsw nivcsw
 *
 *   rc            CMD's exit code (128+N if killed by signal N)
 *   wall_us       wall time from before fork to after CMD was reaped
 *   cpu_us        user+sys of CMD and of every descendant that was reaped
 *                 by CMD or by its descendants (the rusage wait4 returns);
 *                 plus, with -s, the orphans counted below
 *   maxrss_kb     ru_maxrss of RUSAGE_CHILDREN: the largest peak RSS of any
 *                 single process of the tree that was reaped (not a sum)
 *   orphans       with -s: descendants that were reparented to us (their
 *                 parent exited without reaping them) and had already
 *                 exited when CMD was reaped; they are reaped here
 *   orphan_cpu_us their user+sys, which the runtime's own accounting misses
 *   minflt ...    page faults and voluntary/involuntary context switches of
 *                 the same processes as cpu_us (sums)
 *
 * -s makes this process a child subreaper (PR_SET_CHILD_SUBREAPER), so
 * orphaned descendants come to it instead of to pid 1. Orphans still
 * running when CMD exits (a created container's init) are not waited for:
 * they go on to pid 1 when this process exits, uncounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static long long cpu_us(const struct rusage *ru)
{
	return tv_us(ru->ru_utime) + tv_us(ru->ru_stime);
}

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int subreaper = 0, opt;

	while ((opt = getopt(argc, argv, "+so:")) != -1) {
		switch (opt) {
		case 's': subreaper = 1; break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("rusage: PR_SET_CHILD_SUBREAPER");
		return 125;
	}

	long long t0 = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rusage: exec %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 125;
		}
	}
	long long wall = now_us() - t0;
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	long long main_cpu = cpu_us(&ru);

	/* reap orphans that were reparented to us and have already exited */
	int orphans = 0;
	if (subreaper) {
		int ost;
		while (waitpid(-1, &ost, WNOHANG) > 0)
			orphans++;
	}
	struct rusage all;
	getrusage(RUSAGE_CHILDREN, &all);
	long long total_cpu = cpu_us(&all);

	FILE *f = stderr;
	if (out && !(f = fopen(out, "w"))) {
		perror(out);
		return 125;
	}
	fprintf(f, "%d %lld %lld %ld %d %lld %ld %ld %ld %ld\n", rc, wall, total_cpu, all.ru_maxrss,
		orphans, total_cpu - main_cpu, all.ru_minflt, all.ru_majflt, all.ru_nvcsw, all.ru_nivcsw);
	if (f != stderr)
		fclose(f);
	return 0;
usage:
	fprintf(stderr, "usage: rusage [-s] [-o FILE] -- CMD [ARGS...]\n");
	return 125;
}
