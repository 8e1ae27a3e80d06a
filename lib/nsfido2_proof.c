/* A FIDO2 assertion kept for the ledger: the credential id, the authenticator data
 * and the signature, so that the approval can be verified again later against the
 * enrolled public key (log --verify --signatures), long after the module accepted it.
 *   fido2-assertion <credential id> <authenticator data, CBOR> <signature>
 * (each base64). The verification redoes what the module checked: the signature
 * over authenticator data || clientDataHash (the statement's SHA-256), the relying
 * party id hash, and user presence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "nsfido2.h"
#include "nsfido2_int.h"
#include "sshwire.h"

#define PROOF_TAG	"fido2-assertion"
#define AUTHDATA_MAX	1024	/* CBOR-wrapped authenticator data we accept */
#define SIG_MAX		256	/* an ES256 DER signature or an EdDSA one */
#define FLAG_UP		0x01

static char *
b64_of(const unsigned char *p, size_t len)
{
	size_t cap = (len + 2) / 3 * 4 + 1;
	char *s;

	if (p == NULL || len == 0 || (s = malloc(cap)) == NULL)
		return NULL;
	if (ns_ssh_b64_encode(p, len, s, cap) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

char *
ns_fido2_proof_format(const fido_assert_t *a, const struct ns_fido2_cred *c)
{
	char *id = b64_of(c->id, c->id_len);
	char *ad = b64_of(fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0));
	char *sig = b64_of(fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0));
	char *line = NULL;
	size_t len;

	if (id != NULL && ad != NULL && sig != NULL &&
	    fido_assert_authdata_len(a, 0) <= AUTHDATA_MAX && fido_assert_sig_len(a, 0) <= SIG_MAX) {
		len = strlen(PROOF_TAG) + strlen(id) + strlen(ad) + strlen(sig) + 4;
		if ((line = malloc(len)) != NULL)
			snprintf(line, len, "%s %s %s %s", PROOF_TAG, id, ad, sig);
	}
	free(id);
	free(ad);
	free(sig);
	return line;
}

/* The three base64 fields of a proof line, decoded. */
static int
proof_fields(const char *proof, unsigned char **id, size_t *id_len, unsigned char **ad,
             size_t *ad_len, unsigned char **sig, size_t *sig_len, struct ns_err *err)
{
	const char *f[3];
	size_t n[3], max[3] = { NS_FIDO2_ID_MAX, AUTHDATA_MAX, SIG_MAX };
	unsigned char **out[3] = { id, ad, sig };
	size_t *out_len[3] = { id_len, ad_len, sig_len };
	const char *p = proof;

	if (strncmp(p, PROOF_TAG " ", strlen(PROOF_TAG) + 1) != 0)
		return ns_fail(err, "fido2 proof: not a %s line", PROOF_TAG);
	p += strlen(PROOF_TAG) + 1;
	for (int i = 0; i < 3; i++) {
		f[i] = p;
		n[i] = strcspn(p, " ");
		p += n[i];
		if (i < 2 && *p++ != ' ')
			return ns_fail(err, "fido2 proof: expected three fields");
	}
	if (*p != '\0' && strcmp(p, "\n") != 0)
		return ns_fail(err, "fido2 proof: bytes after the signature");
	for (int i = 0; i < 3; i++) {
		if (ns_ssh_b64_decode(f[i], n[i], max[i], out[i], out_len[i]) != 0) {
			for (int k = 0; k < i; k++) {
				free(*out[k]);
				*out[k] = NULL;
			}
			return ns_fail(err, "fido2 proof: field %d is not canonical base64", i + 1);
		}
	}
	return 0;
}

int
ns_fido2_proof_verify(const char *proof, const char *rp_id,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], const struct ns_fido2_cred *creds,
    size_t n, size_t *which, unsigned *counter, unsigned *flags, struct ns_err *err)
{
	unsigned char *id = NULL, *ad = NULL, *sig = NULL;
	size_t id_len = 0, ad_len = 0, sig_len = 0, i;
	fido_assert_t *a = NULL;
	int r, rc = -1;

	if (proof_fields(proof, &id, &id_len, &ad, &ad_len, &sig, &sig_len, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (creds[i].id_len == id_len && memcmp(creds[i].id, id, id_len) == 0)
			break;
	if (i == n) {
		ns_fail(err, "fido2 proof: the credential is not enrolled");
		goto out;
	}
	if ((a = fido_assert_new()) == NULL) {
		ns_fail(err, "fido2 proof: out of memory");
		goto out;
	}
	if ((r = fido_assert_set_rp(a, rp_id)) != FIDO_OK ||
	    (r = fido_assert_set_clientdata_hash(a, challenge, NS_FIDO2_CHALLENGE_LEN)) !=
	        FIDO_OK ||
	    (r = fido_assert_set_count(a, 1)) != FIDO_OK ||
	    (r = fido_assert_set_authdata(a, 0, ad, ad_len)) != FIDO_OK ||
	    (r = fido_assert_set_sig(a, 0, sig, sig_len)) != FIDO_OK) {
		ns_fail(err, "fido2 proof: %s", fido_strerr(r));
		goto out;
	}
	if (ns_fido2_verify_sig(a, &creds[i], err) != 0)
		goto out;
	if (!(fido_assert_flags(a, 0) & FLAG_UP)) {
		ns_fail(err, "fido2 proof: no user presence");
		goto out;
	}
	*which = i;
	*counter = fido_assert_sigcount(a, 0);
	*flags = fido_assert_flags(a, 0);
	rc = 0;
out:
	fido_assert_free(&a);
	free(id);
	free(ad);
	free(sig);
	return rc;
}
