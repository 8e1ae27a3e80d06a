/* npm-release approve --timings: the wall-clock milliseconds of each approve step,
 * from the step markers (session_step) and the registry one-time password waits,
 * printed as one line on standard error after the run. Off unless started. */
#ifndef NS_TIMINGS_H
#define NS_TIMINGS_H

/* Turns the timings on; the run's clock starts here. */
void timings_start(void);

/* An approve step boundary (session_step calls it): fetched, checked, consumed,
 * sent, live, recorded are the ends of the steps reported; others are ignored. */
void timings_mark(const char *step);

/* The monotonic clock in nanoseconds, and the time waited since `since` for a
 * fresh registry one-time password step (reported apart from publish). */
long long timings_now(void);
void timings_otp_waited(long long since);

/* Prints the line if timings_start was called: every step that ended, then the
 * total. Steps that were not reached (a run that stopped early) are left out. */
void timings_report(void);

#endif
