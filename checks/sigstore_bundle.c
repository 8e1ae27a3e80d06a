/* Sigstore bundles and npm attestations documents: each bundle's DSSE signature,
 * signing key (Fulcio certificate or npm registry key) at the Rekor-vouched signing
 * time, its Rekor entries, its in-toto statement against the exact tarball, and the
 * identity policy. The report names what failed. */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sanitize.h"
#include "sigstore.h"

#define MAX_ATTESTATIONS 16
#define MAX_TLOG_ENTRIES 8
#define PT_PUBLISH "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
#define PT_SLSA_V1 "https://slsa.dev/provenance/v1"
#define PT_SLSA_V02 "https://slsa.dev/provenance/v0.2"

struct ctx {
	const struct ns_trust *trust;
	const struct ns_regkeys *keys;
	const struct ns_prov_expect *ex;
	const struct ns_prov_policy *pol;
};

struct bundle {
	int version;                    /* 1..3: media type v0.N */
	unsigned char *payload, *sig;
	size_t plen, siglen;
	const char *keyid, *hint;
	X509 *leaf;
	const struct ns_regkey *regkey;
	int64_t times[MAX_TLOG_ENTRIES];
	size_t ntimes;
	json_t *stmt;
	struct ns_identity id;
};

static void
bundle_free(struct bundle *b)
{
	free(b->payload);
	free(b->sig);
	X509_free(b->leaf);
	json_decref(b->stmt);
	ns_identity_free(&b->id);
}

static const char *
str_at(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
media_version(const char *mt)
{
	if (mt == NULL)
		return 0;
	if (strcmp(mt, "application/vnd.dev.sigstore.bundle+json;version=0.1") == 0)
		return 1;
	if (strcmp(mt, "application/vnd.dev.sigstore.bundle+json;version=0.2") == 0)
		return 2;
	if (strcmp(mt, "application/vnd.dev.sigstore.bundle+json;version=0.3") == 0 ||
	    strcmp(mt, "application/vnd.dev.sigstore.bundle.v0.3+json") == 0)
		return 3;
	return 0;
}

static int
b64_at(const json_t *o, const char *k, unsigned char **out, size_t *n)
{
	const char *s = str_at(o, k);

	*out = NULL;
	return s == NULL ? -1 : ns_b64_decode(s, strlen(s), out, n);
}

static int
parse_envelope(const json_t *env, struct bundle *b, struct ns_err *err)
{
	const json_t *sigs = json_object_get(env, "signatures");

	if (!json_is_object(env))
		return ns_fail(err, "bundle: no dsseEnvelope (message signatures are not attestations)");
	if (str_at(env, "payloadType") == NULL ||
	    strcmp(str_at(env, "payloadType"), "application/vnd.in-toto+json") != 0)
		return ns_fail(err, "envelope: payloadType is not application/vnd.in-toto+json");
	if (b64_at(env, "payload", &b->payload, &b->plen) != 0 || b->plen == 0)
		return ns_fail(err, "envelope: payload is empty or not base64");
	if (json_array_size(sigs) != 1)
		return ns_fail(err, "envelope: not exactly one signature");
	if (b64_at(json_array_get(sigs, 0), "sig", &b->sig, &b->siglen) != 0 || b->siglen == 0)
		return ns_fail(err, "envelope: signature is empty or not base64");
	b->keyid = str_at(json_array_get(sigs, 0), "keyid");
	if (b->keyid != NULL && b->keyid[0] == '\0')
		b->keyid = NULL;
	return 0;
}

static int
parse_material(const json_t *vm, struct bundle *b, struct ns_err *err)
{
	const json_t *cert = json_object_get(vm, "certificate");
	const json_t *chain = json_object_get(vm, "x509CertificateChain");
	const json_t *pk = json_object_get(vm, "publicKey");
	unsigned char *der;
	const unsigned char *p;
	size_t n;

	cert = json_is_null(cert) ? NULL : cert;
	chain = json_is_null(chain) ? NULL : chain;
	pk = json_is_null(pk) ? NULL : pk;
	if ((cert != NULL) + (chain != NULL) + (pk != NULL) != 1)
		return ns_fail(err, "verificationMaterial: not exactly one of certificate, "
		               "x509CertificateChain, publicKey");
	if (chain != NULL && b->version >= 3)
		return ns_fail(err, "verificationMaterial: x509CertificateChain in a v0.3 bundle");
	if (pk != NULL) {
		if ((b->hint = str_at(pk, "hint")) == NULL)
			return ns_fail(err, "verificationMaterial: publicKey has no hint");
		return 0;
	}
	/* The leaf only: intermediates come from the trusted root, never the bundle. */
	if (chain != NULL)
		cert = json_array_get(json_object_get(chain, "certificates"), 0);
	if (b64_at(cert, "rawBytes", &der, &n) != 0)
		return ns_fail(err, "certificate: missing or not base64");
	p = der;
	b->leaf = d2i_X509(NULL, &p, (long)n);
	if (b->leaf == NULL || p != der + n) {
		free(der);
		return ns_fail(err, "certificate: not one DER X.509 certificate");
	}
	free(der);
	return 0;
}

static int
verify_tlog(const json_t *vm, struct ctx *c, struct bundle *b, struct ns_err *err)
{
	const json_t *entries = json_object_get(vm, "tlogEntries");
	struct ns_rekor_expect ex;
	size_t i, n = json_array_size(entries);

	if (n == 0 || n > MAX_TLOG_ENTRIES)
		return ns_fail(err, "tlogEntries: not 1..%d entries", MAX_TLOG_ENTRIES);
	ex.sig = b->sig;
	ex.siglen = b->siglen;
	if (EVP_Digest(b->payload, b->plen, ex.payload_sha256, NULL, EVP_sha256(), NULL) != 1)
		return ns_fail(err, "sha256 failed");
	for (i = 0; i < n; i++) {
		struct ns_err e = { "" };
		int64_t t;

		if (ns_rekor_verify_entry(json_array_get(entries, i), c->trust, &ex,
		                          b->version == 1, b->version >= 2, &t, &e) != 0)
			return ns_fail(err, "rekor entry %zu: %s", i, e.msg);
		if (t != 0)
			b->times[b->ntimes++] = t;
	}
	if (b->ntimes == 0)
		return ns_fail(err, "no signing time vouched for by a Rekor SET (RFC 3161 "
		               "timestamps are not verified yet)");
	return 0;
}

/* The key the bundle names: the certificate's, or the registry key of the hint.
 * Whether it is trusted at the signing time is key_trusted's question. */
static EVP_PKEY *
claimed_key(struct ctx *c, struct bundle *b, struct ns_err *err)
{
	if (b->leaf != NULL) {
		EVP_PKEY *k = X509_get0_pubkey(b->leaf);

		if (k == NULL)
			ns_fail(err, "certificate: public key unreadable");
		return k;
	}
	if (b->keyid != NULL && strcmp(b->keyid, b->hint) != 0) {
		ns_fail(err, "envelope keyid differs from the publicKey hint");
		return NULL;
	}
	if ((b->regkey = ns_regkeys_find(c->keys, b->hint, "npm:attestations")) == NULL) {
		ns_fail(err, "no npm:attestations registry key with keyid %.90s", b->hint);
		return NULL;
	}
	return b->regkey->key;
}

/* The signing key at every vouched time; for certificates also the SCTs. */
static int
key_trusted(struct ctx *c, struct bundle *b, struct ns_err *err)
{
	char ts[32], s[32], e[32];
	size_t i;
	int ok;

	if (b->leaf != NULL) {
		X509 *issuer = NULL;

		for (i = 0; i < b->ntimes; i++) {
			X509_free(issuer);
			if (ns_cert_verify_chain(b->leaf, c->trust, b->times[i], &issuer, err) != 0)
				return -1;
		}
		ok = ns_cert_verify_sct(b->leaf, issuer, c->trust, err) == 0 &&
		     ns_cert_identity(b->leaf, &b->id, err) == 0;
		X509_free(issuer);
		return ok ? 0 : -1;
	}
	for (i = 0; i < b->ntimes; i++)
		if (b->times[i] < b->regkey->start || b->times[i] >= b->regkey->end) {
			ns_time_format(b->times[i], ts);
			ns_time_format(b->regkey->start, s);
			ns_time_format(b->regkey->end, e);
			return ns_fail(err, "registry key %.90s was not valid at the integrated time "
			               "%s (valid %s .. %s)", b->hint, ts, s, e);
		}
	return 0;
}

static int
check_statement(struct ctx *c, struct bundle *b, const char *doc_ptype, struct ns_err *err)
{
	const char *type, *ptype, *name, *digest;
	const json_t *subj;
	char purl[600];

	if ((b->stmt = json_loadb((const char *)b->payload, b->plen, JSON_REJECT_DUPLICATES,
	                          NULL)) == NULL)
		return ns_fail(err, "statement: payload is not JSON");
	type = str_at(b->stmt, "_type");
	ptype = str_at(b->stmt, "predicateType");
	if (type == NULL || (strcmp(type, "https://in-toto.io/Statement/v1") != 0 &&
	                     strcmp(type, "https://in-toto.io/Statement/v0.1") != 0))
		return ns_fail(err, "statement: _type is not an in-toto Statement v1 or v0.1");
	if (ptype == NULL || (doc_ptype != NULL && strcmp(ptype, doc_ptype) != 0))
		return ns_fail(err, "statement: predicateType differs from the attestation's");
	subj = json_object_get(b->stmt, "subject");
	if (json_array_size(subj) != 1)
		return ns_fail(err, "statement: not exactly one subject");
	name = str_at(json_array_get(subj, 0), "name");
	digest = str_at(json_object_get(json_array_get(subj, 0), "digest"), "sha512");
	if ((size_t)snprintf(purl, sizeof(purl), "pkg:npm/%s%s@%s",
	                     c->ex->name[0] == '@' ? "%40" : "",
	                     c->ex->name + (c->ex->name[0] == '@'), c->ex->version) >= sizeof(purl))
		return ns_fail(err, "statement: package name and version too long");
	if (name == NULL || strcmp(name, purl) != 0)
		return ns_fail(err, "statement: subject name is not %s", purl);
	if (digest == NULL || strcmp(digest, c->ex->sha512_hex) != 0)
		return ns_fail(err, "statement: subject sha512 is not the tarball's");
	return 0;
}

/* The predicate against the package and the certificate. */
int
ns_prov_check_predicate(const json_t *stmt, int keyed, const struct ns_identity *id,
                        const struct ns_prov_expect *ex, struct ns_err *err)
{
	const char *ptype = str_at(stmt, "predicateType");
	const json_t *pred = json_object_get(stmt, "predicate"), *dep;
	const char *commit, *uri;
	char want[1200];

	if (ptype == NULL)
		return ns_fail(err, "statement: no predicateType");
	if (strcmp(ptype, PT_PUBLISH) == 0) {
		if (!keyed)
			return ns_fail(err, "publish attestation not signed by a registry key");
		if (str_at(pred, "name") == NULL || strcmp(str_at(pred, "name"), ex->name) != 0 ||
		    str_at(pred, "version") == NULL ||
		    strcmp(str_at(pred, "version"), ex->version) != 0)
			return ns_fail(err, "publish predicate names another package or version");
		return 0;
	}
	if (keyed)
		return ns_fail(err, "%.80s attestation not signed by a Fulcio certificate", ptype);
	if (strcmp(ptype, PT_SLSA_V1) == 0) {
		dep = json_array_get(json_object_get(json_object_get(pred, "buildDefinition"),
		                                     "resolvedDependencies"), 0);
		commit = str_at(json_object_get(dep, "digest"), "gitCommit");
	} else if (strcmp(ptype, PT_SLSA_V02) == 0) {
		/* SLSA v0.2 (npm 9): the source is invocation.configSource */
		dep = json_object_get(json_object_get(pred, "invocation"), "configSource");
		commit = str_at(json_object_get(dep, "digest"), "sha1");
	} else
		return ns_fail(err, "predicateType %.80s is not SLSA provenance v1 or v0.2", ptype);
	uri = str_at(dep, "uri");
	if (commit == NULL || id->commit == NULL || strcmp(commit, id->commit) != 0)
		return ns_fail(err, "predicate source commit differs from the certificate's");
	if (id->repository == NULL || id->ref == NULL)
		return ns_fail(err, "certificate names no source repository or ref");
	if ((size_t)snprintf(want, sizeof(want), "git+%s@%s", id->repository, id->ref) >=
	    sizeof(want) || uri == NULL || strcmp(uri, want) != 0)
		return ns_fail(err, "predicate source uri differs from the certificate's "
		               "repository@ref");
	return 0;
}

static int
check_policy(const struct ns_prov_policy *p, const struct ns_identity *id, struct ns_err *err)
{
#define FIELD(want, have, what) \
	if ((want) != NULL && ((have) == NULL || strcmp((want), (have)) != 0)) \
		return ns_fail(err, "policy: %s is %.200s, not %.200s", what, \
		               (have) != NULL ? (have) : "(none)", (want));
	FIELD(p->issuer, id->issuer, "issuer")
	FIELD(p->repository, id->repository, "repository")
	FIELD(p->workflow, id->workflow, "workflow")
#undef FIELD
	if (p->ref_glob != NULL && (id->ref == NULL || fnmatch(p->ref_glob, id->ref, 0) != 0))
		return ns_fail(err, "policy: ref is %.200s, not matching %.200s",
		               id->ref != NULL ? id->ref : "(none)", p->ref_glob);
	return 0;
}

/* Report text: single-line, printable, valid UTF-8, bounded (what the approver and a
 * JSON consumer see; policy comparisons use the raw values). */
static json_t *
jstr(const char *s)
{
	char buf[8192];

	if (s == NULL)
		return json_null();
	ns_sanitize(buf, sizeof(buf), s);
	return json_string(buf);
}

static json_t *
verify_bundle(struct ctx *c, const json_t *bj, const char *doc_ptype, int *ok, int *provenance)
{
	struct bundle b;
	struct ns_err err = { "" };
	const json_t *vm = json_object_get(bj, "verificationMaterial");
	unsigned char *pae = NULL;
	size_t paelen;
	EVP_PKEY *key;
	json_t *r;

	memset(&b, 0, sizeof(b));
	*ok = 0;
	if ((b.version = media_version(str_at(bj, "mediaType"))) == 0)
		ns_fail(&err, "bundle: unknown mediaType");
	else if (parse_envelope(json_object_get(bj, "dsseEnvelope"), &b, &err) != 0 ||
	         parse_material(vm, &b, &err) != 0 || (key = claimed_key(c, &b, &err)) == NULL)
		;
	else if ((pae = ns_dsse_pae("application/vnd.in-toto+json", b.payload, b.plen,
	                            &paelen)) == NULL)
		ns_fail(&err, "out of memory");
	else if (!ns_sig_ok(key, pae, paelen, b.sig, b.siglen))
		ns_fail(&err, "envelope signature does not verify over the payload");
	else if (verify_tlog(vm, c, &b, &err) != 0 || key_trusted(c, &b, &err) != 0)
		;
	else if (check_statement(c, &b, doc_ptype, &err) != 0 ||
	         ns_prov_check_predicate(b.stmt, b.leaf == NULL, &b.id, c->ex, &err) != 0)
		;
	else if (b.leaf != NULL && check_policy(c->pol, &b.id, &err) != 0)
		;
	else
		*ok = 1;
	free(pae);
	*provenance = *ok && b.leaf != NULL;
	r = json_pack("{s:o, s:s, s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o}}",
	    "predicateType", jstr(b.stmt != NULL ? str_at(b.stmt, "predicateType") : doc_ptype),
	    "result", *ok ? "pass" : "fail",
	    "reason", *ok ? json_null() : jstr(err.msg),
	    "identity", "san", jstr(b.id.san), "issuer", jstr(b.id.issuer),
	    "repository", jstr(b.id.repository), "ref", jstr(b.id.ref),
	    "commit", jstr(b.id.commit), "workflow", jstr(b.id.workflow));
	bundle_free(&b);
	return r;
}

int
ns_prov_verify(const char *buf, size_t len, const struct ns_trust *t,
               const struct ns_regkeys *k, const struct ns_prov_expect *ex,
               const struct ns_prov_policy *pol, json_t **report, struct ns_err *err)
{
	struct ctx c = { t, k, ex, pol };
	json_t *doc, *list, *atts;
	const char *reason = NULL;
	char first[700] = "";
	size_t i, n;
	int all = 1, prov = 0, ok, isprov;
	json_t *one;
	int want_policy = pol->repository || pol->workflow || pol->ref_glob || pol->issuer;

	*report = NULL;
	if ((doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    (atts = json_array()) == NULL) {
		json_decref(doc);
		return ns_fail(err, "attestations: not JSON");
	}
	list = json_object_get(doc, "attestations");
	n = json_is_array(list) ? json_array_size(list) : 1;
	if (!json_is_array(list) && json_object_get(doc, "mediaType") == NULL)
		reason = "neither an attestations document nor a Sigstore bundle";
	else if (n == 0 || n > MAX_ATTESTATIONS)
		reason = "no attestation, or more than 16";
	else
		for (i = 0; i < n; i++) {
			const json_t *a = json_is_array(list) ? json_array_get(list, i) : doc;
			const json_t *bj = json_is_array(list) ? json_object_get(a, "bundle") : doc;
			const char *pt = json_is_array(list) ? str_at(a, "predicateType") : NULL;

			if (json_is_array(list) && pt == NULL) {
				reason = "an attestation has no predicateType";
				break;
			}
			one = verify_bundle(&c, bj, pt, &ok, &isprov);
			if (one == NULL || json_array_append_new(atts, one) != 0) {
				reason = "out of memory";
				all = 0;
				break;
			}
			if (!ok && all)   /* the first failure, named in the verdict */
				snprintf(first, sizeof(first), "attestation %zu failed: %s", i,
				         json_string_value(json_object_get(one, "reason")));
			all &= ok;
			prov |= isprov;
		}
	if (reason == NULL && !all)
		reason = first;
	if (reason == NULL && want_policy && !prov)
		reason = "policy given but no provenance attestation (Fulcio-signed) passed it";
	*report = json_pack("{s:s, s:o, s:{s:s, s:s, s:s}, s:o}",
	    "result", reason == NULL ? "pass" : "fail",
	    "reason", reason == NULL ? json_null() : json_string(reason),
	    "subject", "name", ex->name, "version", ex->version, "sha512", ex->sha512_hex,
	    "attestations", atts);
	json_decref(doc);
	if (*report == NULL)
		return ns_fail(err, "out of memory");
	return reason == NULL ? 0 : 1;
}
