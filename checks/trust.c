/* Trust material: the Sigstore trusted root (Fulcio CAs, Rekor logs, CT logs) and the
 * npm registry's signing keys, parsed into keys and validity windows. Anything we do
 * not understand in an entry we would rely on is an error, not a skipped entry. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sigstore.h"

#define MAX_TRUST_ENTRIES 64

static const char *
str_at(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* validFor {start, end?}: start required for trust roots, end optional (open). */
static int
valid_for(const json_t *vf, int64_t *start, int64_t *end, const char *what,
          struct ns_err *err)
{
	const char *s = str_at(vf, "start"), *e = str_at(vf, "end");

	*start = INT64_MIN;
	*end = NS_TIME_OPEN;
	if (vf == NULL)
		return 0;
	if (!json_is_object(vf))
		return ns_fail(err, "%s: validFor is not an object", what);
	if (json_object_get(vf, "start") != NULL && ns_time_parse(s, start) != 0)
		return ns_fail(err, "%s: validFor.start is not an RFC 3339 time", what);
	if (json_object_get(vf, "end") != NULL && ns_time_parse(e, end) != 0)
		return ns_fail(err, "%s: validFor.end is not an RFC 3339 time", what);
	return 0;
}

static EVP_PKEY *
b64_key(const char *b64)
{
	unsigned char *der;
	size_t n;
	EVP_PKEY *k;

	if (b64 == NULL || ns_b64_decode(b64, strlen(b64), &der, &n) != 0)
		return NULL;
	k = ns_spki_key(der, n);
	free(der);
	return k;
}

static int
parse_logs(const json_t *arr, struct ns_trust_log **out, size_t *nout, const char *what,
           struct ns_err *err)
{
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > MAX_TRUST_ENTRIES)
		return ns_fail(err, "trusted root: %s is not a list of 1..%d logs", what,
		               MAX_TRUST_ENTRIES);
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return ns_fail(err, "out of memory");
	*nout = n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(arr, i), *pk = json_object_get(e, "publicKey");
		struct ns_trust_log *l = &(*out)[i];
		unsigned char *id = NULL;
		size_t idlen = 0;
		const char *idb64 = str_at(json_object_get(e, "logId"), "keyId");
		const char *url = str_at(e, "baseUrl");

		if (url == NULL || (l->base_url = strdup(url)) == NULL)
			return ns_fail(err, "trusted root: %s[%zu] has no baseUrl", what, i);
		if ((l->key = b64_key(str_at(pk, "rawBytes"))) == NULL)
			return ns_fail(err, "trusted root: %s[%zu]: public key unreadable", what, i);
		if (idb64 == NULL || ns_b64_decode(idb64, strlen(idb64), &id, &idlen) != 0 ||
		    idlen != 32) {
			if (idb64 != NULL && idlen != 32)
				free(id);
			return ns_fail(err, "trusted root: %s[%zu]: logId is not 32 bytes", what, i);
		}
		memcpy(l->log_id, id, 32);
		free(id);
		if (valid_for(json_object_get(pk, "validFor"), &l->start, &l->end, what, err) != 0)
			return -1;
	}
	return 0;
}

/* certificateAuthorities (Fulcio) or timestampAuthorities: {uri, certChain, validFor}. */
static int
parse_cas(const json_t *arr, struct ns_trust_ca **out, size_t *nout, const char *what,
          struct ns_err *err)
{
	size_t i, j, n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > MAX_TRUST_ENTRIES)
		return ns_fail(err, "trusted root: %s is not a list of 1..%d", what,
		               MAX_TRUST_ENTRIES);
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return ns_fail(err, "out of memory");
	*nout = n;
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(arr, i);
		const json_t *certs = json_object_get(json_object_get(e, "certChain"), "certificates");
		struct ns_trust_ca *ca = &(*out)[i];
		const char *uri = str_at(e, "uri");

		ca->uri = strdup(uri != NULL ? uri : "");
		if (ca->uri == NULL || (ca->certs = sk_X509_new_null()) == NULL)
			return ns_fail(err, "out of memory");
		if (json_array_size(certs) == 0 || json_array_size(certs) > 8)
			return ns_fail(err, "trusted root: %s %zu has no certificate chain", what, i);
		for (j = 0; j < json_array_size(certs); j++) {
			const char *b64 = str_at(json_array_get(certs, j), "rawBytes");
			unsigned char *der;
			const unsigned char *p;
			size_t dn;
			X509 *x;

			if (b64 == NULL || ns_b64_decode(b64, strlen(b64), &der, &dn) != 0)
				return ns_fail(err, "trusted root: %s %zu cert %zu: bad base64", what,
				               i, j);
			p = der;
			x = d2i_X509(NULL, &p, (long)dn);
			if (x == NULL || p != der + dn) {
				X509_free(x);
				free(der);
				return ns_fail(err, "trusted root: %s %zu cert %zu: not DER X.509",
				               what, i, j);
			}
			free(der);
			if (!sk_X509_push(ca->certs, x)) {
				X509_free(x);
				return ns_fail(err, "out of memory");
			}
		}
		if (valid_for(json_object_get(e, "validFor"), &ca->start, &ca->end, what, err) != 0)
			return -1;
	}
	return 0;
}

int
ns_trust_parse(const json_t *root, struct ns_trust *t, struct ns_err *err)
{
	const char *mt = str_at(root, "mediaType");

	memset(t, 0, sizeof(*t));
	if (mt == NULL || strcmp(mt, "application/vnd.dev.sigstore.trustedroot+json;version=0.1") != 0)
		return ns_fail(err, "trusted root: mediaType is not "
		               "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
	if (parse_logs(json_object_get(root, "tlogs"), &t->tlogs, &t->ntlogs, "tlogs", err) != 0 ||
	    parse_logs(json_object_get(root, "ctlogs"), &t->ctlogs, &t->nctlogs, "ctlogs", err) != 0 ||
	    parse_cas(json_object_get(root, "certificateAuthorities"), &t->cas, &t->ncas,
	              "certificateAuthorities", err) != 0 ||
	    /* not used to verify (no bundle we accept needs an RFC 3161 time), read
	     * for trust show: optional, but never half-understood */
	    (json_object_get(root, "timestampAuthorities") != NULL &&
	     parse_cas(json_object_get(root, "timestampAuthorities"), &t->tsas, &t->ntsas,
	               "timestampAuthorities", err) != 0)) {
		ns_trust_free(t);
		return -1;
	}
	return 0;
}

static json_t *
load_json(const char *path, struct ns_err *err)
{
	char *buf;
	size_t len;
	json_error_t je;
	json_t *j;

	if (ns_read_small_file(path, &buf, &len, err) != 0)
		return NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (j == NULL)
		ns_fail(err, "%s: not JSON (line %d: %s)", path, je.line, je.text);
	return j;
}

int
ns_trust_load(const char *path, struct ns_trust *t, struct ns_err *err)
{
	json_t *j = load_json(path, err);
	int r;

	memset(t, 0, sizeof(*t));
	if (j == NULL)
		return -1;
	r = ns_trust_parse(j, t, err);
	json_decref(j);
	return r;
}

static void
free_logs(struct ns_trust_log *l, size_t n)
{
	size_t i;

	for (i = 0; l != NULL && i < n; i++) {
		free(l[i].base_url);
		EVP_PKEY_free(l[i].key);
	}
	free(l);
}

static void
free_cas(struct ns_trust_ca *c, size_t n)
{
	size_t i;

	for (i = 0; c != NULL && i < n; i++) {
		free(c[i].uri);
		sk_X509_pop_free(c[i].certs, X509_free);
	}
	free(c);
}

void
ns_trust_free(struct ns_trust *t)
{
	free_logs(t->tlogs, t->ntlogs);
	free_logs(t->ctlogs, t->nctlogs);
	free_cas(t->cas, t->ncas);
	free_cas(t->tsas, t->ntsas);
	memset(t, 0, sizeof(*t));
}

/* One key of either shape. */
static int
parse_regkey(const json_t *e, struct ns_regkey *k, size_t i, struct ns_err *err)
{
	const json_t *pk = json_object_get(e, "publicKey");
	const char *id = str_at(e, "keyId"), *usage = str_at(e, "keyUsage"), *b64;

	k->start = INT64_MIN;
	k->end = NS_TIME_OPEN;
	if (pk != NULL) {              /* TUF target shape */
		b64 = str_at(pk, "rawBytes");
		if (valid_for(json_object_get(pk, "validFor"), &k->start, &k->end, "registry key",
		              err) != 0)
			return -1;
	} else {                       /* /-/npm/v1/keys shape */
		const json_t *exp = json_object_get(e, "expires");

		id = str_at(e, "keyid");
		b64 = str_at(e, "key");
		if (exp != NULL && !json_is_null(exp) &&
		    ns_time_parse(json_string_value(exp), &k->end) != 0)
			return ns_fail(err, "registry key %zu: expires is not an RFC 3339 time", i);
	}
	if (id == NULL || strncmp(id, "SHA256:", 7) != 0 || strlen(id) > 90)
		return ns_fail(err, "registry key %zu: no SHA256: key id", i);
	if ((k->keyid = strdup(id)) == NULL || (usage != NULL && (k->usage = strdup(usage)) == NULL))
		return ns_fail(err, "out of memory");
	if ((k->key = b64_key(b64)) == NULL || EVP_PKEY_get_base_id(k->key) != EVP_PKEY_EC)
		return ns_fail(err, "registry key %s: not a DER EC public key", id);
	return 0;
}

int
ns_regkeys_parse(const json_t *root, struct ns_regkeys *k, struct ns_err *err)
{
	const json_t *arr = json_object_get(root, "keys");
	size_t i, n = json_array_size(arr);

	memset(k, 0, sizeof(*k));
	if (!json_is_array(arr) || n == 0 || n > MAX_TRUST_ENTRIES)
		return ns_fail(err, "registry keys: \"keys\" is not a list of 1..%d keys",
		               MAX_TRUST_ENTRIES);
	if ((k->k = calloc(n, sizeof(*k->k))) == NULL)
		return ns_fail(err, "out of memory");
	k->n = n;
	for (i = 0; i < n; i++)
		if (parse_regkey(json_array_get(arr, i), &k->k[i], i, err) != 0) {
			ns_regkeys_free(k);
			return -1;
		}
	return 0;
}

int
ns_regkeys_load(const char *path, struct ns_regkeys *k, struct ns_err *err)
{
	json_t *j = load_json(path, err);
	int r;

	memset(k, 0, sizeof(*k));
	if (j == NULL)
		return -1;
	r = ns_regkeys_parse(j, k, err);
	json_decref(j);
	return r;
}

void
ns_regkeys_free(struct ns_regkeys *k)
{
	size_t i;

	for (i = 0; k->k != NULL && i < k->n; i++) {
		free(k->k[i].keyid);
		free(k->k[i].usage);
		EVP_PKEY_free(k->k[i].key);
	}
	free(k->k);
	memset(k, 0, sizeof(*k));
}

const struct ns_regkey *
ns_regkeys_find(const struct ns_regkeys *k, const char *keyid, const char *usage)
{
	size_t i;

	for (i = 0; keyid != NULL && i < k->n; i++)
		if (strcmp(k->k[i].keyid, keyid) == 0 &&
		    (k->k[i].usage == NULL || strcmp(k->k[i].usage, usage) == 0))
			return &k->k[i];
	return NULL;
}
