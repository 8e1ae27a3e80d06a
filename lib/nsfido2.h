/* FIDO2 second factor through libfido2: enrolment (makeCredential), approval
 * (getAssertion over the approval statement's hash), clone detection and the
 * credential's text form in the approver enrolment file.
 *
 * Devices are found with fido_dev_info_manifest() + fido_dev_open(); tests put a
 * software authenticator behind those two calls (an LD_PRELOAD shim), or open one
 * themselves and use the *_dev variants. */
#ifndef NS_FIDO2_H
#define NS_FIDO2_H

#include <stddef.h>

#include "nserr.h"

struct fido_dev;

#define NS_FIDO2_CHALLENGE_LEN	32
#define NS_FIDO2_ID_MAX		1024	/* bytes of a credential id we accept */
#define NS_FIDO2_LINE_MAX	4096	/* bytes of one text form line */
#define NS_FIDO2_TIMEOUT_MS	30000	/* wait for the touch at most this long */
#define NS_FIDO2_MAX_DEVICES	16

/* COSE algorithm numbers (the values of libfido2's COSE_ES256 / COSE_EDDSA) */
#define NS_FIDO2_ES256	(-7)
#define NS_FIDO2_EDDSA	(-8)

struct ns_fido2_cred {			/* one enrolled credential */
	int cose_alg;			/* NS_FIDO2_ES256 or NS_FIDO2_EDDSA */
	unsigned char *id;
	size_t id_len;
	unsigned char *pk;		/* raw public key as libfido2 exports it: */
	size_t pk_len;			/* x||y (64) for ES256, 32 bytes for EdDSA */
	int uv_enrolled;		/* the device verified the user at enrolment */
};

/* Enrolment: makeCredential on the first device that opens, for rp_id and user;
 * pin may be NULL (then UV is asked for when the device has it). The attestation
 * signature is verified (fido_cred_verify with x5c, else fido_cred_verify_self);
 * attestation format "none" is refused. out is filled on success (free with
 * ns_fido2_cred_clear). 0 on success, -1 with err set. */
int ns_fido2_enroll(const char *rp_id, const char *user, const char *pin, int alg,
    struct ns_fido2_cred *out, struct ns_err *err);
/* The same, with credentials the device must not enrol again (excludeList). */
int ns_fido2_enroll_excluding(const char *rp_id, const char *user, const char *pin,
    int alg, const struct ns_fido2_cred *exclude, size_t n_exclude,
    struct ns_fido2_cred *out, struct ns_err *err);
/* The same on a device the caller has opened. */
int ns_fido2_enroll_dev(struct fido_dev *dev, const char *rp_id, const char *user,
    const char *pin, int alg, const struct ns_fido2_cred *exclude, size_t n_exclude,
    struct ns_fido2_cred *out, struct ns_err *err);

/* How much user verification (UV: PIN or biometric on the key) an authentication
 * asks for. Whatever was asked for must be in the returned flags. */
#define NS_FIDO2_UV_ENROLLED	0	/* only for credentials enrolled with UV */
#define NS_FIDO2_UV_REQUIRED	1	/* always; a key that cannot is refused */
#define NS_FIDO2_UV_IF_CAPABLE	2	/* whenever the key supports it (getInfo "uv",
					   or a PIN was given), and for credentials
					   enrolled with UV */

/* Authentication: getAssertion with clientDataHash = challenge (the SHA-256 of the
 * approval statement) and allowList = creds. User presence is always required;
 * uv (NS_FIDO2_UV_*) says when UV is asked for; a credential enrolled with UV
 * (uv_enrolled) always needs it, so an unlocked stolen key is not enough. The signature is verified with the
 * key of the credential the device answered with (fido_assert_verify). Devices are
 * tried in turn while they hold none of the credentials. On success (0) sets
 * *which (index into creds) and *counter (signature counter); -1 with err set. The
 * caller checks the counter with ns_fido2_counter_ok() and stores it. */
int ns_fido2_authenticate(const char *rp_id, const struct ns_fido2_cred *creds, size_t n,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], int uv,
    const char *pin, size_t *which, unsigned *counter, char **proof, struct ns_err *err);
/* The same on a device the caller has opened. */
int ns_fido2_authenticate_dev(struct fido_dev *dev, const char *rp_id,
    const struct ns_fido2_cred *creds, size_t n,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], int uv,
    const char *pin, size_t *which, unsigned *counter, char **proof, struct ns_err *err);
/* proof (may be NULL): on success, a malloc'd one-line record of what the key signed,
 *   "fido2-assertion <credential id> <authenticator data> <signature>" (base64; the
 *   authenticator data CBOR-wrapped as libfido2 hands it out),
 * which ns_fido2_proof_verify checks again later, for the ledger. */

/* Verifies a proof against creds (which one answered: *which) for rp_id and the
 * challenge: the signature over authenticator data || challenge, the rp id hash,
 * user presence. *counter is the signed counter, *flags the authenticator flags.
 * 0 verified, -1 with err set. */
int ns_fido2_proof_verify(const char *proof, const char *rp_id,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], const struct ns_fido2_cred *creds,
    size_t n, size_t *which, unsigned *counter, unsigned *flags, struct ns_err *err);

/* Clone detection: 1 when now_counter > stored, or both are 0 (keys that always
 * report 0); else 0. */
int ns_fido2_counter_ok(unsigned stored, unsigned now_counter);

/* Text form: "fido2 <es256|eddsa> <id base64> <pk base64> <uv|->", fields
 * separated by blanks, an optional trailing newline. Strict: canonical base64,
 * bounded lengths, a public key that is a valid point/key. 0 or -1 with err set. */
int ns_fido2_cred_parse(const char *line, struct ns_fido2_cred *out, struct ns_err *err);
/* malloc'd, NUL-terminated, no trailing newline; NULL on error. */
char *ns_fido2_cred_format(const struct ns_fido2_cred *c);
/* Frees id and pk and zeroes c (safe on a zeroed or already cleared c). */
void ns_fido2_cred_clear(struct ns_fido2_cred *c);

#endif
