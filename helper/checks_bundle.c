/* The checker's part of a kept provenance bundle outside approve's checks: its
 * shape at stage (npm-release stage --provenance), and after publish whether the
 * registry's attestations hold it. Root hands over descriptors only. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks_provenance.h"
#include "digest.h"
#include "privsep.h"
#include "sanitize.h"
#include "spool.h"

int
checks_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	size_t n = 0;
	char *b = malloc(max + 2);

	if (b == NULL || lseek(fd, 0, SEEK_SET) != 0) {
		free(b);
		return -1;
	}
	for (;;) {
		ssize_t k = read(fd, b + n, max + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(b);
			return -1;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max) {
			free(b);
			return -1;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

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

	if (checks_read_fd(a->fd, NS_BUNDLE_MAX, &buf, &len) != 0) {
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

	if (checks_read_fd(a->bundle_fd, NS_BUNDLE_MAX, &buf, &len) != 0 ||
	    (bundle = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    canonical_sha256(bundle, ours) != 0) {
		free(buf);
		json_decref(bundle);
		ns_fail(err, "our bundle is unreadable");
		return NULL;
	}
	free(buf);
	buf = NULL;
	if (checks_read_fd(a->att_fd, NS_ATTESTATIONS_MAX, &buf, &len) != 0 ||
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
