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
#include "registry.h"
#include "spool.h"
#include "stage_record.h"
#include "sanitize.h"
#include "secure_file.h"
#include "token_store.h"
#include "../checks/sigstore.h"


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
	                NS_ATTESTATIONS_MAX, &resp, err) != 0) {
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
	if (checks_read_fd(in->trust_fd, NS_SIG_MAX_FILE, &buf, &len) != 0 ||
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
		if (checks_read_fd(in->keys_fd, NS_SIG_MAX_FILE, &buf, &len) != 0 ||
		    (doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
		    ns_regkeys_parse(doc, &keys, &err) != 0) {
			rc = failed(report, "provenance.verify", "[provenance] registry_keys: %s",
			            doc == NULL ? "unreadable or not JSON" : err.msg);
			goto out;
		}
		free(buf);
		buf = NULL;
	}
	if (checks_read_fd(in->att_fd, NS_ATTESTATIONS_MAX, &buf, &len) != 0) {
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
