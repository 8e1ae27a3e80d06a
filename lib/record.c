/* Fixed-width numeric records under flock; see record.h for the format. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "record.h"
#include "secure_file.h"

#define FIELD 20
#define MAX_LEN (64 + NS_RECORD_MAX_VALUES * (FIELD + 1))

static size_t
record_len(const char *tag, int n)
{
	return strlen(tag) + (size_t)n * (FIELD + 1) + 1;
}

/* One field and its separator: an optional '-' then digits only (no blanks, no
 * '+', no "-0"), so that every value has exactly one spelling. */
static int
parse_number(const char *p, char sep, long long *v)
{
	char *end, again[24];
	size_t i;

	if (p[FIELD] != sep)
		return -1;
	for (i = p[0] == '-' ? 1 : 0; i < FIELD; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	errno = 0;
	*v = strtoll(p, &end, 10);
	if (errno != 0 || end != p + FIELD)
		return -1;
	return snprintf(again, sizeof(again), "%020lld", *v) == FIELD &&
	               memcmp(again, p, FIELD) == 0 ? 0 : -1;
}

int
ns_record_parse(const char *buf, size_t len, const char *tag, long long *v, int n)
{
	size_t tl = strlen(tag), pos;
	int i;

	if (len == 0)
		return 1;
	if (n < 1 || n > NS_RECORD_MAX_VALUES || len != record_len(tag, n) ||
	    memcmp(buf, tag, tl) != 0)
		return -1;
	for (i = 0, pos = tl; i < n; i++, pos += FIELD + 1)
		if (buf[pos] != ' ' || parse_number(buf + pos + 1, i == n - 1 ? '\n' : ' ', &v[i]))
			return -1;
	return 0;
}

int
ns_record_format(char *buf, size_t cap, const char *tag, const long long *v, int n)
{
	size_t len = record_len(tag, n), off;
	int i, k;

	if (n < 1 || n > NS_RECORD_MAX_VALUES || cap <= len)
		return -1;
	off = (size_t)snprintf(buf, cap, "%s", tag);
	for (i = 0; i < n; i++) {
		k = snprintf(buf + off, cap - off, " %020lld", v[i]);
		if (k != FIELD + 1)
			return -1; /* a value wider than its field */
		off += (size_t)k;
	}
	buf[off++] = '\n';
	buf[off] = '\0';
	return off == len ? (int)len : -1;
}

int
ns_record_lock(int dirfd, const char *dirname, const char *name, struct ns_err *err)
{
	int fd = sf_openat_state(dirfd, dirname, name, 1, err);

	if (fd < 0)
		return -1;
	/* Held until close: a read, a decision and a write are one step for all sessions. */
	if (flock(fd, LOCK_EX) != 0) {
		ns_fail(err, "%s/%s: lock: %s", dirname, name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ns_record_read(int fd, const char *tag, long long *v, int n, const char *dirname,
               const char *name, struct ns_err *err)
{
	char buf[MAX_LEN + 2];
	ssize_t got = pread(fd, buf, sizeof(buf), 0);
	int rc;

	if (got < 0)
		return ns_fail(err, "%s/%s: %s", dirname, name, strerror(errno));
	rc = ns_record_parse(buf, (size_t)got, tag, v, n);
	if (rc < 0)
		return ns_fail(err, "%s/%s: not a valid '%s' record", dirname, name, tag);
	return rc;
}

int
ns_record_write(int fd, const char *tag, const long long *v, int n, const char *dirname,
                const char *name, struct ns_err *err)
{
	char buf[MAX_LEN + 2];
	int len = ns_record_format(buf, sizeof(buf), tag, v, n);

	if (len < 0)
		return ns_fail(err, "%s/%s: value out of range for its record", dirname, name);
	/* ftruncate: a no-op on a record of this kind; it cuts whatever a reset of a
	 * damaged file left behind. */
	if (pwrite(fd, buf, (size_t)len, 0) != len || ftruncate(fd, len) != 0)
		return ns_fail(err, "%s/%s: cannot write the record: %s", dirname, name,
		               strerror(errno));
	return 0;
}
