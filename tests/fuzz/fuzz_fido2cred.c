/* Fuzz harness: the FIDO2 credential text form of the approver enrolment file, and
 * the assertion proof line the ledger keeps (ns_fido2_proof_verify: no input may
 * verify against a key that signed nothing, and every failure says why).
 * Any input must parse or fail cleanly; whatever parses must format back to a
 * line that parses to the same credential. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsfido2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct ns_fido2_cred *a, const struct ns_fido2_cred *b)
{
	return a->cose_alg == b->cose_alg && a->uv_enrolled == b->uv_enrolled &&
	    a->id_len == b->id_len && a->pk_len == b->pk_len &&
	    memcmp(a->id, b->id, a->id_len) == 0 && memcmp(a->pk, b->pk, a->pk_len) == 0;
}

/* A fixed credential (a valid P-256 point: the generator) that signed nothing. */
static void
proof_line(const char *line)
{
	static unsigned char id[16] = { 1, 2, 3, 4 };
	static unsigned char pk[64] = {
		0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
		0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1,
		0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f,
		0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57,
		0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5 };
	struct ns_fido2_cred c = { NS_FIDO2_ES256, id, sizeof(id), pk, sizeof(pk), 0 };
	unsigned char challenge[NS_FIDO2_CHALLENGE_LEN] = { 0 };
	struct ns_err err;
	size_t which;
	unsigned counter, flags;

	err.msg[0] = '\0';
	if (ns_fido2_proof_verify(line, "npmstage", challenge, &c, 1, &which, &counter, &flags,
	                          &err) == 0 || err.msg[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_fido2_cred c, again;
	struct ns_err err;
	char *line, *text;

	if (size > 2 * NS_FIDO2_LINE_MAX || (line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (ns_fido2_cred_parse(line, &c, &err) == 0) {
		if ((text = ns_fido2_cred_format(&c)) == NULL ||
		    ns_fido2_cred_parse(text, &again, &err) != 0 || !same(&c, &again))
			abort();
		free(text);
		ns_fido2_cred_clear(&again);
	} else if (err.msg[0] == '\0' || c.id != NULL || c.pk != NULL)
		abort(); /* a failure must say why and leave nothing allocated */
	ns_fido2_cred_clear(&c);
	proof_line(line);
	free(line);
	return 0;
}
