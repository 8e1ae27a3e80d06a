/* Step timings of one approve (see timings.h). CLOCK_MONOTONIC, so that a clock
 * change during a run cannot make a step negative. Each step is the time from
 * the previous marker to its own; the first starts at timings_start, so "fetch"
 * also holds opening the configuration and state and taking the locks. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timings.h"

/* The markers, in run order; index 0 is the start. */
static const char *const marks[] = { "start", "fetched", "checked", "consumed", "sent", "live",
	                             "recorded" };
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

/* The step each marker ends (the name reported). */
static const char *const steps[NMARKS] = { NULL, "fetch", "checks", "gate", "publish", "confirm",
	                                   "record" };

static int timings_on;
static long long at[NMARKS]; /* ns since the start; -1: not reached */
static long long start_ns, otp_wait_ns;

long long
timings_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
timings_start(void)
{
	size_t i;

	for (i = 0; i < NMARKS; i++)
		at[i] = -1;
	start_ns = timings_now();
	at[0] = 0;
	otp_wait_ns = 0;
	timings_on = 1;
}

void
timings_mark(const char *step)
{
	size_t i;

	if (!timings_on)
		return;
	for (i = 1; i < NMARKS; i++)
		if (strcmp(step, marks[i]) == 0) {
			at[i] = timings_now() - start_ns;
			return;
		}
}

void
timings_otp_waited(long long since)
{
	if (timings_on && since > 0)
		otp_wait_ns += timings_now() - since;
}

void
timings_report(void)
{
	char line[256];
	size_t i, used;
	long long total_ms;
	/* Whole milliseconds of the times since the start, and their differences:
	 * the steps then add up exactly to the last marker, never past the total. */
	long long ms[NMARKS];

	if (!timings_on)
		return;
	total_ms = (timings_now() - start_ns) / 1000000;
	for (i = 0; i < NMARKS; i++)
		ms[i] = at[i] >= 0 ? at[i] / 1000000 : -1;
	used = (size_t)snprintf(line, sizeof(line), "npm-release: timings (ms):");
	for (i = 1; i < NMARKS && used < sizeof(line); i++) {
		long long d;
		if (ms[i] < 0 || ms[i - 1] < 0)
			continue;
		d = ms[i] - ms[i - 1];
		if (strcmp(steps[i], "publish") == 0) {
			/* the registry's wait is inside this step: reported apart, not twice */
			long long w = otp_wait_ns / 1000000;
			if (w > d)
				w = d;
			used += (size_t)snprintf(line + used, sizeof(line) - used,
			                         " publish=%lld otp_wait=%lld", d - w, w);
			continue;
		}
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %s=%lld", steps[i], d);
	}
	if (used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, " total=%lld", total_ms);
	fprintf(stderr, "%s\n", line);
}
