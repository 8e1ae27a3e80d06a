/* Provenance among the release checks: the parent opens and fetches, the checker
 * (no privilege, no token in memory) parses and verifies. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks_provenance.h"
#include "digest.h"
#include "privsep.h"
#include "registry.h"
#include "spool.h"
#include "stage_record.h"
#include "sanitize.h"
#include "secure_file.h"
#include "token_store.h"
#include "../checks/sigstore.h"

#define ATTESTATIONS_MAX (4 * 1024 * 1024)

void
checks_provenance_close(struct prov_input *in)
{
	if (in->trust_fd >= 0)
		close(in->trust_fd);
	if (in->keys_fd >= 0)
		close(in->keys_fd);
	if (in->att_fd >= 0)
		close(in->att_fd);
	in->trust_fd = in->keys_fd = in->att_fd = -1;
}

/* The registry's answer, in an anonymous file the checker reads. */
static int
bytes_fd(const char *buf, size_t len, struct ns_err *err)
{
	int fd = memfd_create("npmstage-attestations", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return ns_fail(err, "provenance: memfd_create: %s", strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n <= 0) {
			close(fd);
			return ns_fail(err, "provenance: cannot keep the attestations");
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return ns_fail(err, "provenance: cannot rewind the attestations");
	}
	return fd;
}

/* GET /-/npm/v1/attestations/<name>@<version>: 200 is the document, 404 none, any
 * other answer an error (a registry that cannot say must not pass as "none"). */
static int
fetch_attestations(const struct session *s, const struct ns_release *r, struct prov_input *in,
                   struct ns_err *err)
{
	struct reg_client *c;
	struct reg_response resp;
	char token[NS_TOKEN_MAX] = "", esc[600], path[800];
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (s->cfg->registry_url == NULL)
		return 0; /* local mode without a registry: nowhere to ask */
	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0 ||
	    (size_t)snprintf(path, sizeof(path), "/-/npm/v1/attestations/%s@%s", esc, r->version) >=
	    sizeof(path))
		return ns_fail(err, "provenance: %s@%s does not fit an attestations path", r->name,
		               r->version);
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c == NULL)
		goto out;
	if (reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL, NULL, 0,
	                ATTESTATIONS_MAX, &resp, err) != 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why)); /* ns_fail writes err->msg */
		ns_fail(err, "provenance: cannot ask the registry for the attestations of %s@%s: %s",
		        r->name, r->version, why);
		goto out;
	}
	if (resp.status == 404)
		rc = 0;
	else if (resp.status != 200)
		ns_fail(err, "provenance: the registry answered %ld for the attestations of %s@%s",
		        resp.status, r->name, r->version);
	else if ((in->att_fd = bytes_fd(resp.body, resp.len, err)) >= 0) {
		snprintf(in->source, sizeof(in->source), "registry");
		rc = 0;
	}
out:
	explicit_bzero(token, sizeof(token));
	reg_response_clear(&resp);
	reg_free(c);
	return rc;
}

/* (b) A registry stage: its document's .sigstore attachment, kept in the spool as
 * the release's bundle (none: any older copy goes, the stage may have changed). */
static int
keep_stage_attachment(const struct session *s, const struct ns_release *r, struct ns_err *err)
{
	struct reg_client *c;
	char token[NS_TOKEN_MAX] = "", *bundle = NULL;
	size_t len = 0;
	int rc = -1;

	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c != NULL &&
	    stage_record_bundle(c, token[0] ? token : NULL, r, NS_BUNDLE_MAX, &bundle, &len,
	                        err) == 0) {
		if (bundle == NULL) {
			spool_bundle_remove(s->st, r->id);
			rc = 0;
		} else {
			rc = spool_bundle_write(s->st, r->id, bundle, len, err);
		}
	}
	explicit_bzero(token, sizeof(token));
	free(bundle);
	reg_free(c);
	return rc;
}

/* (a) and (b): the bundle kept in the spool, if any. */
static int
open_kept_bundle(const struct session *s, const struct ns_release *r, struct prov_input *in,
                 struct ns_err *err)
{
	int fd = spool_bundle_open(s->st, r->id, err);

	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	in->att_fd = fd;
	snprintf(in->source, sizeof(in->source), "%s",
	         strcmp(r->origin, NS_ORIGIN_LOCAL) == 0 ? "local" : "stage");
	return 0;
}

int
checks_provenance_prepare(const struct session *s, const struct ns_release *r,
                          const struct ns_scope *scope, struct prov_input *in,
                          struct ns_err *err)
{
	struct stat sb;
	char why[sizeof(err->msg)];

	memset(in, 0, sizeof(*in));
	in->trust_fd = in->keys_fd = in->att_fd = -1;
	in->mode = scope != NULL ? scope->provenance : NS_PROVENANCE_OFF;
	if (in->mode == NS_PROVENANCE_OFF)
		return open_kept_bundle(s, r, in, err);
	/* the configuration guarantees trusted_root when a scope asks for provenance */
	in->trust_fd = sf_open_file(s->cfg->trusted_root, 022, NS_SIG_MAX_FILE, &sb, err);
	if (in->trust_fd < 0) {
		memcpy(why, err->msg, sizeof(why)); /* ns_fail writes err->msg */
		return ns_fail(err, "[provenance] trusted_root: %s", why);
	}
	if (s->cfg->registry_keys != NULL) {
		in->keys_fd = sf_open_file(s->cfg->registry_keys, 022, NS_SIG_MAX_FILE, &sb, err);
		if (in->keys_fd < 0) {
			memcpy(why, err->msg, sizeof(why));
			checks_provenance_close(in);
			return ns_fail(err, "[provenance] registry_keys: %s", why);
		}
	}
	if (strcmp(r->origin, NS_ORIGIN_REGISTRY) == 0 && s->cfg->registry_url != NULL &&
	    keep_stage_attachment(s, r, err) != 0) {
		memcpy(why, err->msg, sizeof(why));
		checks_provenance_close(in);
		return ns_fail(err, "provenance: %s", why);
	}
	if (open_kept_bundle(s, r, in, err) != 0 ||
	    (in->att_fd < 0 && fetch_attestations(s, r, in, err) != 0)) {
		checks_provenance_close(in);
		return -1;
	}
	return 0;
}

/* ---- in the checker ---- */

static int
read_all(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	char *b = malloc(cap + 1);

	if (b == NULL || lseek(fd, 0, SEEK_SET) != 0) {
		free(b);
		return -1;
	}
	for (;;) {
		ssize_t k;
		if (n == cap) {
			char *g;
			if (cap >= max || (g = realloc(b, (cap *= 2) + 1)) == NULL) {
				free(b);
				return -1;
			}
			b = g;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(b);
			return -1;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max) {
		free(b);
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static json_t *
entry(const char *id, const char *status, const char *message)
{
	char clean[700];

	ns_sanitize(clean, sizeof(clean), message);
	return json_pack("{s:s, s:s, s:s}", "id", id, "status", status, "message", clean);
}

/* The signer of the keyless (Fulcio) attestation, every value sanitised. */
static json_t *
signer(const json_t *prov)
{
	static const char *const keys[] = { "repository", "workflow", "ref", "commit", "issuer" };
	const json_t *a, *id;
	json_t *out;
	size_t i, k;
	char clean[520];

	json_array_foreach(json_object_get(prov, "attestations"), i, a) {
		id = json_object_get(a, "identity");
		if (!json_is_string(json_object_get(id, "san")))
			continue;
		if ((out = json_object()) == NULL)
			return NULL;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v = json_string_value(json_object_get(id, keys[k]));
			ns_sanitize(clean, sizeof(clean), v != NULL ? v : "?");
			json_object_set_new(out, keys[k], json_string(clean));
		}
		return out;
	}
	return NULL;
}

static const char *
source_shown(const char *source)
{
	if (strcmp(source, "local") == 0)
		return "the bundle staged with --provenance";
	if (strcmp(source, "stage") == 0)
		return "the stage's .sigstore attachment";
	return "attestations (registry)";
}

static int failed(json_t *report, const char *id, const char *fmt, ...) NS_PRINTF(3, 4);

static int
failed(json_t *report, const char *id, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	char clean[700];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the reason may quote the certificate or the registry: one printable line */
	ns_sanitize(clean, sizeof(clean), msg);
	json_array_append_new(json_object_get(report, "checks"), entry(id, "fail", clean));
	json_object_set_new(report, "provenance", json_pack("{s:s, s:s}", "result", "fail",
	                                                    "reason", clean));
	return 1;
}

int
checks_provenance_run(const struct prov_input *in, const struct ns_scope *scope,
                      const char *name, const char *version, const char *integrity,
                      json_t *report)
{
	struct ns_prov_policy pol = { NULL, NULL, NULL, NULL };
	struct ns_trust trust;
	struct ns_regkeys keys = { NULL, 0 };
	struct ns_prov_expect ex = { name, version, NULL };
	struct ns_err err = { "" };
	unsigned char *raw = NULL, h[32];
	char hex[129], bundle_sha[65], *buf = NULL, msg[1400];
	size_t rawlen = 0, len = 0;
	json_t *doc = NULL, *bdoc = NULL, *prov = NULL, *id;
	const char *mode = ns_provenance_mode_name(in->mode), *media = NULL;
	int rc;

	memset(&trust, 0, sizeof(trust));
	if (in->mode == NS_PROVENANCE_OFF) {
		/* only a kept bundle reaches here: said, neither verified nor published */
		snprintf(msg, sizeof(msg), "%s@%s was staged with a provenance bundle, but its "
		         "scope has provenance = off: not verified, and not published with it",
		         name, version);
		json_array_append_new(json_object_get(report, "checks"),
		                      entry("provenance.present", "warn", msg));
		json_object_set_new(report, "provenance", json_pack("{s:s}", "result", "off"));
		return 0;
	}
	pol.repository = scope->provenance_repository;
	pol.workflow = scope->provenance_workflow;
	pol.ref_glob = scope->provenance_ref;
	pol.issuer = scope->provenance_issuer;
	if (in->att_fd < 0) {
		if (in->mode == NS_PROVENANCE_REQUIRED)
			return failed(report, "provenance.present", "no attestation for %s@%s "
			              "(provenance = required)", name, version);
		snprintf(msg, sizeof(msg), "no attestation for %s@%s (provenance = %s): not verified",
		         name, version, mode);
		json_array_append_new(json_object_get(report, "checks"),
		                      entry("provenance.present", "warn", msg));
		json_object_set_new(report, "provenance", json_pack("{s:s}", "result", "none"));
		return 0;
	}
	if (strncmp(integrity, "sha512-", 7) != 0 ||
	    ns_b64_decode(integrity + 7, strlen(integrity + 7), &raw, &rawlen) != 0 || rawlen != 64) {
		free(raw);
		return failed(report, "provenance.verify", "%s@%s: no SHA-512 of the bytes", name, version);
	}
	ns_hex(raw, 64, hex);
	free(raw);
	ex.sha512_hex = hex;
	if (read_all(in->trust_fd, NS_SIG_MAX_FILE, &buf, &len) != 0 ||
	    (doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		free(buf);
		return failed(report, "provenance.verify", "[provenance] trusted_root: unreadable or not JSON");
	}
	free(buf);
	buf = NULL;
	rc = ns_trust_parse(doc, &trust, &err);
	json_decref(doc);
	doc = NULL;
	if (rc != 0) {
		rc = failed(report, "provenance.verify", "[provenance] trusted_root: %s", err.msg);
		goto out;
	}
	if (in->keys_fd >= 0) {
		if (read_all(in->keys_fd, NS_SIG_MAX_FILE, &buf, &len) != 0 ||
		    (doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
		    ns_regkeys_parse(doc, &keys, &err) != 0) {
			rc = failed(report, "provenance.verify", "[provenance] registry_keys: %s",
			            doc == NULL ? "unreadable or not JSON" : err.msg);
			goto out;
		}
		free(buf);
		buf = NULL;
	}
	if (read_all(in->att_fd, ATTESTATIONS_MAX, &buf, &len) != 0) {
		rc = failed(report, "provenance.verify", "%s: %s", source_shown(in->source),
		            "unreadable or too large");
		goto out;
	}
	ns_sha256(buf, len, h);
	ns_hex(h, 32, bundle_sha);
	rc = ns_prov_verify(buf, len, &trust, &keys, &ex, &pol, &prov, &err);
	if (rc < 0) {
		rc = failed(report, "provenance.verify", "%s: %s", source_shown(in->source), err.msg);
		goto out;
	}
	if (rc != 0) {
		const char *why = json_string_value(json_object_get(prov, "reason"));
		rc = failed(report, "provenance.verify", "%s failed: %s", source_shown(in->source),
		            why != NULL ? why : "?");
		goto out;
	}
	/* passed: a policy is configured (repository at least), so a signer exists */
	id = signer(prov);
	if (id == NULL) {
		rc = failed(report, "provenance.verify", "%s: %s", source_shown(in->source),
		            "no Fulcio-signed provenance attestation");
		goto out;
	}
	/* a bundle npm-release publishes as the attachment: its mediaType is the
	 * attachment's content_type, so it must be one npm knows */
	if (strcmp(in->source, "registry") != 0 &&
	    (bdoc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) != NULL &&
	    checks_provenance_media_known(json_string_value(json_object_get(bdoc, "mediaType"))))
		media = json_string_value(json_object_get(bdoc, "mediaType"));
	if (strcmp(in->source, "registry") != 0 && media == NULL) {
		json_decref(id);
		rc = failed(report, "provenance.verify", "%s: %s", source_shown(in->source),
		            "not a single Sigstore bundle with a known mediaType");
		goto out;
	}
	snprintf(msg, sizeof(msg), "%s: signed by repository %s workflow %s ref %s commit %s "
	         "(issuer %s), bundle sha256 %s", source_shown(in->source),
	         json_string_value(json_object_get(id, "repository")),
	         json_string_value(json_object_get(id, "workflow")),
	         json_string_value(json_object_get(id, "ref")),
	         json_string_value(json_object_get(id, "commit")),
	         json_string_value(json_object_get(id, "issuer")), bundle_sha);
	json_array_append_new(json_object_get(report, "checks"),
	                      entry("provenance.verify", "pass", msg));
	json_object_set_new(report, "provenance", json_pack("{s:s, s:s, s:s, s:o, s:s*}", "result",
	                    "pass", "source", in->source, "bundle_sha256", bundle_sha,
	                    "identity", id, "media_type", media));
	rc = 0;
out:
	free(buf);
	json_decref(doc);
	json_decref(bdoc);
	json_decref(prov);
	ns_regkeys_free(&keys);
	ns_trust_free(&trust);
	return rc;
}

/* ---- the bundle's shape at stage, and the registry's copy after publish ---- */

int
checks_provenance_media_known(const char *media)
{
	static const char *const known[] = {
		"application/vnd.dev.sigstore.bundle+json;version=0.1",
		"application/vnd.dev.sigstore.bundle+json;version=0.2",
		"application/vnd.dev.sigstore.bundle+json;version=0.3",
		"application/vnd.dev.sigstore.bundle.v0.3+json",
	};
	size_t i;

	for (i = 0; media != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(media, known[i]) == 0)
			return 1;
	return 0;
}

struct shape_arg {
	int fd;
};

static json_t *
child_shape(void *p, struct ns_err *err)
{
	const struct shape_arg *a = p;
	char *buf = NULL, *text;
	size_t len = 0;
	json_t *doc, *out;
	json_error_t jerr;
	const char *media;

	if (read_all(a->fd, NS_BUNDLE_MAX, &buf, &len) != 0) {
		ns_fail(err, "unreadable or larger than %d bytes", NS_BUNDLE_MAX);
		return NULL;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (doc == NULL) {
		/* where, not what: the text may quote the file */
		ns_fail(err, "not a Sigstore bundle: not JSON (line %d, column %d)", jerr.line,
		        jerr.column);
		return NULL;
	}
	media = json_string_value(json_object_get(doc, "mediaType"));
	if (!json_is_object(doc) || !checks_provenance_media_known(media) ||
	    !json_is_object(json_object_get(doc, "dsseEnvelope")) ||
	    !json_is_object(json_object_get(doc, "verificationMaterial"))) {
		json_decref(doc);
		ns_fail(err, "not a Sigstore bundle (a known mediaType, a DSSE envelope and its "
		        "verificationMaterial)");
		return NULL;
	}
	/* kept and published as libnpmpublish sends it: JSON.stringify's compact text
	 * (jansson keeps the members' order) */
	text = json_dumps(doc, JSON_COMPACT);
	out = text != NULL ? json_pack("{s:s, s:s}", "media_type", media, "bundle", text) : NULL;
	free(text);
	json_decref(doc);
	if (out == NULL)
		ns_fail(err, "out of memory");
	return out;
}

int
checks_provenance_bundle_shape(int fd, char *media, size_t cap, char **compact, size_t *clen,
                               struct ns_err *err)
{
	struct shape_arg a = { fd };
	json_t *out = privsep_run(child_shape, &a, sizeof(a), &fd, 1, 3 * NS_BUNDLE_MAX, err);
	const char *m = json_string_value(json_object_get(out, "media_type"));
	const json_t *b = json_object_get(out, "bundle");
	int rc = -1;

	*compact = NULL;
	/* what the checker says is checked again: it is shown and later sent */
	if (out != NULL && checks_provenance_media_known(m) && strlen(m) < cap &&
	    json_is_string(b) && json_string_length(b) <= NS_BUNDLE_MAX &&
	    (*compact = malloc(json_string_length(b) + 1)) != NULL) {
		snprintf(media, cap, "%s", m);
		*clen = json_string_length(b);
		memcpy(*compact, json_string_value(b), *clen);
		(*compact)[*clen] = '\0';
		rc = 0;
	} else if (out != NULL) {
		ns_fail(err, "the checker gave no known mediaType or no bundle");
	}
	json_decref(out);
	return rc;
}

struct same_arg {
	int att_fd, bundle_fd;
	char predicate_type[200];
};

/* SHA-256 (hex) of a JSON value serialised canonically: a registry may store and
 * serve the bundle re-serialised, which changes its bytes but not this. */
static int
canonical_sha256(const json_t *v, char hex[65])
{
	unsigned char h[32];
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (text == NULL)
		return -1;
	ns_sha256(text, strlen(text), h);
	ns_hex(h, 32, hex);
	free(text);
	return 0;
}

static json_t *
child_same(void *p, struct ns_err *err)
{
	const struct same_arg *a = p;
	char *buf = NULL, ours[65], theirs[65] = "", why[300] = "";
	size_t len = 0, i;
	json_t *att = NULL, *bundle = NULL, *e, *out;
	int same = 0, found = 0;

	if (read_all(a->bundle_fd, NS_BUNDLE_MAX, &buf, &len) != 0 ||
	    (bundle = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    canonical_sha256(bundle, ours) != 0) {
		free(buf);
		json_decref(bundle);
		ns_fail(err, "our bundle is unreadable");
		return NULL;
	}
	free(buf);
	buf = NULL;
	if (read_all(a->att_fd, ATTESTATIONS_MAX, &buf, &len) != 0 ||
	    (att = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_array(json_object_get(att, "attestations"))) {
		snprintf(why, sizeof(why), "the registry's attestations are not a document");
	} else {
		json_array_foreach(json_object_get(att, "attestations"), i, e) {
			const char *pt = json_string_value(json_object_get(e, "predicateType"));
			if (pt == NULL || strcmp(pt, a->predicate_type) != 0)
				continue;
			found = 1;
			if (canonical_sha256(json_object_get(e, "bundle"), theirs) == 0 &&
			    strcmp(theirs, ours) == 0)
				same = 1;
		}
		if (!found)
			snprintf(why, sizeof(why), "no attestation of predicateType %.200s",
			         a->predicate_type);
		else if (!same)
			snprintf(why, sizeof(why), "its bundle has sha256 %s (canonical JSON), ours %s",
			         theirs, ours);
	}
	free(buf);
	json_decref(att);
	json_decref(bundle);
	out = json_pack("{s:b, s:s, s:s}", "same", same, "why", why, "sha256", ours);
	if (out == NULL)
		ns_fail(err, "out of memory");
	return out;
}

int
checks_provenance_same_bundle(int att_fd, int bundle_fd, const char *predicate_type,
                              char *why, size_t cap, struct ns_err *err)
{
	struct same_arg a;
	const int keep[] = { att_fd, bundle_fd };
	json_t *out;
	int rc;

	memset(&a, 0, sizeof(a));
	a.att_fd = att_fd;
	a.bundle_fd = bundle_fd;
	snprintf(a.predicate_type, sizeof(a.predicate_type), "%s", predicate_type);
	out = privsep_run(child_same, &a, sizeof(a), keep, 2, 4096, err);
	if (out == NULL)
		return -1;
	rc = json_is_true(json_object_get(out, "same")) ? 1 : 0;
	ns_sanitize(why, cap, json_string_value(json_object_get(out, rc ? "sha256" : "why")) ?
	            json_string_value(json_object_get(out, rc ? "sha256" : "why")) : "?");
	json_decref(out);
	return rc;
}
