/* A release train's rerun after a crash while it published: the members that
 * went live are done, the rest are still "publishing" under the train's consumed
 * approval. While that approval lasts, the same approver's rerun of the same train
 * publishes only those, with the token the module hands over for the train
 * without a new factor (it verifies the same bytes and statement); after it, they
 * go back to "checked" and need a fresh approval (approve_member.c reconciles). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approve_member.h"
#include "commands.h"
#include "pam_gate.h"
#include "session.h"
#include "train.h"
#include "train_resume.h"

struct ledger_find {
	const char *release_id;
	char train[NS_ID_MAX];
};

/* The newest approve entry of the release whose proof is "train ID". */
static int
find_train_entry(long long seq, long long t, const char *event, const char *data,
                 const char *hash, void *arg)
{
	struct ledger_find *f = arg;
	const char *id, *proof;
	json_t *d;

	(void)seq;
	(void)t;
	(void)hash;
	if (strcmp(event, "approve") != 0 || (d = json_loads(data, 0, NULL)) == NULL)
		return 0;
	id = json_string_value(json_object_get(d, "id"));
	proof = json_string_value(json_object_get(d, "proof"));
	if (id != NULL && proof != NULL && strcmp(id, f->release_id) == 0) {
		f->train[0] = '\0';
		if (strncmp(proof, "train ", 6) == 0 && strlen(proof + 6) < sizeof(f->train))
			snprintf(f->train, sizeof(f->train), "%s", proof + 6);
	}
	json_decref(d);
	return 0;
}

static const char *
utc(long long when, char *buf, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "?");
	return buf;
}

int
train_resumable_of(struct session *s, const char *release_id, struct ns_train *t)
{
	struct ledger_find f;
	struct ns_err err;
	int k;

	memset(t, 0, sizeof(*t));
	memset(&f, 0, sizeof(f));
	f.release_id = release_id;
	if (ns_ledger_each(s->st, find_train_entry, &f, &err) != 0)
		return -1;
	if (f.train[0] == '\0')
		return 0;
	k = ns_train_read(s->st, f.train, t, &err);
	if (k != 0 || !t->consumed || t->expires <= (long long)time(NULL)) {
		ns_train_clear(t);
		return k < 0 ? -1 : 0;
	}
	return 1;
}

/* Which named member is release id, or n. */
static size_t
member_index(const struct approve_member *m, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].id, id) == 0)
			break;
	return i;
}

/* The train's members as the state database holds them: each "publishing" one
 * must be named by this rerun (it is marked resume, its approval copied); every
 * member is "publishing" or "published". 0, 1 the train cannot be resumed (a
 * member in another status: printed), or -1 (printed). */
static int
mark_members(struct session *s, struct approve_member *m, size_t n, const struct ns_train *t)
{
	struct ns_approval a;
	struct ns_release r;
	struct ns_err err;
	size_t i, j;
	int ok;

	for (i = 0; i < t->n; i++) {
		if (ns_approval_get(s->st, t->members[i], &a, &err) != 0) {
			fprintf(stderr, "npm-release: train %s: member approval %s unknown; not "
			                "resumed\n", t->id, t->members[i]);
			return -1;
		}
		if (ns_release_get(s->st, a.release_id, &r, &err) != 0) {
			fprintf(stderr, "npm-release: train %s: release %s unknown; not resumed\n",
			        t->id, a.release_id);
			ns_approval_clear(&a);
			return -1;
		}
		j = member_index(m, n, r.id);
		ok = 1;
		if (strcmp(r.status, "publishing") == 0 && j == n) {
			fprintf(stderr, "npm-release: train %s is not complete: %s@%s (%s) is still to "
			                "publish; name every member of the train to resume it\n",
			        t->id, r.name, r.version, r.id);
			ok = 0;
		} else if (strcmp(r.status, "publishing") != 0 && strcmp(r.status, "published") != 0) {
			fprintf(stderr, "npm-release: train %s cannot be resumed: its member %s@%s "
			                "(%s) is %s; what is not live needs a fresh approval\n", t->id,
			        r.name, r.version, r.id, r.status);
			ok = -1;
		} else if (strcmp(r.status, "publishing") == 0) {
			m[j].resume = 1;
			ns_approval_clear(&m[j].a);
			m[j].a = a;
			memset(&a, 0, sizeof(a));
		}
		ns_approval_clear(&a);
		ns_release_clear(&r);
		if (ok == 0)
			return -1;
		if (ok < 0) {
			for (j = 0; j < n; j++) {
				m[j].resume = 0;
				ns_approval_clear(&m[j].a);
				memset(&m[j].a, 0, sizeof(m[j].a));
			}
			return 1;
		}
	}
	return 0;
}

int
train_resume_find(struct session *s, struct approve_member *m, size_t n, struct ns_train *t)
{
	struct ledger_find f;
	struct ns_release r;
	struct ns_err err;
	char when[32];
	size_t i;
	int k, found = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		k = ns_release_get(s->st, m[i].id, &r, &err);
		if (k < 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			goto refused;
		}
		if (k == 1)
			continue; /* a registry stage this host has not recorded yet */
		k = strcmp(r.status, "publishing") == 0;
		ns_release_clear(&r);
		if (!k)
			continue;
		memset(&f, 0, sizeof(f));
		f.release_id = m[i].id;
		if (ns_ledger_each(s->st, find_train_entry, &f, &err) != 0) {
			fprintf(stderr, "npm-release: ledger: %s\n", err.msg);
			goto refused;
		}
		if (f.train[0] == '\0')
			continue; /* a single approve's: reconciled as such */
		if (found && strcmp(f.train, t->id) != 0) {
			fprintf(stderr, "npm-release: the members belong to two interrupted trains "
			                "(%s and %s); rerun each train with its own members\n", t->id,
			        f.train);
			goto refused;
		}
		if (found)
			continue;
		k = ns_train_read(s->st, f.train, t, &err);
		if (k < 0) {
			fprintf(stderr, "npm-release: train %s of %s: %s; not resumed\n", f.train,
			        m[i].id, err.msg);
			goto refused;
		}
		if (k == 1 || !t->consumed) {
			fprintf(stderr, "npm-release: train %s of %s %s: it cannot be resumed; its "
			                "unpublished members need a fresh approval\n", f.train, m[i].id,
			        k == 1 ? "has no ticket" : "was never used");
			ns_train_clear(t);
			return 0;
		}
		found = 1;
	}
	if (!found)
		return 0;
	if (t->expires <= (long long)time(NULL)) {
		fprintf(stderr, "npm-release: train %s expired at %s: nothing is resumed after "
		                "its approval expires; its unpublished members need a fresh "
		                "approval\n", t->id, utc(t->expires, when, sizeof(when)));
		ns_train_clear(t);
		return 0;
	}
	if (strcmp(t->approver, s->caller) != 0) {
		/* refused here, before any lock or request (the module refuses it too) */
		fprintf(stderr, "npm-release: train %s was approved by %s: only they can resume "
		                "it (until %s); nothing done\n", t->id, t->approver,
		        utc(t->expires, when, sizeof(when)));
		goto refused;
	}
	if ((k = mark_members(s, m, n, t)) < 0)
		goto refused;
	if (k == 1) {
		ns_train_clear(t);
		return 0;
	}
	return 1;
refused:
	ns_train_clear(t);
	return -1;
}

int
train_resume_publish(struct session *s, struct approve_member *m, int *state, size_t n,
                     const struct ns_train *t, int json)
{
	struct gate_token *tok = gate_token_new();
	struct ns_err err;
	size_t i, pending = 0, live = 0;
	char when[32], *ids = malloc(n * NS_ID_MAX + 1);
	int rc = NS_EXIT_FAIL, stopped = 0, incomplete = 0;

	if (tok == NULL || ids == NULL) {
		fprintf(stderr, "npm-release: out of (locked) memory\n");
		goto out;
	}
	ids[0] = '\0';
	for (i = 0; i < n; i++)
		if (state[i] == TRAIN_M_RESUME) {
			snprintf(ids + strlen(ids), n * NS_ID_MAX + 1 - strlen(ids), "%s%s",
			         pending ? " " : "", m[i].id);
			pending++;
		}
	if (pending == 0) {
		fprintf(stderr, "npm-release: train %s: nothing left to publish\n", t->id);
		goto out;
	}
	fprintf(stderr, "train %s: resuming: %zu of %zu packages still to publish (approved by "
	                "%s, until %s)\n", t->id, pending, t->n, t->approver,
	        utc(t->expires, when, sizeof(when)));
	tok->answer_timeout = GATE_ANSWER_TIMEOUT(s->cfg->approval_ttl);
	if (gate_run(s->cfg->service, s->caller, t->id, tok, &err) != 0 || !tok->received) {
		fprintf(stderr, "npm-release: train %s was not resumed: %s; nothing was published\n",
		        t->id, tok->received ? "no token" : err.msg);
		session_ledger(s, "deny", "{\"train\":\"%s\",\"approver\":\"%s\",\"resume\":true}",
		               t->id, s->caller);
		goto out;
	}
	if (session_ledger(s, "train-resume", "{\"train\":\"%s\",\"approver\":\"%s\","
	                   "\"statement_sha256\":\"%s\",\"members\":\"%s\"}", t->id, s->caller,
	                   t->statement_sha256, ids) != 0)
		goto out;
	live = train_publish_members(s, m, state, n, TRAIN_M_RESUME, t->id, tok, &stopped,
	                             &incomplete);
	if (live == (size_t)-1)
		goto out;
	if (incomplete) {
		fprintf(stderr, "npm-release: train %s %s after %zu of %zu remaining packages "
		        "went live\n", t->id, stopped ? "stopped again" : "ended", live, pending);
		train_print_table(m, state, n, json, t->id, "incomplete");
		goto out;
	}
	session_ledger(s, "train-live", "{\"train\":\"%s\",\"members\":%zu,\"resumed\":true}",
	               t->id, live);
	if (json)
		train_print_table(m, state, n, 1, t->id, "published");
	else
		printf("train %s: %zu packages live (resumed; %zu of %zu were live before)\n",
		       t->id, live, t->n - pending, t->n);
	rc = NS_EXIT_OK;
out:
	gate_token_free(tok);
	free(ids);
	return rc;
}
