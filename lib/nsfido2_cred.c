/* The FIDO2 credential's text form, one line of the approver's enrolment file:
 *   fido2 es256|eddsa <credential id, base64> <public key, base64> uv|-
 * Strict: canonical base64, a public key libfido2 accepts, nothing else on the line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "nsfido2.h"
#include "nsfido2_int.h"
#include "sanitize.h"
#include "sshwire.h"

char *
ns_fido2_b64(const unsigned char *p, size_t len)
{
	char *s;
	size_t cap = (len + 2) / 3 * 4 + 1;

	if (len == 0 || len > NS_FIDO2_ID_MAX || (s = malloc(cap)) == NULL)
		return NULL;
	if (ns_ssh_b64_encode(p, len, s, cap) != 0) {
		free(s);
		return NULL;
	}
	return s;
}


static int
check_pk(int alg, const unsigned char *pk, size_t len)
{
	es256_pk_t *es;
	eddsa_pk_t *ed;
	int r = FIDO_ERR_INTERNAL;

	if (len != ns_fido2_alg_pk_len(alg))
		return -1;
	if (alg == NS_FIDO2_ES256) {
		if ((es = es256_pk_new()) != NULL)
			r = es256_pk_from_ptr(es, pk, len);
		es256_pk_free(&es);
	} else {
		if ((ed = eddsa_pk_new()) != NULL)
			r = eddsa_pk_from_ptr(ed, pk, len);
		eddsa_pk_free(&ed);
	}
	return r == FIDO_OK ? 0 : -1;
}

#define NFIELDS 5

int
ns_fido2_cred_parse(const char *line, struct ns_fido2_cred *out, struct ns_err *err)
{
	const char *f[NFIELDS + 1];
	size_t flen[NFIELDS + 1], len, nf = 0;
	char alg[16];

	if (out == NULL)
		return ns_fail(err, "fido2 credential: no output");
	memset(out, 0, sizeof(*out));
	if (line == NULL)
		return ns_fail(err, "fido2 credential: no line");
	len = strnlen(line, NS_FIDO2_LINE_MAX + 1);
	if (len > NS_FIDO2_LINE_MAX)
		return ns_fail(err, "fido2 credential: line longer than %d bytes",
		    NS_FIDO2_LINE_MAX);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len;) {
		size_t j;

		if (line[i] == ' ' || line[i] == '\t') {
			i++;
			continue;
		}
		for (j = i; j < len && line[j] != ' ' && line[j] != '\t'; j++)
			;
		f[nf] = line + i;
		flen[nf++] = j - i;
		if (nf > NFIELDS)
			break;
		i = j;
	}
	if (nf != NFIELDS)
		return ns_fail(err, "fido2 credential: expected 5 fields \"fido2 "
		    "<es256|eddsa> <id base64> <pk base64> <uv|->\"%s",
		    nf > NFIELDS ? ", got more" : "");
	if (flen[0] != 5 || memcmp(f[0], "fido2", 5) != 0)
		return ns_fail(err, "fido2 credential: line does not start with \"fido2\"");
	if (flen[1] == 5 && memcmp(f[1], "es256", 5) == 0)
		out->cose_alg = NS_FIDO2_ES256;
	else if (flen[1] == 5 && memcmp(f[1], "eddsa", 5) == 0)
		out->cose_alg = NS_FIDO2_EDDSA;
	else {
		char raw[16];

		snprintf(raw, sizeof(raw), "%.*s", (int)(flen[1] < 15 ? flen[1] : 15), f[1]);
		ns_sanitize(alg, sizeof(alg), raw);
		return ns_fail(err, "fido2 credential: unknown algorithm \"%s\" "
		    "(es256 or eddsa)", alg);
	}
	if (ns_ssh_b64_decode(f[2], flen[2], NS_FIDO2_ID_MAX, &out->id, &out->id_len) < 0) {
		ns_fido2_cred_clear(out);
		return ns_fail(err, "fido2 credential: credential id is not canonical "
		    "base64 of 1..%d bytes", NS_FIDO2_ID_MAX);
	}
	if (ns_ssh_b64_decode(f[3], flen[3], 64, &out->pk, &out->pk_len) < 0 ||
	    check_pk(out->cose_alg, out->pk, out->pk_len) < 0) {
		const char *name = ns_fido2_alg_name(out->cose_alg);

		ns_fido2_cred_clear(out);
		return ns_fail(err, "fido2 credential: public key is not a valid %s key "
		    "in canonical base64", name);
	}
	if (flen[4] == 2 && memcmp(f[4], "uv", 2) == 0)
		out->uv_enrolled = 1;
	else if (!(flen[4] == 1 && f[4][0] == '-')) {
		ns_fido2_cred_clear(out);
		return ns_fail(err, "fido2 credential: last field must be \"uv\" or \"-\"");
	}
	return 0;
}

char *
ns_fido2_cred_format(const struct ns_fido2_cred *c)
{
	char *id = NULL, *pk = NULL, *line = NULL;
	size_t len;

	if (c == NULL || ns_fido2_check_cred(c, 0, NULL) < 0 ||
	    (id = ns_fido2_b64(c->id, c->id_len)) == NULL ||
	    (pk = ns_fido2_b64(c->pk, c->pk_len)) == NULL)
		goto out;
	len = strlen("fido2 es256   uv") + strlen(id) + strlen(pk) + 1;
	if ((line = malloc(len)) != NULL)
		snprintf(line, len, "fido2 %s %s %s %s", ns_fido2_alg_name(c->cose_alg), id, pk,
		    c->uv_enrolled ? "uv" : "-");
out:
	free(id);
	free(pk);
	return line;
}
