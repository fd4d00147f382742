/*
 * Security module labels for the container process: an AppArmor profile or
 * an SELinux process label, written to the init's own attr file in procfs.
 * The kernel keeps the request in the task's credentials and applies it at
 * the next execve, so the init itself stays unconfined until then.
 */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_ROOT_INO 1

/* open_proc_root opens the root's /proc and checks that it is the root of a
 * procfs mount. A container can put anything at /proc (a symlink in the
 * image, a tmpfs, a bind mount of a plain directory); the write meant for
 * the kernel would then land in a plain file and the profile would be lost
 * without an error (CVE-2019-16884). */
static int open_proc_root(struct ctx *c)
{
	struct statfs sfs;
	struct stat st;
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		bail(c, errno, "open /proc");
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		bail(c, errno, "stat /proc");
	if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
		bail(c, 0, "/proc is not the root of a procfs mount (a proc mount on /proc is needed)");
	return fd;
}

/* open_attr opens <proc>/thread-self/<name> for writing without crossing a
 * mount: something bind-mounted over the attr file, or over a directory on
 * the way, could send the write to another procfs file that accepts it
 * (CVE-2025-52881). */
static int open_attr(int proc, const char *rel)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, proc, rel, &how, sizeof(how));
}

void op_exec_label(struct ctx *c, struct op *o)
{
	const char *rel = "thread-self/attr/exec";
	char buf[4096];
	int proc, fd, len;
	ssize_t n;

	switch (o->ints[0]) {
	case HULL_LSM_APPARMOR:
		len = snprintf(buf, sizeof(buf), "exec %s", o->strs[0]);
		break;
	case HULL_LSM_SELINUX:
		len = snprintf(buf, sizeof(buf), "%s", o->strs[0]);
		break;
	default:
		bail(c, 0, "unknown security module %llu", (unsigned long long)o->ints[0]);
	}
	if (len < 0 || (size_t)len >= sizeof(buf))
		bail(c, ENAMETOOLONG, "label of %u bytes", o->lens[0]);
	proc = open_proc_root(c);
	if (o->ints[0] == HULL_LSM_APPARMOR) {
		/* Linux 5.1+ gives each module its own directory; before it, the
		 * shared attr/exec belongs to the only major module, AppArmor, as
		 * the parent checked that it is enabled */
		rel = "thread-self/attr/apparmor/exec";
		fd = open_attr(proc, rel);
		if (fd < 0 && errno == ENOENT) {
			rel = "thread-self/attr/exec";
			fd = open_attr(proc, rel);
		}
	} else {
		fd = open_attr(proc, rel);
	}
	if (fd < 0)
		bail(c, errno, "open /proc/%s", rel);
	n = write(fd, buf, (size_t)len);
	if (n < 0 && errno == ENOENT && o->ints[0] == HULL_LSM_APPARMOR)
		bail(c, errno, "profile not loaded (apparmor_parser loads it): write /proc/%s", rel);
	if (n < 0)
		bail(c, errno, "write /proc/%s", rel);
	if (n != len)
		bail(c, EIO, "write /proc/%s: %zd of %d bytes written", rel, n, len);
	close(fd);
	close(proc);
}
