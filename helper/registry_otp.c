#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "nslog.h"
#include "registry_otp.h"
#include "timings.h"

/* The registry step of the last stored-seed code taken, kept in state_dir: one
 * approve can send two requests that need a code (the withdrawal and the publish),
 * approves follow each other within a step or run at once, and a registry takes
 * each step once, and none at or before the last it accepted (a refused step also
 * counts as a failed attempt towards its lockout). So the file's lock is held from
 * taking the steps to the end of the writes that use them: steps are sent in the
 * order they are taken. */
#define OTP_STEP_FILE "registry-otp.step"
/* How far ahead of the clock a step taken can be: an approve's two writes, and a
 * retry after the next step. One left there by an approve killed while it waited
 * is honoured; one further ahead counts as the next step (never an older one). */
#define OTP_STEPS_AHEAD_MAX 4
static int otp_state_dirfd = -1;

/* The step file, locked, while this process writes (registry_otp_begin..end), and
 * the steps it took ahead and has not used yet. */
static int writes_fd = -1;
static long long reserved_next = -1, reserved_last = -1;

/* The step file, open and locked (released by close), or -1: without it steps
 * are still taken, only not shared with other approves (warned). Another
 * approve's writes are waited for, saying so. */
static int
otp_step_lock(void)
{
	struct stat st;
	int fd, e = 0;

	if (otp_state_dirfd < 0)
		return -1;
	fd = openat(otp_state_dirfd, OTP_STEP_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		if (e == EWOULDBLOCK) {
			fprintf(stderr, "registry one-time password: waiting for another approve's "
			                "registry writes\n");
			do
				e = flock(fd, LOCK_EX) == 0 ? 0 : errno;
			while (e == EINTR);
		}
		if (e != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		ns_log(LOG_WARNING, "cannot lock the registry one-time password step file");
	return fd;
}

static long long
otp_step_read(int fd)
{
	char buf[24];
	ssize_t n;
	long long v;
	char *end;

	n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	return end != buf && (*end == '\n' || *end == '\0') && v >= 0 ? v : -1;
}

static void
otp_step_write(int fd, long long step)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld\n", step);

	if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		ns_log(LOG_WARNING, "cannot record the registry one-time password step");
}

/* The first step a stored-seed code may use: after every step taken, and from the
 * previous step (registries accept one step either side; the test registry does,
 * see bench/approve). After a refusal (refused), from the next step: registries
 * refuse any step at or before the last one they accepted, so when another client
 * of the account spent the current step, the previous and the current one both
 * fail. */
static long long
otp_first_step(const struct ns_totp_key *k, int refused, long long last)
{
	long long now_step = (long long)time(NULL) / k->period;
	long long first = refused ? now_step + 1 : now_step - 1;

	if (last > now_step + OTP_STEPS_AHEAD_MAX)
		last = now_step + 1;  /* the clock was set back, or approves were killed
		                         * while waiting: after the next step, which the
		                         * registry may have taken */
	return last >= first ? last + 1 : first;
}

/* Takes n steps under the lock: the first usable one and the n - 1 after it. With
 * the writes lock held, under it; otherwise the lock is taken for this only. */
static long long
otp_take(const struct ns_totp_key *k, int refused, unsigned n)
{
	int fd = writes_fd >= 0 ? writes_fd : otp_step_lock();
	long long first = otp_first_step(k, refused, otp_step_read(fd));

	otp_step_write(fd, first + n - 1);
	if (fd >= 0 && fd != writes_fd)
		close(fd);
	return first;
}

/* The registry's single-use steps are spent (a train's writes, back-to-back
 * approves): wait for the next one, counting down on a terminal (one line
 * rewritten each second), and saying it once otherwise. */
static void
otp_countdown(unsigned wait)
{
	int tty = isatty(STDERR_FILENO);

	fprintf(stderr, "registry one-time password: waiting %us for a fresh step%s", wait,
	        tty ? "" : "\n");
	if (!tty) {
		sleep(wait);
		return;
	}
	while (wait > 0) {
		sleep(1);
		wait--;
		fprintf(stderr, "\rregistry one-time password: waiting %us for a fresh step ", wait);
	}
	fprintf(stderr, "\n");
}

/* Waits until `step` is usable: until it is the next step at most. 1 if it
 * waited. */
static int
otp_wait_until_usable(const struct ns_totp_key *k, long long step)
{
	long long since;
	unsigned wait;

	if (step <= (long long)time(NULL) / k->period + 1)
		return 0;
	wait = (unsigned)((step - 1) * k->period - time(NULL)) + 1;
	since = timings_now();
	otp_countdown(wait);
	timings_otp_waited(since);
	return 1;
}

void
registry_otp_begin(int state_dirfd, const struct ns_totp_key *k, unsigned writes)
{
	registry_otp_end();
	otp_state_dirfd = state_dirfd;
	if (writes == 0)
		return;
	writes_fd = otp_step_lock();
	reserved_next = otp_take(k, 0, writes);
	reserved_last = reserved_next + writes - 1;
	otp_wait_until_usable(k, reserved_last);
}

void
registry_otp_end(void)
{
	/* steps taken and never sent (the write was called off): still the next
	 * ones any approve may use */
	if (writes_fd >= 0 && reserved_next >= 0 && reserved_next <= reserved_last)
		otp_step_write(writes_fd, reserved_next - 1);
	if (writes_fd >= 0)
		close(writes_fd);
	writes_fd = -1;
	reserved_next = reserved_last = -1;
}

int
registry_otp_code(const struct ns_totp_key *k, int refused, char *otp, size_t cap,
                  int *waited, struct ns_err *err)
{
	long long now_step = (long long)time(NULL) / k->period, step;

	*waited = 0;
	if (!refused && reserved_next >= 0 && reserved_next <= reserved_last &&
	    reserved_next >= now_step - 1) {
		step = reserved_next++;
	} else {
		/* none taken ahead, or they aged out, or a refusal: the registry has
		 * seen a later step than those, so they are dropped */
		reserved_next = reserved_last = -1;
		step = otp_take(k, refused, 1);
		*waited = otp_wait_until_usable(k, step);
	}
	return ns_totp_generate(k, (time_t)(step * k->period), otp, cap, err);
}
