/* The compact form of an advisory's affected entries (see ns_osv_digest in
 * osv.h): written by the index beside their JSON, evaluated by the audit without
 * a JSON parser. Against OSV's whole npm export an audit meets thousands of
 * advisories, and parsing each one's JSON cost more than everything else. The
 * digest holds exactly what ns_osv_affects_quirk reads, in the order it reads it;
 * any entry whose evaluation would end in an error is not digested, so that its
 * JSON is evaluated and the error reported as before. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "osv.h"
#include "osv_int.h"

static const char *const event_keys[] = { "introduced", "fixed", "last_affected", "limit" };
static const char event_tags[] = "ifal";

struct digest {
	char *p;
	size_t len, cap;
	int ok;
};

/* Appends "TAG TEXT\n"; a text with a control character makes the digest unusable. */
static void
put(struct digest *d, char tag, const char *text)
{
	size_t n = strlen(text), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			d->ok = 0;
	if (!d->ok)
		return;
	if (d->len + n + 3 > d->cap) {
		size_t nc = d->cap ? d->cap : 128;
		char *np;

		while (d->len + n + 3 > nc)
			nc *= 2;
		if ((np = realloc(d->p, nc)) == NULL) {
			d->ok = 0;
			return;
		}
		d->p = np;
		d->cap = nc;
	}
	d->p[d->len++] = tag;
	memcpy(d->p + d->len, text, n);
	d->len += n;
	d->p[d->len++] = '\n';
	d->p[d->len] = '\0';
}

/* One range's events: each an object with exactly one known key, a string. */
static void
put_events(struct digest *d, const json_t *events)
{
	size_t i, j;

	if (!json_is_array(events) || json_array_size(events) == 0 ||
	    json_array_size(events) > NS_OSV_MAX_EVENTS) {
		d->ok = 0;
		return;
	}
	for (i = 0; i < json_array_size(events) && d->ok; i++) {
		const json_t *x = json_array_get(events, i);
		int kind = -1;

		if (!json_is_object(x)) {
			d->ok = 0;
			return;
		}
		for (j = 0; j < 4; j++) {
			const json_t *val = json_object_get(x, event_keys[j]);

			if (val == NULL)
				continue;
			if (!json_is_string(val) || kind >= 0) {
				d->ok = 0;
				return;
			}
			kind = (int)j;
		}
		if (kind < 0) {
			d->ok = 0;
			return;
		}
		put(d, event_tags[kind], json_string_value(json_object_get(x, event_keys[kind])));
	}
}

char *
ns_osv_digest(const json_t *affected)
{
	struct digest d = { NULL, 0, 0, 1 };
	size_t i, j;

	if (!json_is_array(affected))
		return NULL;
	for (i = 0; i < json_array_size(affected) && d.ok; i++) {
		const json_t *aff = json_array_get(affected, i);
		const json_t *versions = json_object_get(aff, "versions");
		const json_t *ranges = json_object_get(aff, "ranges");
		const char *lkavr = json_string_value(json_object_get(
		    json_object_get(aff, "database_specific"), "last_known_affected_version_range"));

		put(&d, 'E', "");
		if (lkavr != NULL)
			put(&d, 'L', lkavr);
		/* evaluation reads versions (a non-array: none) before ranges */
		for (j = 0; j < json_array_size(versions) && d.ok; j++) {
			if (!json_is_string(json_array_get(versions, j)))
				d.ok = 0;
			else
				put(&d, 'V', json_string_value(json_array_get(versions, j)));
		}
		if (ranges != NULL && !json_is_array(ranges))
			d.ok = 0;
		for (j = 0; j < json_array_size(ranges) && d.ok; j++) {
			const json_t *r = json_array_get(ranges, j);
			const char *type = json_string_value(json_object_get(r, "type"));

			if (type == NULL)
				d.ok = 0;
			else if (strcmp(type, "ECOSYSTEM") == 0 || strcmp(type, "SEMVER") == 0) {
				put(&d, 'R', "");
				put_events(&d, json_object_get(r, "events"));
			}
		}
	}
	if (!d.ok || d.p == NULL) {
		free(d.p);
		return d.ok ? strdup("") : NULL;
	}
	return d.p;
}

/* Evaluates the range gathered so far (if any) and closes it. */
static int
flush(const struct ns_advisory *a, int *open, const int *kind, const char *const *text,
      size_t *n, const char *lkavr, const struct ns_semver *v, char *quirk, size_t qlen,
      struct ns_err *err)
{
	int hit;

	if (!*open)
		return 0;
	*open = 0;
	hit = ns_osv_events_affects(kind, text, *n, lkavr, v, quirk, qlen, err);
	*n = 0;
	if (hit < 0) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		return ns_fail(err, "%s: %s", a->id, msg);
	}
	return hit;
}

int
ns_osv_digest_affects(const struct ns_advisory *a, const struct ns_semver *v, char *quirk,
                      size_t qlen, struct ns_err *err)
{
	char *d = NULL, *line, *nl;
	size_t lines = 0, n = 0;
	const char **text = NULL;
	const char *lkavr = NULL, *p;
	int *kind = NULL, open = 0, hit = 0;

	if (quirk != NULL && qlen > 0)
		quirk[0] = '\0';
	/* every item ends its line: a digest cut short must not read as "none affected" */
	if (a->digest[0] != '\0' && a->digest[strlen(a->digest) - 1] != '\n')
		return ns_fail(err, "%s: advisory index digest is malformed", a->id);
	for (p = a->digest; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	if ((d = strdup(a->digest)) == NULL || (text = calloc(lines + 1, sizeof(*text))) == NULL ||
	    (kind = calloc(lines + 1, sizeof(*kind))) == NULL) {
		hit = ns_fail(err, "out of memory");
		goto out;
	}
	for (line = d; hit == 0 && (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		const char *tag = strchr(event_tags, line[0]);
		struct ns_semver ev;
		int zero;

		*nl = '\0';
		if (line[0] != '\0' && tag != NULL && open) {
			kind[n] = (int)(tag - event_tags);
			text[n++] = line + 1;
			continue;
		}
		/* anything else ends the range being gathered, which is evaluated first */
		if ((hit = flush(a, &open, kind, text, &n, lkavr, v, quirk, qlen, err)) != 0)
			break;
		switch (line[0]) {
		case 'E':
			lkavr = NULL;
			break;
		case 'L':
			lkavr = line + 1;
			break;
		case 'V':
			if (ns_osv_event_version(line + 1, &ev, &zero) == 0 && !zero &&
			    ns_semver_compare(&ev, v) == 0)
				hit = 1;
			break;
		case 'R':
			open = 1;
			break;
		default:
			hit = ns_fail(err, "%s: advisory index digest is malformed", a->id);
			break;
		}
	}
	if (hit == 0)
		hit = flush(a, &open, kind, text, &n, lkavr, v, quirk, qlen, err);
out:
	free(d);
	free(text);
	free(kind);
	return hit;
}
