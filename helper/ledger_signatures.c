/* npm-release log --verify --signatures: every hardware signature the ledger keeps
 * is checked again, independently of the module that accepted it:
 *   - the key is one the ledger shows enrolled for that approver at that moment
 *     (its enroll entries, minus later unenroll entries), not merely one enrolled now;
 *   - the statement stored for the approval hashes to the entry's statement_sha256;
 *   - ssh-sk: the SSHSIG signature verifies over that statement (namespace
 *     npmstage-approval) and carries user presence; fido2: the assertion verifies
 *     over authenticator data || SHA-256(statement) for [fido2] rp_id, with user
 *     presence, by the key the enroll entry recorded (or, for keys enrolled before
 *     entries recorded keys, the one enrolled now).
 * An auditor can check an ssh-sk signature with stock `ssh-keygen -Y verify`. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approver.h"
#include "digest.h"
#include "ledger_signatures.h"
#include "nsfido2.h"
#include "sshsk.h"

#define MAX_KEYS 256

struct enrolled {
	char user[64];
	char factor[8];
	char credential[1400];	/* ssh-sk: fingerprint; fido2: credential id (base64) */
	char *key;		/* fido2: the credential line the entry recorded, or NULL */
	int active;
};

/* A train entry seen earlier in the walk: its members' entries refer to it. */
struct train_seen {
	char id[NS_ID_MAX];
	char *statement;
	int verified;
	struct train_seen *next;
};

struct walk {
	struct session *s;
	struct enrolled keys[MAX_KEYS];
	size_t n_keys;
	unsigned checked, failed, unproven;
	struct train_seen *trains;
};

static const char *
field(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v != NULL ? v : "";
}

static void
track_enrolment(struct walk *w, const char *event, json_t *d)
{
	const char *user = field(d, "user"), *cred = field(d, "credential");
	const char *factor = field(d, "factor"), *key = field(d, "key");
	int unenroll = strcmp(event, "unenroll") == 0;
	struct enrolled *e;

	if (strcmp(factor, "ssh-sk") != 0 && strcmp(factor, "fido2") != 0)
		return;
	for (size_t i = 0; i < w->n_keys; i++) {
		e = &w->keys[i];
		if (strcmp(e->user, user) != 0 || strcmp(e->factor, factor) != 0)
			continue;
		if (unenroll && (strcmp(cred, "all") == 0 || strcmp(cred, e->credential) == 0))
			e->active = 0;
		else if (!unenroll && strcmp(cred, e->credential) == 0) {
			e->active = 1;
			return;
		}
	}
	if (!unenroll && w->n_keys < MAX_KEYS && strlen(cred) < sizeof(e->credential)) {
		e = &w->keys[w->n_keys++];
		snprintf(e->user, sizeof(e->user), "%s", user);
		snprintf(e->factor, sizeof(e->factor), "%s", factor);
		snprintf(e->credential, sizeof(e->credential), "%s", cred);
		e->key = strcmp(factor, "fido2") == 0 && key[0] != '\0' ? strdup(key) : NULL;
		e->active = 1;
	}
}

static const struct enrolled *
enrolled_then(const struct walk *w, const char *user, const char *factor, const char *cred)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (w->keys[i].active && strcmp(w->keys[i].user, user) == 0 &&
		    strcmp(w->keys[i].factor, factor) == 0 &&
		    strcmp(w->keys[i].credential, cred) == 0)
			return &w->keys[i];
	return NULL;
}

/* The stored statement of the entry's approval, checked against its hash. */
static char *
statement_of(struct walk *w, json_t *d, char *why, size_t cap)
{
	struct ns_approval a;
	struct ns_err err;
	unsigned char h[32];
	char hex[65], *text;

	if (json_string_value(json_object_get(d, "statement")) != NULL) {
		/* a train entry keeps its statement itself */
		text = strdup(field(d, "statement"));
		if (text == NULL || ns_sha256(text, strlen(text), h) != 0) {
			free(text);
			snprintf(why, cap, "out of memory");
			return NULL;
		}
		ns_hex(h, 32, hex);
		if (strcmp(hex, field(d, "statement_sha256")) != 0) {
			free(text);
			snprintf(why, cap, "the train's statement is not the one approved");
			return NULL;
		}
		return text;
	}
	if (ns_approval_get(w->s->st, field(d, "approval"), &a, &err) != 0) {
		snprintf(why, cap, "no stored statement: %s", err.msg);
		return NULL;
	}
	if (a.statement == NULL || ns_sha256(a.statement, strlen(a.statement), h) != 0) {
		ns_approval_clear(&a);
		snprintf(why, cap, "no stored statement");
		return NULL;
	}
	ns_hex(h, 32, hex);
	if (strcmp(hex, field(d, "statement_sha256")) != 0) {
		ns_approval_clear(&a);
		snprintf(why, cap, "the stored statement is not the one approved");
		return NULL;
	}
	text = a.statement;
	a.statement = NULL;
	ns_approval_clear(&a);
	return text;
}

/* The key line for a fido2 credential: the enroll entry's, else today's enrolment. */
static int
fido2_cred_of(struct walk *w, const struct enrolled *e, const char *user,
              struct ns_fido2_cred *c, struct ns_err *err)
{
	struct ns_approver a;
	char id[1400];
	int rc = -1;

	if (e->key != NULL)
		return ns_fido2_cred_parse(e->key, c, err);
	if (ns_approver_load(w->s->st, user, &a, err) != 0)
		return ns_fail(err, "the enroll entry has no key and %s has no enrolment now", user);
	for (size_t i = 0; i < a.n_fido2 && rc != 0; i++)
		if (sscanf(a.fido2[i], "%*s %*s %1399s", id) == 1 && strcmp(id, e->credential) == 0)
			rc = ns_fido2_cred_parse(a.fido2[i], c, err);
	ns_approver_wipe(&a);
	return rc == 0 ? 0 : ns_fail(err, "the key is no longer enrolled and the enroll entry "
	                                  "did not record it");
}

static int
check_fido2(struct walk *w, json_t *d, char *why, size_t cap)
{
	const char *proof = field(d, "proof"), *user = field(d, "approver");
	const struct enrolled *e;
	struct ns_fido2_cred c;
	struct ns_err err;
	unsigned char h[32];
	unsigned counter = 0, flags = 0;
	char id[1400], *stmt;
	size_t which;
	int rc;

	memset(&c, 0, sizeof(c));
	if (sscanf(proof, "fido2-assertion %1399s", id) != 1) {
		snprintf(why, cap, "unreadable assertion");
		return -1;
	}
	if ((e = enrolled_then(w, user, "fido2", id)) == NULL) {
		snprintf(why, cap, "credential %.16s... was not enrolled for %s then", id, user);
		return -1;
	}
	if ((stmt = statement_of(w, d, why, cap)) == NULL)
		return -1;
	rc = ns_sha256(stmt, strlen(stmt), h);
	free(stmt);
	if (rc != 0 || fido2_cred_of(w, e, user, &c, &err) != 0 ||
	    ns_fido2_proof_verify(proof, w->s->cfg->fido2_rp_id, h, &c, 1, &which, &counter,
	                          &flags, &err) != 0) {
		snprintf(why, cap, "assertion does not verify: %s", rc != 0 ? "sha256" : err.msg);
		ns_fido2_cred_clear(&c);
		return -1;
	}
	ns_fido2_cred_clear(&c);
	snprintf(why, cap, "%s fido2 credential %.16s..., counter %u%s", user, id, counter,
	         flags & 0x04 ? ", user verified" : "");
	return 0;
}

/* 0 verified, -1 not (why says so). */
static int
check_sshsig(struct walk *w, json_t *d, char *why, size_t cap)
{
	unsigned char *kb = NULL, *sb = NULL, *data = NULL;
	size_t kl = 0, sl = 0, dl = 0;
	struct ns_sshsk_key key;
	struct ns_sshsk_sig sig;
	struct ns_err err;
	char fp[64], *stmt = NULL;
	int rc = -1;

	if (ns_sshsk_sshsig_dearmor(field(d, "proof"), NS_SSHSK_NAMESPACE, &kb, &kl, &sb, &sl,
	                            &err) != 0 ||
	    ns_sshsk_key_from_blob(kb, kl, &key, &err) != 0 ||
	    ns_sshsk_sig_parse(sb, sl, key.type, &sig, &err) != 0 ||
	    ns_sshsk_fingerprint(&key, fp, sizeof(fp)) != 0) {
		snprintf(why, cap, "unreadable signature: %s", err.msg);
		goto out;
	}
	if (enrolled_then(w, field(d, "approver"), "ssh-sk", fp) == NULL) {
		snprintf(why, cap, "key %s was not enrolled for %s then", fp, field(d, "approver"));
		goto out;
	}
	if ((stmt = statement_of(w, d, why, cap)) == NULL)
		goto out;
	if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)stmt, strlen(stmt),
	                         &data, &dl, &err) != 0 ||
	    ns_sshsk_verify(&key, &sig, data, dl, &err) != 0) {
		snprintf(why, cap, "signature does not verify: %s", err.msg);
		goto out;
	}
	if (!(sig.flags & NS_SSHSK_FLAG_UP)) {
		snprintf(why, cap, "signature without user presence");
		goto out;
	}
	snprintf(why, cap, "%s key %s, counter %u%s", field(d, "approver"), fp, sig.counter,
	         sig.flags & NS_SSHSK_FLAG_UV ? ", user verified" : "");
	rc = 0;
out:
	free(stmt);
	free(kb);
	free(sb);
	free(data);
	return rc;
}

/* A train member's approve entry: its proof is "train ID", the train's entry
 * (earlier in the chain) must have verified and its statement must name this
 * approval with this statement hash. */
static int
check_train_member(struct walk *w, json_t *d, char *why, size_t cap)
{
	const char *id = field(d, "proof") + strlen("train ");
	const struct train_seen *t;
	char line[NS_ID_MAX + 16], hash[90];
	const char *start, *end, *at;

	for (t = w->trains; t != NULL && strcmp(t->id, id) != 0; t = t->next)
		;
	if (t == NULL) {
		snprintf(why, cap, "no train entry %.40s before it", id);
		return -1;
	}
	if (!t->verified) {
		snprintf(why, cap, "its train %.40s did not verify", id);
		return -1;
	}
	snprintf(line, sizeof(line), "\nmember: %.40s ", field(d, "approval"));
	snprintf(hash, sizeof(hash), " statement-sha256=%.64s ", field(d, "statement_sha256"));
	start = strstr(t->statement, line);
	end = start != NULL ? strchr(start + 1, '\n') : NULL;
	at = start != NULL ? strstr(start, hash) : NULL;
	if (start == NULL || end == NULL || at == NULL || at > end) {
		snprintf(why, cap, "train %.40s's statement does not name it", id);
		return -1;
	}
	snprintf(why, cap, "in train %.40s", id);
	return 0;
}

/* A train entry: its proof over the statement it keeps, as for an approve entry;
 * remembered for its members' entries. A TOTP train has no proof to check. */
static void
check_train(struct walk *w, long long seq, json_t *d)
{
	const char *factor = field(d, "factor");
	struct train_seen *t = calloc(1, sizeof(*t));
	char why[600] = "";
	int k;

	if (t == NULL)
		return;
	snprintf(t->id, sizeof(t->id), "%s", field(d, "train"));
	t->statement = strdup(field(d, "statement"));
	t->next = w->trains;
	w->trains = t;
	if (t->statement == NULL)
		return;
	if (strcmp(factor, "ssh-sk") == 0)
		k = check_sshsig(w, d, why, sizeof(why));
	else if (strcmp(factor, "fido2") == 0)
		k = check_fido2(w, d, why, sizeof(why));
	else {
		char *stmt = statement_of(w, d, why, sizeof(why));
		k = stmt != NULL && field(d, "proof")[0] == '\0' ? 0 : -1;
		if (stmt != NULL && k != 0)
			snprintf(why, sizeof(why), "a proof for factor '%.16s', which signs none",
			         factor);
		if (k == 0)
			snprintf(why, sizeof(why), "factor %.16s, no signature to check", factor);
		free(stmt);
		t->verified = k == 0;
		return; /* nothing signed: not counted as checked */
	}
	w->checked++;
	t->verified = k == 0;
	if (k != 0)
		w->failed++;
	printf("%6lld %s train %.64s: %s\n", seq, k == 0 ? "ok  " : "FAIL", t->id, why);
}

/* An approve entry by a factor that signs must carry its proof: an empty one is a
 * failure (the approval went through without its signature being kept), not a skip.
 * Entries written before proofs were kept have no "proof" key at all. */
static void
check_approve(struct walk *w, long long seq, json_t *d)
{
	const char *factor = field(d, "factor");
	int signs = strcmp(factor, "ssh-sk") == 0 || strcmp(factor, "fido2") == 0;
	char why[600];
	int k;

	if (field(d, "proof")[0] == '\0') {
		if (!signs)
			return;
		if (json_object_get(d, "proof") == NULL) {
			w->unproven++;
			printf("%6lld none approval %.64s: factor %s, recorded before proofs were kept\n",
			       seq, field(d, "approval"), factor);
			return;
		}
		w->checked++;
		w->failed++;
		printf("%6lld FAIL approval %.64s: factor %s signs, but no proof was recorded\n", seq,
		       field(d, "approval"), factor);
		return;
	}
	if (strncmp(field(d, "proof"), "train ", 6) == 0) {
		k = check_train_member(w, d, why, sizeof(why));
		if (k != 0 || signs) {
			w->checked++;
			w->failed += k != 0;
			printf("%6lld %s approval %.64s: %s\n", seq, k == 0 ? "ok  " : "FAIL",
			       field(d, "approval"), why);
		}
		return;
	}
	w->checked++;
	if (strcmp(factor, "ssh-sk") == 0)
		k = check_sshsig(w, d, why, sizeof(why));
	else if (strcmp(factor, "fido2") == 0)
		k = check_fido2(w, d, why, sizeof(why));
	else {
		snprintf(why, sizeof(why), "a proof for factor '%.16s', which signs none", factor);
		k = -1;
	}
	if (k != 0) {
		w->failed++;
		printf("%6lld FAIL approval %.64s: %s\n", seq, field(d, "approval"), why);
	} else {
		printf("%6lld ok   approval %.64s: %s\n", seq, field(d, "approval"), why);
	}
}

static int
each(long long seq, long long t, const char *event, const char *data, const char *hash,
     void *arg)
{
	struct walk *w = arg;
	json_t *d = json_loads(data, JSON_REJECT_DUPLICATES, NULL);

	(void)t;
	(void)hash;
	if (d == NULL) {
		/* the chain verified, so this is our own writing: say it, do not skip it */
		if (strcmp(event, "approve") == 0) {
			w->checked++;
			w->failed++;
			printf("%6lld FAIL approve entry is not a JSON object\n", seq);
		}
		return 0;
	}
	if (strcmp(event, "enroll") == 0 || strcmp(event, "unenroll") == 0)
		track_enrolment(w, event, d);
	else if (strcmp(event, "approve") == 0)
		check_approve(w, seq, d);
	else if (strcmp(event, "train") == 0)
		check_train(w, seq, d);
	json_decref(d);
	return 0;
}

int
ledger_verify_signatures(struct session *s, unsigned *checked, unsigned *failed,
                         unsigned *unproven, struct ns_err *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL)
		return ns_fail(err, "out of memory");
	w->s = s;
	rc = ns_ledger_each(s->st, each, w, err);
	for (size_t i = 0; i < w->n_keys; i++)
		free(w->keys[i].key);
	while (w->trains != NULL) {
		struct train_seen *next = w->trains->next;
		free(w->trains->statement);
		free(w->trains);
		w->trains = next;
	}
	*checked = w->checked;
	*failed = w->failed;
	*unproven = w->unproven;
	free(w);
	return rc;
}

/* ---- for an auditor with stock tools: the exact bytes signed, and the signature */

/* An approval's proof, or a train's proof and statement (its ledger entry keeps
 * both: its members' approve entries point to it). */
struct find_proof {
	const char *approval;
	char *proof, *statement;
};

static int
proof_of(long long seq, long long t, const char *event, const char *data, const char *hash,
         void *arg)
{
	struct find_proof *f = arg;
	int train = strcmp(event, "train") == 0;
	json_t *d;

	(void)seq;
	(void)t;
	(void)hash;
	if ((!train && strcmp(event, "approve") != 0) || (d = json_loads(data, 0, NULL)) == NULL)
		return 0;
	if (strcmp(field(d, train ? "train" : "approval"), f->approval) == 0) {
		if (field(d, "proof")[0] != '\0' && strncmp(field(d, "proof"), "train ", 6) != 0) {
			free(f->proof);
			f->proof = strdup(field(d, "proof"));
		}
		if (train) {
			free(f->statement);
			f->statement = strdup(field(d, "statement"));
		}
	}
	json_decref(d);
	return 0;
}

int
ledger_print_statement(struct session *s, const char *approval, struct ns_err *err)
{
	struct find_proof f = { approval, NULL, NULL };
	struct ns_approval a;
	int k = ns_approval_get(s->st, approval, &a, err);

	if (k == 1) {
		/* a train: its statement is in its ledger entry */
		if (ns_ledger_each(s->st, proof_of, &f, err) != 0)
			return -1;
		free(f.proof);
		if (f.statement == NULL)
			return ns_fail(err, "no approval or train %s", approval);
		fwrite(f.statement, 1, strlen(f.statement), stdout);
		free(f.statement);
		return 0;
	}
	if (k != 0)
		return -1;
	if (a.statement == NULL) {
		ns_approval_clear(&a);
		return ns_fail(err, "approval %s has no stored statement", approval);
	}
	/* verbatim: these are the bytes the SSHSIG signature covers */
	fwrite(a.statement, 1, strlen(a.statement), stdout);
	ns_approval_clear(&a);
	return 0;
}

int
ledger_print_proof(struct session *s, const char *approval, struct ns_err *err)
{
	struct find_proof f = { approval, NULL, NULL };

	if (ns_ledger_each(s->st, proof_of, &f, err) != 0)
		return -1;
	free(f.statement);
	if (f.proof == NULL)
		return ns_fail(err, "the ledger keeps no signature for approval %s", approval);
	fputs(f.proof, stdout);
	free(f.proof);
	return 0;
}
