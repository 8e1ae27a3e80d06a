#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secure_file.h"

int
sf_trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

void
ns_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

static int
check_dir_stat(int fd, const char *shown, struct stat *stp, struct ns_err *err)
{
	struct stat st;

	if (stp == NULL)
		stp = &st;
	if (fstat(fd, stp) != 0)
		return ns_fail(err, "%s: cannot stat: %s", shown, strerror(errno));
	if (!S_ISDIR(stp->st_mode))
		return ns_fail(err, "%s: not a directory", shown);
	if (!sf_trusted_uid(stp->st_uid))
		return ns_fail(err, "%s: directory owned by uid %u, not root",
		               shown, (unsigned)stp->st_uid);
	/* A root-owned sticky directory (/tmp) cannot have our entries swapped. */
	if ((stp->st_mode & 022) != 0 && !((stp->st_mode & S_ISVTX) && stp->st_uid == 0))
		return ns_fail(err, "%s: directory writable by group or others (mode %04o)",
		               shown, (unsigned)(stp->st_mode & 07777));
	return 0;
}

static int
check_dir(int fd, const char *shown, struct ns_err *err)
{
	return check_dir_stat(fd, shown, NULL, err);
}

/* O_NOFOLLOW|O_DIRECTORY on a symbolic link fails with ENOTDIR: tell links apart. */
static int
open_errorat(int dirfd, const char *name, const char *shown, int e, struct ns_err *err)
{
	struct stat st;

	if (e == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		e = ELOOP;
	if (e == ELOOP || e == EMLINK)
		return ns_fail(err, "%s: is a symbolic link (refused)", shown);
	if (e == ENOTDIR)
		return ns_fail(err, "%s: a path component is not a directory", shown);
	return ns_fail(err, "%s: %s", shown, strerror(e));
}

/* Walks path's directories; returns a vetted descriptor of the parent of the last
 * component and points *last at that component (inside copy). */
static int
walk(const char *path, char *copy, size_t copylen, const char **last, struct ns_err *err)
{
	char *p, *slash;
	int fd, next;

	if (path == NULL || path[0] != '/')
		return ns_fail(err, "%s: not an absolute path", path ? path : "(null)");
	if (strlen(path) >= copylen)
		return ns_fail(err, "%s: path too long", path);
	strcpy(copy, path);
	/* strip trailing slashes (but keep "/") */
	for (p = copy + strlen(copy) - 1; p > copy && *p == '/'; p--)
		*p = '\0';
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ns_fail(err, "/: %s", strerror(errno));
	if (check_dir(fd, "/", err) != 0) {
		close(fd);
		return -1;
	}
	p = copy + 1;
	while ((slash = strchr(p, '/')) != NULL) {
		*slash = '\0';
		if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
			close(fd);
			*slash = '/';
			return ns_fail(err, "%s: path has an empty, '.' or '..' component", path);
		}
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			open_errorat(fd, p, copy, errno, err);
			*slash = '/';
			close(fd);
			return -1;
		}
		*slash = '/';
		close(fd);
		fd = next;
		*slash = '\0';
		if (check_dir(fd, copy, err) != 0) {
			*slash = '/';
			close(fd);
			return -1;
		}
		*slash = '/';
		p = slash + 1;
	}
	if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
		close(fd);
		return ns_fail(err, "%s: path has an empty, '.' or '..' component", path);
	}
	*last = p;
	return fd;
}

int
sf_open_dir(const char *path, mode_t forbid, struct ns_err *err)
{
	char copy[PATH_MAX];
	const char *last;
	struct stat st;
	int parent, fd;

	if (path != NULL && strcmp(path, "/") == 0)
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	parent = walk(path, copy, sizeof(copy), &last, err);
	if (parent < 0)
		return -1;
	fd = openat(parent, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		open_errorat(parent, last, path, errno, err);
		close(parent);
		return -1;
	}
	close(parent);
	if (check_dir_stat(fd, path, &st, err) != 0) {
		close(fd);
		return -1;
	}
	if ((st.st_mode & forbid) != 0) {
		close(fd);
		return ns_fail(err, "%s: directory mode %04o is too open (must not have %04o)",
		               path, (unsigned)(st.st_mode & 07777), (unsigned)forbid);
	}
	return fd;
}

int
sf_openat_file(int dirfd, const char *dirname, const char *name, mode_t forbid,
               off_t max_size, struct stat *stp, struct ns_err *err)
{
	struct stat st;
	int fd;

	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    name[0] == '\0')
		return ns_fail(err, "%s/%s: invalid file name", dirname, name);
	/* O_NONBLOCK: a FIFO planted here must not hang us before the type check. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			ns_fail(err, "%s/%s: is a symbolic link (refused)", dirname, name);
		else
			ns_fail(err, "%s/%s: %s", dirname, name, strerror(e));
		errno = e; /* callers tell "missing" (ENOENT) from "refused" */
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return ns_fail(err, "%s/%s: cannot stat: %s", dirname, name, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ns_fail(err, "%s/%s: not a regular file", dirname, name);
	}
	if (!sf_trusted_uid(st.st_uid)) {
		close(fd);
		return ns_fail(err, "%s/%s: owned by uid %u, not root", dirname, name,
		               (unsigned)st.st_uid);
	}
	if ((st.st_mode & forbid) != 0) {
		close(fd);
		return ns_fail(err, "%s/%s: mode %04o is too open (must not have %04o)",
		               dirname, name, (unsigned)(st.st_mode & 07777), (unsigned)forbid);
	}
	if (max_size > 0 && st.st_size > max_size) {
		close(fd);
		return ns_fail(err, "%s/%s: larger than %lld bytes", dirname, name,
		               (long long)max_size);
	}
	/* O_NONBLOCK stays: it changes nothing for a regular file, the only kind let through. */
	if (stp != NULL)
		*stp = st;
	return fd;
}

int
sf_open_file(const char *path, mode_t forbid, off_t max_size, struct stat *st,
             struct ns_err *err)
{
	char copy[PATH_MAX], dirname[PATH_MAX];
	const char *last;
	int parent, fd;

	parent = walk(path, copy, sizeof(copy), &last, err);
	if (parent < 0)
		return -1;
	snprintf(dirname, sizeof(dirname), "%.*s", (int)(last - copy - 1), copy);
	fd = sf_openat_file(parent, dirname[0] ? dirname : "", last, forbid, max_size, st, err);
	close(parent);
	return fd;
}

int
sf_openat_state(int dirfd, const char *dirname, const char *name, int create,
                struct ns_err *err)
{
	int flags = O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, fd, e;
	struct stat sb;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return ns_fail(err, "%s/%s: invalid file name", dirname, name);
	fd = openat(dirfd, name, create ? flags | O_CREAT : flags, 0600);
	if (fd < 0) {
		e = errno;
		ns_fail(err, "%s/%s: %s", dirname, name, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !sf_trusted_uid(sb.st_uid) ||
	    (sb.st_mode & 077) || sb.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return ns_fail(err, "%s/%s: not a root-owned mode 0600 file with one link", dirname,
		               name);
	}
	return fd;
}

int
sf_read_file(const char *path, mode_t forbid, size_t max_size, char **bufp, size_t *lenp,
             struct ns_err *err)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	*bufp = NULL;
	fd = sf_open_file(path, forbid, (off_t)max_size, &st, err);
	if (fd < 0)
		return -1;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return ns_fail(err, "%s: out of memory", path);
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : 0;
			close(fd);
			ns_free_secret(buf, (size_t)st.st_size + 1);
			return ns_fail(err, "%s: %s", path, e ? strerror(e) : "file shrank while reading");
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	if (memchr(buf, '\0', off) != NULL) {
		ns_free_secret(buf, off + 1);
		return ns_fail(err, "%s: contains a NUL byte", path);
	}
	*bufp = buf;
	if (lenp != NULL)
		*lenp = off;
	return 0;
}

int
sf_write_atomic(int dirfd, const char *dirname, const char *name, const void *data,
                size_t len, mode_t mode, struct ns_err *err)
{
	char tmp[NAME_MAX + 1];
	unsigned char rnd[6];
	const char *p = data;
	size_t off = 0;
	ssize_t n;
	int fd = -1, i;

	for (i = 0; i < 16 && fd < 0; i++) {
		if (getentropy(rnd, sizeof(rnd)) != 0)
			return ns_fail(err, "getentropy: %s", strerror(errno));
		if (snprintf(tmp, sizeof(tmp), ".%.200s.%02x%02x%02x%02x%02x%02x", name, rnd[0],
		             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) >= (int)sizeof(tmp))
			return ns_fail(err, "%s/%s: name too long", dirname, name);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			return ns_fail(err, "%s/%s: %s", dirname, tmp, strerror(errno));
	}
	if (fd < 0)
		return ns_fail(err, "%s: cannot create a temporary file", dirname);
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0)
		goto fail;
	if (fsync(dirfd) != 0)
		return ns_fail(err, "%s: fsync: %s", dirname, strerror(errno));
	return 0;
fail:
	{
		int e = errno;
		if (fd >= 0)
			close(fd);
		unlinkat(dirfd, tmp, 0);
		return ns_fail(err, "%s/%s: %s", dirname, name, strerror(e));
	}
}

int
sf_mkdirat(int dirfd, const char *dirname, const char *name, mode_t mode, struct ns_err *err)
{
	char shown[PATH_MAX];
	int fd;

	snprintf(shown, sizeof(shown), "%s/%s", dirname, name);
	if (mkdirat(dirfd, name, mode) != 0 && errno != EEXIST)
		return ns_fail(err, "%s: %s", shown, strerror(errno));
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return open_errorat(dirfd, name, shown, errno, err);
	if (check_dir(fd, shown, err) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}
