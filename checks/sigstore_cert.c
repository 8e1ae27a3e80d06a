/* Fulcio certificates: the chain to a trusted CA at the signing time, the embedded
 * SCTs against the CT logs, and the signer identity from the SAN and the Fulcio
 * extensions (OIDs 1.3.6.1.4.1.57264.1.*, sigstore/fulcio docs/oid-info.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ct.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sigstore.h"

#define MAX_EXT_VALUE 4096

static int
printable(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
ns_der_utf8string(const unsigned char *der, size_t len, char **out)
{
	size_t n, hdr = 2;

	*out = NULL;
	if (len < 2 || der[0] != 0x0c)          /* UTF8String, primitive */
		return -1;
	if (der[1] < 0x80)
		n = der[1];
	else if (der[1] == 0x81 && len >= 3 && der[2] >= 0x80) {   /* DER: shortest length */
		n = der[2];
		hdr = 3;
	} else if (der[1] == 0x82 && len >= 4 && der[2] != 0) {
		n = ((size_t)der[2] << 8) | der[3];
		hdr = 4;
	} else
		return -1;
	if (n != len - hdr || n > MAX_EXT_VALUE || !printable(der + hdr, n))
		return -1;
	if ((*out = malloc(n + 1)) == NULL)
		return -1;
	memcpy(*out, der + hdr, n);
	(*out)[n] = '\0';
	return 0;
}

int
ns_fulcio_ext(X509 *cert, int arc, char **out)
{
	char oid[64];
	ASN1_OBJECT *obj;
	const ASN1_OCTET_STRING *v;
	const unsigned char *d;
	int idx, n;

	*out = NULL;
	snprintf(oid, sizeof(oid), "1.3.6.1.4.1.57264.1.%d", arc);
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL)
		return -1;
	idx = X509_get_ext_by_OBJ(cert, obj, -1);
	if (idx >= 0 && X509_get_ext_by_OBJ(cert, obj, idx) >= 0) {
		ASN1_OBJECT_free(obj);
		return -1;                          /* twice: ambiguous */
	}
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return 0;
	v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
	d = ASN1_STRING_get0_data(v);
	n = ASN1_STRING_length(v);
	if (arc >= 8)
		return ns_der_utf8string(d, (size_t)n, out);
	if (n <= 0 || n > MAX_EXT_VALUE || !printable(d, (size_t)n) ||
	    (*out = strndup((const char *)d, (size_t)n)) == NULL)
		return -1;
	return 0;
}

void
ns_identity_free(struct ns_identity *id)
{
	free(id->san);
	free(id->issuer);
	free(id->repository);
	free(id->ref);
	free(id->commit);
	free(id->workflow);
	free(id->build_signer);
	memset(id, 0, sizeof(*id));
}

/* The one SAN: a URI (CI workflows) or an email address. */
static int
cert_san(X509 *leaf, char **out, struct ns_err *err)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	const GENERAL_NAME *g;
	const ASN1_IA5STRING *s;
	int r = -1;

	*out = NULL;
	if (names == NULL || sk_GENERAL_NAME_num(names) != 1) {
		GENERAL_NAMES_free(names);
		return ns_fail(err, "certificate: not exactly one subject alternative name");
	}
	g = sk_GENERAL_NAME_value(names, 0);
	if (g->type == GEN_URI || g->type == GEN_EMAIL) {
		s = g->type == GEN_URI ? g->d.uniformResourceIdentifier : g->d.rfc822Name;
		if (ASN1_STRING_length(s) > 0 && ASN1_STRING_length(s) <= MAX_EXT_VALUE &&
		    printable(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s)))
			*out = strndup((const char *)ASN1_STRING_get0_data(s),
			               (size_t)ASN1_STRING_length(s));
	}
	if (*out != NULL)
		r = 0;
	else
		ns_fail(err, "certificate: the SAN is not a printable URI or email address");
	GENERAL_NAMES_free(names);
	return r;
}

/* New Fulcio extension (arc_new, DER UTF8String) or its deprecated raw predecessor. */
static int
ext_either(X509 *leaf, int arc_new, int arc_old, char **out, struct ns_err *err)
{
	if (ns_fulcio_ext(leaf, arc_new, out) != 0)
		return ns_fail(err, "certificate: Fulcio extension 1.3.6.1.4.1.57264.1.%d is "
		               "malformed", arc_new);
	if (*out == NULL && arc_old > 0 && ns_fulcio_ext(leaf, arc_old, out) != 0)
		return ns_fail(err, "certificate: Fulcio extension 1.3.6.1.4.1.57264.1.%d is "
		               "malformed", arc_old);
	return 0;
}

int
ns_cert_identity(X509 *leaf, struct ns_identity *id, struct ns_err *err)
{
	char *repo5 = NULL;
	size_t rl;

	memset(id, 0, sizeof(*id));
	if (cert_san(leaf, &id->san, err) != 0 ||
	    ext_either(leaf, 8, 1, &id->issuer, err) != 0 ||
	    ext_either(leaf, 12, 0, &id->repository, err) != 0 ||
	    ext_either(leaf, 14, 6, &id->ref, err) != 0 ||
	    ext_either(leaf, 13, 3, &id->commit, err) != 0 ||
	    ext_either(leaf, 9, 0, &id->build_signer, err) != 0)
		goto fail;
	if (id->repository == NULL) {   /* pre-2023 certificates: .5 is "owner/repo" */
		if (ns_fulcio_ext(leaf, 5, &repo5) != 0)
			goto fail;
		if (repo5 != NULL && id->issuer != NULL &&
		    strcmp(id->issuer, "https://token.actions.githubusercontent.com") == 0) {
			if ((id->repository = malloc(strlen(repo5) + 20)) == NULL)
				goto fail;
			sprintf(id->repository, "https://github.com/%s", repo5);
		}
		free(repo5);
	}
	if (id->build_signer == NULL && (id->build_signer = strdup(id->san)) == NULL)
		goto fail;
	if (id->issuer == NULL) {
		ns_fail(err, "certificate: no OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)");
		goto fail;
	}
	/* The workflow: the build signer's path inside the repository, without "@ref".
	 * A workflow from another repository (reusable) stays the whole URI. */
	rl = id->repository != NULL ? strlen(id->repository) : 0;
	if (rl > 0 && strncmp(id->build_signer, id->repository, rl) == 0 &&
	    id->build_signer[rl] == '/') {
		const char *p = id->build_signer + rl + 1, *at = strrchr(p, '@');

		id->workflow = strndup(p, at != NULL ? (size_t)(at - p) : strlen(p));
	} else
		id->workflow = strdup(id->build_signer);
	if (id->workflow == NULL)
		goto fail;
	return 0;
fail:
	if (err->msg[0] == '\0')
		ns_fail(err, "certificate: identity unreadable (out of memory or malformed)");
	ns_identity_free(id);
	return -1;
}

/* One CA: its root as the only trust anchor, its intermediates untrusted. */
static int
verify_with_ca(X509 *leaf, const struct ns_trust_ca *ca, int64_t when, X509 **issuer,
               char *why, size_t whycap)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int n = sk_X509_num(ca->certs), i, ok = 0;

	if (store == NULL || ctx == NULL || untrusted == NULL || n < 1)
		goto out;
	if (!X509_STORE_add_cert(store, sk_X509_value(ca->certs, n - 1)))
		goto out;
	for (i = 0; i < n - 1; i++)
		if (!sk_X509_push(untrusted, sk_X509_value(ca->certs, i)))
			goto out;
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
		goto out;
	X509_STORE_CTX_set_time(ctx, 0, (time_t)when);  /* sets X509_V_FLAG_USE_CHECK_TIME */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	if (X509_verify_cert(ctx) == 1 && sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) >= 2) {
		*issuer = sk_X509_value(X509_STORE_CTX_get0_chain(ctx), 1);
		X509_up_ref(*issuer);
		ok = 1;
	} else
		snprintf(why, whycap, "%s",
		         X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

int
ns_cert_verify_chain(X509 *leaf, const struct ns_trust *t, int64_t when, X509 **issuer_out,
                     struct ns_err *err)
{
	char why[160] = "no Fulcio CA in the trusted root is valid at that time", ts[32];
	size_t i;

	*issuer_out = NULL;
	ns_time_format(when, ts);
	if (X509_check_ca(leaf) != 0)
		return ns_fail(err, "certificate: the signing certificate is a CA");
	if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
		return ns_fail(err, "certificate: no codeSigning extended key usage");
	for (i = 0; i < t->ncas; i++) {
		if (when < t->cas[i].start || when > t->cas[i].end)
			continue;
		if (verify_with_ca(leaf, &t->cas[i], when, issuer_out, why, sizeof(why)))
			return 0;
	}
	return ns_fail(err, "certificate chain: not valid at the signing time %s (%s)", ts, why);
}

/* The data an SCT signs for a precertificate entry (RFC 6962 §3.2). */
static unsigned char *
sct_signed_data(const SCT *sct, const unsigned char ikh[32], const unsigned char *tbs,
                size_t tbslen, size_t *outlen)
{
	const unsigned char *ext;
	size_t extlen = SCT_get0_extensions(sct, (unsigned char **)&ext);
	uint64_t ts = SCT_get_timestamp(sct);
	unsigned char *b, *p;
	int i;

	if (tbslen > 0xffffff || extlen > 0xffff ||
	    (b = malloc(1 + 1 + 8 + 2 + 32 + 3 + tbslen + 2 + extlen)) == NULL)
		return NULL;
	p = b;
	*p++ = 0;                     /* v1 */
	*p++ = 0;                     /* certificate_timestamp */
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(ts >> (8 * i));
	*p++ = 0;
	*p++ = 1;                     /* precert_entry */
	memcpy(p, ikh, 32);
	p += 32;
	*p++ = (unsigned char)(tbslen >> 16);
	*p++ = (unsigned char)(tbslen >> 8);
	*p++ = (unsigned char)tbslen;
	memcpy(p, tbs, tbslen);
	p += tbslen;
	*p++ = (unsigned char)(extlen >> 8);
	*p++ = (unsigned char)extlen;
	if (extlen > 0)
		memcpy(p, ext, extlen);
	p += extlen;
	*outlen = (size_t)(p - b);
	return b;
}

int
ns_cert_verify_sct(X509 *leaf, X509 *issuer, const struct ns_trust *t, struct ns_err *err)
{
	STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	X509 *pre = NULL;
	unsigned char ikh[32], *spki = NULL, *tbs = NULL;
	int spkilen, tbslen, i, good = 0, idx;
	size_t j;

	if (scts == NULL || sk_SCT_num(scts) == 0) {
		SCT_LIST_free(scts);
		return ns_fail(err, "certificate: no embedded SCT");
	}
	/* The precertificate TBS: the leaf's TBS without the SCT list extension. */
	if ((pre = X509_dup(leaf)) == NULL ||
	    (idx = X509_get_ext_by_NID(pre, NID_ct_precert_scts, -1)) < 0)
		goto out;
	X509_EXTENSION_free(X509_delete_ext(pre, idx));
	if ((tbslen = i2d_re_X509_tbs(pre, &tbs)) <= 0 ||
	    (spkilen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki)) <= 0 ||
	    EVP_Digest(spki, (size_t)spkilen, ikh, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < sk_SCT_num(scts); i++) {
		const SCT *sct = sk_SCT_value(scts, i);
		unsigned char *id, *sig, *msg;
		size_t idlen = SCT_get0_log_id(sct, &id), siglen, msglen;
		int64_t when = (int64_t)(SCT_get_timestamp(sct) / 1000);

		if (SCT_get_version(sct) != SCT_VERSION_V1 || idlen != 32 ||
		    SCT_get_signature_nid(sct) != NID_ecdsa_with_SHA256)
			continue;
		siglen = SCT_get0_signature(sct, &sig);
		for (j = 0; j < t->nctlogs; j++) {
			const struct ns_trust_log *l = &t->ctlogs[j];

			if (memcmp(l->log_id, id, 32) != 0 || when < l->start || when > l->end)
				continue;
			if ((msg = sct_signed_data(sct, ikh, tbs, (size_t)tbslen, &msglen)) == NULL)
				goto out;
			if (ns_sig_ok(l->key, msg, msglen, sig, siglen))
				good++;
			free(msg);
		}
	}
out:
	OPENSSL_free(tbs);
	OPENSSL_free(spki);
	X509_free(pre);
	SCT_LIST_free(scts);
	if (good == 0)
		return ns_fail(err, "certificate: no embedded SCT verifies against a CT log of "
		               "the trusted root valid at its time");
	return 0;
}
