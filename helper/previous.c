#include "config.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest.h"
#include "semver.h"
#include "nslog.h"
#include "previous.h"
#include "registry.h"
#include "registry_signature.h"
#include "spool.h"
#include "sanitize.h"
#include "secure_file.h"
#include "token_store.h"
#include "../checks/sigstore.h"

/* npm 11 refuses to put `latest` on a version lower than the current latest
 * unless a tag is chosen; a stage's tag cannot say whether it was chosen, so a
 * release for `latest` is held to that rule. 0 fine, -1 refused (printed). */
static int
latest_goes_forward(const struct ns_release *r, json_t *doc)
{
	struct ns_semver cur, next;
	const char *latest;

	if (strcmp(r->tag, "latest") != 0 || doc == NULL)
		return 0;
	latest = json_string_value(json_object_get(json_object_get(doc, "dist-tags"), "latest"));
	if (latest == NULL || ns_semver_parse(&cur, latest, 0) != 0 ||
	    ns_semver_parse(&next, r->version, 0) != 0 || ns_semver_compare(&next, &cur) >= 0)
		return 0;
	fprintf(stderr, "npm-release: %s@%s would move \"latest\" back from %.64s: the registry's "
	        "latest is a higher version. Stage it again with a tag of its own (npm stage "
	        "publish --tag NAME, or npm-release stage --tag NAME); nothing done\n", r->name,
	        r->version, latest);
	return -1;
}

/* The registry never takes a version twice: when this version is already live
 * with other bytes (a second release of the same name@version, staged locally and
 * on the registry, or twice), approving it could only fail after the factor, and
 * its publish would be misread as the live bytes having changed (a false
 * INCIDENT against the release that went live). Refused before the gate. */
static int
already_live_otherwise(const struct ns_release *r, json_t *doc)
{
	const char *live = json_string_value(json_object_get(json_object_get(
	        json_object_get(json_object_get(doc, "versions"), r->version), "dist"), "integrity"));
	char shown[120];

	if (doc == NULL || live == NULL || strcmp(live, r->integrity) == 0)
		return 0;
	ns_sanitize(shown, sizeof(shown), live);
	fprintf(stderr, "npm-release: %s@%s is already live with other bytes (%s): a version is "
	        "published once; reject this release (npm-release reject %s); nothing done\n",
	        r->name, r->version, shown, r->id);
	return -1;
}

/* The version this release follows: its dist-tag's, when that is a lower version;
 * else the highest published version below it; else `latest`. Never "none" while
 * the package has versions: a stager's choice of tag (one pointing nowhere, or a
 * look-alike of latest) must not hide a diff or an install script's arrival. */
static const char *
previous_version(const struct ns_release *r, json_t *doc)
{
	struct ns_semver next, v, best;
	const char *tagged, *key, *found = NULL;
	json_t *val;

	if (ns_semver_parse(&next, r->version, 0) != 0)
		return NULL;
	tagged = json_string_value(json_object_get(json_object_get(doc, "dist-tags"), r->tag));
	if (tagged != NULL && ns_semver_parse(&v, tagged, 0) == 0 && ns_semver_compare(&v, &next) < 0)
		return tagged;
	json_object_foreach(json_object_get(doc, "versions"), key, val) {
		(void)val;
		if (ns_semver_parse(&v, key, 0) != 0 || ns_semver_compare(&v, &next) >= 0)
			continue;
		if (found == NULL || ns_semver_compare(&v, &best) > 0) {
			best = v;
			found = key;
		}
	}
	if (found != NULL)
		return found;
	return json_string_value(json_object_get(json_object_get(doc, "dist-tags"), "latest"));
}

/* With the registry's signing keys pinned ([provenance] registry_keys holding a key
 * for npm:signatures), the previous version the diff is made against must carry a
 * registry signature that verifies at its publish time: a forged or unsigned
 * packument entry must not choose what the approver's diff leaves out. 0 fine (or
 * nothing pinned to check with), -1 refused (printed). */
static int
previous_signed(const struct session *s, const char *name, const char *prev, json_t *doc)
{
	struct ns_regsig_item res;
	struct ns_regkeys keys;
	char shown[600], pv[300];
	int k, rc = -1;

	k = regsig_pinned(s, &keys);
	if (k <= 0)
		return k; /* nothing pinned: 0; unreadable keys: -1 (printed) */
	ns_sanitize(pv, sizeof(pv), prev);
	memset(&res, 0, sizeof(res));
	switch (ns_regsig_check_version(doc, name, prev, &keys, &res)) {
	case 0:
		ns_sanitize(shown, sizeof(shown), res.keyid);
		fprintf(stderr, "previous version %s: registry signature verified (%s)\n", pv, shown);
		rc = 0;
		break;
	case 2:
		fprintf(stderr, "npm-release: the previous version %s@%s, which the diff is made "
		        "against, has no registry signature while the registry's signing keys are "
		        "pinned; nothing done\n", name, pv);
		break;
	default:
		ns_sanitize(shown, sizeof(shown), res.reason);
		fprintf(stderr, "npm-release: the previous version %s@%s, which the diff is made "
		        "against, fails its registry signature: %s; nothing done\n", name, pv,
		        shown);
	}
	ns_regkeys_free(&keys);
	return rc;
}

/* The registry's packument of r's package: 1 read (*doc), 0 none (404), -1 could
 * not be read (err). c: an open client, token: the read token or "". */
static int
packument_get(struct reg_client *c, const char *token, const struct ns_release *r,
              json_t **doc, long *status, struct ns_err *err)
{
	struct reg_response resp;
	json_error_t jerr;
	char esc[512], path[600];

	*doc = NULL;
	*status = 0;
	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0)
		return ns_fail(err, "%s is not a package name", r->name);
	snprintf(path, sizeof(path), "/%s", esc);
	if (reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL, NULL, 0,
	                64 << 20, &resp, err) != 0)
		return -1;
	*status = resp.status;
	if (resp.status == 200)
		*doc = json_loadb(resp.body, resp.len, 0, &jerr);
	reg_response_clear(&resp);
	if (*status == 404)
		return 0;
	if (*status != 200 || *doc == NULL)
		return ns_fail(err, "HTTP %ld", *status);
	return 1;
}

int
previous_latest_still_behind(struct session *s, const struct ns_release *r)
{
	struct reg_client *c;
	struct ns_err err;
	char token[NS_TOKEN_MAX] = "";
	json_t *doc = NULL;
	long status;
	int k = -1;

	if (strcmp(r->tag, "latest") != 0 || s->cfg->registry_url == NULL)
		return 0;
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return -1;
	}
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, &err);
	if (c != NULL)
		k = packument_get(c, token, r, &doc, &status, &err);
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	if (k < 0) {
		fprintf(stderr, "npm-release: cannot read %s's dist-tags again before publishing, "
		                "to check that \"latest\" does not go back: %s; not published\n",
		        r->name, err.msg);
		return -1;
	}
	k = latest_goes_forward(r, doc);
	json_decref(doc);
	return k < 0 ? 1 : 0;
}

int
previous_fetch(struct session *s, const struct ns_release *r, int *first_version)
{
	struct reg_client *c = NULL;
	struct reg_response resp;
	struct ns_digest *d = NULL;
	struct ns_err err;
	char token[NS_TOKEN_MAX] = "", esc[512], path[1200], sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	const char *prev, *want, *want_sha1, *tarball, *base;
	char pv[300];
	json_t *doc = NULL, *dist;
	json_error_t jerr;
	long long got;
	long status;
	int fd = -1;

	*first_version = 0;
	if (s->cfg->registry_url == NULL)
		return -1;  /* no registry: nothing published to compare with */
	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0) {
		fprintf(stderr, "npm-release: %s is not a package name; nothing done\n", r->name);
		return -2;
	}
	/* Whatever the tag, an unread packument is no reason to go on: the diff, the
	 * guard against a version live with other bytes and dist-tag.first all come
	 * from it, and a registry that cannot be read cannot take the publish either. */
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), &err) != 0) {
		fprintf(stderr, "npm-release: %s; nothing done\n", err.msg);
		return -2;
	}
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, &err);
	if (c == NULL) {
		fprintf(stderr, "npm-release: %s; nothing done\n", err.msg);
		fd = -2;
		goto out;
	}
	snprintf(path, sizeof(path), "/%s", esc);
	if (reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL, NULL, 0, 64 << 20,
	                &resp, &err) != 0) {
		fprintf(stderr, "npm-release: cannot read %s's versions and dist-tags from the registry "
		        "(for the diff and the dist-tag checks): %s; nothing done\n", r->name, err.msg);
		fd = -2;
		goto out;
	}
	status = resp.status;
	if (status == 200)
		doc = json_loadb(resp.body, resp.len, 0, &jerr);
	if ((status != 200 && status != 404) || (status == 200 && doc == NULL)) {
		reg_response_clear(&resp);
		fprintf(stderr, "npm-release: cannot read %s's versions and dist-tags from the registry "
		        "(for the diff and the dist-tag checks): HTTP %ld%s; nothing done\n", r->name,
		        status, status == 200 ? ", not JSON" : "");
		fd = -2;
		goto out;
	}
	reg_response_clear(&resp);
	*first_version = status == 404 || !json_is_string(json_object_get(json_object_get(doc,
	                 "dist-tags"), "latest"));
	if (latest_goes_forward(r, doc) != 0 || already_live_otherwise(r, doc) != 0) {
		fd = -2;
		goto out;
	}
	prev = previous_version(r, doc);
	if (prev == NULL || strcmp(prev, r->version) == 0 || strchr(prev, '/') != NULL ||
	    strlen(prev) > 256)
		goto out;
	dist = json_object_get(json_object_get(json_object_get(doc, "versions"), prev), "dist");
	want = json_string_value(json_object_get(dist, "integrity"));
	want_sha1 = json_string_value(json_object_get(dist, "shasum"));
	if (want != NULL && strncmp(want, "sha512-", 7) != 0)
		want = NULL;  /* an older version's sha1 integrity: its shasum says as much */
	ns_sanitize(pv, sizeof(pv), prev);
	if (want == NULL && (want_sha1 == NULL || strlen(want_sha1) != 40)) {
		/* the diff must not vanish because the registry lists no digest */
		fprintf(stderr, "npm-release: the registry lists %s@%s, the version this release "
		        "follows, with no sha512 integrity and no shasum: its bytes cannot be "
		        "checked for the diff; nothing done\n", r->name, pv);
		fd = -2;
		goto out;
	}
	if (previous_signed(s, r->name, prev, doc) != 0) {
		fd = -2;
		goto out;
	}
	/* where the packument says the tarball is, when that is on the registry's own
	 * origin (other registries lay tarballs out otherwise); else npm's layout */
	tarball = json_string_value(json_object_get(dist, "tarball"));
	if (tarball == NULL || reg_path_of(c, tarball, path, sizeof(path)) != 0) {
		base = strchr(r->name, '/') ? strchr(r->name, '/') + 1 : r->name;
		snprintf(path, sizeof(path), "/%s/-/%s-%s.tgz", r->name, base, prev);
	}
	fd = openat(ns_state_spoolfd(s->st), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	d = ns_digest_new();
	if (fd < 0 || d == NULL)
		got = ns_fail(&err, "cannot make a spool file for it");
	else
		got = reg_download(c, path, token[0] ? token : NULL, fd, d, NS_TARBALL_MAX, &status,
		                   &err);
	if (got < 0 || ns_digest_final(d, sri, sha1) != 0 ||
	    (want != NULL ? strcmp(sri, want) : strcasecmp(sha1, want_sha1)) != 0) {
		/* a diff against nothing would show every change as new, or none: stop */
		if (fd >= 0)
			close(fd);
		fd = -2;
		fprintf(stderr, "npm-release: the previous version %s@%s could not be downloaded "
		        "with the bytes the registry lists for it, for the diff%s%s; nothing done\n",
		        r->name, pv, got < 0 ? ": " : "", got < 0 ? err.msg : "");
	}
out:
	explicit_bzero(token, sizeof(token));
	ns_digest_free(d);
	json_decref(doc);
	reg_free(c);
	return fd;
}
