/* npm-release show [--json] <id>: the release record and, once checked, its
 * report; a registry stage not seen locally is shown from the registry. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "commands.h"
#include "nslog.h"
#include "registry.h"
#include "session.h"
#include "stage_record.h"
#include "token_store.h"

static json_t *
release_json(const struct ns_release *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "id", r->id,
	                      "origin", r->origin, "packageName", r->name, "version", r->version,
	                      "tag", r->tag, "shasum", r->shasum, "integrity", r->integrity,
	                      "size", (json_int_t)r->size, "actor", r->staged_by, "stagedAt",
	                      (json_int_t)r->staged_at, "status", r->status);
	json_error_t jerr;

	if (o != NULL && r->report != NULL) {
		json_t *rep = json_loads(r->report, 0, &jerr);
		if (rep != NULL)
			json_object_set_new(o, "report", rep);
	}
	return o;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct ns_release r;
	struct ns_err err;
	json_t *o = NULL;
	char id[NS_ID_MAX], clean[6][300];
	int c, json = 0, rc = NS_EXIT_FAIL, k;

	for (c = 1; c < argc; c++)
		if (strcmp(argv[c], "--train") == 0)
			return cmd_show_train(argc, argv);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc - 1 || stage_id_normalize(argv[optind], id) != 0) {
		fprintf(stderr, "usage: npm-release show [--json] STAGE-ID (a UUID)\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 0) != 0)
		return NS_EXIT_USAGE;
	memset(&r, 0, sizeof(r));
	k = ns_release_get(s.st, id, &r, &err);
	if (k == 1 && s.cfg->registry_url != NULL && s.cfg->registry_mode == NS_MODE_STAGE) {
		struct reg_client *cl;
		char token[NS_TOKEN_MAX];
		k = -1;
		if (ns_read_token_load(s.cfg->read_token_file, token, sizeof(token), &err) == 0) {
			cl = reg_new(s.cfg->registry_url, s.cfg->ca_file, s.cfg->registry_timeout, &err);
			if (cl != NULL && stage_record_fetch(cl, token, id, &r, &err) == 0) {
				snprintf(r.status, sizeof(r.status), "on registry");
				k = 0;
			}
			reg_free(cl);
			explicit_bzero(token, sizeof(token));
		}
	}
	if (k != 0) {
		fprintf(stderr, "npm-release: %s\n", k == 1 ? "no such release" : err.msg);
		goto out;
	}
	if (json) {
		char *text;
		o = release_json(&r);
		text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
		if (text == NULL)
			goto out;
		printf("%s\n", text);
		free(text);
	} else {
		ns_sanitize(clean[0], sizeof(clean[0]), r.name);
		ns_sanitize(clean[1], sizeof(clean[1]), r.version);
		ns_sanitize(clean[2], sizeof(clean[2]), r.tag);
		ns_sanitize(clean[3], sizeof(clean[3]), r.staged_by);
		ns_sanitize(clean[4], sizeof(clean[4]), r.status);
		ns_sanitize(clean[5], sizeof(clean[5]), r.integrity[0] ? r.integrity : "-");
		printf("id         %s (%s)\npackage    %s@%s\ndist-tag   %s\nstaged by  %s\n"
		       "status     %s\nshasum     %s\nintegrity  %s\n", r.id, r.origin, clean[0],
		       clean[1], clean[2], clean[3], clean[4], r.shasum, clean[5]);
		if (strcmp(r.status, "compromised") == 0)
			printf("INCIDENT   the registry served this version with bytes or a manifest "
			       "that were not approved (see the incident in npm-release log)\n");
		if (r.report != NULL) {
			json_error_t jerr;
			json_t *rep = json_loads(r.report, 0, &jerr);
			if (rep != NULL) {
				fflush(stdout);
				checks_print(rep);
				json_decref(rep);
			}
		}
	}
	rc = NS_EXIT_OK;
out:
	json_decref(o);
	ns_release_clear(&r);
	session_close(&s);
	return rc;
}
