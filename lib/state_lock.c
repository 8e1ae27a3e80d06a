/* Locks in state_dir/locks: flock, so the kernel releases them when the holder
 * exits or is killed (a killed approve never leaves a stale lock behind). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "digest.h"
#include "secure_file.h"
#include "state.h"
#include "state_internal.h"

/* name: a lock file name of ours ([0-9a-f-] and ".lock"). wait: block until it is
 * free instead of returning -2. */
static int
lock_named(struct ns_state *st, const char *name, int wait, struct ns_err *err)
{
	char shown[PATH_MAX];
	int dfd, fd;

	snprintf(shown, sizeof(shown), "%s", st->path);
	dfd = sf_mkdirat(st->dirfd, shown, "locks", 0700, err);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return ns_fail(err, "%s/locks/%s: %s", st->path, name, strerror(errno));
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		int e = errno;
		if (wait && e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return -2;
		return ns_fail(err, "%s/locks/%s: flock: %s", st->path, name, strerror(e));
	}
	return fd;
}

int
ns_state_lock_release(struct ns_state *st, const char *id, struct ns_err *err)
{
	char name[NS_ID_MAX + 8];

	if (strlen(id) == 0 || strlen(id) >= NS_ID_MAX || strspn(id, "0123456789abcdef-") != strlen(id))
		return ns_fail(err, "bad release id for a lock");
	snprintf(name, sizeof(name), "%s.lock", id);
	return lock_named(st, name, 0, err);
}

int
ns_state_lock_version(struct ns_state *st, const char *name, const char *version,
                      struct ns_err *err)
{
	unsigned char h[32];
	char text[512], hex[65], file[80];
	int n = snprintf(text, sizeof(text), "%s@%s", name, version);

	if (n < 0 || (size_t)n >= sizeof(text) || ns_sha256(text, (size_t)n, h) != 0)
		return ns_fail(err, "bad name@version for a lock");
	ns_hex(h, 32, hex);
	snprintf(file, sizeof(file), "v-%s.lock", hex);
	return lock_named(st, file, 0, err);
}

int
ns_state_lock_package(struct ns_state *st, const char *name, struct ns_err *err)
{
	unsigned char h[32];
	char hex[65], file[80];

	if (ns_sha256(name, strlen(name), h) != 0)
		return ns_fail(err, "bad package name for a lock");
	ns_hex(h, 32, hex);
	snprintf(file, sizeof(file), "p-%s.lock", hex);
	return lock_named(st, file, 1, err);
}
