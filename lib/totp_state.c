/* The per-approver TOTP record (record.h): the last step used, failures in a row,
 * the end of a lockout and the lockouts in a row, decided and rewritten under the
 * record's lock. Every lockout is logged. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "approver.h"
#include "nslog.h"
#include "record.h"
#include "totp_state.h"

#define TOTP_TAG "npmstage-totp 2"
#define TOTP_TAG_V1 "npmstage-totp 1" /* before lockouts were counted */
#define MAX_DOUBLINGS 20

static int
record_valid(const long long *v)
{
	return v[0] >= -1 && v[1] >= 0 && v[2] >= NS_TOTP_LOCKED_HELD && v[3] >= 0;
}

static void
record_fill(struct ns_totp_record *rec, const long long *v)
{
	rec->last_step = v[0];
	rec->failures = v[1];
	rec->locked_until = v[2];
	rec->lockouts = v[3];
}

static void
record_fresh(struct ns_totp_record *rec)
{
	rec->last_step = -1;
	rec->failures = rec->locked_until = rec->lockouts = 0;
}

int
ns_totp_record_parse(const char *buf, size_t len, struct ns_totp_record *rec)
{
	long long v[4] = { 0, 0, 0, 0 };
	int rc = ns_record_parse(buf, len, TOTP_TAG, v, 4);

	if (rc < 0)
		rc = ns_record_parse(buf, len, TOTP_TAG_V1, v, 3);
	if (rc == 1) {
		record_fresh(rec);
		return 0;
	}
	if (rc != 0 || !record_valid(v))
		return -1;
	record_fill(rec, v);
	return 0;
}

int
ns_totp_record_format(const struct ns_totp_record *rec, char *buf, size_t cap)
{
	long long v[4] = { rec->last_step, rec->failures, rec->locked_until, rec->lockouts };

	return ns_record_format(buf, cap, TOTP_TAG, v, 4);
}

/* Locks totp/USER and reads it; -1 with err on anything but a valid record. */
static int
lock_and_read(int totpfd, const char *dirname, const char *user, struct ns_totp_record *rec,
              struct ns_err *err)
{
	long long v[4] = { 0, 0, 0, 0 };
	int fd, rc;

	if (!ns_user_name_valid(user))
		return ns_fail(err, "'%s' is not a valid user name", user);
	fd = ns_record_lock(totpfd, dirname, user, err);
	if (fd < 0)
		return -1;
	rc = ns_record_read(fd, TOTP_TAG, v, 4, dirname, user, err);
	if (rc < 0)
		rc = ns_record_read(fd, TOTP_TAG_V1, v, 3, dirname, user, err);
	if (rc == 1) {
		record_fresh(rec);
	} else if (rc == 0 && record_valid(v)) {
		record_fill(rec, v);
	} else {
		ns_fail(err, "%s/%s: corrupt TOTP record (remove it to reset this approver's "
		             "replay state and lockout)", dirname, user);
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_record(int fd, const struct ns_totp_record *rec, const char *dirname, const char *user,
             struct ns_err *err)
{
	long long v[4] = { rec->last_step, rec->failures, rec->locked_until, rec->lockouts };

	return ns_record_write(fd, TOTP_TAG, v, 4, dirname, user, err);
}

/* The failure that completes a run of max_failures: the next lockout, twice the
 * last one, or held for an administrator once max_lockouts timed ones are spent. */
static void
lock_out(struct ns_totp_record *rec, const char *user, time_t now,
         const struct ns_totp_policy *pol)
{
	long long secs = pol->lockout;
	long long n;

	rec->failures = 0;
	rec->lockouts++;
	if (rec->lockouts > (long long)pol->max_lockouts) {
		rec->locked_until = NS_TOTP_LOCKED_HELD;
		ns_log(LOG_ALERT, "user %s: %lld lockouts in a row for wrong TOTP codes: locked "
		       "until an administrator runs npm-release enroll unlock %s", user,
		       rec->lockouts, user);
		return;
	}
	for (n = 1; n < rec->lockouts && n <= MAX_DOUBLINGS; n++)
		secs *= 2;
	rec->locked_until = (long long)now + secs;
	ns_log(LOG_WARNING, "user %s: %u wrong TOTP codes in a row: locked out for %lld s "
	       "(lockout %lld of %u before an administrator must unlock)", user,
	       pol->max_failures, secs, rec->lockouts, pol->max_lockouts);
}

int
ns_totp_state_use(int totpfd, const char *dirname, const char *user, time_t now,
                  const struct ns_totp_policy *pol, long long (*check_fn)(void *arg),
                  void *arg, struct ns_err *err)
{
	struct ns_totp_record rec = { -1, 0, 0, 0 };
	const char *why = NULL;
	long long step;
	int fd, rc = -1;

	fd = lock_and_read(totpfd, dirname, user, &rec, err);
	if (fd < 0)
		return -1;
	if (rec.locked_until == NS_TOTP_LOCKED_HELD) {
		ns_fail(err, "too many failed codes: locked until an administrator runs "
		             "npm-release enroll unlock %s", user);
		rc = 1;
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
		if (rec.failures >= (long long)pol->max_failures)
			lock_out(&rec, user, now, pol);
	} else {
		rec.last_step = step;
		rec.failures = 0;
		rec.lockouts = 0;
	}
	/* The step is recorded before success is reported. */
	if (write_record(fd, &rec, dirname, user, err) != 0)
		goto out;
	if (why != NULL) {
		ns_fail(err, "%s", why);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: cannot close the record", dirname, user);
	return rc;
}

int
ns_totp_state_unlock(int totpfd, const char *dirname, const char *user,
                     struct ns_totp_record *before, struct ns_err *err)
{
	struct ns_totp_record rec;
	int fd, rc;

	fd = lock_and_read(totpfd, dirname, user, &rec, err);
	if (fd < 0)
		return -1;
	if (before != NULL)
		*before = rec;
	rec.failures = rec.locked_until = rec.lockouts = 0;
	rc = write_record(fd, &rec, dirname, user, err);
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: cannot close the record", dirname, user);
	if (rc == 0)
		ns_log(LOG_NOTICE, "user %s: TOTP lockout lifted by an administrator", user);
	return rc;
}

int
ns_totp_state_set(int totpfd, const char *dirname, const char *user, long long last_step,
                  struct ns_err *err)
{
	struct ns_totp_record rec = { last_step, 0, 0, 0 };
	int fd, rc;

	if (last_step < -1)
		return ns_fail(err, "step %lld is not valid", last_step);
	if (!ns_user_name_valid(user))
		return ns_fail(err, "'%s' is not a valid user name", user);
	/* Not lock_and_read: a damaged record is what a reset is for. */
	fd = ns_record_lock(totpfd, dirname, user, err);
	if (fd < 0)
		return -1;
	rc = write_record(fd, &rec, dirname, user, err);
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: cannot close the record", dirname, user);
	return rc;
}
