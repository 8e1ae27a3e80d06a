/* Approval tickets (written atomically by npm-release) and use markers (made
 * empty by npm-release, filled once by the module). See ticket.h for why. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "secure_file.h"
#include "statement.h"
#include "ticket.h"

/* The format, chosen over JSON because the module parses it on every
 * authentication (jansson took ~200,000 instructions for a ticket whose report is
 * escaped JSON; this takes a few thousand): a header line, then every field in a
 * fixed order as "NAME LENGTH\n" followed by exactly LENGTH bytes and "\n". Values
 * are never escaped, so the report and the statement come back byte for byte. A
 * missing, extra, reordered, oversized or truncated field makes the ticket invalid. */
#define TICKET_HEADER "npmstage-ticket 1\n"

enum ticket_field {
	T_ID, T_ACTION, T_RELEASE_ID, T_APPROVER, T_STATEMENT, T_STATEMENT_SHA256, T_CREATED,
	T_EXPIRES, T_R_ORIGIN, T_R_NAME, T_R_VERSION, T_R_TAG, T_R_SHASUM, T_R_INTEGRITY, T_R_SIZE,
	T_R_STAGED_BY, T_R_STAGED_AT, T_R_STATUS, T_R_REPORT, T_R_REPORT_SHA256, T_FIELDS
};

static const char *const field_names[T_FIELDS] = {
	"id", "action", "release_id", "approver", "statement", "statement_sha256", "created",
	"expires", "origin", "name", "version", "tag", "shasum", "integrity", "size", "staged_by",
	"staged_at", "status", "report", "report_sha256",
};

/* Ticket and marker names are approval ids: lower-case hex nonces, nothing else. */
int
ns_ticket_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n == NS_NONCE_HEX && strspn(id, "0123456789abcdef") == n;
}

struct outbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
put(struct outbuf *o, const char *bytes, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *p = cap <= NS_TICKET_MAX * 2 ? realloc(o->p, cap) : NULL;
		if (p == NULL) {
			o->failed = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, bytes, n);
	o->len += n;
}

static void
put_field(struct outbuf *o, enum ticket_field f, const char *value)
{
	char head[64];
	size_t n = strlen(value);
	int h = snprintf(head, sizeof(head), "%s %zu\n", field_names[f], n);

	put(o, head, (size_t)h);
	put(o, value, n);
	put(o, "\n", 1);
}

static void
put_number(struct outbuf *o, enum ticket_field f, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	put_field(o, f, num);
}

int
ns_ticket_format(const struct ns_approval *a, const struct ns_release *r, char **out,
                 size_t *len, struct ns_err *err)
{
	struct outbuf o = { NULL, 0, 0, 0 };

	*out = NULL;
	*len = 0;
	if (!ns_ticket_id_valid(a->id))
		return ns_fail(err, "approval id '%s' is not a nonce", a->id);
	if (strcmp(a->release_id, r->id) != 0)
		return ns_fail(err, "approval %s is not for release %s", a->id, r->id);
	put(&o, TICKET_HEADER, strlen(TICKET_HEADER));
	put_field(&o, T_ID, a->id);
	put_field(&o, T_ACTION, a->action);
	put_field(&o, T_RELEASE_ID, a->release_id);
	put_field(&o, T_APPROVER, a->approver);
	put_field(&o, T_STATEMENT, a->statement ? a->statement : "");
	put_field(&o, T_STATEMENT_SHA256, a->statement_sha256);
	put_number(&o, T_CREATED, a->created);
	put_number(&o, T_EXPIRES, a->expires);
	put_field(&o, T_R_ORIGIN, r->origin);
	put_field(&o, T_R_NAME, r->name);
	put_field(&o, T_R_VERSION, r->version);
	put_field(&o, T_R_TAG, r->tag);
	put_field(&o, T_R_SHASUM, r->shasum);
	put_field(&o, T_R_INTEGRITY, r->integrity);
	put_number(&o, T_R_SIZE, r->size);
	put_field(&o, T_R_STAGED_BY, r->staged_by);
	put_number(&o, T_R_STAGED_AT, r->staged_at);
	put_field(&o, T_R_STATUS, r->status);
	put_field(&o, T_R_REPORT, r->report ? r->report : "");
	put_field(&o, T_R_REPORT_SHA256, r->report_sha256);
	if (o.failed || o.len > NS_TICKET_MAX) {
		free(o.p);
		return ns_fail(err, "approval %s: ticket over %d bytes or out of memory", a->id,
		               NS_TICKET_MAX);
	}
	*out = o.p;
	*len = o.len;
	return 0;
}

int
ns_ticket_write(int dirfd, const char *dirname, const struct ns_approval *a,
                const struct ns_release *r, struct ns_err *err)
{
	char *text;
	size_t len;
	int rc;

	if (ns_ticket_format(a, r, &text, &len, err) != 0)
		return -1;
	rc = sf_write_atomic(dirfd, dirname, a->id, text, len, 0600, err);
	free(text);
	return rc;
}

/* One field at *pos: its name must be the expected one. Sets *value (not
 * terminated) and *len and moves *pos past it; -1 when anything is off. */
int
ns_ticket_take(const char *buf, size_t size, size_t *pos, const char *name, const char **value,
               size_t *len)
{
	const char *p = buf + *pos, *end = buf + size;
	size_t nl = strlen(name), n = 0;

	if ((size_t)(end - p) < nl + 3 || memcmp(p, name, nl) != 0 || p[nl] != ' ')
		return -1;
	p += nl + 1;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '\n'))
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (size_t)(*p - '0');
		if (n > NS_TICKET_MAX)
			return -1;
	}
	if (p >= end || *p != '\n' || (size_t)(end - p - 1) < n + 1 || p[1 + n] != '\n')
		return -1;
	*value = p + 1;
	*len = n;
	*pos = (size_t)(p + 1 + n + 1 - buf);
	return 0;
}

/* Copies a value into a fixed field: it must fit and hold no NUL. */
int
ns_ticket_text_to(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* A number as ns_ticket_format writes it: no sign, no leading zero, no blank. */
int
ns_ticket_number_to(long long *dst, const char *v, size_t n)
{
	char num[24], again[24];
	char *end;

	if (n == 0 || n >= sizeof(num) || ns_ticket_text_to(num, sizeof(num), v, n) != 0 ||
	    strspn(num, "0123456789") != n)
		return -1;
	errno = 0;
	*dst = strtoll(num, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	snprintf(again, sizeof(again), "%lld", *dst);
	return strcmp(again, num) == 0 ? 0 : -1;
}

char *
ns_ticket_text_dup(const char *v, size_t n)
{
	char *s;

	if (memchr(v, '\0', n) != NULL || (s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, v, n);
	s[n] = '\0';
	return s;
}

static int
parse_ticket(const char *buf, size_t size, const char *id, struct ns_approval *a,
             struct ns_release *r)
{
	const char *v[T_FIELDS];
	size_t n[T_FIELDS], pos = strlen(TICKET_HEADER);
	int f;

	if (size < pos || memcmp(buf, TICKET_HEADER, pos) != 0)
		return -1;
	for (f = 0; f < T_FIELDS; f++)
		if (ns_ticket_take(buf, size, &pos, field_names[f], &v[f], &n[f]) != 0)
			return -1;
	if (pos != size)
		return -1;
	if (ns_ticket_text_to(a->id, sizeof(a->id), v[T_ID], n[T_ID]) ||
	    ns_ticket_text_to(a->action, sizeof(a->action), v[T_ACTION], n[T_ACTION]) ||
	    ns_ticket_text_to(a->release_id, sizeof(a->release_id), v[T_RELEASE_ID], n[T_RELEASE_ID]) ||
	    ns_ticket_text_to(a->approver, sizeof(a->approver), v[T_APPROVER], n[T_APPROVER]) ||
	    ns_ticket_text_to(a->statement_sha256, sizeof(a->statement_sha256), v[T_STATEMENT_SHA256],
	            n[T_STATEMENT_SHA256]) ||
	    ns_ticket_number_to(&a->created, v[T_CREATED], n[T_CREATED]) ||
	    ns_ticket_number_to(&a->expires, v[T_EXPIRES], n[T_EXPIRES]) ||
	    ns_ticket_text_to(r->id, sizeof(r->id), v[T_RELEASE_ID], n[T_RELEASE_ID]) ||
	    ns_ticket_text_to(r->origin, sizeof(r->origin), v[T_R_ORIGIN], n[T_R_ORIGIN]) ||
	    ns_ticket_text_to(r->name, sizeof(r->name), v[T_R_NAME], n[T_R_NAME]) ||
	    ns_ticket_text_to(r->version, sizeof(r->version), v[T_R_VERSION], n[T_R_VERSION]) ||
	    ns_ticket_text_to(r->tag, sizeof(r->tag), v[T_R_TAG], n[T_R_TAG]) ||
	    ns_ticket_text_to(r->shasum, sizeof(r->shasum), v[T_R_SHASUM], n[T_R_SHASUM]) ||
	    ns_ticket_text_to(r->integrity, sizeof(r->integrity), v[T_R_INTEGRITY], n[T_R_INTEGRITY]) ||
	    ns_ticket_number_to(&r->size, v[T_R_SIZE], n[T_R_SIZE]) ||
	    ns_ticket_text_to(r->staged_by, sizeof(r->staged_by), v[T_R_STAGED_BY], n[T_R_STAGED_BY]) ||
	    ns_ticket_number_to(&r->staged_at, v[T_R_STAGED_AT], n[T_R_STAGED_AT]) ||
	    ns_ticket_text_to(r->status, sizeof(r->status), v[T_R_STATUS], n[T_R_STATUS]) ||
	    ns_ticket_text_to(r->report_sha256, sizeof(r->report_sha256), v[T_R_REPORT_SHA256],
	            n[T_R_REPORT_SHA256]) ||
	    strcmp(a->id, id) != 0)
		return -1;
	a->statement = ns_ticket_text_dup(v[T_STATEMENT], n[T_STATEMENT]);
	if (n[T_R_REPORT] > 0)
		r->report = ns_ticket_text_dup(v[T_R_REPORT], n[T_R_REPORT]);
	return a->statement == NULL || (n[T_R_REPORT] > 0 && r->report == NULL) ? -1 : 0;
}

int
ns_ticket_parse(const char *buf, size_t size, const char *id, struct ns_approval *a,
                struct ns_release *r)
{
	memset(a, 0, sizeof(*a));
	memset(r, 0, sizeof(*r));
	if (parse_ticket(buf, size, id, a, r) == 0)
		return 0;
	ns_approval_clear(a);
	ns_release_clear(r);
	memset(a, 0, sizeof(*a));
	memset(r, 0, sizeof(*r));
	return -1;
}

int
ns_ticket_load(int dirfd, const char *dirname, const char *id, const char *header, char **buf,
               size_t *len, struct ns_err *err)
{
	char head[32];
	struct stat sb;
	size_t hl = strlen(header);
	ssize_t got;
	int fd;

	*buf = NULL;
	*len = 0;
	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	fd = sf_openat_file(dirfd, dirname, id, 077, NS_TICKET_MAX, &sb, err);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	/* the other kind of ticket is told by its first line, without reading it all;
	 * a read that fails is an error, never "the other kind" (fail closed) */
	got = hl <= sizeof(head) ? pread(fd, head, hl, 0) : -1;
	if (got < 0) {
		close(fd);
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	}
	if ((size_t)got != hl || memcmp(head, header, hl) != 0) {
		close(fd);
		return 2;
	}
	*buf = malloc((size_t)sb.st_size + 1);
	if (*buf == NULL) {
		close(fd);
		return ns_fail(err, "%s/%s: out of memory", dirname, id);
	}
	got = pread(fd, *buf, (size_t)sb.st_size + 1, 0);
	close(fd);
	if (got != sb.st_size) {
		free(*buf);
		*buf = NULL;
		return ns_fail(err, "%s/%s: short or changing file", dirname, id);
	}
	*len = (size_t)got;
	return 0;
}

int
ns_ticket_read(int dirfd, const char *dirname, const char *id, struct ns_approval *a,
               struct ns_release *r, struct ns_err *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	memset(r, 0, sizeof(*r));
	rc = ns_ticket_load(dirfd, dirname, id, TICKET_HEADER, &buf, &len, err);
	if (rc == 2)
		return ns_fail(err, "%s/%s: malformed ticket", dirname, id);
	if (rc != 0)
		return rc;
	rc = ns_ticket_parse(buf, len, id, a, r);
	free(buf);
	if (rc != 0)
		return ns_fail(err, "%s/%s: malformed ticket", dirname, id);
	return 0;
}

int
ns_ticket_remove(int dirfd, const char *dirname, const char *id, struct ns_err *err)
{
	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	if (unlinkat(dirfd, id, 0) != 0 && errno != ENOENT)
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	return 0;
}

int
ns_used_prepare(int usedfd, const char *dirname, const char *id, struct ns_err *err)
{
	int fd;

	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	fd = openat(usedfd, id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	if (close(fd) != 0)
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	return 0;
}

int
ns_used_mark(int usedfd, const char *dirname, const char *id, const char *factor, time_t now,
             struct ns_err *err)
{
	char line[64];
	struct stat sb;
	int fd, n, rc = -1;

	if (strlen(factor) >= 16 || strspn(factor, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	                                strlen(factor) || factor[0] == '\0')
		return ns_fail(err, "factor name '%s' is not valid", factor);
	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	/* Normally npm-release made the empty marker with the ticket; made here if not.
	 * Under the exclusive lock, an empty marker is the single-use decision: the first
	 * session fills it, every later one finds it filled. */
	fd = ns_record_lock(usedfd, dirname, id, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0) {
		ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
		goto out;
	}
	if (sb.st_size != 0) {
		rc = 1;
		goto out;
	}
	n = snprintf(line, sizeof(line), "%s %lld\n", factor, (long long)now);
	if (n <= 0 || (size_t)n >= sizeof(line) || pwrite(fd, line, (size_t)n, 0) != n) {
		/* Fail closed: no token crosses; a partial record still marks the approval used. */
		ns_fail(err, "%s/%s: cannot record the use: %s", dirname, id, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	return rc;
}

int
ns_used_state(int usedfd, const char *dirname, const char *id, struct ns_err *err)
{
	struct stat sb;

	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	if (fstatat(usedfd, id, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 1;
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode) || !sf_trusted_uid(sb.st_uid) || (sb.st_mode & 077) ||
	    sb.st_nlink != 1)
		return ns_fail(err, "%s/%s: not a root-owned mode 0600 file with one link", dirname,
		               id);
	return sb.st_size == 0 ? 1 : 0;
}

int
ns_used_read(int usedfd, const char *dirname, const char *id, char factor[16], long long *at,
             struct ns_err *err)
{
	char buf[64], f[16];
	long long t;
	ssize_t n;
	int fd;

	factor[0] = '\0';
	*at = 0;
	if (!ns_ticket_id_valid(id))
		return ns_fail(err, "approval id '%s' is not a nonce", id);
	fd = sf_openat_state(usedfd, dirname, id, 0, err);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n < 0)
		return ns_fail(err, "%s/%s: %s", dirname, id, strerror(errno));
	if (n == 0)
		return 1;
	buf[n] = '\0';
	/* Used either way; an unparsable record (a crash mid-write) just names no factor. */
	if (sscanf(buf, "%15[a-z0-9-] %lld", f, &t) == 2) {
		memcpy(factor, f, sizeof(f));
		*at = t;
	}
	return 0;
}
