/* npm-release enroll: an approver's second factors. Root only.
 *   totp USER    a fresh secret from getrandom, shown as an otpauth:// URI (and a QR
 *                code on a terminal), activated only after one correct code;
 *   fido2 USER   makeCredential on the attached security key (attestation checked),
 *                the user's existing keys excluded;
 *   ssh-sk USER  an OpenSSH security key from the caller's ssh-agent (one signed
 *                challenge) or from a public key line (enroll_sshsk.c);
 *   list USER    the enrolled factors and credential ids, never secrets;
 *   remove USER totp|fido2|ssh-sk [CRED-ID-PREFIX|FINGERPRINT-PREFIX]
 *   unlock USER  lifts a TOTP lockout (timed, or held after max_lockouts) and
 *                forgets the failures; the last code used stays spent
 * Every change is a ledger entry. */
#include "config.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "approver.h"
#include "commands.h"
#include "enroll_sshsk.h"
#include "factor.h"
#include "nsfido2.h"
#include "pam_gate.h"
#include "session.h"
#include "sshsk.h"
#include "totp.h"

/* Seconds an enrolment prompt (the app's first code, the key's PIN) waits. */
#define ENROLL_ANSWER_TIMEOUT 300

static void
print_qr(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y;

	if (q == NULL)
		return;
	/* Two modules per character cell (upper and lower half blocks), quiet zone of 2. */
	for (y = -2; y < q->width + 2; y += 2) {
		for (x = -2; x < q->width + 2; x++) {
			int top = y >= 0 && x >= 0 && x < q->width && y < q->width &&
			          (q->data[y * q->width + x] & 1);
			int bot = y + 1 >= 0 && x >= 0 && x < q->width && y + 1 < q->width &&
			          (q->data[(y + 1) * q->width + x] & 1);
			fputs(top && bot ? " " : top ? "\xe2\x96\x84" : bot ? "\xe2\x96\x80" : "\xe2\x96\x88",
			      stdout);
		}
		fputs("\n", stdout);
	}
	QRcode_free(q);
}

static int
enroll_totp(struct session *s, const char *user)
{
	struct ns_approver a;
	struct ns_totp_key key;
	struct ns_err err;
	char line[512], *b32, code[16], uri[700];
	long long step;
	int k, rc = NS_EXIT_FAIL;

	k = ns_approver_load(s->st, user, &a, &err);
	if (k < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	if (k == 1)
		memset(&a, 0, sizeof(a));
	snprintf(a.user, sizeof(a.user), "%s", user);
	memset(&key, 0, sizeof(key));
	key.secret_len = 20;
	key.digits = 6;
	key.period = 30;
	key.algo = 0;
	if (getrandom(key.secret, key.secret_len, 0) != (ssize_t)key.secret_len ||
	    ns_totp_key_format(&key, line, sizeof(line), &err) != 0) {
		fprintf(stderr, "npm-release: cannot generate a secret\n");
		goto out;
	}
	b32 = strrchr(line, ' ') + 1;
	snprintf(uri, sizeof(uri), "otpauth://totp/npm-release:%s?secret=%s&issuer=npm-release"
	                           "&algorithm=SHA1&digits=6&period=30", user, b32);
	printf("Add this to %s's authenticator app:\n%s\n", user, uri);
	if (isatty(STDOUT_FILENO))
		print_qr(uri);
	fflush(stdout);
	if (gate_read_secret("Code shown by the app (to activate): ", code, sizeof(code),
	                     ENROLL_ANSWER_TIMEOUT) != 0 ||
	    (step = ns_totp_match(&key, code, time(NULL), 1)) < 0) {
		fprintf(stderr, "npm-release: wrong code; enrolment not activated\n");
		goto out;
	}
	a.totp = key;
	a.has_totp = 1;
	/* A fresh replay record that already holds the activation code's step. */
	if (ns_state_totp_set(s->st, user, step, &err) != 0 ||
	    ns_approver_save(s->st, &a, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	session_ledger(s, "enroll", "{\"user\":\"%s\",\"factor\":\"totp\",\"by\":\"%s\"}", user,
	               s->caller);
	fprintf(stderr, "totp enrolled for %s\n", user);
	rc = NS_EXIT_OK;
out:
	explicit_bzero(line, sizeof(line));
	explicit_bzero(uri, sizeof(uri));
	explicit_bzero(code, sizeof(code));
	ns_totp_key_wipe(&key);
	ns_approver_wipe(&a);
	return rc;
}

/* The user's existing enrolment, or an empty one named for user. */
static int
load_or_empty(struct session *s, const char *user, struct ns_approver *a)
{
	struct ns_err err;
	int k = ns_approver_load(s->st, user, a, &err);

	if (k < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return -1;
	}
	if (k == 1)
		memset(a, 0, sizeof(*a));
	snprintf(a->user, sizeof(a->user), "%s", user);
	return 0;
}

/* The base64 credential id of a "fido2 ALG ID PK UV" line. */
static int
cred_id_of(const char *line, char *out, size_t cap)
{
	const char *p = line;
	size_t n;
	int field;

	for (field = 0; field < 2; field++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	n = strcspn(p, " \t\n");
	if (n == 0 || n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static void
clear_creds(struct ns_fido2_cred *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ns_fido2_cred_clear(&c[i]);
}

/* makeCredential, asking for the device PIN only when the device wants one. */
static int
make_credential(struct session *s, const char *user, int alg, int pin_stdin,
                const struct ns_fido2_cred *excl, size_t n_excl, struct ns_fido2_cred *c)
{
	struct ns_err err;
	char pin[256];
	int r;

	pin[0] = '\0';
	if (pin_stdin &&
	    gate_read_secret("Security key PIN: ", pin, sizeof(pin), ENROLL_ANSWER_TIMEOUT) != 0) {
		fprintf(stderr, "npm-release: no PIN on standard input\n");
		return -1;
	}
	fprintf(stderr, "Touch the security key to enrol it for %s\n", user);
	r = ns_fido2_enroll_excluding(s->cfg->fido2_rp_id, user, pin[0] ? pin : NULL, alg, excl,
	                              n_excl, c, &err);
	if (r != 0 && !pin_stdin && strstr(err.msg, "FIDO_ERR_PIN_REQUIRED") != NULL) {
		if (gate_read_secret("Security key PIN: ", pin, sizeof(pin), ENROLL_ANSWER_TIMEOUT) == 0 &&
		    pin[0] != '\0') {
			fprintf(stderr, "Touch the security key to enrol it for %s\n", user);
			r = ns_fido2_enroll_excluding(s->cfg->fido2_rp_id, user, pin, alg, excl,
			                              n_excl, c, &err);
		}
	}
	explicit_bzero(pin, sizeof(pin));
	if (r != 0)
		fprintf(stderr, "npm-release: %s\n", err.msg);
	return r;
}

static int
enroll_fido2(struct session *s, const char *user, int alg, int pin_stdin)
{
	struct ns_fido2_cred excl[NS_MAX_CREDS], c;
	struct ns_approver a;
	struct ns_err err;
	char *line = NULL, id[NS_FIDO2_LINE_MAX];
	size_t n = 0;
	int rc = NS_EXIT_FAIL;

	memset(excl, 0, sizeof(excl));
	memset(&c, 0, sizeof(c));
	if (load_or_empty(s, user, &a) != 0)
		return NS_EXIT_FAIL;
	if (a.n_fido2 >= NS_MAX_CREDS) {
		fprintf(stderr, "npm-release: %s already has %d security keys; remove one first\n",
		        user, NS_MAX_CREDS);
		goto out;
	}
	for (; n < a.n_fido2; n++)
		if (ns_fido2_cred_parse(a.fido2[n], &excl[n], &err) != 0) {
			fprintf(stderr, "npm-release: %s's key %zu: %s\n", user, n + 1, err.msg);
			goto out;
		}
	if (make_credential(s, user, alg, pin_stdin, excl, n, &c) != 0)
		goto out;
	if ((line = ns_fido2_cred_format(&c)) == NULL || cred_id_of(line, id, sizeof(id)) != 0) {
		fprintf(stderr, "npm-release: cannot format the new credential\n");
		free(line);
		goto out;
	}
	a.fido2[a.n_fido2++] = line;
	if (ns_approver_save(s->st, &a, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	/* the key line is public: it lets log --verify --signatures check approvals
	 * made with this key even after it is removed */
	session_ledger(s, "enroll", "{\"user\":\"%s\",\"factor\":\"fido2\",\"credential\":\"%s\","
	               "\"key\":\"%s\",\"by\":\"%s\"}", user, id, line, s->caller);
	fprintf(stderr, "fido2 key %s enrolled for %s%s\n", id, user,
	        c.uv_enrolled ? " (with user verification)" : "");
	rc = NS_EXIT_OK;
out:
	clear_creds(excl, n);
	ns_fido2_cred_clear(&c);
	ns_approver_wipe(&a); /* frees line once it is in a.fido2[] */
	return rc;
}

static int
enroll_list(struct session *s, const char *user)
{
	struct ns_approver a;
	struct ns_err err;
	char line[512], algo[16] = "?", id[NS_FIDO2_LINE_MAX];
	int k;

	k = ns_approver_load(s->st, user, &a, &err);
	if (k < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	if (k == 1 || (!a.has_totp && a.n_fido2 == 0 && a.n_sshsk == 0)) {
		printf("%s: nothing enrolled\n", user);
		return NS_EXIT_OK;
	}
	printf("%s:\n", user);
	if (a.has_totp) {
		if (ns_totp_key_format(&a.totp, line, sizeof(line), &err) == 0)
			sscanf(line, "%*s %15s", algo);
		explicit_bzero(line, sizeof(line));
		printf("  totp   %s, %u digits, %u s\n", algo, a.totp.digits, a.totp.period);
	}
	for (size_t i = 0; i < a.n_fido2; i++) {
		sscanf(a.fido2[i], "%*s %15s", algo);
		if (cred_id_of(a.fido2[i], id, sizeof(id)) != 0)
			snprintf(id, sizeof(id), "(unreadable)");
		printf("  fido2  %s %s%s\n", algo, id,
		       strstr(a.fido2[i], " uv") != NULL ? " uv" : "");
	}
	enroll_sshsk_list(&a);
	ns_approver_wipe(&a);
	return NS_EXIT_OK;
}

/* Removes totp, all fido2 keys, or the one key whose id starts with prefix. */
static int
enroll_remove(struct session *s, const char *user, unsigned factor, const char *prefix)
{
	struct ns_approver a;
	struct ns_err err;
	char id[NS_FIDO2_LINE_MAX], removed[NS_FIDO2_LINE_MAX] = "";
	size_t i, hit = 0, hits = 0;
	int k, rc = NS_EXIT_FAIL;

	k = ns_approver_load(s->st, user, &a, &err);
	if (k != 0) {
		fprintf(stderr, "npm-release: %s\n", k < 0 ? err.msg : "nothing enrolled");
		return NS_EXIT_FAIL;
	}
	if (factor == NS_FACTOR_TOTP) {
		if (!a.has_totp) {
			fprintf(stderr, "npm-release: %s has no totp enrolment\n", user);
			goto out;
		}
		ns_totp_key_wipe(&a.totp);
		a.has_totp = 0;
		snprintf(removed, sizeof(removed), "totp");
	} else if (factor == NS_FACTOR_SSHSK) {
		k = enroll_sshsk_remove(&a, prefix, removed, sizeof(removed));
		if (k != 0) {
			fprintf(stderr, "npm-release: %s: %s\n", user, k == -1 ?
			        "no matching ssh-sk key" : "the prefix matches several keys");
			goto out;
		}
	} else {
		for (i = 0; i < a.n_fido2; i++)
			if (prefix == NULL || (cred_id_of(a.fido2[i], id, sizeof(id)) == 0 &&
			                       strncmp(id, prefix, strlen(prefix)) == 0)) {
				hit = i;
				hits++;
			}
		if (hits == 0 || (prefix != NULL && hits != 1)) {
			fprintf(stderr, "npm-release: %s: %s\n", user, hits == 0 ?
			        "no matching fido2 key" : "the prefix matches several keys");
			goto out;
		}
		if (prefix == NULL) {
			for (i = 0; i < a.n_fido2; i++)
				free(a.fido2[i]);
			a.n_fido2 = 0;
			snprintf(removed, sizeof(removed), "all");
		} else {
			cred_id_of(a.fido2[hit], removed, sizeof(removed));
			free(a.fido2[hit]);
			memmove(&a.fido2[hit], &a.fido2[hit + 1],
			        (a.n_fido2 - hit - 1) * sizeof(a.fido2[0]));
			a.n_fido2--;
		}
	}
	if (ns_approver_save(s->st, &a, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	session_ledger(s, "unenroll", "{\"user\":\"%s\",\"factor\":\"%s\",\"credential\":\"%s\","
	               "\"by\":\"%s\"}", user, ns_factor_name(factor), removed, s->caller);
	if (factor == NS_FACTOR_TOTP)
		fprintf(stderr, "totp removed for %s\n", user);
	else if (prefix == NULL)
		fprintf(stderr, "all %s keys removed for %s\n", ns_factor_name(factor), user);
	else
		fprintf(stderr, "%s key %s removed for %s\n", ns_factor_name(factor), removed, user);
	rc = NS_EXIT_OK;
out:
	ns_approver_wipe(&a);
	return rc;
}

static int
enroll_unlock(struct session *s, const char *user)
{
	struct ns_totp_record was;
	struct ns_err err;

	if (ns_state_totp_unlock(s->st, user, &was, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_FAIL;
	}
	session_ledger(s, "enroll-unlock", "{\"user\":\"%s\",\"lockouts\":%lld,"
	                                   "\"held\":%s,\"by\":\"%s\"}", user, was.lockouts,
	               was.locked_until == NS_TOTP_LOCKED_HELD ? "true" : "false", s->caller);
	if (was.locked_until == NS_TOTP_LOCKED_HELD)
		printf("%s: TOTP lockout lifted (held after %lld lockouts in a row)\n", user,
		       was.lockouts);
	else if (was.locked_until > (long long)time(NULL))
		printf("%s: TOTP lockout lifted (%lld s were left)\n", user,
		       was.locked_until - (long long)time(NULL));
	else
		printf("%s: was not locked out; failure counts cleared\n", user);
	return NS_EXIT_OK;
}

static int
enroll_sshsk_cmd(struct session *s, const char *user, const char *key_line,
                 const char *fingerprint, int require_uv)
{
	struct ns_approver a;
	int rc;

	if (load_or_empty(s, user, &a) != 0)
		return NS_EXIT_FAIL;
	rc = enroll_sshsk(s, &a, key_line, fingerprint, require_uv);
	ns_approver_wipe(&a);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release enroll totp USER\n"
	                "       npm-release enroll fido2 USER [--alg es256|eddsa] [--pin-stdin]\n"
	                "       npm-release enroll ssh-sk USER [--key 'TYPE BASE64'] "
	                "[--fingerprint SHA256:...] [--require-uv]\n"
	                "       npm-release enroll list USER\n"
	                "       npm-release enroll remove USER totp|fido2|ssh-sk [PREFIX]\n"
	                "       npm-release enroll unlock USER\n");
	return NS_EXIT_USAGE;
}

/* A credential id prefix is base64 text: nothing else reaches the ledger. */
static int
prefix_valid(const char *p)
{
	size_t n = strlen(p);

	return n >= 4 && n < 2048 &&
	       strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == n;
}

int
cmd_enroll(int argc, char **argv)
{
	struct session s;
	struct ns_err err;
	const char *what, *user, *prefix = NULL, *key_line = NULL, *fingerprint = NULL;
	unsigned f = 0;
	int rc, alg = NS_FIDO2_ES256, pin_stdin = 0, require_uv = 0, i;

	if (argc < 3)
		return usage();
	what = argv[1];
	user = argv[2];
	if (strcmp(what, "list") == 0 || strcmp(what, "unlock") == 0) {
		if (argc != 3)
			return usage();
	} else if (strcmp(what, "remove") == 0) {
		if (argc < 4 || argc > 5)
			return usage();
		f = ns_factor_parse(argv[3], &err);
		if (f == 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			return NS_EXIT_USAGE;
		}
		if (argc == 5 && (f == NS_FACTOR_TOTP ||
		                  !prefix_valid(argv[4] + (f == NS_FACTOR_SSHSK &&
		                                           strncmp(argv[4], "SHA256:", 7) == 0 ? 7 : 0)))) {
			fprintf(stderr, "npm-release: a credential id prefix (4+ base64 characters) "
			                "only goes with fido2, a fingerprint prefix with ssh-sk\n");
			return NS_EXIT_USAGE;
		}
		prefix = argc == 5 ? argv[4] : NULL;
	} else {
		f = ns_factor_parse(what, &err);
		if (f == 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			return NS_EXIT_USAGE;
		}
		for (i = 3; i < argc; i++) {
			if (f == NS_FACTOR_FIDO2 && strcmp(argv[i], "--pin-stdin") == 0)
				pin_stdin = 1;
			else if (f == NS_FACTOR_SSHSK && strcmp(argv[i], "--key") == 0 && i + 1 < argc &&
			         strlen(argv[i + 1]) < NS_SSHSK_LINE_MAX)
				key_line = argv[++i];
			else if (f == NS_FACTOR_SSHSK && strcmp(argv[i], "--fingerprint") == 0 &&
			         i + 1 < argc && strncmp(argv[i + 1], "SHA256:", 7) == 0 &&
			         prefix_valid(argv[i + 1] + 7))
				fingerprint = argv[++i];
			else if (f == NS_FACTOR_SSHSK && strcmp(argv[i], "--require-uv") == 0)
				require_uv = 1;
			else if (f == NS_FACTOR_FIDO2 && strcmp(argv[i], "--alg") == 0 && i + 1 < argc &&
			         (strcmp(argv[i + 1], "es256") == 0 || strcmp(argv[i + 1], "eddsa") == 0))
				alg = strcmp(argv[++i], "es256") == 0 ? NS_FIDO2_ES256 : NS_FIDO2_EDDSA;
			else
				return usage();
		}
	}
	if (!ns_user_name_valid(user)) {
		fprintf(stderr, "npm-release: invalid user name\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE | NS_SESSION_ADMIN) != 0)
		return NS_EXIT_USAGE;
	if (!s.caller_is_admin) {
		fprintf(stderr, "npm-release: only root may manage enrolments\n");
		session_close(&s);
		return NS_EXIT_FAIL;
	}
	if (strcmp(what, "list") == 0)
		rc = enroll_list(&s, user);
	else if (strcmp(what, "unlock") == 0)
		rc = enroll_unlock(&s, user);
	else if (strcmp(what, "remove") == 0)
		rc = enroll_remove(&s, user, f, prefix);
	else if (f == NS_FACTOR_TOTP)
		rc = enroll_totp(&s, user);
	else if (f == NS_FACTOR_SSHSK)
		rc = enroll_sshsk_cmd(&s, user, key_line, fingerprint, require_uv);
	else
		rc = enroll_fido2(&s, user, alg, pin_stdin);
	session_close(&s);
	return rc;
}
