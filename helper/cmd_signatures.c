/* npm-release signatures: the registry signatures of packuments, version documents or
 * lists of {name, version, integrity, keyid, sig} (npm-release(8), SIGNATURES). Runs as
 * the caller; needs no state. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "nslog.h"
#include "sanitize.h"
#include "../checks/sigstore.h"

#define MAX_FILES 256

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release signatures [--json] --registry-keys FILE FILE...\n");
	return NS_EXIT_USAGE;
}

static void
say(FILE *f, const char *prefix, const char *a, const char *b)
{
	char x[600], y[600];

	ns_sanitize(x, sizeof(x), a);
	ns_sanitize(y, sizeof(y), b != NULL ? b : "");
	fprintf(f, "%s%s%s%s\n", prefix, x, b != NULL && *b ? ": " : "", y);
}

int
cmd_signatures(int argc, char **argv)
{
	const char *keyfile = NULL, *files[MAX_FILES];
	struct ns_regsig_item *items = NULL;
	struct ns_regkeys keys;
	struct ns_err err = { "" };
	size_t nitems = 0, nfiles = 0, i;
	int json = 0, failed = 0, r;
	json_t *out;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--registry-keys") == 0 && i + 1 < (size_t)argc)
			keyfile = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage();
		else if (nfiles == MAX_FILES)
			return usage();
		else
			files[nfiles++] = argv[i];
	}
	if (keyfile == NULL || nfiles == 0)
		return usage();
	if (ns_regkeys_load(keyfile, &keys, &err) != 0) {
		say(stderr, "npm-release signatures: ", err.msg, NULL);
		return NS_EXIT_USAGE;
	}
	out = json_pack("{s:s, s:[]}", "result", "pass", "signatures");
	for (i = 0; i < nfiles; i++) {
		char *buf;
		size_t len;
		json_t *doc;

		if (ns_read_small_file(files[i], &buf, &len, &err) != 0) {
			say(stderr, "npm-release signatures: ", err.msg, NULL);
			failed = 1;
			continue;
		}
		doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
		free(buf);
		if (doc == NULL) {
			say(stderr, "npm-release signatures: not JSON: ", files[i], NULL);
			failed = 1;
			continue;
		}
		r = ns_regsig_verify_doc(doc, &keys, &items, &nitems, &err);
		json_decref(doc);
		if (r < 0) {
			say(stderr, "npm-release signatures: ", files[i], err.msg);
			failed = 1;
		} else if (r == 1)
			failed = 1;
	}
	for (i = 0; i < nitems; i++) {
		const struct ns_regsig_item *it = &items[i];
		char what[400], nm[1100], ver[520], kid[400], why[1100];
		json_t *one;

		snprintf(what, sizeof(what), "%s@%s", it->name, it->version);
		if (!json)
			say(stdout, it->ok ? "ok   " : "FAIL ", what, it->reason);
		/* valid UTF-8 for JSON: the fixed-size copies may have cut a character */
		ns_sanitize(nm, sizeof(nm), it->name);
		ns_sanitize(ver, sizeof(ver), it->version);
		ns_sanitize(kid, sizeof(kid), it->keyid);
		ns_sanitize(why, sizeof(why), it->reason);
		one = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "name", nm, "version", ver,
		                "keyid", kid, "result", it->ok ? "pass" : "fail",
		                "publish_time_known", it->time_known, "reason",
		                why[0] ? json_string(why) : json_null());
		if (one == NULL || json_array_append_new(json_object_get(out, "signatures"), one))
			failed = 1;   /* never a shorter list that looks complete */
	}
	if (nitems == 0)
		failed = 1;
	if (json) {
		json_object_set_new(out, "result", json_string(failed ? "fail" : "pass"));
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
	} else
		printf("%zu signature(s): %s\n", nitems, failed ? "FAILED" : "all verified");
	json_decref(out);
	free(items);
	ns_regkeys_free(&keys);
	return failed ? NS_EXIT_FAIL : NS_EXIT_OK;
}
