/* npm-release enroll ssh-sk USER: an approver's OpenSSH security key.
 *   from the caller's agent: the sk keys it offers are listed; the chosen one
 *     (--fingerprint, or the only one, or a number typed at the prompt) signs one
 *     fresh challenge, which must verify with user presence; its counter becomes
 *     the first stored one, and UV at enrolment makes UV required from then on;
 *   --key 'TYPE BASE64 [comment]': the admin enrols a public key line (no
 *     signature: the admin vouches for it); --require-uv demands UV either way.
 * Only sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com keys. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "approver.h"
#include "commands.h"
#include "digest.h"
#include "enroll_sshsk.h"
#include "nsfido2.h"
#include "sshagent.h"
#include "sshsk_cred.h"

/* The sk keys among the agent's identities. */
static size_t
sk_keys_of(const struct ns_agent_keys *keys, struct ns_sshsk_cred *out, const char **comment)
{
	struct ns_err err;
	size_t n = 0;

	for (size_t i = 0; i < keys->n && n < NS_AGENT_MAX_KEYS; i++) {
		if (ns_sshsk_key_from_blob(keys->key[i].blob, keys->key[i].blob_len, &out[n].key,
		                           &err) != 0 ||
		    ns_sshsk_fingerprint(&out[n].key, out[n].fingerprint,
		                         sizeof(out[n].fingerprint)) != 0)
			continue;
		comment[n++] = keys->key[i].comment;
	}
	return n;
}

static int
choose(struct ns_sshsk_cred *sk, const char **comment, size_t n, const char *fingerprint)
{
	char line[32];
	long v;

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %zu) %s %s %s\n", i + 1, ns_sshsk_type_name(sk[i].key.type),
		        sk[i].fingerprint, comment[i]);
	if (fingerprint != NULL) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(sk[i].fingerprint, fingerprint) == 0)
				return (int)i;
		fprintf(stderr, "npm-release: the agent offers no sk key %s\n", fingerprint);
		return -1;
	}
	if (n == 1)
		return 0;
	fprintf(stderr, "Which key [1-%zu]? ", n);
	if (fgets(line, sizeof(line), stdin) == NULL || (v = strtol(line, NULL, 10)) < 1 ||
	    (size_t)v > n) {
		fprintf(stderr, "npm-release: no key chosen\n");
		return -1;
	}
	return (int)v - 1;
}

/* One signed challenge: proof that the key is present and answers with UP. */
static int
challenge(int fd, const char *user, struct ns_sshsk_cred *c, int *uv, unsigned *counter)
{
	unsigned char nonce[32], *data = NULL, *blob = NULL;
	char hex[65], msg[256];
	size_t data_len = 0, blob_len = 0;
	struct ns_sshsk_sig sig;
	struct ns_err err;
	int rc = -1;

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
		fprintf(stderr, "npm-release: getrandom failed\n");
		return -1;
	}
	ns_hex(nonce, sizeof(nonce), hex);
	snprintf(msg, sizeof(msg), "npm-release enrolment of %s for %s, challenge %s\n",
	         c->fingerprint, user, hex);
	fprintf(stderr, "Touch the security key %s to enrol it for %s\n", c->fingerprint, user);
	if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)msg, strlen(msg), &data,
	                         &data_len, &err) != 0 ||
	    ns_agent_sign(fd, c->key.blob, c->key.blob_len, data, data_len, NS_AGENT_SIGN_MS, &blob,
	                  &blob_len, &err) != 0 ||
	    ns_sshsk_sig_parse(blob, blob_len, c->key.type, &sig, &err) != 0 ||
	    ns_sshsk_verify(&c->key, &sig, data, data_len, &err) != 0) {
		fprintf(stderr, "npm-release: the enrolment challenge failed: %s\n", err.msg);
		goto out;
	}
	if (!(sig.flags & NS_SSHSK_FLAG_UP)) {
		fprintf(stderr, "npm-release: the key signed without user presence: refused\n");
		goto out;
	}
	*uv = (sig.flags & NS_SSHSK_FLAG_UV) != 0;
	*counter = sig.counter;
	rc = 0;
out:
	free(data);
	free(blob);
	return rc;
}

static int
from_agent(const char *user, const char *fingerprint, struct ns_sshsk_cred *c, int *uv,
           unsigned *counter, int *signed_challenge)
{
	struct ns_sshsk_cred sk[NS_AGENT_MAX_KEYS];
	const char *comment[NS_AGENT_MAX_KEYS];
	struct ns_agent_keys keys;
	struct ns_err err;
	size_t n;
	int fd, k, rc = -1, which;

	k = caller_agent_open(&fd, &err);
	if (k != 0) {
		fprintf(stderr, "npm-release: %s\n", k < 0 ? err.msg :
		        "no ssh-agent (SSH_AUTH_SOCK); or enrol a public key line with --key");
		return -1;
	}
	if (ns_agent_list(fd, &keys, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		close(fd);
		return -1;
	}
	n = sk_keys_of(&keys, sk, comment);
	if (n == 0) {
		fprintf(stderr, "npm-release: the ssh-agent offers no security key (sk-ssh-ed25519 "
		                "or sk-ecdsa-sha2-nistp256)\n");
		goto out;
	}
	fprintf(stderr, "security keys in the ssh-agent:\n");
	if ((which = choose(sk, comment, n, fingerprint)) < 0)
		goto out;
	*c = sk[which];
	if (challenge(fd, user, c, uv, counter) != 0)
		goto out;
	*signed_challenge = 1;
	rc = 0;
out:
	ns_agent_keys_free(&keys);
	close(fd);
	return rc;
}

static int
already_enrolled(const struct ns_approver *a, const struct ns_sshsk_cred *c)
{
	struct ns_sshsk_cred have;
	struct ns_err err;

	for (size_t i = 0; i < a->n_sshsk; i++)
		if (ns_sshsk_cred_parse(a->sshsk[i], &have, &err) == 0 &&
		    strcmp(have.fingerprint, c->fingerprint) == 0)
			return 1;
	return 0;
}

int
enroll_sshsk(struct session *s, struct ns_approver *a, const char *key_line,
             const char *fingerprint, int require_uv)
{
	struct ns_sshsk_cred c;
	struct ns_err err;
	char line[NS_SSHSK_LINE_MAX + 64], id[96];
	unsigned counter = 0, stored;
	int uv = 0, signed_challenge = 0;

	memset(&c, 0, sizeof(c));
	err.msg[0] = '\0';
	if (a->n_sshsk >= NS_MAX_CREDS) {
		fprintf(stderr, "npm-release: %s already has %d ssh-sk keys; remove one first\n",
		        a->user, NS_MAX_CREDS);
		return NS_EXIT_FAIL;
	}
	if (key_line != NULL) {
		if (ns_sshsk_key_from_line(key_line, &c.key, &err) != 0 ||
		    ns_sshsk_fingerprint(&c.key, c.fingerprint, sizeof(c.fingerprint)) != 0) {
			fprintf(stderr, "npm-release: --key: %s\n", err.msg);
			return NS_EXIT_USAGE;
		}
	} else if (from_agent(a->user, fingerprint, &c, &uv, &counter, &signed_challenge) != 0) {
		return NS_EXIT_FAIL;
	}
	if (already_enrolled(a, &c)) {
		fprintf(stderr, "npm-release: %s is already enrolled for %s\n", c.fingerprint, a->user);
		return NS_EXIT_FAIL;
	}
	uv = uv || require_uv;
	if (ns_sshsk_cred_format(&c.key, uv, line, sizeof(line), &err) != 0 ||
	    (a->sshsk[a->n_sshsk] = strdup(line)) == NULL) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	a->n_sshsk++;
	/* the challenge's counter is the first one stored: an approval must exceed it */
	ns_sshsk_cred_counter_id(&c, id, sizeof(id));
	if (signed_challenge &&
	    ns_state_fido2_counter_advance(s->st, a->user, id, counter, ns_fido2_counter_ok,
	                                   &stored, &err) != 0) {
		fprintf(stderr, "npm-release: counter of %s: %s\n", c.fingerprint,
		        err.msg[0] ? err.msg : "does not advance (enrolled before?)");
		return NS_EXIT_FAIL;
	}
	if (ns_approver_save(s->st, a, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	session_ledger(s, "enroll", "{\"user\":\"%s\",\"factor\":\"ssh-sk\",\"credential\":\"%s\","
	               "\"key\":\"%s\",\"uv\":\"%s\",\"challenge\":\"%s\",\"by\":\"%s\"}", a->user,
	               c.fingerprint, line + strlen("ssh-sk "), uv ? "required" : "no",
	               signed_challenge ? "signed" : "none (public key line)", s->caller);
	fprintf(stderr, "ssh-sk key %s enrolled for %s%s\n", c.fingerprint, a->user,
	        uv ? " (user verification required)" : "");
	return NS_EXIT_OK;
}

void
enroll_sshsk_list(const struct ns_approver *a)
{
	struct ns_sshsk_cred c;
	struct ns_err err;

	for (size_t i = 0; i < a->n_sshsk; i++) {
		if (ns_sshsk_cred_parse(a->sshsk[i], &c, &err) != 0) {
			printf("  ssh-sk (unreadable: %s)\n", err.msg);
			continue;
		}
		printf("  ssh-sk %s %s%s\n", ns_sshsk_type_name(c.key.type), c.fingerprint,
		       c.uv ? " uv" : "");
	}
}

int
enroll_sshsk_remove(struct ns_approver *a, const char *prefix, char *removed, size_t cap)
{
	struct ns_sshsk_cred c;
	struct ns_err err;
	size_t i, hit = 0, hits = 0;

	for (i = 0; i < a->n_sshsk; i++)
		if (prefix == NULL || (ns_sshsk_cred_parse(a->sshsk[i], &c, &err) == 0 &&
		                       strncmp(c.fingerprint, prefix, strlen(prefix)) == 0)) {
			hit = i;
			hits++;
		}
	if (hits == 0 || (prefix != NULL && hits != 1))
		return hits == 0 ? -1 : -2;
	if (prefix == NULL) {
		for (i = 0; i < a->n_sshsk; i++)
			free(a->sshsk[i]);
		a->n_sshsk = 0;
		snprintf(removed, cap, "all");
		return 0;
	}
	if (ns_sshsk_cred_parse(a->sshsk[hit], &c, &err) == 0)
		snprintf(removed, cap, "%s", c.fingerprint);
	free(a->sshsk[hit]);
	memmove(&a->sshsk[hit], &a->sshsk[hit + 1], (a->n_sshsk - hit - 1) * sizeof(a->sshsk[0]));
	a->n_sshsk--;
	return 0;
}
