/* Fuzz harness: the FIDO2 credential text form of the approver enrolment file.
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
	free(line);
	return 0;
}
