/* The per-approver TOTP record (record.h): the last step used, failures in a row
 * and the end of a lockout, decided and rewritten under the record's lock. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "approver.h"
#include "record.h"
#include "totp_state.h"

#define TOTP_TAG "npmstage-totp 1"

int
ns_totp_record_parse(const char *buf, size_t len, struct ns_totp_record *rec)
{
	long long v[3];
	int rc = ns_record_parse(buf, len, TOTP_TAG, v, 3);

	if (rc == 1) {
		rec->last_step = -1;
		rec->failures = rec->locked_until = 0;
		return 0;
	}
	if (rc != 0 || v[0] < -1 || v[1] < 0)
		return -1;
	rec->last_step = v[0];
	rec->failures = v[1];
	rec->locked_until = v[2];
	return 0;
}

int
ns_totp_record_format(const struct ns_totp_record *rec, char *buf, size_t cap)
{
	long long v[3] = { rec->last_step, rec->failures, rec->locked_until };

	return ns_record_format(buf, cap, TOTP_TAG, v, 3);
}

/* Locks totp/USER and reads it; -1 with err on anything but a valid record. */
static int
lock_and_read(int totpfd, const char *dirname, const char *user, struct ns_totp_record *rec,
              struct ns_err *err)
{
	long long v[3];
	int fd, rc;

	if (!ns_user_name_valid(user))
		return ns_fail(err, "'%s' is not a valid user name", user);
	fd = ns_record_lock(totpfd, dirname, user, err);
	if (fd < 0)
		return -1;
	rc = ns_record_read(fd, TOTP_TAG, v, 3, dirname, user, err);
	if (rc == 1) {
		rec->last_step = -1;
		rec->failures = rec->locked_until = 0;
	} else if (rc == 0 && v[0] >= -1 && v[1] >= 0) {
		rec->last_step = v[0];
		rec->failures = v[1];
		rec->locked_until = v[2];
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
	long long v[3] = { rec->last_step, rec->failures, rec->locked_until };

	return ns_record_write(fd, TOTP_TAG, v, 3, dirname, user, err);
}

int
ns_totp_state_use(int totpfd, const char *dirname, const char *user, time_t now,
                  const struct ns_totp_policy *pol, long long (*check_fn)(void *arg),
                  void *arg, struct ns_err *err)
{
	struct ns_totp_record rec = { -1, 0, 0 };
	const char *why = NULL;
	long long step;
	int fd, rc = -1;

	fd = lock_and_read(totpfd, dirname, user, &rec, err);
	if (fd < 0)
		return -1;
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
ns_totp_state_set(int totpfd, const char *dirname, const char *user, long long last_step,
                  struct ns_err *err)
{
	struct ns_totp_record rec = { last_step, 0, 0 };
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
