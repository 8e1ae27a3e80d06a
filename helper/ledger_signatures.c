/* npm-release log --verify --signatures: every hardware signature the ledger keeps
 * is checked again, independently of the module that accepted it:
 *   - the key is one the ledger shows enrolled for that approver at that moment
 *     (its enroll entries, minus later unenroll entries), not merely one enrolled now;
 *   - the statement stored for the approval hashes to the entry's statement_sha256;
 *   - the SSHSIG signature verifies over that statement (namespace
 *     npmstage-approval) and carries user presence.
 * An auditor can check the same signature with stock `ssh-keygen -Y verify`. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "ledger_signatures.h"
#include "sshsk.h"

#define MAX_KEYS 256

struct enrolled {
	char user[64];
	char fingerprint[64];
	int active;
};

struct walk {
	struct session *s;
	struct enrolled keys[MAX_KEYS];
	size_t n_keys;
	unsigned checked, failed;
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
	const char *user = field(d, "user"), *fp = field(d, "credential");

	if (strcmp(field(d, "factor"), "ssh-sk") != 0)
		return;
	for (size_t i = 0; i < w->n_keys; i++) {
		if (strcmp(w->keys[i].user, user) != 0)
			continue;
		if (strcmp(event, "unenroll") == 0 &&
		    (strcmp(fp, "all") == 0 || strcmp(fp, w->keys[i].fingerprint) == 0))
			w->keys[i].active = 0;
		else if (strcmp(event, "enroll") == 0 && strcmp(fp, w->keys[i].fingerprint) == 0) {
			w->keys[i].active = 1;
			return;
		}
	}
	if (strcmp(event, "enroll") == 0 && w->n_keys < MAX_KEYS) {
		snprintf(w->keys[w->n_keys].user, sizeof(w->keys[0].user), "%s", user);
		snprintf(w->keys[w->n_keys].fingerprint, sizeof(w->keys[0].fingerprint), "%s", fp);
		w->keys[w->n_keys++].active = 1;
	}
}

static int
enrolled_then(const struct walk *w, const char *user, const char *fp)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (w->keys[i].active && strcmp(w->keys[i].user, user) == 0 &&
		    strcmp(w->keys[i].fingerprint, fp) == 0)
			return 1;
	return 0;
}

/* 0 verified, -1 not (why says so). */
static int
check_sshsig(struct walk *w, json_t *d, char *why, size_t cap)
{
	unsigned char *kb = NULL, *sb = NULL, *data = NULL, h[32];
	size_t kl = 0, sl = 0, dl = 0;
	struct ns_sshsk_key key;
	struct ns_sshsk_sig sig;
	struct ns_approval a;
	struct ns_err err;
	char fp[64], hex[65];
	int rc = -1, have_a = 0;

	if (ns_sshsk_sshsig_dearmor(field(d, "proof"), NS_SSHSK_NAMESPACE, &kb, &kl, &sb, &sl,
	                            &err) != 0 ||
	    ns_sshsk_key_from_blob(kb, kl, &key, &err) != 0 ||
	    ns_sshsk_sig_parse(sb, sl, key.type, &sig, &err) != 0 ||
	    ns_sshsk_fingerprint(&key, fp, sizeof(fp)) != 0) {
		snprintf(why, cap, "unreadable signature: %s", err.msg);
		goto out;
	}
	if (!enrolled_then(w, field(d, "approver"), fp)) {
		snprintf(why, cap, "key %s was not enrolled for %s then", fp, field(d, "approver"));
		goto out;
	}
	if (ns_approval_get(w->s->st, field(d, "approval"), &a, &err) != 0) {
		snprintf(why, cap, "no stored statement: %s", err.msg);
		goto out;
	}
	have_a = 1;
	if (a.statement == NULL || ns_sha256(a.statement, strlen(a.statement), h) != 0) {
		snprintf(why, cap, "no stored statement");
		goto out;
	}
	ns_hex(h, 32, hex);
	if (strcmp(hex, field(d, "statement_sha256")) != 0) {
		snprintf(why, cap, "the stored statement is not the one approved");
		goto out;
	}
	if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)a.statement,
	                         strlen(a.statement), &data, &dl, &err) != 0 ||
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
	if (have_a)
		ns_approval_clear(&a);
	free(kb);
	free(sb);
	free(data);
	return rc;
}

static int
each(long long seq, long long t, const char *event, const char *data, const char *hash,
     void *arg)
{
	struct walk *w = arg;
	json_t *d = json_loads(data, JSON_REJECT_DUPLICATES, NULL);
	char why[600];

	(void)t;
	(void)hash;
	if (d == NULL)
		return 0;
	if (strcmp(event, "enroll") == 0 || strcmp(event, "unenroll") == 0)
		track_enrolment(w, event, d);
	else if (strcmp(event, "approve") == 0 && field(d, "proof")[0] != '\0') {
		w->checked++;
		if (strcmp(field(d, "factor"), "ssh-sk") != 0) {
			snprintf(why, sizeof(why), "a proof for factor '%.16s', which signs none",
			         field(d, "factor"));
			w->failed++;
			printf("%6lld FAIL approval %.64s: %s\n", seq, field(d, "approval"), why);
		} else if (check_sshsig(w, d, why, sizeof(why)) != 0) {
			w->failed++;
			printf("%6lld FAIL approval %.64s: %s\n", seq, field(d, "approval"), why);
		} else {
			printf("%6lld ok   approval %.64s: %s\n", seq, field(d, "approval"), why);
		}
	}
	json_decref(d);
	return 0;
}

int
ledger_verify_signatures(struct session *s, unsigned *checked, unsigned *failed,
                         struct ns_err *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL)
		return ns_fail(err, "out of memory");
	w->s = s;
	rc = ns_ledger_each(s->st, each, w, err);
	*checked = w->checked;
	*failed = w->failed;
	free(w);
	return rc;
}

/* ---- for an auditor with stock tools: the exact bytes signed, and the signature */

int
ledger_print_statement(struct session *s, const char *approval, struct ns_err *err)
{
	struct ns_approval a;

	if (ns_approval_get(s->st, approval, &a, err) != 0)
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

struct find_proof {
	const char *approval;
	char *proof;
};

static int
proof_of(long long seq, long long t, const char *event, const char *data, const char *hash,
         void *arg)
{
	struct find_proof *f = arg;
	json_t *d;

	(void)seq;
	(void)t;
	(void)hash;
	if (strcmp(event, "approve") != 0 || (d = json_loads(data, 0, NULL)) == NULL)
		return 0;
	if (strcmp(field(d, "approval"), f->approval) == 0 && field(d, "proof")[0] != '\0') {
		free(f->proof);
		f->proof = strdup(field(d, "proof"));
	}
	json_decref(d);
	return 0;
}

int
ledger_print_proof(struct session *s, const char *approval, struct ns_err *err)
{
	struct find_proof f = { approval, NULL };

	if (ns_ledger_each(s->st, proof_of, &f, err) != 0)
		return -1;
	if (f.proof == NULL)
		return ns_fail(err, "the ledger keeps no signature for approval %s", approval);
	fputs(f.proof, stdout);
	free(f.proof);
	return 0;
}
