/* npm-release approve ID ID... | approve --package GLOB --staged-by USER --since TIME:
 * a release train. Every member is checked before anyone is asked anything; one
 * failure approves nothing. One statement names every member (train.h); one
 * factor signs it; the token crosses once, for this train; the members are
 * published in dependency order and each is confirmed live.
 * npm-release show --train ... runs the same selection and checks and prints the
 * table without approving. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approve_member.h"
#include "checks.h"
#include "commands.h"
#include "eligibility.h"
#include "nslog.h"
#include "pam_gate.h"
#include "sanitize.h"
#include "session.h"
#include "stage_record.h"
#include "statement.h"
#include "timings.h"
#include "train.h"
#include "train_resume.h"
#include "train_select.h"

/* The package an npm alias spec ("npm:NAME@RANGE", "npm:@scope/name") installs,
 * copied into out (cap bytes); 0, or -1 when spec is no alias. */
static int
alias_target(const char *spec, char *out, size_t cap)
{
	const char *name, *at;
	size_t len;

	if (spec == NULL || strncmp(spec, "npm:", 4) != 0)
		return -1;
	name = spec + 4;
	at = strchr(name[0] == '@' ? name + 1 : name, '@');
	len = at ? (size_t)(at - name) : strlen(name);
	if (len == 0 || len >= cap)
		return -1;
	memcpy(out, name, len);
	out[len] = '\0';
	return 0;
}

/* The key of dependency_names that stands for every member: a spec that names no
 * package (a tarball URL, git, file:, user/repo) may install any of them (red
 * team pass 10), so its member goes after, and waits with, all the others. No
 * package name is empty. */
#define ANY_MEMBER ""

/* The names m depends on (dependencies, optional and peer, and what an alias
 * among them installs: "x": "npm:a@1" depends on a; ANY_MEMBER for a spec that
 * names no package), from its checked manifest, as a JSON object of names; NULL
 * on an error. */
static json_t *
dependency_names(struct session *s, struct approve_member *m)
{
	static const char *const fields[] = { "dependencies", "optionalDependencies",
		                              "peerDependencies" };
	struct ns_err err;
	json_t *man = checks_manifest(s, &m->r, &err), *out = json_object(), *v;
	const char *k;
	size_t i;

	if (man == NULL || out == NULL) {
		fprintf(stderr, "npm-release: %s@%s: %s\n", m->r.name, m->r.version,
		        man ? "out of memory" : err.msg);
		json_decref(man);
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < 3; i++)
		json_object_foreach(json_object_get(man, fields[i]), k, v) {
			const char *spec = json_string_value(v);
			char target[NS_NAME_MAX];

			json_object_set_new(out, k, json_true());
			if (alias_target(spec, target, sizeof(target)) == 0)
				json_object_set_new(out, target, json_true());
			else if (spec == NULL || strpbrk(spec, ":/") != NULL)
				json_object_set_new(out, ANY_MEMBER, json_true());
		}
	json_decref(man);
	return out;
}

/* Whether dependency names deps (dependency_names) take in member o. */
static int
depends_on(const json_t *deps, const struct approve_member *o)
{
	return json_object_get(deps, o->r.name) != NULL ||
	       json_object_get(deps, ANY_MEMBER) != NULL;
}

void
train_deps_free(json_t **deps, size_t n)
{
	size_t i;

	for (i = 0; deps != NULL && i < n; i++)
		json_decref(deps[i]);
	free(deps);
}

/* order[]: members before those that depend on them (a cycle, which peers may
 * form, keeps the staging order among its members), and *deps_out each member's
 * dependency names; only members in state want are read (the others may have no
 * spool left). */
int
train_publish_order(struct session *s, struct approve_member *m, const int *state, int want,
                    size_t n, size_t *order, json_t ***deps_out)
{
	json_t **deps = calloc(n, sizeof(*deps));
	char *done = calloc(n, 1);
	size_t placed = 0, i, j;
	int rc = -1, progress;

	if (deps == NULL || done == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((deps[i] = state[i] == want ? dependency_names(s, &m[i]) : json_object()) == NULL)
			goto out;
	while (placed < n) {
		progress = 0;
		for (i = 0; i < n; i++) {
			int ready = !done[i];
			for (j = 0; ready && j < n; j++)
				if (j != i && !done[j] && depends_on(deps[i], &m[j]))
					ready = 0;
			if (ready) {
				done[i] = 1;
				order[placed++] = i;
				progress = 1;
			}
		}
		if (!progress)
			for (i = 0; i < n; i++)
				if (!done[i]) {
					done[i] = 1;
					order[placed++] = i;
					break;
				}
	}
	rc = 0;
	*deps_out = deps;
	deps = NULL;
out:
	train_deps_free(deps, n);
	free(done);
	return rc;
}

/* The table of show --train and of a refused train: one line per member. */
void
train_print_table(struct approve_member *m, const int *state, size_t n, int json,
                  const char *train, const char *result)
{
	static const char *const states[] = { "checked", "live", "failed", "published",
		                              "not published", "to publish" };
	json_t *doc = NULL, *arr = NULL;
	size_t i;

	if (json) {
		arr = json_array();
		doc = json_pack("{s:s?, s:s, s:o}", "train", train, "result", result, "members", arr);
	}
	for (i = 0; i < n; i++) {
		const char *diff = NULL;
		size_t warn = 0, k;
		json_t *rep = m[i].r.report ? json_loads(m[i].r.report, 0, NULL) : NULL, *c;
		char name[256], version[128], change[100], why[600];

		json_array_foreach(json_object_get(rep, "checks"), k, c)
			if (json_string_value(json_object_get(c, "status")) != NULL &&
			    strcmp(json_string_value(json_object_get(c, "status")), "warn") == 0)
				warn++;
		diff = json_string_value(json_object_get(rep, "diff_summary"));
		ns_sanitize(name, sizeof(name), m[i].r.name[0] ? m[i].r.name : "?");
		ns_sanitize(version, sizeof(version), m[i].r.version[0] ? m[i].r.version : "?");
		ns_sanitize(change, sizeof(change), diff ? diff : "no previous version");
		ns_sanitize(why, sizeof(why), m[i].why);
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
			    "id", m[i].id, "name", name, "version", version, "integrity",
			    m[i].r.integrity, "result", states[state[i]], "warnings", (json_int_t)warn,
			    "change", change, "reason", why));
		else
			printf("%-13s %s@%s  %zu warning%s  changes: %s%s%s\n", states[state[i]], name,
			       version, warn, warn == 1 ? "" : "s", change, why[0] ? "  -- " : "", why);
		json_decref(rep);
	}
	if (json) {
		char *text = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(doc);
	}
}

enum { M_CHECKED = TRAIN_M_CHECKED, M_LIVE = TRAIN_M_LIVE, M_FAILED = TRAIN_M_FAILED,
       M_PUBLISHED = TRAIN_M_PUBLISHED, M_UNPUBLISHED = TRAIN_M_UNPUBLISHED,
       M_RESUME = TRAIN_M_RESUME };

/* The ledger's train entry: who, with which factor and proof, what statement (kept
 * whole: log --verify --signatures checks the proof over it), which members. */
static int
ledger_train(struct session *s, const struct ns_train *t, const char *factor,
             const char *proof, const struct gate_token *tok)
{
	char *members = malloc(t->n * NS_ID_MAX + 1);
	size_t i, off = 0;
	int rc;

	if (members == NULL)
		return -1;
	members[0] = '\0';
	for (i = 0; i < t->n; i++)
		off += (size_t)snprintf(members + off, t->n * NS_ID_MAX + 1 - off, "%s%s",
		                        i ? " " : "", t->members[i]);
	rc = session_ledger(s, "train", "{\"train\":\"%s\",\"approver\":\"%s\",\"factor\":\"%s\","
	                    "\"proof\":\"%s\",\"statement_sha256\":\"%s\",\"members\":\"%s\","
	                    "\"approvers\":%u,\"required\":%u,\"statement\":\"%s\"}", t->id,
	                    s->caller, factor, proof, t->statement_sha256, members,
	                    tok->recorded ? tok->approvers : 1, tok->recorded ? tok->needed : 1,
	                    t->statement);
	free(members);
	return rc;
}

/* The member of this run that deps names and that was not published (held[]),
 * or NULL. */
static const char *
held_dependency(const struct approve_member *m, const char *held, size_t n, const json_t *deps)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (held[j] && depends_on(deps, &m[j]))
			return m[j].r.name;
	return NULL;
}

size_t
train_publish_members(struct session *s, struct approve_member *m, int *state, size_t n,
                      int want, const char *train, struct gate_token *tok, int *stopped,
                      int *incomplete)
{
	size_t *order = calloc(n, sizeof(*order)), i, live = 0;
	char *held = calloc(n ? n : 1, 1);
	json_t **deps = NULL;
	const char *dep;
	int k;

	*stopped = *incomplete = 0;
	if (order == NULL || held == NULL ||
	    train_publish_order(s, m, state, want, n, order, &deps) != 0) {
		free(order);
		free(held);
		return (size_t)-1;
	}
	for (i = 0; i < n; i++) {
		size_t x = order[i];
		struct approve_member *p = &m[x];

		if (state[x] != want)
			continue;
		dep = held_dependency(m, held, n, deps[x]);
		if (!*stopped && dep == NULL) {
			k = approve_member_publish(s, p, tok);
			if (k == 0) {
				state[x] = M_PUBLISHED;
				live++;
				continue;
			}
			held[x] = 1;
			*incomplete = 1;
			/* overtaken by a higher live version: back to "checked", the
			 * registry fine; only what depends on it waits with it */
			if (k == APPROVE_MEMBER_OVERTAKEN) {
				state[x] = M_UNPUBLISHED;
				continue;
			}
			*stopped = 1;
			state[x] = M_FAILED;
			continue;
		}
		/* after a failure nothing more is published (the registry or the token
		 * failed, and what depends on the failed member would not install);
		 * after an overtaken member, what depends on it; these go back to
		 * "checked" */
		session_transition(s, p->id, "publishing", "checked", "publish-skipped",
		                   "{\"id\":\"%s\",\"train\":\"%s\"}", p->id, train);
		if (*stopped)
			snprintf(p->why, sizeof(p->why), "not published: a member before it failed");
		else
			snprintf(p->why, sizeof(p->why), "not published: it depends on %s, which "
			         "was not published", dep);
		held[x] = 1;
		*incomplete = 1;
		state[x] = M_UNPUBLISHED;
	}
	train_deps_free(deps, n);
	free(held);
	free(order);
	return live;
}

/* The gate for the train, and what follows it: the ledger, then every member
 * published in dependency order. */
static int
approve_and_publish(struct session *s, struct approve_member *m, int *state, size_t n,
                    const struct train_args *a)
{
	struct ns_train_member *tm = calloc(n, sizeof(*tm));
	struct gate_token *tok = gate_token_new();
	struct ns_train t;
	struct ns_err err;
	size_t i, k = 0, live = 0;
	char factor[16] = "", *proof = NULL, ref[8 + NS_ID_MAX];
	int rc = NS_EXIT_FAIL, stopped = 0, incomplete = 0;

	memset(&t, 0, sizeof(t));
	if (tm == NULL || tok == NULL) {
		fprintf(stderr, "npm-release: out of (locked) memory\n");
		goto out;
	}
	tok->answer_timeout = GATE_ANSWER_TIMEOUT(s->cfg->approval_ttl);
	for (i = 0; i < n; i++) {
		if (state[i] != M_CHECKED)
			continue;
		if (approve_member_approval(s, &m[i]) != 0)
			goto out;
		tm[k].approval = &m[i].a;
		tm[k].release = &m[i].r;
		k++;
	}
	if (ns_train_create(s->st, s->cfg, s->caller, time(NULL), tm, k, &t, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	fprintf(stderr, "train %s: %zu package%s, statement sha256 %s\n", t.id, k,
	        k == 1 ? "" : "s", t.statement_sha256);
	if (gate_run(s->cfg->service, s->caller, t.id, tok, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		session_ledger(s, "deny", "{\"train\":\"%s\",\"approver\":\"%s\"}", t.id, s->caller);
		goto out;
	}
	/* the members were consumed with the train, by the same factor */
	{
		struct ns_approval used;
		if (ns_approval_get(s->st, tm[0].approval->id, &used, &err) == 0) {
			snprintf(factor, sizeof(factor), "%s", used.factor);
			ns_approval_clear(&used);
		}
	}
	if (ns_state_proof_read(s->st, t.id, &proof, &err) < 0)
		fprintf(stderr, "npm-release: warning: %s\n", err.msg);
	if (ledger_train(s, &t, factor, proof ? proof : "", tok) != 0)
		goto out;
	snprintf(ref, sizeof(ref), "train %s", t.id);
	for (i = 0; i < n; i++)
		if (state[i] == M_CHECKED && approve_member_record(s, &m[i], factor, ref, tok) != 0)
			goto out;
	if (tok->recorded) {
		printf("= train %s: approval %u of %u recorded; a different approver must approve "
		       "it before it is published\n", t.id, tok->approvers, tok->needed);
		rc = NS_EXIT_OK;
		goto out;
	}
	live = train_publish_members(s, m, state, n, M_CHECKED, t.id, tok, &stopped,
	                             &incomplete);
	if (live == (size_t)-1)
		goto out;
	if (incomplete) {
		fprintf(stderr, "npm-release: train %s %s after %zu of %zu packages went live\n",
		        t.id, stopped ? "stopped" : "ended", live, k);
		train_print_table(m, state, n, a->json, t.id, "incomplete");
		goto out;
	}
	session_ledger(s, "train-live", "{\"train\":\"%s\",\"members\":%zu}", t.id, live);
	if (a->json)
		train_print_table(m, state, n, 1, t.id, "published");
	else
		printf("train %s: %zu package%s live\n", t.id, live, live == 1 ? "" : "s");
	rc = NS_EXIT_OK;
out:
	gate_token_free(tok);
	free(proof);
	free(tm);
	ns_train_clear(&t);
	return rc;
}

/* --same-commit ID: of the checked candidates, the members are those whose
 * verified provenance names ID's repository and commit (ID's must verify). A
 * candidate whose checks failed but whose report still names that commit is a
 * member that failed; the others leave the train (said, not failed) and their
 * locks go. Returns the number of members, or -1 (printed). */
static long
same_commit_members(struct session *s, struct approve_member *m, int *state, size_t *n,
                    const char *anchor)
{
	struct ns_statement_provenance want, got;
	struct ns_release r;
	struct ns_err err;
	size_t i, kept = 0;
	int k, found = 0;

	for (i = 0; i < *n && !found; i++)
		found = strcmp(m[i].id, anchor) == 0 && state[i] == M_CHECKED &&
		        ns_statement_provenance_from_report(m[i].r.report, &want) == 1;
	if (!found) {
		fprintf(stderr, "npm-release: --same-commit: %s did not pass its checks with a "
		                "verified provenance; nothing was approved\n", anchor);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		k = 0;
		if (state[i] == M_FAILED && ns_release_get(s->st, m[i].id, &r, &err) == 0) {
			k = ns_statement_provenance_from_report(r.report, &got);
			ns_release_clear(&r);
		} else if (state[i] != M_FAILED) {
			k = ns_statement_provenance_from_report(m[i].r.report, &got);
		}
		if (k == 1 && strcmp(got.repository, want.repository) == 0 &&
		    strcmp(got.commit, want.commit) == 0) {
			if (kept != i) {
				struct approve_member tmp = m[kept];
				int ts = state[kept];
				m[kept] = m[i];
				state[kept] = state[i];
				m[i] = tmp;
				state[i] = ts;
			}
			kept++;
			continue;
		}
		fprintf(stderr, "--same-commit: %s (%s@%s) is not from commit %.64s; left out\n",
		        m[i].id, m[i].r.name, m[i].r.version, want.commit);
	}
	for (i = kept; i < *n; i++)
		approve_member_free(&m[i]);
	*n = kept;
	return (long)kept;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp((*(struct approve_member *const *)a)->id,
	              (*(struct approve_member *const *)b)->id);
}

/* Every member's release lock, in the order of their ids, before any check: of
 * two sessions approving overlapping trains at once, the one that takes the
 * lowest shared id goes on and the other stops here (each taking some members
 * in staging order could stop both). 0, or -1 (printed; nothing held). */
static int
train_lock(struct session *s, struct approve_member *m, size_t n)
{
	struct approve_member **p = calloc(n, sizeof(*p));
	struct ns_err err;
	size_t i, j;

	if (p == NULL)
		return -1;
	for (i = 0; i < n; i++)
		p[i] = &m[i];
	qsort(p, n, sizeof(*p), by_id);
	for (i = 0; i < n; i++) {
		p[i]->lock_fd = ns_state_lock_release(s->st, p[i]->id, &err);
		if (p[i]->lock_fd >= 0)
			continue;
		if (p[i]->lock_fd == -2)
			fprintf(stderr, "npm-release: %s is already being approved or rejected (in "
			                "progress in another npm-release); nothing done\n", p[i]->id);
		else
			fprintf(stderr, "npm-release: %s\n", err.msg);
		for (j = 0; j < i; j++) {
			close(p[j]->lock_fd);
			p[j]->lock_fd = -1;
		}
		p[i]->lock_fd = -1;
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* Before any lock, download or check: every member's scope allows the caller,
 * and some factor is permitted for all of them. */
static int
train_eligible(struct session *s, struct approve_member *m, size_t n)
{
	unsigned factors = ~0u;
	size_t i;
	char name[NS_NAME_MAX + 1];
	struct ns_err err;
	int k;

	for (i = 0; i < n; i++) {
		if (eligibility_require_approver(s, m[i].id, "approve") != 0) {
			fprintf(stderr, "npm-release: train refused before any check: %s may not "
			                "approve member %s; nothing was approved\n", s->caller, m[i].id);
			return -1;
		}
		m[i].eligible = 1;
		/* a registry stage not fetched yet too: its record names its package */
		k = eligibility_package_of(s, m[i].id, name, sizeof(name), &err);
		if (k != 0) {
			fprintf(stderr, "npm-release: train refused before any check: member %s: %s\n",
			        m[i].id, k == 1 ? "no such staged release" : err.msg);
			return -1;
		}
		factors &= ns_config_factors_for(s->cfg, name);
	}
	if (factors == 0) {
		fprintf(stderr, "npm-release: train refused before any check: no factor is permitted "
		                "for every member's scope; approve them in separate trains\n");
		return -1;
	}
	return 0;
}

static int
run_train(int argc, char **argv, int dry_run)
{
	struct train_args *a = calloc(1, sizeof(*a));
	struct approve_member *m = NULL;
	struct session s;
	struct ns_train resumed;
	int *state = NULL, rc = NS_EXIT_FAIL, k, opened = 0, resume = 0;
	size_t i, failed = 0, checked = 0, pending = 0;

	memset(&resumed, 0, sizeof(resumed));
	if (a == NULL)
		return NS_EXIT_FAIL;
	a->dry_run = dry_run;
	if (train_parse_args(argc, argv, a, dry_run ? "show --train" : "approve") != 0) {
		free(a);
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE) != 0) {
		free(a);
		return NS_EXIT_USAGE;
	}
	opened = 1;
	if (train_select_members(&s, a) != 0)
		goto out;
	m = calloc(a->n, sizeof(*m));
	state = calloc(a->n, sizeof(*state));
	if (m == NULL || state == NULL)
		goto out;
	for (i = 0; i < a->n; i++)
		approve_member_init(&m[i], a->ids[i]);
	if (train_eligible(&s, m, a->n) != 0 || train_lock(&s, m, a->n) != 0)
		goto out;
	/* a rerun of a train that crashed while it published (show --train too: its
	 * members must not be reconciled back to "checked" while it can be resumed) */
	for (i = 0; i < a->n; i++)
		m[i].in_train = 1;
	if ((resume = train_resume_find(&s, m, a->n, &resumed)) < 0)
		goto out;
	if (resume == 1 && a->same_commit[0]) {
		fprintf(stderr, "npm-release: train %s is being resumed: name its members, not "
		                "--same-commit; nothing done\n", resumed.id);
		goto out;
	}
	/* every member checked before anyone is asked anything */
	for (i = 0; i < a->n; i++) {
		k = approve_member_check(&s, &m[i]);
		state[i] = k == 0 ? M_CHECKED : k == 1 ? M_LIVE : k == 2 ? M_RESUME : M_FAILED;
		failed += k < 0;
		checked += k == 0;
		pending += k == 2;
	}
	if (resume == 1 && failed == 0 && checked > 0) {
		fprintf(stderr, "npm-release: train %s is being resumed: it takes no new member; "
		                "approve the checked ones in a train of their own\n", resumed.id);
		failed = checked;
	}
	if (a->same_commit[0]) {
		if (same_commit_members(&s, m, state, &a->n, a->same_commit) < 0)
			goto out;
		for (i = failed = checked = 0; i < a->n; i++) {
			failed += state[i] == M_FAILED;
			checked += state[i] == M_CHECKED;
		}
	}
	if (failed > 0) {
		fprintf(stderr, "npm-release: train refused: %zu of %zu members did not pass; nothing "
		                "was approved\n", failed, a->n);
		train_print_table(m, state, a->n, a->json, NULL, "refused");
		goto out;
	}
	if (resume == 1 && pending > 0) {
		if (dry_run)
			train_print_table(m, state, a->n, a->json, resumed.id, "resumable");
		rc = dry_run ? NS_EXIT_OK :
		     train_resume_publish(&s, m, state, a->n, &resumed, a->json);
		goto out;
	}
	if (checked == 0) {
		printf("nothing to approve: every member is live\n");
		rc = NS_EXIT_OK;
		goto out;
	}
	if (dry_run) {
		train_print_table(m, state, a->n, a->json, NULL, "checked");
		rc = NS_EXIT_OK;
		goto out;
	}
	rc = approve_and_publish(&s, m, state, a->n, a);
out:
	for (i = 0; m != NULL && i < a->n; i++)
		approve_member_free(&m[i]);
	free(m);
	free(state);
	free(a);
	ns_train_clear(&resumed);
	if (opened)
		session_close(&s);
	timings_report();
	return rc;
}

int
cmd_approve_train(int argc, char **argv)
{
	return run_train(argc, argv, 0);
}

int
cmd_show_train(int argc, char **argv)
{
	return run_train(argc, argv, 1);
}
