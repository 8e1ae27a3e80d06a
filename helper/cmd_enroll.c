/* npm-release enroll totp USER: a fresh secret from getrandom, shown as an
 * otpauth:// URI (and a QR code on a terminal), activated only after one correct
 * code. Root only. */
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
#include "factor.h"
#include "pam_gate.h"
#include "session.h"
#include "totp.h"

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
	if (gate_read_secret("Code shown by the app (to activate): ", code, sizeof(code)) != 0 ||
	    ns_totp_match(&key, code, time(NULL), 1) < 0) {
		fprintf(stderr, "npm-release: wrong code; enrolment not activated\n");
		goto out;
	}
	a.totp = key;
	a.has_totp = 1;
	if (ns_approver_save(s->st, &a, &err) != 0) {
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

int
cmd_enroll(int argc, char **argv)
{
	struct session s;
	struct ns_err err;
	unsigned f;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: npm-release enroll totp|fido2 USER\n");
		return NS_EXIT_USAGE;
	}
	f = ns_factor_parse(argv[1], &err);
	if (f == 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return NS_EXIT_USAGE;
	}
	if (!ns_user_name_valid(argv[2])) {
		fprintf(stderr, "npm-release: invalid user name\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 1) != 0)
		return NS_EXIT_USAGE;
	if (!s.caller_is_root) {
		fprintf(stderr, "npm-release: only root may enrol approvers\n");
		session_close(&s);
		return NS_EXIT_FAIL;
	}
	if (f == NS_FACTOR_TOTP) {
		rc = enroll_totp(&s, argv[2]);
	} else {
		fprintf(stderr, "npm-release: fido2 enrolment is not available in this build yet\n");
		rc = NS_EXIT_FAIL;
	}
	session_close(&s);
	return rc;
}
