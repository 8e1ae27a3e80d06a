/* The approval statement: canonical text naming exactly what one approval covers.
 * Its SHA-256 is the FIDO2 challenge (clientDataHash), so a signature can't be
 * replayed for another artifact, approver or time. Stored with the approval. */
#ifndef NS_STATEMENT_H
#define NS_STATEMENT_H

#include <time.h>

#include "nserr.h"

#define NS_NONCE_HEX 32  /* 16 random bytes */

struct ns_statement_fields {
	const char *action;        /* approve or reject */
	const char *registry;
	const char *name;
	const char *version;
	const char *tag;
	const char *integrity;     /* sha512 SRI */
	const char *shasum;        /* sha1 hex */
	const char *stage_id;
	const char *report_sha256; /* hex of the check report */
	const char *approver;
	const char *nonce;         /* NS_NONCE_HEX hex chars */
	time_t expires;
};

/* Returns the malloc'd canonical text, or NULL with err set (a field missing or
 * holding a control character). */
char *ns_statement_build(const struct ns_statement_fields *f, struct ns_err *err);

/* Fresh random nonce as hex (buf: NS_NONCE_HEX + 1). */
int ns_nonce(char *buf, struct ns_err *err);

#endif
