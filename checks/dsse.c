/* DSSE pre-authentication encoding (the bytes the envelope signature covers):
 * "DSSEv1" SP len(type) SP type SP len(payload) SP payload, lengths in ASCII
 * decimal byte counts, payload the raw decoded bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigstore.h"

unsigned char *
ns_dsse_pae(const char *type, const unsigned char *payload, size_t plen, size_t *outlen)
{
	char head[128];
	size_t tlen = strlen(type), hlen;
	unsigned char *out;
	int n;

	if (tlen > 256 || plen > NS_SIG_MAX_FILE)
		return NULL;
	n = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return NULL;
	hlen = (size_t)n;
	if ((out = malloc(hlen + tlen + 32 + plen)) == NULL)
		return NULL;
	memcpy(out, head, hlen);
	memcpy(out + hlen, type, tlen);
	n = snprintf((char *)out + hlen + tlen, 32, " %zu ", plen);
	if (n < 0 || n >= 32) {
		free(out);
		return NULL;
	}
	memcpy(out + hlen + tlen + (size_t)n, payload, plen);
	*outlen = hlen + tlen + (size_t)n + plen;
	return out;
}
