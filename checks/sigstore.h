/* Sigstore bundle verification for npm provenance and publish attestations, and npm
 * registry signatures (npm-release(8), PROVENANCE and SIGNATURES; PROTOCOLS.md §4, §5).
 * Pure functions over caller-supplied bytes and trust material: no network, no files
 * except the loaders below, no global state. */
#ifndef NS_SIGSTORE_H
#define NS_SIGSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "nserr.h"

#define NS_TIME_OPEN INT64_MAX  /* a validity window with no end */
#define NS_SIG_MAX_FILE (16 * 1024 * 1024)

/* ---- helpers (sigstore_util.c) ---- */
/* Strict base64 (standard alphabet, padding optional, no whitespace); *out is
 * malloc'd and NUL-terminated after *outlen bytes. */
int ns_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);
char *ns_b64_encode(const unsigned char *in, size_t len); /* malloc'd, padded */
/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" -> seconds since the epoch; -1 when malformed. */
int ns_time_parse(const char *s, int64_t *out);
void ns_time_format(int64_t t, char out[32]); /* "YYYY-MM-DDTHH:MM:SSZ" or "open" */
/* Reads a regular file (O_CLOEXEC|O_NOFOLLOW, at most NS_SIG_MAX_FILE bytes). */
int ns_read_small_file(const char *path, char **buf, size_t *len, struct ns_err *err);
/* DER SubjectPublicKeyInfo -> key. */
EVP_PKEY *ns_spki_key(const unsigned char *der, size_t len);
/* ECDSA (DER signature) or Ed25519 over msg; SHA-256 for ECDSA. 1 = valid. */
int ns_sig_ok(EVP_PKEY *key, const unsigned char *msg, size_t msglen,
              const unsigned char *sig, size_t siglen);

/* ---- trust material (trust.c) ---- */
struct ns_trust_log {          /* a Rekor transparency log or a CT log */
	char *base_url;
	unsigned char log_id[32];  /* sha256 of the DER public key */
	EVP_PKEY *key;
	int64_t start, end;
};
struct ns_trust_ca {           /* a Fulcio CA or a TSA: its chain, root last */
	char *uri;
	STACK_OF(X509) *certs;
	int64_t start, end;
};
struct ns_trust {
	struct ns_trust_log *tlogs, *ctlogs;
	size_t ntlogs, nctlogs;
	struct ns_trust_ca *cas;
	size_t ncas;
	struct ns_trust_ca *tsas;  /* RFC 3161 TSAs: shown by trust show, not used */
	size_t ntsas;
};
struct ns_regkey {
	char *keyid;               /* "SHA256:..." */
	char *usage;               /* "npm:signatures", "npm:attestations" or NULL (any) */
	EVP_PKEY *key;
	int64_t start, end;
};
struct ns_regkeys {
	struct ns_regkey *k;
	size_t n;
};

/* Sigstore trusted_root.json (mediaType ...trustedroot+json;version=0.1). */
int ns_trust_load(const char *path, struct ns_trust *t, struct ns_err *err);
int ns_trust_parse(const json_t *root, struct ns_trust *t, struct ns_err *err);
void ns_trust_free(struct ns_trust *t);
/* The registry's keys: the TUF target {keys:[{keyId,keyUsage,publicKey:{rawBytes,
 * validFor}}]} or the /-/npm/v1/keys answer {keys:[{keyid,key,expires}]}. */
int ns_regkeys_load(const char *path, struct ns_regkeys *k, struct ns_err *err);
int ns_regkeys_parse(const json_t *root, struct ns_regkeys *k, struct ns_err *err);
void ns_regkeys_free(struct ns_regkeys *k);
/* The key with this id for this usage, or NULL. */
const struct ns_regkey *ns_regkeys_find(const struct ns_regkeys *k, const char *keyid,
                                        const char *usage);

/* ---- registry signatures (registry_sig.c) ---- */
struct ns_regsig_item {
	char name[256], version[128], keyid[96];
	int ok;                    /* 1 verified */
	int time_known;            /* publish time known: key validity checked at it */
	char reason[256];          /* why not ok, or a note when ok */
};
/* Verifies every signature in one document (a packument, a version document or an
 * array of {name, version, integrity, keyid, sig[, time]}). Appends one item per
 * signature to *items. Returns 0 when all verified, 1 when one failed or the document
 * holds no signature, -1 when the document is not one of the shapes (err set). */
int ns_regsig_verify_doc(const json_t *doc, const struct ns_regkeys *keys,
                         struct ns_regsig_item **items, size_t *nitems, struct ns_err *err);

/* One version of a full packument (time[version] the publish time): 0 verified,
 * 1 failed (res->reason), 2 no signature at all. A missing publish time fails when
 * the key has a validity window. res names the package, version and keyid. */
int ns_regsig_check_version(const json_t *packument, const char *name, const char *version,
                            const struct ns_regkeys *keys, struct ns_regsig_item *res);

/* ---- DSSE and the in-toto statement (dsse.c) ---- */
/* Pre-authentication encoding; malloc'd. */
unsigned char *ns_dsse_pae(const char *type, const unsigned char *payload, size_t plen,
                           size_t *outlen);

/* ---- certificates (sigstore_cert.c) ---- */
struct ns_identity {
	char *san, *issuer, *repository, *ref, *commit, *workflow, *build_signer;
};
void ns_identity_free(struct ns_identity *id);
/* The value of Fulcio extension 1.3.6.1.4.1.57264.1.<arc> (DER UTF8String for arcs
 * >= 8, raw bytes for 1..7) as a malloc'd printable string; NULL when absent or
 * malformed (-1 from the _raw form when malformed). */
int ns_fulcio_ext(X509 *cert, int arc, char **out);
/* A whole DER UTF8String of printable text (our own DER: fuzzed). */
int ns_der_utf8string(const unsigned char *der, size_t len, char **out);
/* The identity of a Fulcio leaf: SAN, issuer, repository, ref, commit, workflow. */
int ns_cert_identity(X509 *leaf, struct ns_identity *id, struct ns_err *err);
/* Chain leaf -> a trusted Fulcio CA valid at t, every certificate valid at t. */
int ns_cert_verify_chain(X509 *leaf, const struct ns_trust *t, int64_t when,
                         X509 **issuer_out, struct ns_err *err);
/* Embedded SCTs: at least one verifies against a CT log valid at its timestamp. */
int ns_cert_verify_sct(X509 *leaf, X509 *issuer, const struct ns_trust *t, struct ns_err *err);

/* ---- Rekor entries (sigstore_rekor.c) ---- */
struct ns_rekor_expect {
	const unsigned char *sig; size_t siglen;   /* the envelope signature, raw */
	unsigned char payload_sha256[32];
};
/* Verifies one tlogEntries[] item: SET and/or inclusion proof with its checkpoint,
 * body against the envelope. need_promise/need_proof per bundle version. On 0,
 * *signed_time is the integratedTime when a SET vouched for it, else 0. */
int ns_rekor_verify_entry(const json_t *entry, const struct ns_trust *t,
                          const struct ns_rekor_expect *ex, int need_promise, int need_proof,
                          int64_t *signed_time, struct ns_err *err);
/* RFC 6962/9162 inclusion of leaf_hash at index in a tree of size with root. */
int ns_merkle_inclusion_ok(uint64_t index, uint64_t size, const unsigned char leaf[32],
                           const unsigned char (*path)[32], size_t npath,
                           const unsigned char root[32]);

/* ---- bundles and attestations documents (sigstore_bundle.c) ---- */
struct ns_prov_policy {        /* NULL fields are not checked */
	const char *repository, *workflow, *ref_glob, *issuer;
};
struct ns_prov_expect {
	const char *name, *version;
	const char *sha512_hex;    /* 128 lowercase hex chars of the tarball's SHA-512 */
};
/* The predicate of a verified statement against the package and the signer: a publish
 * predicate (keyed) names ex's name and version; SLSA v1 resolvedDependencies[0] (v0.2:
 * invocation.configSource) names id's commit and git+repository@ref. */
int ns_prov_check_predicate(const json_t *stmt, int keyed, const struct ns_identity *id,
                            const struct ns_prov_expect *ex, struct ns_err *err);
/* Verifies an attestations document or a single bundle (buf, len) against the
 * expected subject and the policy. *report receives the JSON report
 * {result, subject:{name,version,sha512}, attestations:[{predicateType, result,
 * reason, identity:{san,issuer,repository,ref,commit,workflow}}]}. Returns 0 when
 * everything verified and matched, 1 when not, -1 on an operational error. */
int ns_prov_verify(const char *buf, size_t len, const struct ns_trust *t,
                   const struct ns_regkeys *k, const struct ns_prov_expect *ex,
                   const struct ns_prov_policy *pol, json_t **report, struct ns_err *err);

#endif
