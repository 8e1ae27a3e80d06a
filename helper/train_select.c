/* A train's arguments and the selectors over what is staged (train_select.h). */
#include "config.h"

#include <fnmatch.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approver.h"
#include "commands.h"
#include "sanitize.h"
#include "stage_record.h"
#include "train_resume.h"
#include "train_select.h"

/* TIME: seconds since the epoch, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or an age such
 * as 30m, 2h, 1d (before now). */
static int
parse_since(const char *v, long long *out)
{
	struct tm tm;
	const char *end;
	char *e;
	long long n;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL && *end == '\0') {
		*out = (long long)timegm(&tm);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%d", &tm)) != NULL && *end == '\0') {
		*out = (long long)timegm(&tm);
		return 0;
	}
	if (v[0] < '0' || v[0] > '9')
		return -1;
	n = strtoll(v, &e, 10);
	if (n < 0 || n > 100LL * 365 * 86400 * 100)
		return -1;
	if (*e == '\0')
		*out = n;
	else if (strcmp(e, "m") == 0 && n <= 1000000)
		*out = (long long)time(NULL) - n * 60;
	else if (strcmp(e, "h") == 0 && n <= 100000)
		*out = (long long)time(NULL) - n * 3600;
	else if (strcmp(e, "d") == 0 && n <= 10000)
		*out = (long long)time(NULL) - n * 86400;
	else
		return -1;
	return 0;
}

static int
add_id(struct train_args *a, const char *id)
{
	char norm[NS_ID_MAX];
	size_t i;

	if (stage_id_normalize(id, norm) != 0)
		return -1;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->ids[i], norm) == 0)
			return 0;
	if (a->n == NS_TRAIN_MEMBERS_MAX)
		return -2;
	memcpy(a->ids[a->n++], norm, NS_ID_MAX);
	return 0;
}

static int
usage(const char *cmd)
{
	fprintf(stderr, "usage: npm-release %s [--json] STAGE-ID...\n"
	                "       npm-release %s [--json] [--package GLOB] [--staged-by USER] "
	                "[--since TIME] [--same-commit STAGE-ID]\n", cmd, cmd);
	return NS_EXIT_USAGE;
}

int
train_parse_args(int argc, char **argv, struct train_args *a, const char *cmd)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "package", required_argument, NULL, 'p' },
		{ "staged-by", required_argument, NULL, 'b' },
		{ "since", required_argument, NULL, 's' },
		{ "train", no_argument, NULL, 't' },
		{ "same-commit", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 } };
	int c, k;

	a->since = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = 1; break;
		case 'p': a->package = optarg; break;
		case 'b': a->staged_by = optarg; break;
		case 't': break;
		case 'c':
			if (stage_id_normalize(optarg, a->same_commit) != 0) {
				fprintf(stderr, "npm-release: --same-commit: stage-id must be a valid "
				                "UUID\n");
				return -1;
			}
			break;
		case 's':
			if (parse_since(optarg, &a->since) != 0) {
				char shown[48]; /* the caller's text, never a raw escape */

				ns_sanitize(shown, sizeof(shown), optarg);
				fprintf(stderr, "npm-release: --since: '%s' is not a time (epoch "
				                "seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or 30m/2h/1d)\n",
				        shown);
				return -1;
			}
			break;
		default: return -1;
		}
	}
	if ((a->package != NULL && (strlen(a->package) == 0 || strlen(a->package) > 214)) ||
	    (a->staged_by != NULL && !ns_user_name_valid(a->staged_by)))
		return usage(cmd), -1;
	for (; optind < argc; optind++) {
		k = add_id(a, argv[optind]);
		if (k == -2) {
			fprintf(stderr, "npm-release: a train has at most %d members\n",
			        NS_TRAIN_MEMBERS_MAX);
			return -1;
		}
		if (k != 0) {
			fprintf(stderr, "npm-release: stage-id must be a valid UUID\n");
			return -1;
		}
	}
	if (a->n > 0 && (a->package || a->staged_by || a->since >= 0 || a->same_commit[0])) {
		fprintf(stderr, "npm-release: name the members or select them, not both\n");
		return -1;
	}
	if (a->n == 0 && !a->package && !a->staged_by && a->since < 0 && !a->same_commit[0])
		return usage(cmd), -1;
	return 0;
}

static int
selected(const struct train_args *a, const char *name, const char *by, long long at)
{
	return (a->package == NULL || fnmatch(a->package, name, 0) == 0) &&
	       (a->staged_by == NULL || strcmp(a->staged_by, by) == 0) &&
	       (a->since < 0 || at >= a->since);
}

struct select_arg {
	struct session *s;
	struct train_args *a;
};

/* What a selection leaves out (said, not failed: a stager could otherwise make
 * any selector train fail): a release the caller already approved while its scope
 * waits for another approver, and a member of another approver's interrupted
 * train. */
static int
caller_can_act(struct session *s, const struct ns_release *r)
{
	unsigned need = ns_config_min_approvers(s->cfg, r->name), have = 0;
	struct ns_train t;
	struct ns_err err;
	int mine = 0, k;

	if (strcmp(r->status, "publishing") == 0) {
		if (train_resumable_of(s, r->id, &t) != 1)
			return 1; /* reconciled by the train's checks */
		k = strcmp(t.approver, s->caller) == 0;
		if (!k)
			fprintf(stderr, "left out: %s (%s@%s), in %s's interrupted train %s\n", r->id,
			        r->name, r->version, t.approver, t.id);
		ns_train_clear(&t);
		return k;
	}
	if (need > 1 && ns_approvals_consumed(s->st, r->id, s->caller, &have, &mine, &err) == 0 &&
	    mine && have < need) {
		fprintf(stderr, "left out: %s (%s@%s), which you approved (%u of %u approvers)\n",
		        r->id, r->name, r->version, have, need);
		return 0;
	}
	return 1;
}

static int
select_local(const struct ns_release *r, void *p)
{
	struct select_arg *sa = p;
	struct train_args *a = sa->a;

	/* "publishing": a train interrupted while it published, to reconcile or resume */
	if ((strcmp(r->status, "staged") == 0 || strcmp(r->status, "checked") == 0 ||
	     strcmp(r->status, "publishing") == 0) &&
	    selected(a, r->name, r->staged_by, r->staged_at) && caller_can_act(sa->s, r) &&
	    add_id(a, r->id) == -2)
		return -1;
	return 0;
}

int
train_select_members(struct session *s, struct train_args *a)
{
	struct select_arg sa;
	struct ns_err err;
	json_t *reg, *it;
	size_t i;

	if (a->n > 0)
		return 0;
	if (a->same_commit[0])
		add_id(a, a->same_commit); /* the anchor is checked whatever the other selectors */
	sa.s = s;
	sa.a = a;
	if (ns_release_each(s->st, select_local, &sa, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", a->n == NS_TRAIN_MEMBERS_MAX ?
		        "the selection has more members than a train may have" : err.msg);
		return -1;
	}
	if (s->cfg->registry_url != NULL && s->cfg->registry_mode == NS_MODE_STAGE) {
		reg = json_array();
		if (reg == NULL || list_registry_stages(s, NULL, reg, &err) != 0) {
			fprintf(stderr, "npm-release: registry: %s\n", reg ? err.msg : "out of memory");
			json_decref(reg);
			return -1;
		}
		json_array_foreach(reg, i, it) {
			const char *id = json_string_value(json_object_get(it, "id"));
			const char *name = json_string_value(json_object_get(it, "packageName"));
			const char *by = json_string_value(json_object_get(it, "actor"));
			const char *when = json_string_value(json_object_get(it, "createdAt"));
			long long at = 0;
			struct tm tm;
			const char *end;

			memset(&tm, 0, sizeof(tm));
			if (when != NULL && (end = strptime(when, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL)
				at = (long long)timegm(&tm);
			if (id == NULL || name == NULL || !selected(a, name, by ? by : "", at))
				continue;
			if (add_id(a, id) == -2) {
				fprintf(stderr, "npm-release: the selection has more members than a train "
				                "may have (%d)\n", NS_TRAIN_MEMBERS_MAX);
				json_decref(reg);
				return -1;
			}
		}
		json_decref(reg);
	}
	if (a->n == 0) {
		fprintf(stderr, "npm-release: nothing staged matches the selection\n");
		return -1;
	}
	return 0;
}

