/* The approval statement: canonical text naming exactly what one approval covers.
 * Its SHA-256 is the FIDO2 challenge (clientDataHash), so a signature can't be
 * replayed for another artifact, approver or time. Stored with the approval. */
#ifndef NS_STATEMENT_H
#define NS_STATEMENT_H

#include <time.h>

#include "nserr.h"

#define NS_NONCE_HEX 32  /* 16 random bytes */

/* The verified signer of the release's provenance (the check report's "provenance"),
 * which the factor then also signs. */
#define NS_PROV_FIELD_MAX 512
struct ns_statement_provenance {
	char repository[NS_PROV_FIELD_MAX + 1], workflow[NS_PROV_FIELD_MAX + 1];
	char ref[NS_PROV_FIELD_MAX + 1], commit[NS_PROV_FIELD_MAX + 1];
	char issuer[NS_PROV_FIELD_MAX + 1], bundle_sha256[65];
};

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
	const struct ns_statement_provenance *provenance; /* NULL: none verified */
};

/* From a check report (JSON text): 1 when it holds a verified provenance (p filled),
 * 0 when none, -1 when the report or its provenance cannot be read (p left empty,
 * which no statement accepts). */
int ns_statement_provenance_from_report(const char *report, struct ns_statement_provenance *p);

/* Returns the malloc'd canonical text, or NULL with err set (a field missing or
 * holding a control character). */
char *ns_statement_build(const struct ns_statement_fields *f, struct ns_err *err);

/* Fresh random nonce as hex (buf: NS_NONCE_HEX + 1). */
int ns_nonce(char *buf, struct ns_err *err);

#endif
