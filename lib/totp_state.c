/* The per-approver TOTP record: "npmstage-totp 1 LAST_STEP FAILURES LOCKED_UNTIL",
 * every number zero-padded to a fixed width so that each rewrite is one pwrite of
 * the same length at offset 0 (no truncation step a crash could interrupt). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "approver.h"
#include "secure_file.h"
#include "totp_state.h"

#define RECORD_FMT "npmstage-totp 1 %020lld %020lld %020lld\n"
#define RECORD_LEN (16 + 3 * 21)

struct totp_record {
	long long last_step, failures, locked_until;
};

static int
parse_number(const char *p, long long *v)
{
	char *end;

	if (p[20] != ' ' && p[20] != '\n')
		return -1;
	errno = 0;
	*v = strtoll(p, &end, 10);
	return errno == 0 && end == p + 20 ? 0 : -1;
}

/* An empty file is a fresh record; anything but one exact record is corrupt. */
static int
parse_record(const char *buf, size_t len, struct totp_record *rec)
{
	if (len == 0) {
		rec->last_step = -1;
		rec->failures = rec->locked_until = 0;
		return 0;
	}
	if (len != RECORD_LEN || memcmp(buf, "npmstage-totp 1 ", 16) != 0 ||
	    parse_number(buf + 16, &rec->last_step) || parse_number(buf + 37, &rec->failures) ||
	    parse_number(buf + 58, &rec->locked_until) || buf[RECORD_LEN - 1] != '\n' ||
	    rec->failures < 0 || rec->last_step < -1)
		return -1;
	return 0;
}

/* Opens (creating empty) totp/USER without following links; owner and mode checked. */
static int
open_record(int totpfd, const char *dirname, const char *user, struct ns_err *err)
{
	struct stat sb;
	int fd;

	if (!ns_user_name_valid(user))
		return ns_fail(err, "'%s' is not a valid user name", user);
	fd = openat(totpfd, user, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return ns_fail(err, "%s/%s: %s", dirname, user, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !sf_trusted_uid(sb.st_uid) ||
	    (sb.st_mode & 077) || sb.st_nlink != 1) {
		close(fd);
		return ns_fail(err, "%s/%s: not a root-owned mode 0600 file with one link", dirname,
		               user);
	}
	return fd;
}

int
ns_totp_state_use(int totpfd, const char *dirname, const char *user, time_t now,
                  const struct ns_totp_policy *pol, long long (*check_fn)(void *arg),
                  void *arg, struct ns_err *err)
{
	struct totp_record rec;
	char buf[RECORD_LEN + 2];
	const char *why = NULL;
	long long step;
	ssize_t n;
	int fd, rc = -1;

	fd = open_record(totpfd, dirname, user, err);
	if (fd < 0)
		return -1;
	/* Held until close: the read, the check and the write are one step for all sessions. */
	if (flock(fd, LOCK_EX) != 0) {
		ns_fail(err, "%s/%s: lock: %s", dirname, user, strerror(errno));
		goto out;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0 || parse_record(buf, (size_t)n, &rec) != 0) {
		ns_fail(err, "%s/%s: corrupt TOTP record (remove it to reset this approver's "
		             "replay state and lockout)", dirname, user);
		goto out;
	}
	if (rec.locked_until > (long long)now) {
		ns_fail(err, "too many failed codes: locked out for %lld more seconds",
		        rec.locked_until - (long long)now);
		rc = 1;
		goto out;
	}
	step = check_fn(arg);
	if (step < 0)
		why = "wrong code";
	else if (step <= rec.last_step)
		why = "code already used";
	if (why != NULL) {
		rec.failures++;
		if (rec.failures >= (long long)pol->max_failures) {
			rec.locked_until = (long long)now + pol->lockout;
			rec.failures = 0;
		}
	} else {
		rec.last_step = step;
		rec.failures = 0;
	}
	n = snprintf(buf, sizeof(buf), RECORD_FMT, rec.last_step, rec.failures, rec.locked_until);
	if (n != RECORD_LEN || pwrite(fd, buf, RECORD_LEN, 0) != RECORD_LEN) {
		ns_fail(err, "%s/%s: cannot record the step: %s", dirname, user,
		        n == RECORD_LEN ? strerror(errno) : "record overflow");
		goto out;
	}
	/* The step is recorded before success is reported. */
	if (why != NULL) {
		ns_fail(err, "%s", why);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: %s", dirname, user, strerror(errno));
	return rc;
}

int
ns_totp_state_set(int totpfd, const char *dirname, const char *user, long long last_step,
                  struct ns_err *err)
{
	char buf[RECORD_LEN + 1];
	int fd, n, rc = 0;

	if (last_step < -1)
		return ns_fail(err, "step %lld is not valid", last_step);
	fd = open_record(totpfd, dirname, user, err);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), RECORD_FMT, last_step, 0LL, 0LL);
	if (flock(fd, LOCK_EX) != 0 || n != RECORD_LEN || pwrite(fd, buf, RECORD_LEN, 0) != RECORD_LEN ||
	    ftruncate(fd, RECORD_LEN) != 0)
		rc = ns_fail(err, "%s/%s: cannot write the record: %s", dirname, user, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: %s", dirname, user, strerror(errno));
	return rc;
}
