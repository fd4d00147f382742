/*
 * Root filesystem ops. Every container path is resolved inside the root with
 * openat2(RESOLVE_IN_ROOT) and mounted onto the opened fd, so a symlink in the
 * image (or swapped in by a racing process) can never send a mount outside
 * the rootfs (CVE-2021-30465 class).
 */
#include "nsenter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#ifndef OPEN_TREE_CLONE /* musl: the new mount API is only in the kernel headers */
#include <linux/mount.h>
#endif
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_in_root(struct ctx *c, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | c->resolve,
	};
	return (int)syscall(SYS_openat2, c->rootfd, path, &how, sizeof(how));
}

/* create_last makes the missing final component of a walk. */
static int create_last(int parent, const char *name, int create, mode_t mode)
{
	if (create == RESOLVE_FILE) {
		int fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode & 0666);
		if (fd < 0)
			return errno == EEXIST ? 0 : -1;
		close(fd);
		return 0;
	}
	if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* resolve_in_root opens path (O_PATH) inside the root, creating missing
 * directories (and a final file with RESOLVE_FILE) one component at a time.
 * Each prefix is re-resolved from the root, so symlinks stay scoped to it. */
int resolve_in_root(struct ctx *c, const char *path, int create, mode_t mode)
{
	char buf[PATH_MAX], *p;
	int fd, parent;

	fd = openat2_in_root(c, path, O_PATH);
	if (fd >= 0 || errno != ENOENT || create == RESOLVE_NONE)
		return fd;
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	parent = openat2_in_root(c, "/", O_PATH);
	for (p = buf; parent >= 0 && *p;) {
		char *name, *end, saved;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		name = p;
		end = strchrnul(p, '/');
		saved = *end;
		*end = '\0';
		fd = openat2_in_root(c, buf, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			int last = (saved == '\0' || end[1 + strspn(end + 1, "/")] == '\0');
			if (create_last(parent, name, last ? create : RESOLVE_DIR, last ? mode : 0755) == 0)
				fd = openat2_in_root(c, buf, O_PATH);
		}
		*end = saved;
		close(parent);
		parent = fd;
		p = end;
	}
	return parent;
}

/* resolve_parent opens the parent directory of path (creating it) and
 * returns the final component in *name. */
static int resolve_parent(struct ctx *c, const char *path, char *dir, const char **name)
{
	char *slash;

	snprintf(dir, PATH_MAX, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || !slash[1]) {
		errno = EINVAL;
		return -1;
	}
	*slash = '\0';
	*name = path + (slash - dir) + 1;
	return resolve_in_root(c, dir[0] ? dir : "/", RESOLVE_DIR, 0755);
}

void op_mount_propagation(struct ctx *c, struct op *o)
{
	if (mount(NULL, "/", NULL, (unsigned long)o->ints[0], NULL) < 0)
		bail(c, errno, "set propagation of /");
}

void op_rootfs(struct ctx *c, struct op *o)
{
	const char *rootfs = o->strs[0];
	struct stat st;

	if (o->nstrs > 1 && o->lens[1] && mount(NULL, o->strs[1], NULL, MS_PRIVATE, NULL) < 0)
		bail(c, errno, "make %s private", o->strs[1]);
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		bail(c, errno, "bind mount rootfs %s", rootfs);
	c->rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		bail(c, errno, "open rootfs %s", rootfs);
	c->rootfs = rootfs;
	/* the /dev/null used to mask paths is ours, checked to be 1:3, never the image's (CVE-2025-31133) */
	c->nullfd = open("/dev/null", O_PATH | O_CLOEXEC);
	if (c->nullfd < 0 || fstat(c->nullfd, &st) < 0)
		bail(c, errno, "open /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		bail(c, 0, "/dev/null of the host is not the null device");
}

/* ms_to_attr maps mount(2) flags to mount_setattr(2) attributes. */
static void ms_to_attr(unsigned long f, struct mount_attr *a)
{
	if (f & MS_RDONLY) a->attr_set |= MOUNT_ATTR_RDONLY;
	if (f & MS_NOSUID) a->attr_set |= MOUNT_ATTR_NOSUID;
	if (f & MS_NODEV) a->attr_set |= MOUNT_ATTR_NODEV;
	if (f & MS_NOEXEC) a->attr_set |= MOUNT_ATTR_NOEXEC;
	if (f & MS_NODIRATIME) a->attr_set |= MOUNT_ATTR_NODIRATIME;
	if (f & MS_NOSYMFOLLOW) a->attr_set |= MOUNT_ATTR_NOSYMFOLLOW;
	if (f & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= (f & MS_NOATIME) ? MOUNT_ATTR_NOATIME :
			       (f & MS_RELATIME) ? MOUNT_ATTR_RELATIME : MOUNT_ATTR_STRICTATIME;
	}
}

static void setattr(struct ctx *c, int fd, unsigned int flags, struct mount_attr *a, const char *what)
{
	if (!a->attr_set && !a->attr_clr && !a->propagation)
		return;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | flags, a, sizeof(*a)) < 0)
		bail(c, errno, "mount_setattr %s", what);
}

static void attach(struct ctx *c, int tree, int target, const char *what)
{
	if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		bail(c, errno, "move_mount onto %s", what);
}

static int bind_tree(struct ctx *c, const char *src, unsigned long flags)
{
	unsigned int of = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((flags & MS_REC) ? AT_RECURSIVE : 0);
	struct mount_attr a = { 0 };
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, of);

	if (tree < 0)
		bail(c, errno, "open_tree %s", src);
	ms_to_attr(flags, &a);
	setattr(c, tree, 0, &a, src);
	return tree;
}

void op_mount(struct ctx *c, struct op *o)
{
	unsigned long flags = o->ints[0], prop = o->ints[1], mf = o->ints[4];
	const char *src = o->strs[0], *dest = o->strs[1], *fstype = o->strs[2], *data = o->strs[3];
	int create = (mf & HULL_MOUNT_FLAG_NO_CREATE) ? RESOLVE_NONE :
		     (mf & HULL_MOUNT_FLAG_FILE) ? RESOLVE_FILE : RESOLVE_DIR;
	struct mount_attr ra = { .attr_set = o->ints[2], .attr_clr = o->ints[3] };
	struct mount_attr pa = { .propagation = prop & ~(unsigned long)MS_REC };
	int t, m, old = -1;
	char p[64];

	if (mf & HULL_MOUNT_FLAG_NO_SYMLINKS)
		c->resolve = RESOLVE_NO_SYMLINKS;
	t = resolve_in_root(c, dest, create, 0755);
	c->resolve = 0;
	if (t < 0 && errno == ELOOP && (mf & HULL_MOUNT_FLAG_NO_SYMLINKS))
		bail(c, 0, "%s must be mounted on an ordinary directory, not through a symlink", fstype);
	if (t < 0)
		bail(c, errno, "resolve %s in rootfs", dest);
	if (mf & HULL_MOUNT_FLAG_BIND) {
		m = bind_tree(c, src, flags);
		attach(c, m, t, dest);
	} else {
		if ((mf & HULL_MOUNT_FLAG_TMPCOPYUP) && (old = openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			bail(c, errno, "open %s for tmpcopyup", dest);
		if (mount(src, fdpath(t, p), fstype, flags, o->lens[3] ? data : NULL) < 0)
			bail(c, errno, "mount %s on %s", fstype, dest);
		m = resolve_in_root(c, dest, RESOLVE_NONE, 0);
		if (m < 0)
			bail(c, errno, "reopen %s", dest);
		if (old >= 0) {
			copy_tree(c, old, m);
			close(old);
		}
	}
	setattr(c, m, (prop & MS_REC) ? AT_RECURSIVE : 0, &pa, dest);
	setattr(c, m, AT_RECURSIVE, &ra, dest);
	close(m);
	close(t);
}

void op_mknod(struct ctx *c, struct op *o)
{
	mode_t mode = (mode_t)o->ints[0];
	char dir[PATH_MAX];
	const char *name;
	int pfd = resolve_parent(c, o->strs[0], dir, &name);

	if (pfd < 0)
		bail(c, errno, "resolve parent of %s", o->strs[0]);
	if (o->ints[4]) { /* user namespace: bind the host's node onto a file */
		int f = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
		int t;
		if (f < 0)
			bail(c, errno, "create %s", o->strs[0]);
		close(f);
		t = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0)
			bail(c, errno, "open %s", o->strs[0]);
		attach(c, bind_tree(c, o->strs[1], 0), t, o->strs[0]);
		close(t);
	} else {
		if (mknodat(pfd, name, mode, (dev_t)o->ints[1]) < 0) {
			if (errno != EEXIST || unlinkat(pfd, name, 0) < 0 ||
			    mknodat(pfd, name, mode, (dev_t)o->ints[1]) < 0)
				bail(c, errno, "mknod %s", o->strs[0]);
		}
		if (fchownat(pfd, name, (uid_t)o->ints[2], (gid_t)o->ints[3], AT_SYMLINK_NOFOLLOW) < 0)
			bail(c, errno, "chown %s", o->strs[0]);
	}
	close(pfd);
}

void op_symlink(struct ctx *c, struct op *o)
{
	char dir[PATH_MAX];
	const char *name;
	int pfd = resolve_parent(c, o->strs[1], dir, &name);

	if (pfd < 0)
		bail(c, errno, "resolve parent of %s", o->strs[1]);
	if (symlinkat(o->strs[0], pfd, name) < 0 && errno != EEXIST)
		bail(c, errno, "symlink %s -> %s", o->strs[1], o->strs[0]);
	close(pfd);
}

/* op_chdir resolves the directory inside the root: a cwd of
 * /proc/self/fd/N or a symlink swapped in by a racing process can never
 * lead outside it (CVE-2024-21626). */
void op_chdir(struct ctx *c, struct op *o)
{
	int fd = c->rootfd >= 0 ? resolve_in_root(c, o->strs[0], RESOLVE_NONE, 0) : -1;

	if (c->rootfd < 0)
		bail(c, EINVAL, "chdir %s: no root", o->strs[0]);
	if (fd < 0 || fchdir(fd) < 0)
		bail(c, errno, "chdir %s", o->strs[0]);
	close(fd);
}

void op_mkdir_all(struct ctx *c, struct op *o)
{
	int fd = resolve_in_root(c, o->strs[0], RESOLVE_DIR, (mode_t)o->ints[0]);
	if (fd < 0)
		bail(c, errno, "mkdir %s", o->strs[0]);
	close(fd);
}

static void root_switched(struct ctx *c, struct op *o)
{
	if (chdir("/") < 0)
		bail(c, errno, "chdir /");
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		bail(c, errno, "open new /");
	c->pivoted = 1;
	if (o->nints && o->ints[0] && mount(NULL, "/", NULL, (unsigned long)o->ints[0], NULL) < 0)
		bail(c, errno, "set propagation of the new /");
}

void op_pivot_root(struct ctx *c, struct op *o)
{
	if (fchdir(c->rootfd) < 0)
		bail(c, errno, "chdir to rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		bail(c, errno, "pivot_root %s", c->rootfs);
	/* the old root is stacked on "."; keep its unmount from reaching the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		bail(c, errno, "make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		bail(c, errno, "detach old root");
	root_switched(c, o);
}

void op_chroot(struct ctx *c, struct op *o)
{
	const char *rootfs = (o->nstrs && o->lens[0]) ? o->strs[0] : c->rootfs;

	if (!rootfs)
		bail(c, EINVAL, "chroot without a rootfs");
	if (chdir(rootfs) < 0)
		bail(c, errno, "chdir %s", rootfs);
	/* with our own mount namespace, move the rootfs onto / like runc --no-pivot */
	if (c->rootfd >= 0 && mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		bail(c, errno, "move %s to /", rootfs);
	if (chroot(".") < 0)
		bail(c, errno, "chroot %s", rootfs);
	root_switched(c, o);
}

void op_mask_path(struct ctx *c, struct op *o)
{
	int t = resolve_in_root(c, o->strs[0], RESOLVE_NONE, 0), m;
	struct stat st;

	if (t < 0 && errno == ENOENT)
		return;
	if (t < 0 || fstat(t, &st) < 0)
		bail(c, errno, "open %s", o->strs[0]);
	if (S_ISDIR(st.st_mode)) {
		int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
		if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			bail(c, errno, "create tmpfs to mask %s", o->strs[0]);
		m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
		if (m < 0)
			bail(c, errno, "fsmount tmpfs to mask %s", o->strs[0]);
		close(fs);
	} else {
		if (c->nullfd < 0)
			bail(c, EINVAL, "no /dev/null to mask %s", o->strs[0]);
		m = (int)syscall(SYS_open_tree, c->nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (m < 0)
			bail(c, errno, "clone /dev/null to mask %s", o->strs[0]);
	}
	attach(c, m, t, o->strs[0]);
	close(m);
	close(t);
}

void op_readonly_path(struct ctx *c, struct op *o)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	int t = resolve_in_root(c, o->strs[0], RESOLVE_NONE, 0), m;

	if (t < 0 && errno == ENOENT)
		return;
	if (t < 0)
		bail(c, errno, "open %s", o->strs[0]);
	m = (int)syscall(SYS_open_tree, t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (m < 0)
		bail(c, errno, "bind %s", o->strs[0]);
	setattr(c, m, AT_RECURSIVE, &a, o->strs[0]);
	attach(c, m, t, o->strs[0]);
	close(m);
	close(t);
}

void op_remount_ro(struct ctx *c, struct op *o)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	int t = resolve_in_root(c, o->strs[0], RESOLVE_NONE, 0);

	if (t < 0)
		bail(c, errno, "open %s", o->strs[0]);
	setattr(c, t, 0, &a, o->strs[0]);
	close(t);
}

static void copy_file(struct ctx *c, int from, int to, const char *name, struct stat *st)
{
	int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out = openat(to, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
	off_t left = st->st_size;

	if (in < 0 || out < 0)
		bail(c, errno, "tmpcopyup %s", name);
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);
		if (n <= 0)
			bail(c, n < 0 ? errno : EIO, "tmpcopyup %s", name);
		left -= n;
	}
	close(in);
	close(out);
}

/* copy_tree copies the directory from's contents into to (tmpcopyup). */
void copy_tree(struct ctx *c, int from, int to)
{
	int dfd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *e;
	struct stat st;

	if (!d)
		bail(c, errno, "tmpcopyup: read directory");
	if (fstat(from, &st) == 0) {
		fchmodat(to, ".", st.st_mode & 07777, 0);
		fchownat(to, "", st.st_uid, st.st_gid, AT_EMPTY_PATH);
	}
	while ((e = readdir(d))) {
		char target[PATH_MAX];
		ssize_t n;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			bail(c, errno, "tmpcopyup: stat %s", e->d_name);
		if (S_ISDIR(st.st_mode)) {
			int a, b;
			if (mkdirat(to, e->d_name, st.st_mode & 07777) < 0)
				bail(c, errno, "tmpcopyup: mkdir %s", e->d_name);
			a = openat(from, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			b = openat(to, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (a < 0 || b < 0)
				bail(c, errno, "tmpcopyup: open %s", e->d_name);
			copy_tree(c, a, b);
			close(a);
			close(b);
		} else if (S_ISREG(st.st_mode)) {
			copy_file(c, from, to, e->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(from, e->d_name, target, sizeof(target) - 1);
			if (n < 0)
				bail(c, errno, "tmpcopyup: readlink %s", e->d_name);
			target[n] = '\0';
			if (symlinkat(target, to, e->d_name) < 0)
				bail(c, errno, "tmpcopyup: symlink %s", e->d_name);
		} else if (mknodat(to, e->d_name, st.st_mode, st.st_rdev) < 0) {
			bail(c, errno, "tmpcopyup: mknod %s", e->d_name);
		}
		if (fchownat(to, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			bail(c, errno, "tmpcopyup: chown %s", e->d_name);
	}
	closedir(d);
}
