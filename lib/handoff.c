#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handoff.h"

static const char magic[8] = { 'N', 'P', 'M', 'S', 'T', 'A', 'G', 'E' };

unsigned char *
ns_bp_encode(int type, const void *payload, size_t plen, size_t *len)
{
	unsigned char *m;

	if (plen > NS_BP_MAX_PAYLOAD || type < 0 || type > 255)
		return NULL;
	m = malloc(NS_BP_HEADER + plen);
	if (m == NULL)
		return NULL;
	memcpy(m, magic, 8);
	m[8] = NS_BP_VERSION;
	m[9] = (unsigned char)type;
	m[10] = (unsigned char)(plen >> 24);
	m[11] = (unsigned char)(plen >> 16);
	m[12] = (unsigned char)(plen >> 8);
	m[13] = (unsigned char)plen;
	if (plen > 0)
		memcpy(m + NS_BP_HEADER, payload, plen);
	*len = NS_BP_HEADER + plen;
	return m;
}

int
ns_bp_decode(const void *msg, int *type, const unsigned char **payload, size_t *plen)
{
	const unsigned char *m = msg;
	size_t n;

	if (m == NULL || memcmp(m, magic, 8) != 0 || m[8] != NS_BP_VERSION)
		return -1;
	n = ((size_t)m[10] << 24) | ((size_t)m[11] << 16) | ((size_t)m[12] << 8) | m[13];
	if (n > NS_BP_MAX_PAYLOAD)
		return -1;
	*type = m[9];
	*payload = m + NS_BP_HEADER;
	*plen = n;
	return 0;
}

int
ns_bp_token_fields(const unsigned char *p, size_t plen, const char **approval,
                   const char **token, const char **otp_line)
{
	const char *f[3];
	size_t off = 0, i;
	const unsigned char *z;

	for (i = 0; i < 3; i++) {
		if (off >= plen)
			return -1;
		z = memchr(p + off, '\0', plen - off);
		if (z == NULL)
			return -1;
		f[i] = (const char *)p + off;
		off = (size_t)(z - p) + 1;
	}
	if (off != plen)
		return -1;
	*approval = f[0];
	*token = f[1];
	*otp_line = f[2];
	return 0;
}
