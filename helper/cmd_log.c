/* npm-release log [--verify [--signatures]] [--json]: the hash-chained ledger (--json:
 * an array of {seq, time, event, data, hash}; with --verify: {verified, entries|error});
 * --signatures also re-verifies every hardware signature the entries keep.
 * npm-release log --statement|--proof APPROVAL-ID: the signed statement, verbatim, or
 * the SSHSIG signature the ledger keeps, for `ssh-keygen -Y verify`.
 * npm-release log --reanchor (root): after a crash left the head anchor behind and
 * an administrator has checked the entries after it, anchor the head again. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "ledger_signatures.h"
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

/* --json: one array; each entry's data is the JSON the event recorded. */
static int
json_entry(long long seq, long long t, const char *event, const char *data, const char *hash,
           void *arg)
{
	json_t *arr = arg, *d = json_loads(data, JSON_REJECT_DUPLICATES, NULL);

	json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:o, s:s}", "seq", (json_int_t)seq,
	                                     "time", (json_int_t)t, "event", event, "data",
	                                     d ? d : json_string(data), "hash", hash));
	return 0;
}

/* The re-anchoring is itself an entry (who, from which entry, to which head), so
 * the new anchor and its syslog line name an entry that records it. */
static int
reanchor(struct session *s)
{
	struct ns_err err;
	long long anchored = 0, n;

	if (!s->caller_is_admin) {
		fprintf(stderr, "npm-release: log --reanchor is for root\n");
		return NS_EXIT_FAIL;
	}
	n = ns_ledger_check(s->st, &anchored, &err);
	if (n < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	if (n == anchored) {
		printf("ledger: %lld entries, the head anchor is current: nothing to do\n", n);
		return NS_EXIT_OK;
	}
	if (session_ledger(s, "reanchor", "{\"anchored\":%lld,\"head\":%lld,\"by\":\"%s\"}",
	                   anchored, n, s->caller) != 0)
		return NS_EXIT_FAIL;
	printf("ledger: entries %lld..%lld accepted by %s; anchored at entry %lld\n",
	       anchored + 1, n, s->caller, n + 1);
	return NS_EXIT_OK;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = { { "verify", no_argument, NULL, 'v' },
		                              { "json", no_argument, NULL, 'j' },
		                              { "reanchor", no_argument, NULL, 'r' },
		                              { "signatures", no_argument, NULL, 's' },
		                              { "statement", required_argument, NULL, 'S' },
		                              { "proof", required_argument, NULL, 'P' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct ns_err err;
	long long n;
	int c, verify = 0, json = 0, re = 0, sigs = 0, rc = NS_EXIT_FAIL;
	unsigned checked = 0, failed = 0, unproven = 0;
	const char *one = NULL;
	int one_kind = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'v')
			verify = 1;
		else if (c == 'j')
			json = 1;
		else if (c == 'r')
			re = 1;
		else if (c == 's')
			sigs = 1;
		else if (c == 'S' || c == 'P') {
			if (one != NULL)
				return NS_EXIT_USAGE;
			one = optarg;
			one_kind = c;
		}
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc || (re && (verify || json)) || (sigs && (!verify || json)) ||
	    (one != NULL && (re || verify || json)) ||
	    (one != NULL && (strlen(one) >= NS_ID_MAX || strspn(one, "0123456789abcdef") != strlen(one)))) {
		fprintf(stderr, "usage: npm-release log [--verify [--signatures]] [--json] | "
		                "log --reanchor | log --statement|--proof APPROVAL-ID\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, re ? NS_SESSION_ADMIN : 0) != 0)
		return NS_EXIT_USAGE;
	if (re) {
		rc = reanchor(&s);
		goto out;
	}
	if (one != NULL) {
		if ((one_kind == 'S' ? ledger_print_statement(&s, one, &err) :
		                       ledger_print_proof(&s, one, &err)) != 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			goto out;
		}
		rc = NS_EXIT_OK;
		goto out;
	}
	if (verify) {
		n = ns_ledger_verify(s.st, &err);
		if (json) {
			json_t *o = n < 0 ? json_pack("{s:b, s:s}", "verified", 0, "error", err.msg) :
			                    json_pack("{s:b, s:I}", "verified", 1, "entries", (json_int_t)n);
			char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
			printf("%s\n", text ? text : "{\"verified\":false}");
			free(text);
			json_decref(o);
		}
		if (n < 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			goto out;
		}
		if (!json)
			printf("ledger: %lld entries, chain verifies\n", n);
		if (sigs) {
			if (ledger_verify_signatures(&s, &checked, &failed, &unproven, &err) != 0) {
				fprintf(stderr, "npm-release: %s\n", err.msg);
				goto out;
			}
			printf("signatures: %u checked, %u failed, %u recorded before proofs\n", checked,
			       failed, unproven);
			if (failed != 0)
				goto out;
		}
	} else if (json) {
		json_t *arr = json_array();
		char *text;
		if (arr == NULL || ns_ledger_each(s.st, json_entry, arr, &err) != 0) {
			fprintf(stderr, "npm-release: %s\n", arr ? err.msg : "out of memory");
			json_decref(arr);
			goto out;
		}
		text = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", text ? text : "[]");
		free(text);
		json_decref(arr);
	} else if (ns_ledger_each(s.st, print_entry, NULL, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	rc = NS_EXIT_OK;
out:
	session_close(&s);
	return rc;
}
