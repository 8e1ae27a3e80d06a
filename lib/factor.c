#include "config.h"

#include <string.h>
#include <strings.h>

#include "factor.h"

static const char *const refused[] = { "sms", "voice", "call", "phone", "email",
	                               "mail", "push", "none", NULL };

unsigned
ns_factor_parse(const char *name, struct ns_err *err)
{
	size_t i;

	if (strcmp(name, "totp") == 0)
		return NS_FACTOR_TOTP;
	if (strcmp(name, "fido2") == 0)
		return NS_FACTOR_FIDO2;
	if (strcmp(name, "ssh-sk") == 0)
		return NS_FACTOR_SSHSK;
	for (i = 0; refused[i] != NULL; i++) {
		if (strcasecmp(name, refused[i]) == 0) {
			ns_fail(err, "factor '%s' is refused: SMS, voice, email and push are "
			             "never accepted (use fido2, ssh-sk or totp)", name);
			return 0;
		}
	}
	ns_fail(err, "unknown factor '%.64s' refused (only fido2, ssh-sk and totp exist)", name);
	return 0;
}

unsigned
ns_factor_parse_list(const char *list, struct ns_err *err)
{
	char word[65];
	unsigned set = 0, bit;
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (n >= sizeof(word)) {
			ns_fail(err, "factor name too long");
			return 0;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		bit = ns_factor_parse(word, err);
		if (bit == 0)
			return 0;
		set |= bit;
		p += n;
	}
	if (set == 0)
		ns_fail(err, "empty factor list");
	return set;
}

const char *
ns_factor_name(unsigned bit)
{
	switch (bit) {
	case NS_FACTOR_TOTP: return "totp";
	case NS_FACTOR_FIDO2: return "fido2";
	case NS_FACTOR_SSHSK: return "ssh-sk";
	default: return "?";
	}
}
