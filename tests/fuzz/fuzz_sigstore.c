/* Fuzz target: the Sigstore bundle / npm attestations parser and verifier, Rekor
 * entries, registry signature documents, trust material, and our own DER and X.509
 * extension parsing (Fulcio extensions, SAN, SCT list handling). Every input goes
 * through every parser: JSON ones as documents, any bytes as a DER certificate and as
 * a DER UTF8String. Trust material is the real one (FUZZ_TRUST), loaded once. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "sigstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ns_trust trust;
static struct ns_regkeys keys;
static int loaded;

static void
load_once(void)
{
	struct ns_err err = { "" };

	if (loaded)
		return;
	if (ns_trust_load(FUZZ_TRUST "/trusted_root.json", &trust, &err) != 0 ||
	    ns_regkeys_load(FUZZ_TRUST "/npm-registry-keys.json", &keys, &err) != 0)
		abort();
	loaded = 1;
}

static void
as_json(const uint8_t *data, size_t size)
{
	static const struct ns_prov_expect ex = { "sigstore", "5.0.0",
	    "849a897e81bf7b8a8541a6ae40bd3473a27a16b1cb0462ad905bd6dc96d34881053a12eb4a375233"
	    "f81677fc9439f628fe0b0445e8535c60b5559597fbd5f80e" };
	static const struct ns_prov_policy pol = { "https://github.com/sigstore/sigstore-js",
	    ".github/workflows/release.yml", "refs/*", NULL };
	struct ns_err err = { "" };
	struct ns_regsig_item *items = NULL;
	size_t nitems = 0, i;
	json_t *report = NULL, *doc;

	(void)ns_prov_verify((const char *)data, size, &trust, &keys, &ex, &pol, &report, &err);
	json_decref(report);
	if ((doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return;
	(void)ns_regsig_verify_doc(doc, &keys, &items, &nitems, &err);
	free(items);
	{
		struct ns_trust t;
		struct ns_regkeys k;

		if (ns_trust_parse(doc, &t, &err) == 0)
			ns_trust_free(&t);
		if (ns_regkeys_parse(doc, &k, &err) == 0)
			ns_regkeys_free(&k);
	}
	/* every tlog entry found anywhere in a bundle or an attestations document */
	{
		const json_t *list = json_object_get(doc, "attestations"), *a;
		struct ns_rekor_expect rex;
		int64_t t;

		memset(&rex, 0, sizeof(rex));
		rex.sig = (const unsigned char *)"x";
		rex.siglen = 1;
		json_array_foreach(list, i, a) {
			const json_t *e, *ents = json_object_get(json_object_get(json_object_get(a,
			    "bundle"), "verificationMaterial"), "tlogEntries");
			size_t j;

			json_array_foreach(ents, j, e)
				(void)ns_rekor_verify_entry(e, &trust, &rex, 0, 0, &t, &err);
		}
	}
	json_decref(doc);
}

static void
as_der(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	struct ns_identity id;
	struct ns_err err = { "" };
	X509 *x = d2i_X509(NULL, &p, (long)size), *issuer = NULL;
	char *s;
	int arc;

	if (ns_der_utf8string(data, size, &s) == 0)
		free(s);
	if (x == NULL)
		return;
	for (arc = 1; arc <= 23; arc++)
		if (ns_fulcio_ext(x, arc, &s) == 0)
			free(s);
	if (ns_cert_identity(x, &id, &err) == 0)
		ns_identity_free(&id);
	(void)ns_cert_verify_chain(x, &trust, 1780347770, &issuer, &err);
	/* the SCT path with the real intermediate as the issuer, chain or not */
	(void)ns_cert_verify_sct(x, sk_X509_value(trust.cas[1].certs, 0), &trust, &err);
	X509_free(issuer);
	X509_free(x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_once();
	if (size > 1024 * 1024)
		return 0;
	as_json(data, size);
	as_der(data, size);
	return 0;
}
