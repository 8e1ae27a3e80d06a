#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "nslog.h"
#include "npm_name.h"
#include "semver.h"
#include "stage_record.h"
#include "uuid.h"

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Fills r from the registry's stage record (GET /-/stage/<id>), validating every
 * field it will use in paths, files, statements and displays. */
int
stage_tag_valid(const char *tag)
{
	char *range;
	size_t n = strlen(tag);

	if (n == 0 || n > 100 ||
	    strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
		return 0;
	range = ns_semver_valid_range(tag, 0);
	if (range != NULL) {
		free(range);
		return 0;
	}
	return 1;
}

int
stage_record_exists(struct reg_client *c, const char *token, const char *id, struct ns_err *err)
{
	struct reg_response resp;
	char path[128];
	long status;

	snprintf(path, sizeof(path), "/-/stage/%s", id);
	if (reg_request(c, "GET", path, token, NULL, "stage", NULL, NULL, 0, 1 << 20, &resp, err) != 0)
		return -1;
	status = resp.status;
	reg_response_clear(&resp);
	if (status == 200)
		return 1;
	if (status == 404)
		return 0;
	return ns_fail(err, "stage %s: HTTP %ld (%s)", id, status, reg_status_text(status));
}

int
stage_record_fetch(struct reg_client *c, const char *token, const char *id, struct ns_release *r,
             struct ns_err *err)
{
	struct reg_response resp;
	char path[128];
	json_t *doc;
	json_error_t jerr;
	const char *name, *version, *tag, *shasum, *actor, *why = "";

	snprintf(path, sizeof(path), "/-/stage/%s", id);
	if (reg_request(c, "GET", path, token, NULL, "stage", NULL, NULL, 0, 1 << 20, &resp, err) != 0)
		return -1;
	if (resp.status != 200) {
		ns_fail(err, "stage %s: HTTP %ld (%s)", id, resp.status, reg_status_text(resp.status));
		reg_response_clear(&resp);
		return -1;
	}
	doc = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
	reg_response_clear(&resp);
	if (doc == NULL)
		return ns_fail(err, "stage %s: unreadable record: %s", id, jerr.text);
	name = jstr(doc, "packageName");
	version = jstr(doc, "version");
	tag = jstr(doc, "tag");
	shasum = jstr(doc, "shasum");
	actor = jstr(doc, "actor");
	if (jstr(doc, "id") == NULL || strcasecmp(jstr(doc, "id"), id) != 0 || name == NULL ||
	    ns_npm_name_check(name, &why) == NS_NAME_INVALID || version == NULL ||
	    !ns_release_version_valid(version, &why) ||
	    tag == NULL || !stage_tag_valid(tag) || strlen(tag) >= sizeof(r->tag) || shasum == NULL ||
	    strlen(shasum) != 40 || strspn(shasum, "0123456789abcdef") != 40) {
		json_decref(doc);
		return ns_fail(err, "stage %s: record is incomplete or malformed (%s)", id, why);
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->origin, sizeof(r->origin), NS_ORIGIN_REGISTRY);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->version, sizeof(r->version), "%s", version);
	ns_sanitize(r->tag, sizeof(r->tag), tag);
	snprintf(r->shasum, sizeof(r->shasum), "%s", shasum);
	ns_sanitize(r->staged_by, sizeof(r->staged_by), actor ? actor : "?");
	snprintf(r->status, sizeof(r->status), "staged");
	r->staged_at = (long long)time(NULL);
	json_decref(doc);
	return 0;
}

int
stage_record_bundle(struct reg_client *c, const char *token, const struct ns_release *r,
                    size_t max, char **bundle, size_t *len, struct ns_err *err)
{
	struct reg_response resp;
	char path[128], key[NS_NAME_MAX + NS_VERSION_MAX + 16];
	json_t *doc, *atts, *att;
	json_error_t jerr;
	const char *data, *name, *version, *id;
	int rc = -1;

	*bundle = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "/-/stage/%s", r->id);
	/* the record with its bundle: the bound leaves room for the JSON escaping */
	if (reg_request(c, "GET", path, token, NULL, "stage", NULL, NULL, 0, 3 * max + (1 << 20),
	                &resp, err) != 0)
		return -1;
	if (resp.status != 200) {
		ns_fail(err, "stage %s: HTTP %ld (%s)", r->id, resp.status, reg_status_text(resp.status));
		reg_response_clear(&resp);
		return -1;
	}
	doc = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
	reg_response_clear(&resp);
	if (doc == NULL)
		return ns_fail(err, "stage %s: unreadable record: %s", r->id, jerr.text);
	id = jstr(doc, "id");
	name = jstr(doc, "packageName");
	version = jstr(doc, "version");
	if (id == NULL || strcasecmp(id, r->id) != 0 || name == NULL || strcmp(name, r->name) != 0 ||
	    version == NULL || strcmp(version, r->version) != 0) {
		ns_fail(err, "stage %s: the record no longer names %s@%s", r->id, r->name, r->version);
		goto out;
	}
	atts = json_object_get(doc, "_attachments");
	snprintf(key, sizeof(key), "%s-%s.sigstore", r->name, r->version);
	if (atts == NULL || (att = json_object_get(atts, key)) == NULL) {
		rc = 0; /* none: the registry's attestations endpoint may have one */
		goto out;
	}
	data = jstr(att, "data");
	if (!json_is_object(atts) || data == NULL) {
		ns_fail(err, "stage %s: attachment %s has no bundle text", r->id, key);
		goto out;
	}
	*len = json_string_length(json_object_get(att, "data"));
	if (*len > max) {
		ns_fail(err, "stage %s: attachment %s is larger than %zu bytes", r->id, key, max);
		goto out;
	}
	if ((*bundle = malloc(*len + 1)) == NULL) {
		ns_fail(err, "out of memory");
		goto out;
	}
	memcpy(*bundle, data, *len);
	(*bundle)[*len] = '\0';
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int
stage_id_normalize(const char *id, char *out)
{
	size_t i;

	if (!uuid_valid(id))
		return -1;
	for (i = 0; id[i] != '\0' && i + 1 < NS_ID_MAX; i++)
		out[i] = (char)tolower((unsigned char)id[i]);
	out[i] = '\0';
	return 0;
}
