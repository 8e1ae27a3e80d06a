/* Fuzz harness: the approver enrolment file (ns_approver_parse) and the release
 * token file (ns_token_parse), both on every input. Either parses or fails with
 * a message; an enrolment naming a refused factor (sms...) never parses. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "approver.h"
#include "token_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a line's first word (blank: isspace, as the parser's sscanf) is
 * neither totp, fido2 nor a comment. */
static int
names_other_factor(const char *text)
{
	const char *line = text;

	while (*line != '\0') {
		const char *p = line, *w;
		size_t n;

		while (*p != '\n' && *p != '\0' && isspace((unsigned char)*p))
			p++;
		for (w = p; *w != '\0' && !isspace((unsigned char)*w); w++)
			;
		n = (size_t)(w - p);
		if (*p != '#' && n > 0 && !(n == 4 && strncmp(p, "totp", 4) == 0) &&
		    !(n == 5 && strncmp(p, "fido2", 5) == 0))
			return 1;
		line = strchr(line, '\n');
		if (line == NULL)
			break;
		line++;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_approver a;
	struct ns_token t;
	struct ns_err err;
	char *text;

	if (size > NS_APPROVER_MAX_SIZE || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&err, 0, sizeof(err));
	if (ns_approver_parse(text, "fuzz", &a, &err) == 0) {
		if (a.n_fido2 > NS_MAX_CREDS || names_other_factor(text) ||
		    (a.has_totp && (a.totp.digits < 6 || a.totp.digits > 8)))
			abort();
		/* fido2 lines are kept raw (blanks as sscanf sees them) for nsfido2 */
		for (size_t i = 0; i < a.n_fido2; i++) {
			const char *p = a.fido2[i];
			while (p != NULL && isspace((unsigned char)*p))
				p++;
			if (p == NULL || strncmp(p, "fido2", 5) != 0)
				abort();
		}
		ns_approver_wipe(&a);
	} else if (err.msg[0] == '\0' || a.n_fido2 != 0) {
		abort(); /* says why, keeps nothing */
	}
	memset(&err, 0, sizeof(err));
	if (ns_token_parse(text, &t, &err) == 0) {
		for (const char *p = t.token; *p != '\0'; p++)
			if (!isgraph((unsigned char)*p))
				abort();
	} else if (err.msg[0] == '\0') {
		abort();
	}
	ns_token_wipe(&t);
	free(text);
	return 0;
}
