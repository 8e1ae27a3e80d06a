#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nslog.h"
#include "secure_file.h"
#include "spool.h"

static void
spool_shown(struct ns_state *st, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/spool", ns_state_path(st));
}

/* A named temporary exists only between linkat and renameat in spool_commit, or
 * where the file system lacks O_TMPFILE; one older than this was left by a
 * process killed there (by root or the OOM killer: the signals a caller can send,
 * a terminal's or one sudo relays, are held across that step, cmd_stage.c). */
#define SPOOL_STALE_SECONDS 600

/* <uuid>.tgz with no release record: a run killed between naming the file and
 * recording it (only root or the OOM killer can: the window holds no output and
 * the caller's signals). */
static int
is_orphan(struct ns_state *st, const char *name)
{
	struct ns_release r;
	struct ns_err err;
	char id[NS_ID_MAX];
	size_t n = strlen(name);
	int k;

	if (!((n == 36 + 4 && strcmp(name + 36, ".tgz") == 0) ||
	      (n == 36 + 9 && strcmp(name + 36, ".sigstore") == 0)) ||
	    strspn(name, "0123456789abcdef-") != 36)
		return 0;
	memcpy(id, name, 36);
	id[36] = '\0';
	memset(&r, 0, sizeof(r));
	k = ns_release_get(st, id, &r, &err);
	if (k == 0)
		ns_release_clear(&r);
	return k == 1;
}

static void
spool_sweep(struct ns_state *st)
{
	int dfd = fcntl(ns_state_spoolfd(st), F_DUPFD_CLOEXEC, 3);
	struct dirent *e;
	struct stat sb;
	DIR *d;

	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		int orphan = 0;
		if (strncmp(e->d_name, ".incoming.", 10) != 0 && !(orphan = is_orphan(st, e->d_name)))
			continue;
		if (fstatat(ns_state_spoolfd(st), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(sb.st_mode) && sb.st_mtime + SPOOL_STALE_SECONDS < time(NULL)) {
			if (orphan)
				ns_log(LOG_WARNING, "spool: removed %s, which no release record names",
				       e->d_name);
			unlinkat(ns_state_spoolfd(st), e->d_name, 0);
		}
	}
	closedir(d);
}

static int
spool_tmp_name(char *name, size_t cap, struct ns_err *err)
{
	unsigned char rnd[8];
	char hex[17];

	if (getentropy(rnd, sizeof(rnd)) != 0)
		return ns_fail(err, "getentropy: %s", strerror(errno));
	ns_hex(rnd, sizeof(rnd), hex);
	snprintf(name, cap, ".incoming.%s", hex);
	return 0;
}

int
spool_tmp_open(struct ns_state *st, char *name, size_t cap, struct ns_err *err)
{
	int fd, i;

	spool_sweep(st);
	/* Unnamed until it is complete: a process that dies while writing leaves
	 * nothing behind in the spool. */
	fd = openat(ns_state_spoolfd(st), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (cap > 0)
			name[0] = '\0';
		return fd;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return ns_fail(err, "spool: %s", strerror(errno));
	for (i = 0; i < 8; i++) {
		if (spool_tmp_name(name, cap, err) != 0)
			return -1;
		fd = openat(ns_state_spoolfd(st), name,
		            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return ns_fail(err, "spool: %s", strerror(errno));
	}
	return ns_fail(err, "spool: cannot create a temporary file");
}

/* fsyncs fd and renames the temporary to <id><suffix>, fsyncing the folder. */
static int
commit_as(struct ns_state *st, int fd, const char *tmpname, const char *id, const char *suffix,
          struct ns_err *err)
{
	char final[NS_ID_MAX + 16], named[64], proc[64];

	snprintf(final, sizeof(final), "%s%s", id, suffix);
	if (fsync(fd) != 0)
		return ns_fail(err, "spool: storing %s: %s", final, strerror(errno));
	if (tmpname[0] == '\0') {
		/* Give the unnamed file a temporary name, then rename it over any older
		 * copy: linkat never replaces, rename does, atomically. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (spool_tmp_name(named, sizeof(named), err) != 0)
			return -1;
		if (linkat(AT_FDCWD, proc, ns_state_spoolfd(st), named, AT_SYMLINK_FOLLOW) != 0)
			return ns_fail(err, "spool: storing %s: %s", final, strerror(errno));
		tmpname = named;
	}
	if (renameat(ns_state_spoolfd(st), tmpname, ns_state_spoolfd(st), final) != 0 ||
	    fsync(ns_state_spoolfd(st)) != 0) {
		int e = errno;
		if (tmpname == named)
			unlinkat(ns_state_spoolfd(st), named, 0);
		return ns_fail(err, "spool: storing %s: %s", final, strerror(e));
	}
	return 0;
}

int
spool_commit(struct ns_state *st, int fd, const char *tmpname, const char *id,
             struct ns_err *err)
{
	return commit_as(st, fd, tmpname, id, ".tgz", err);
}

int
spool_bundle_commit(struct ns_state *st, int fd, const char *tmpname, const char *id,
                    struct ns_err *err)
{
	return commit_as(st, fd, tmpname, id, ".sigstore", err);
}

void
spool_discard(struct ns_state *st, const char *tmpname)
{
	if (tmpname[0] != '\0')
		unlinkat(ns_state_spoolfd(st), tmpname, 0);
}

int
spool_copy_fd(struct ns_state *st, int src_fd, char *sri, char *sha1, long long *size,
              char *tmp, size_t tmpcap, struct ns_err *err)
{
	struct ns_digest *d = ns_digest_new();
	unsigned char buf[65536];
	long long total = 0;
	ssize_t n, w, off;
	int fd;

	if (d == NULL)
		return ns_fail(err, "out of memory");
	{
		/* A file known to be too big is refused before a byte is copied. */
		struct stat sb;
		if (fstat(src_fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > NS_TARBALL_MAX) {
			ns_digest_free(d);
			return ns_fail(err, "tarball larger than %lld bytes", NS_TARBALL_MAX);
		}
	}
	fd = spool_tmp_open(st, tmp, tmpcap, err);
	if (fd < 0) {
		ns_digest_free(d);
		return -1;
	}
	for (;;) {
		n = read(src_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ns_fail(err, "reading tarball: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		total += n;
		if (total > NS_TARBALL_MAX) {
			ns_fail(err, "tarball larger than %lld bytes", NS_TARBALL_MAX);
			goto fail;
		}
		ns_digest_update(d, buf, (size_t)n);
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				ns_fail(err, "spool: %s", strerror(errno));
				goto fail;
			}
		}
	}
	if (ns_digest_final(d, sri, sha1) != 0) {
		ns_fail(err, "digest failed");
		goto fail;
	}
	ns_digest_free(d);
	*size = total;
	return fd;
fail:
	close(fd);
	spool_discard(st, tmp);
	ns_digest_free(d);
	return -1;
}

void
spool_remove(struct ns_state *st, const char *id)
{
	char name[NS_ID_MAX + 8];

	snprintf(name, sizeof(name), "%s.tgz", id);
	if (unlinkat(ns_state_spoolfd(st), name, 0) == 0)
		fsync(ns_state_spoolfd(st));
	spool_bundle_remove(st, id);
}

int
spool_open(struct ns_state *st, const char *id, struct ns_err *err)
{
	char name[NS_ID_MAX + 8], shown[600];

	snprintf(name, sizeof(name), "%s.tgz", id);
	spool_shown(st, shown, sizeof(shown));
	return sf_openat_file(ns_state_spoolfd(st), shown, name, 077, NS_TARBALL_MAX, NULL, err);
}

int
spool_read(struct ns_state *st, const char *id, unsigned char **bufp, size_t *lenp,
           struct ns_err *err)
{
	struct stat sb;
	unsigned char *buf;
	size_t off = 0;
	ssize_t n;
	int fd = spool_open(st, id, err);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || (buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return ns_fail(err, "spool: cannot read %s", id);
	}
	while (off < (size_t)sb.st_size) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (off != (size_t)sb.st_size) {
		free(buf);
		return ns_fail(err, "spool: %s changed size while reading", id);
	}
	*bufp = buf;
	*lenp = off;
	return 0;
}

/* ---- the provenance bundle ---- */

static int
write_all(int fd, const char *buf, size_t len, struct ns_err *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ns_fail(err, "spool: %s", w < 0 ? strerror(errno) : "short write");
		off += (size_t)w;
	}
	return 0;
}

/* Reads all of fd, refusing more than max bytes (a larger file is refused by its
 * size before a byte is read, an endless one at max + 1). */
static int
read_bounded(int fd, size_t max, char **bufp, size_t *lenp, struct ns_err *err)
{
	struct stat sb;
	char *buf;
	size_t len = 0;
	ssize_t n;

	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size > max)
		return ns_fail(err, "provenance bundle larger than %zu bytes", max);
	if ((buf = malloc(max + 2)) == NULL)
		return ns_fail(err, "out of memory");
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return ns_fail(err, "reading the provenance bundle: %s", strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return ns_fail(err, "provenance bundle larger than %zu bytes", max);
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
spool_bundle_copy_fd(struct ns_state *st, int src_fd, char *sha256, char *tmp, size_t tmpcap,
                     struct ns_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int fd;

	if (read_bounded(src_fd, NS_BUNDLE_MAX, &buf, &len, err) != 0)
		return -1;
	fd = spool_tmp_open(st, tmp, tmpcap, err);
	if (fd >= 0 && write_all(fd, buf, len, err) != 0) {
		close(fd);
		spool_discard(st, tmp);
		fd = -1;
	}
	if (fd >= 0) {
		unsigned char h[32];
		ns_sha256(buf, len, h);
		ns_hex(h, 32, sha256);
	}
	free(buf);
	return fd;
}

int
spool_bundle_replace(int fd, const char *buf, size_t len, char *sha256, struct ns_err *err)
{
	unsigned char h[32];

	if (len > NS_BUNDLE_MAX)
		return ns_fail(err, "provenance bundle larger than %d bytes", NS_BUNDLE_MAX);
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		return ns_fail(err, "spool: %s", strerror(errno));
	if (write_all(fd, buf, len, err) != 0)
		return -1;
	ns_sha256(buf, len, h);
	ns_hex(h, 32, sha256);
	return 0;
}

int
spool_bundle_write(struct ns_state *st, const char *id, const char *buf, size_t len,
                   struct ns_err *err)
{
	char tmp[64];
	int fd, rc;

	if (len > NS_BUNDLE_MAX)
		return ns_fail(err, "provenance bundle larger than %d bytes", NS_BUNDLE_MAX);
	fd = spool_tmp_open(st, tmp, sizeof(tmp), err);
	if (fd < 0)
		return -1;
	rc = write_all(fd, buf, len, err) != 0 ? -1 : spool_bundle_commit(st, fd, tmp, id, err);
	close(fd);
	if (rc != 0)
		spool_discard(st, tmp);
	return rc;
}

int
spool_bundle_open(struct ns_state *st, const char *id, struct ns_err *err)
{
	char name[NS_ID_MAX + 16], shown[600];
	int fd;

	snprintf(name, sizeof(name), "%s.sigstore", id);
	spool_shown(st, shown, sizeof(shown));
	fd = sf_openat_file(ns_state_spoolfd(st), shown, name, 077, NS_BUNDLE_MAX, NULL, err);
	if (fd < 0 && errno == ENOENT)
		return -2;
	return fd;
}

int
spool_bundle_read(struct ns_state *st, const char *id, char **buf, size_t *len,
                  struct ns_err *err)
{
	int fd = spool_bundle_open(st, id, err), rc;

	if (fd < 0)
		return fd;
	rc = read_bounded(fd, NS_BUNDLE_MAX, buf, len, err);
	close(fd);
	return rc;
}

void
spool_bundle_remove(struct ns_state *st, const char *id)
{
	char name[NS_ID_MAX + 16];

	snprintf(name, sizeof(name), "%s.sigstore", id);
	if (unlinkat(ns_state_spoolfd(st), name, 0) == 0)
		fsync(ns_state_spoolfd(st));
}
