/* npm-release log [--verify] [--json]: the hash-chained ledger. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "nslog.h"
#include "session.h"

static int
print_entry(long long seq, long long t, const char *event, const char *data, const char *hash,
            void *arg)
{
	char when[32], clean[4096];
	time_t tt = (time_t)t;
	struct tm tm;

	(void)arg;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	ns_sanitize(clean, sizeof(clean), data);
	printf("%6lld %s %-14s %s %.12s\n", seq, when, event, clean, hash);
	return 0;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = { { "verify", no_argument, NULL, 'v' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct ns_err err;
	long long n;
	int c, verify = 0, rc = NS_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'v')
			verify = 1;
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: npm-release log [--verify]\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 0) != 0)
		return NS_EXIT_USAGE;
	if (verify) {
		n = ns_ledger_verify(s.st, &err);
		if (n < 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			goto out;
		}
		printf("ledger: %lld entries, chain verifies\n", n);
	} else if (ns_ledger_each(s.st, print_entry, NULL, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	rc = NS_EXIT_OK;
out:
	session_close(&s);
	return rc;
}
