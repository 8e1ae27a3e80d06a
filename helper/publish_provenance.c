/* The kept bundle into the publish document, and the registry's copy checked
 * after publishing. Root reads the bundle's bytes and the checker's report, never
 * parses the bundle: the checker did and does. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks_provenance.h"
#include "digest.h"
#include "publish_provenance.h"
#include "registry.h"
#include "sanitize.h"
#include "spool.h"
#include "token_store.h"

void
publish_bundle_clear(struct publish_bundle *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int
publish_bundle_load(struct session *s, const struct ns_release *r, struct publish_bundle *b,
                    struct ns_err *err)
{
	json_t *rep, *prov;
	const char *result, *source, *sha, *media;
	unsigned char h[32];
	int k, rc = 0;

	memset(b, 0, sizeof(b[0]));
	rep = r->report != NULL ? json_loads(r->report, JSON_REJECT_DUPLICATES, NULL) : NULL;
	prov = json_object_get(rep, "provenance");
	result = json_string_value(json_object_get(prov, "result"));
	source = json_string_value(json_object_get(prov, "source"));
	sha = json_string_value(json_object_get(prov, "bundle_sha256"));
	media = json_string_value(json_object_get(prov, "media_type"));
	/* only a bundle the checks verified is published; one from the registry's own
	 * attestations endpoint is the registry's already */
	if (result == NULL || strcmp(result, "pass") != 0 || source == NULL ||
	    (strcmp(source, "local") != 0 && strcmp(source, "stage") != 0))
		goto out;
	if (sha == NULL || strlen(sha) != 64 || !checks_provenance_media_known(media)) {
		rc = ns_fail(err, "the report's provenance names no bundle sha256 or media type; "
		             "not publishing");
		goto out;
	}
	k = spool_bundle_read(s->st, r->id, &b->data, &b->len, err);
	if (k != 0) {
		rc = k == -2 ? ns_fail(err, "the verified provenance bundle of %s is no longer in "
		                       "the spool; not publishing", r->id) : -1;
		goto out;
	}
	ns_sha256(b->data, b->len, h);
	ns_hex(h, 32, b->sha256);
	if (strcmp(b->sha256, sha) != 0) {
		rc = ns_fail(err, "the kept provenance bundle has sha256 %s, the verified one %s; "
		             "not publishing", b->sha256, sha);
		goto out;
	}
	snprintf(b->media_type, sizeof(b->media_type), "%s", media);
out:
	if (rc != 0)
		publish_bundle_clear(b);
	json_decref(rep);
	return rc;
}

/* The path of dist.attestations.url (pacote keeps only the pathname and resolves it
 * against the configured registry): the attestations endpoint, nothing else. */
static int
attestations_path(const char *url, char *path, size_t cap)
{
	const char *p = url, *slash;

	if (strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0) {
		p = strstr(p, "://") + 3;
		if ((slash = strchr(p, '/')) == NULL)
			return -1;
		p = slash;
	}
	if (strncmp(p, "/-/npm/v1/attestations/", 23) != 0 || strstr(p, "..") != NULL ||
	    strlen(p) >= cap || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                  "0123456789-._~%@/+") != strlen(p))
		return -1;
	snprintf(path, cap, "%s", p);
	return 0;
}

static int
memfd_of(const char *name, const void *buf, size_t len, struct ns_err *err)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return ns_fail(err, "memfd_create: %s", strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);
		if (n <= 0) {
			close(fd);
			return ns_fail(err, "cannot keep %s", name);
		}
		off += (size_t)n;
	}
	return fd;
}

int
publish_confirm_provenance(struct session *s, const struct ns_release *r,
                           const struct publish_bundle *b, struct ns_err *err)
{
	struct reg_client *c = NULL;
	struct reg_response resp;
	char token[NS_TOKEN_MAX] = "", esc[600], path[1200], pt[200], why[400];
	const char *url, *ptype;
	json_t *doc = NULL, *att;
	int rc = -1, afd = -1, bfd = -1, same;

	memset(&resp, 0, sizeof(resp));
	if (b->data == NULL)
		return 0;
	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0)
		return ns_fail(err, "bad package name");
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	snprintf(path, sizeof(path), "/%s/%s", esc, r->version);
	if (c == NULL || reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL,
	                             NULL, 0, 16 << 20, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		ns_fail(err, "provenance: GET %s: HTTP %ld", path, resp.status);
		goto out;
	}
	doc = json_loadb(resp.body, resp.len, 0, NULL);
	reg_response_clear(&resp);
	att = json_object_get(json_object_get(doc, "dist"), "attestations");
	url = json_string_value(json_object_get(att, "url"));
	ptype = json_string_value(json_object_get(json_object_get(att, "provenance"),
	                                          "predicateType"));
	if (doc != NULL && att == NULL) {
		fprintf(stderr, "provenance: the registry offers no dist.attestations for %s@%s; "
		        "the bundle (sha256 %s) was sent as its .sigstore attachment\n", r->name,
		        r->version, b->sha256);
		rc = 0;
		goto out;
	}
	if (url == NULL || ptype == NULL || attestations_path(url, path, sizeof(path)) != 0) {
		ns_fail(err, "provenance: the version document's dist.attestations is malformed");
		goto out;
	}
	ns_sanitize(pt, sizeof(pt), ptype);
	if (reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL, NULL, 0,
	                NS_ATTESTATIONS_MAX, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		ns_fail(err, "provenance: the registry answered %ld for the attestations it offers",
		        resp.status);
		goto out;
	}
	if ((afd = memfd_of("npmstage-attestations", resp.body, resp.len, err)) < 0 ||
	    (bfd = memfd_of("npmstage-bundle", b->data, b->len, err)) < 0)
		goto out;
	same = checks_provenance_same_bundle(afd, bfd, pt, why, sizeof(why), err);
	if (same < 0)
		goto out;
	if (same == 0) {
		ns_fail(err, "provenance: the registry's attestations for %s@%s do not hold the "
		        "published bundle: %s", r->name, r->version, why);
		goto out;
	}
	fprintf(stderr, "provenance: the registry's attestations for %s@%s (%s) hold the "
	        "published bundle (sha256 %s, canonical JSON)\n", r->name, r->version, pt, why);
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	if (afd >= 0)
		close(afd);
	if (bfd >= 0)
		close(bfd);
	reg_response_clear(&resp);
	json_decref(doc);
	reg_free(c);
	return rc;
}
