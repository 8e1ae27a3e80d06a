/* Test helper: a clean softfido2 environment for each test, with a private
 * counter file so parallel test programs never share one. Header-only so that a
 * test can use it without linking the authenticator (the preload test must not). */
#ifndef SF2_TESTENV_H
#define SF2_TESTENV_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char sf2_counter_path[256];

static void
sf2_testenv_cleanup(void)
{
	if (sf2_counter_path[0] != '\0')
		unlink(sf2_counter_path);
}

/* Unsets every SOFTFIDO2_* knob; the first call creates the counter file. */
static inline void
sf2_testenv_reset(void)
{
	static const char *const knobs[] = { "SOFTFIDO2_SEED", "SOFTFIDO2_UP",
	    "SOFTFIDO2_UV", "SOFTFIDO2_COUNTER", "SOFTFIDO2_ATTEST",
	    "SOFTFIDO2_TAMPER_CDH", "SOFTFIDO2_ABSENT" };

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		unsetenv(knobs[i]);
	if (sf2_counter_path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		int fd;

		snprintf(sf2_counter_path, sizeof(sf2_counter_path), "%s/sf2ctr.XXXXXX",
		    tmp != NULL && *tmp == '/' ? tmp : "/tmp");
		if ((fd = mkstemp(sf2_counter_path)) < 0) {
			perror("mkstemp");
			exit(1);
		}
		close(fd);
		atexit(sf2_testenv_cleanup);
	}
	setenv("SOFTFIDO2_COUNTER_FILE", sf2_counter_path, 1);
}

/* reset, then the given seed (hex) */
static inline void
sf2_testenv_seed(const char *seed)
{
	sf2_testenv_reset();
	setenv("SOFTFIDO2_SEED", seed, 1);
}

#endif
