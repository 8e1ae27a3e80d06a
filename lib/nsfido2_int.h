/* Shared by nsfido2.c (libfido2 calls) and nsfido2_cred.c (the text form); not
 * used elsewhere. */
#ifndef NS_FIDO2_INT_H
#define NS_FIDO2_INT_H

#include <stddef.h>

#include <fido.h>

#include "nsfido2.h"

const char *ns_fido2_alg_name(int alg);	/* "es256", "eddsa" or NULL */
size_t ns_fido2_alg_pk_len(int alg);	/* 64, 32 or 0 */
/* A credential is usable when its algorithm, id and key length make sense. */
int ns_fido2_check_cred(const struct ns_fido2_cred *c, size_t i, struct ns_err *err);
/* Padded base64 of 1..NS_FIDO2_ID_MAX bytes, malloc'd; NULL otherwise. */
char *ns_fido2_b64(const unsigned char *p, size_t len);

/* fido_assert_verify of assertion 0 with c's public key. */
int ns_fido2_verify_sig(const fido_assert_t *a, const struct ns_fido2_cred *c,
                        struct ns_err *err);
/* The proof line of assertion 0 answered by c (nsfido2_proof.c); malloc'd or NULL. */
char *ns_fido2_proof_format(const fido_assert_t *a, const struct ns_fido2_cred *c);

#endif
