#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "registry_signature.h"
#include "sanitize.h"
#include "secure_file.h"
#include "token_store.h"

int
regsig_pinned(const struct session *s, struct ns_regkeys *keys)
{
	struct ns_err err = { "" };
	char *buf = NULL, shown[600];
	size_t len = 0, i;
	json_t *j;

	keys->k = NULL;
	keys->n = 0;
	if (s->cfg->registry_keys == NULL)
		return 0;
	if (sf_read_file(s->cfg->registry_keys, 022, NS_SIG_MAX_FILE, &buf, &len, &err) != 0) {
		ns_sanitize(shown, sizeof(shown), err.msg);
		fprintf(stderr, "npm-release: [provenance] registry_keys: %s\n", shown);
		return -1;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (j == NULL || ns_regkeys_parse(j, keys, &err) != 0) {
		ns_sanitize(shown, sizeof(shown), j == NULL ? "not JSON" : err.msg);
		fprintf(stderr, "npm-release: [provenance] registry_keys: %s\n", shown);
		json_decref(j);
		return -1;
	}
	json_decref(j);
	for (i = 0; i < keys->n; i++)
		if (keys->k[i].usage == NULL || strcmp(keys->k[i].usage, "npm:signatures") == 0)
			return 1;
	ns_regkeys_free(keys); /* keys for attestations only: the registry is not known to sign */
	return 0;
}

/* The full packument (time[version] is the publish time the key must cover). */
static json_t *
fetch_packument(struct session *s, const char *name, struct ns_err *err)
{
	struct reg_client *c;
	struct reg_response resp;
	char token[NS_TOKEN_MAX] = "", esc[512], path[600];
	json_t *doc = NULL;
	json_error_t jerr;

	if (reg_escape_name(name, esc, sizeof(esc)) != 0) {
		ns_fail(err, "bad package name");
		return NULL;
	}
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return NULL;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	snprintf(path, sizeof(path), "/%s", esc);
	if (c != NULL && reg_request(c, "GET", path, token[0] ? token : NULL, NULL, NULL, NULL, NULL,
	                             0, 64 << 20, &resp, err) == 0) {
		if (resp.status == 200) {
			doc = json_loadb(resp.body, resp.len, 0, &jerr);
			if (doc == NULL)
				ns_fail(err, "packument unreadable: %s", jerr.text);
		} else {
			ns_fail(err, "GET %s: HTTP %ld", path, resp.status);
		}
		reg_response_clear(&resp);
	}
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	return doc;
}

int
regsig_check_live(struct session *s, const struct ns_release *r)
{
	struct ns_regkeys keys;
	struct ns_regsig_item res;
	struct ns_err err = { "" };
	char shown[600];
	json_t *doc;
	int k, rc = -1;

	k = regsig_pinned(s, &keys);
	if (k <= 0)
		return k;
	doc = fetch_packument(s, r->name, &err);
	if (doc == NULL) {
		ns_sanitize(shown, sizeof(shown), err.msg);
		fprintf(stderr, "npm-release: %s@%s is live, but its registry signature could not be "
		        "read: %s\n", r->name, r->version, shown);
		ns_regkeys_free(&keys);
		return -1;
	}
	memset(&res, 0, sizeof(res));
	switch (ns_regsig_check_version(doc, r->name, r->version, &keys, &res)) {
	case 0:
		ns_sanitize(shown, sizeof(shown), res.keyid);
		fprintf(stderr, "registry signature over %s@%s verified (%s)\n", r->name, r->version,
		        shown);
		rc = 0;
		break;
	case 2:
		/* a registry that signs nothing it serves (a private one; the test registry)
		 * is said, not failed: there is no signature to be wrong */
		fprintf(stderr, "warning: the registry serves %s@%s without a registry signature\n",
		        r->name, r->version);
		rc = 1;
		break;
	default:
		ns_sanitize(shown, sizeof(shown), res.reason);
		fprintf(stderr, "npm-release: %s@%s is live, but its registry signature fails: %s\n",
		        r->name, r->version, shown);
	}
	json_decref(doc);
	ns_regkeys_free(&keys);
	return rc;
}
