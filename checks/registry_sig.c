/* npm registry signatures (PROTOCOLS.md §4): ECDSA P-256 / SHA-256 over
 * "<name>@<version>:<integrity>" by the registry key whose keyid matches and whose
 * validity window holds the publish time. When the publish time is unknown (a version
 * document, or an array entry without "time") the signature is still verified but the
 * key's window cannot be, and the item says so: it is never silently passed as fully
 * checked. (npm assumes 2015-01-01 there; we do not pretend to know.) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigstore.h"

#define MAX_ITEMS 100000

static int
push(struct ns_regsig_item **items, size_t *n, struct ns_regsig_item **out)
{
	struct ns_regsig_item *p;

	if (*n >= MAX_ITEMS || (p = realloc(*items, (*n + 1) * sizeof(**items))) == NULL)
		return -1;
	*items = p;
	*out = &p[*n];
	memset(*out, 0, sizeof(**out));
	(*n)++;
	return 0;
}

static void
copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s != NULL ? s : "");
}

/* sha1 shasum (hex) -> "sha1-<base64>" as npm derives a missing integrity. */
static char *
integrity_from_shasum(const char *hex)
{
	unsigned char raw[20];
	char *b64, *out;
	size_t i;

	if (hex == NULL || strlen(hex) != 40)
		return NULL;
	for (i = 0; i < 20; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return NULL;
		raw[i] = (unsigned char)v;
	}
	if ((b64 = ns_b64_encode(raw, 20)) == NULL)
		return NULL;
	if ((out = malloc(strlen(b64) + 6)) != NULL)
		sprintf(out, "sha1-%s", b64);
	free(b64);
	return out;
}

/* One signature. time_s NULL = publish time unknown. */
static void
verify_one(struct ns_regsig_item *it, const struct ns_regkeys *keys, const char *name,
           const char *version, const char *integrity, const char *keyid, const char *sig,
           const char *time_s)
{
	const struct ns_regkey *k;
	unsigned char *raw = NULL;
	size_t rawlen, mlen;
	char *msg;
	int64_t t;

	copy(it->name, sizeof(it->name), name);
	copy(it->version, sizeof(it->version), version);
	copy(it->keyid, sizeof(it->keyid), keyid);
	if (name == NULL || version == NULL || integrity == NULL || keyid == NULL || sig == NULL) {
		copy(it->reason, sizeof(it->reason),
		     "incomplete: name, version, integrity, keyid and sig are all required");
		return;
	}
	if ((k = ns_regkeys_find(keys, keyid, "npm:signatures")) == NULL) {
		snprintf(it->reason, sizeof(it->reason), "no registry key with keyid %.90s", keyid);
		return;
	}
	if (time_s != NULL) {
		char a[32], b[32], c[32];

		if (ns_time_parse(time_s, &t) != 0) {
			copy(it->reason, sizeof(it->reason), "publish time is not an RFC 3339 time");
			return;
		}
		it->time_known = 1;
		if (t < k->start || t >= k->end) {
			ns_time_format(t, a);
			ns_time_format(k->start, b);
			ns_time_format(k->end, c);
			snprintf(it->reason, sizeof(it->reason),
			         "registry key %.90s was not valid at the publish time %s "
			         "(valid %s .. %s)", keyid, a, k->start == INT64_MIN ? "-" : b, c);
			return;
		}
	}
	if (ns_b64_decode(sig, strlen(sig), &raw, &rawlen) != 0) {
		copy(it->reason, sizeof(it->reason), "sig is not base64");
		return;
	}
	mlen = strlen(name) + strlen(version) + strlen(integrity) + 3;
	if ((msg = malloc(mlen)) == NULL) {
		free(raw);
		copy(it->reason, sizeof(it->reason), "out of memory");
		return;
	}
	snprintf(msg, mlen, "%s@%s:%s", name, version, integrity);
	if (ns_sig_ok(k->key, (const unsigned char *)msg, strlen(msg), raw, rawlen)) {
		it->ok = 1;
		copy(it->reason, sizeof(it->reason), it->time_known ? "" :
		     "publish time unknown: the key's validity window was not checked");
	} else
		copy(it->reason, sizeof(it->reason),
		     "signature does not verify over <name>@<version>:<integrity>");
	free(msg);
	free(raw);
}

/* Every entry of one version's dist.signatures. */
static int
verify_version(const json_t *v, const char *name, const char *time_s,
               const struct ns_regkeys *keys, struct ns_regsig_item **items, size_t *n)
{
	const json_t *dist = json_object_get(v, "dist"), *sigs = json_object_get(dist, "signatures");
	const char *vname = json_string_value(json_object_get(v, "name"));
	const char *version = json_string_value(json_object_get(v, "version"));
	const char *integ = json_string_value(json_object_get(dist, "integrity"));
	char *derived = NULL;
	struct ns_regsig_item *it;
	size_t i;
	int bad = 0;

	if (vname != NULL && name != NULL && strcmp(vname, name) != 0)
		bad = 1;                /* a version filed under another package's name */
	if (integ == NULL)
		integ = derived = integrity_from_shasum(
		    json_string_value(json_object_get(dist, "shasum")));
	if (!json_is_array(sigs) || json_array_size(sigs) == 0 || bad) {
		if (push(items, n, &it) != 0) {
			free(derived);
			return -1;
		}
		copy(it->name, sizeof(it->name), name != NULL ? name : vname);
		copy(it->version, sizeof(it->version), version);
		copy(it->reason, sizeof(it->reason), bad ? "version document names another package"
		     : "no registry signature (dist.signatures missing or empty)");
		free(derived);
		return 0;
	}
	for (i = 0; i < json_array_size(sigs); i++) {
		const json_t *s = json_array_get(sigs, i);

		if (push(items, n, &it) != 0) {
			free(derived);
			return -1;
		}
		verify_one(it, keys, name != NULL ? name : vname, version, integ,
		           json_string_value(json_object_get(s, "keyid")),
		           json_string_value(json_object_get(s, "sig")), time_s);
	}
	free(derived);
	return 0;
}

int
ns_regsig_verify_doc(const json_t *doc, const struct ns_regkeys *keys,
                     struct ns_regsig_item **items, size_t *nitems, struct ns_err *err)
{
	size_t before = *nitems, i;
	struct ns_regsig_item *it;

	if (json_is_array(doc)) {
		for (i = 0; i < json_array_size(doc); i++) {
			const json_t *e = json_array_get(doc, i);

			if (!json_is_object(e))
				return ns_fail(err, "array entry %zu is not an object", i);
			if (push(items, nitems, &it) != 0)
				return ns_fail(err, "too many signatures or out of memory");
			verify_one(it, keys, json_string_value(json_object_get(e, "name")),
			           json_string_value(json_object_get(e, "version")),
			           json_string_value(json_object_get(e, "integrity")),
			           json_string_value(json_object_get(e, "keyid")),
			           json_string_value(json_object_get(e, "sig")),
			           json_string_value(json_object_get(e, "time")));
		}
	} else if (json_is_object(json_object_get(doc, "versions"))) {
		const char *name = json_string_value(json_object_get(doc, "name")), *ver;
		const json_t *times = json_object_get(doc, "time"), *v;

		if (name == NULL)
			return ns_fail(err, "packument has no name");
		json_object_foreach((json_t *)json_object_get(doc, "versions"), ver, v) {
			const char *vv = json_string_value(json_object_get(v, "version"));

			/* time[] is looked up by the key: it must be the version signed */
			if (vv == NULL || strcmp(vv, ver) != 0) {
				if (push(items, nitems, &it) != 0)
					return ns_fail(err, "out of memory");
				copy(it->name, sizeof(it->name), name);
				copy(it->version, sizeof(it->version), ver);
				copy(it->reason, sizeof(it->reason),
				     "version document's version differs from its key in versions");
				continue;
			}
			if (verify_version(v, name, json_string_value(json_object_get(times, ver)),
			                   keys, items, nitems) != 0)
				return ns_fail(err, "too many signatures or out of memory");
		}
	} else if (json_is_object(json_object_get(doc, "dist"))) {
		if (verify_version(doc, NULL, NULL, keys, items, nitems) != 0)
			return ns_fail(err, "out of memory");
	} else
		return ns_fail(err, "neither a packument, a version document nor an array of "
		               "{name, version, integrity, keyid, sig}");
	if (*nitems == before)
		return 1;
	for (i = before; i < *nitems; i++)
		if (!(*items)[i].ok)
			return 1;
	return 0;
}

int
ns_regsig_check_version(const json_t *packument, const char *name, const char *version,
                        const struct ns_regkeys *keys, struct ns_regsig_item *res)
{
	const json_t *v = json_object_get(json_object_get(packument, "versions"), version);
	const json_t *sigs = json_object_get(json_object_get(v, "dist"), "signatures");
	const json_t *t = json_object_get(json_object_get(packument, "time"), version);
	struct ns_regsig_item *items = NULL;
	struct ns_err err = { "" };
	size_t nitems = 0, i;
	json_t *one;
	int r;

	memset(res, 0, sizeof(*res));
	copy(res->name, sizeof(res->name), name);
	copy(res->version, sizeof(res->version), version);
	if (!json_is_object(v)) {
		snprintf(res->reason, sizeof(res->reason), "the registry has no version %.100s",
		         version);
		return 1;
	}
	if (!json_is_array(sigs) || json_array_size(sigs) == 0)
		return 2;
	/* a packument of this one version: verify_version checks that the document
	 * names this package and time[] is looked up by the version it signs */
	one = json_pack("{s:s, s:{s:O}, s:{}}", "name", name, "versions", version, v, "time");
	if (one == NULL || (json_is_string(t) &&
	                    json_object_set_new(json_object_get(one, "time"), version,
	                                        json_string(json_string_value(t))) != 0)) {
		json_decref(one);
		copy(res->reason, sizeof(res->reason), "out of memory");
		return 1;
	}
	r = ns_regsig_verify_doc(one, keys, &items, &nitems, &err);
	json_decref(one);
	if (r < 0 || nitems == 0) {
		copy(res->reason, sizeof(res->reason), r < 0 ? err.msg : "no signature read");
		free(items);
		return 1;
	}
	copy(res->keyid, sizeof(res->keyid), items[0].keyid);
	res->ok = res->time_known = 1;
	for (i = 0; i < nitems && res->ok; i++) {
		const struct ns_regkey *k = ns_regkeys_find(keys, items[i].keyid, "npm:signatures");

		if (!items[i].ok) {
			copy(res->keyid, sizeof(res->keyid), items[i].keyid);
			copy(res->reason, sizeof(res->reason), items[i].reason);
			res->ok = 0;
		} else if (!items[i].time_known) {
			res->time_known = 0;
			/* an expired key's signature must not pass for want of a date */
			if (k != NULL && (k->start != INT64_MIN || k->end != NS_TIME_OPEN)) {
				snprintf(res->reason, sizeof(res->reason), "the registry does not say "
				         "when it was published (no time[%.40s]): key %.60s has a "
				         "validity window that could not be checked", version,
				         items[i].keyid);
				res->ok = 0;
			}
		}
	}
	if (res->ok && !res->time_known)
		snprintf(res->reason, sizeof(res->reason), "publish time unknown (no time[%.40s]); "
		         "the key has no validity window to check it against", version);
	free(items);
	return res->ok ? 0 : 1;
}
