/* OSV record splitting and the "is version V affected" evaluation. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osv.h"
#include "osv_int.h"


/* GHSA writes severities in capitals; "medium" is read as moderate. */
int
ns_osv_severity_parse(const char *s)
{
	static const char *const names[] = { "info", "low", "moderate", "high", "critical" };
	size_t i;

	if (s == NULL)
		return -1;
	if (strcasecmp(s, "medium") == 0)
		return NS_SEV_MODERATE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* "MAJOR.MINOR.PATCH", each 0 or up to 15 digits without a leading zero: nearly
 * every event version. Read here as ns_semver_parse would read it (the same
 * numbers and normalised text, no prerelease) at a fraction of its cost, which an
 * audit against the whole database pays thousands of times. */
static int
plain_version(const char *s, struct ns_semver *v)
{
	uint64_t part[3];
	size_t i = 0, k, n;

	for (k = 0; k < 3; k++) {
		part[k] = 0;
		for (n = 0; s[i] >= '0' && s[i] <= '9'; i++, n++)
			part[k] = part[k] * 10 + (uint64_t)(s[i] - '0');
		if (n == 0 || n > 15 || (n > 1 && s[i - n] == '0') ||
		    s[i] != (k < 2 ? '.' : '\0'))
			return -1;
		i++;
	}
	v->major = part[0];
	v->minor = part[1];
	v->patch = part[2];
	v->npre = 0;
	memcpy(v->version, s, i); /* i counts the NUL; at most 48 bytes */
	return 0;
}

int
ns_osv_event_version(const char *s, struct ns_semver *v, int *zero)
{
	char pad[64];
	size_t i, dots = 0;

	*zero = 0;
	if (s == NULL)
		return -1;
	if (strcmp(s, "0") == 0) {
		*zero = 1;
		return 0;
	}
	if (plain_version(s, v) == 0 || ns_semver_parse(v, s, 0) == 0 ||
	    ns_semver_parse(v, s, NS_SEMVER_LOOSE) == 0)
		return 0;
	/* GHSA has a few "1.0"-style versions: pad them the way npm would read them */
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return -1;
	}
	if (i == 0 || i > 40 || dots > 1 || s[0] == '.' || s[i - 1] == '.')
		return -1;
	snprintf(pad, sizeof(pad), "%s%s", s, dots == 0 ? ".0.0" : ".0");
	return ns_semver_parse(v, pad, NS_SEMVER_LOOSE);
}

static char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

void
ns_advisory_clear(struct ns_advisory *a)
{
	if (a == NULL)
		return;
	free(a->id);
	free(a->package);
	free(a->url);
	free(a->summary);
	free(a->range);
	free(a->digest);
	json_decref(a->affected);
	memset(a, 0, sizeof(*a));
}

void
ns_advisory_free_array(struct ns_advisory *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ns_advisory_clear(&a[i]);
	free(a);
}

int
ns_osv_affects(const struct ns_advisory *a, const struct ns_semver *v, struct ns_err *err)
{
	return ns_osv_affects_quirk(a, v, NULL, 0, err);
}

int
ns_osv_affects_quirk(const struct ns_advisory *a, const struct ns_semver *v, char *quirk,
                     size_t qlen, struct ns_err *err)
{
	size_t i, j;

	if (a->digest != NULL)
		return ns_osv_digest_affects(a, v, quirk, qlen, err);
	if (quirk != NULL && qlen > 0)
		quirk[0] = '\0';
	for (i = 0; i < json_array_size(a->affected); i++) {
		const json_t *aff = json_array_get(a->affected, i);
		const json_t *versions = json_object_get(aff, "versions");
		const json_t *ranges = json_object_get(aff, "ranges");
		const char *lkavr = json_string_value(json_object_get(
		    json_object_get(aff, "database_specific"), "last_known_affected_version_range"));

		for (j = 0; j < json_array_size(versions); j++) {
			struct ns_semver ev;
			int zero;
			const char *s = json_string_value(json_array_get(versions, j));

			if (s == NULL)
				return ns_fail(err, "%s: versions[%zu] is not a string", a->id, j);
			if (ns_osv_event_version(s, &ev, &zero) == 0 && !zero &&
			    ns_semver_compare(&ev, v) == 0)
				return 1;
		}
		if (ranges != NULL && !json_is_array(ranges))
			return ns_fail(err, "%s: ranges is not an array", a->id);
		for (j = 0; j < json_array_size(ranges); j++) {
			const json_t *r = json_array_get(ranges, j);
			const char *type = json_string_value(json_object_get(r, "type"));
			int hit;

			if (type == NULL)
				return ns_fail(err, "%s: range without a type", a->id);
			if (strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "SEMVER") != 0)
				continue; /* GIT ranges say nothing about npm versions */
			if ((hit = ns_osv_range_affects(r, lkavr, v, quirk, qlen, err)) < 0) {
				char msg[sizeof(err->msg)];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				return ns_fail(err, "%s: %s", a->id, msg);
			}
			if (hit)
				return 1;
		}
	}
	return 0;
}

static char *
render_affected(const json_t *affected)
{
	json_t *parts = json_array();
	size_t i, j, len = 0;
	char *out, *p;

	for (i = 0; i < json_array_size(affected); i++) {
		const json_t *aff = json_array_get(affected, i);
		const json_t *ranges = json_object_get(aff, "ranges");
		const json_t *versions = json_object_get(aff, "versions");
		const char *lkavr = json_string_value(json_object_get(
		    json_object_get(aff, "database_specific"), "last_known_affected_version_range"));

		for (j = 0; j < json_array_size(ranges); j++) {
			const char *type = json_string_value(
			    json_object_get(json_array_get(ranges, j), "type"));

			if (type != NULL && (strcmp(type, "ECOSYSTEM") == 0 ||
			    strcmp(type, "SEMVER") == 0))
				ns_osv_range_render(json_array_get(ranges, j), lkavr, parts);
		}
		for (j = 0; j < json_array_size(versions); j++)
			if (json_is_string(json_array_get(versions, j)))
				json_array_append(parts, json_array_get(versions, j));
	}
	for (i = 0; i < json_array_size(parts); i++)
		len += strlen(json_string_value(json_array_get(parts, i))) + 4;
	if ((out = malloc(len + 2)) == NULL) {
		json_decref(parts);
		return NULL;
	}
	p = out;
	*p = '\0';
	for (i = 0; i < json_array_size(parts); i++)
		p += sprintf(p, "%s%s", i ? " || " : "", json_string_value(json_array_get(parts, i)));
	json_decref(parts);
	if (out[0] == '\0') {
		free(out);
		return strdup("*");
	}
	return out;
}

static int
is_malware(const json_t *rec, const char *id)
{
	const char *summary = json_string_value(json_object_get(rec, "summary"));
	const json_t *aliases = json_object_get(rec, "aliases");
	size_t i;

	if (strncmp(id, "MAL-", 4) == 0)
		return 1;
	if (json_object_get(json_object_get(rec, "database_specific"),
	    "malicious-packages-origins") != NULL)
		return 1;
	for (i = 0; i < json_array_size(aliases); i++) {
		const char *al = json_string_value(json_array_get(aliases, i));
		if (al != NULL && strncmp(al, "MAL-", 4) == 0)
			return 1;
	}
	return summary != NULL && strncmp(summary, "Malicious code in ", 18) == 0;
}

static char *
advisory_url(const json_t *rec, const char *id)
{
	const json_t *refs = json_object_get(rec, "references");
	char buf[256];
	size_t i;

	if (strncmp(id, "GHSA-", 5) == 0) {
		snprintf(buf, sizeof(buf), "https://github.com/advisories/%s", id);
		return strdup(buf);
	}
	for (i = 0; i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i);
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *url = json_string_value(json_object_get(r, "url"));

		if (type != NULL && url != NULL && strcmp(type, "ADVISORY") == 0 &&
		    strncmp(url, "https://", 8) == 0)
			return strdup(url);
	}
	snprintf(buf, sizeof(buf), "https://osv.dev/vulnerability/%s", id);
	return strdup(buf);
}

static int
valid_package_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 214)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
valid_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

int
ns_osv_split(const json_t *rec, struct ns_advisory **out, size_t *nout, struct ns_err *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const json_t *affected = json_object_get(rec, "affected");
	const char *sevname = json_string_value(json_object_get(
	    json_object_get(rec, "database_specific"), "severity"));
	struct ns_advisory *adv = NULL;
	size_t n = 0, i, j;
	int sev;

	*out = NULL;
	*nout = 0;
	if (!json_is_object(rec))
		return ns_fail(err, "OSV record is not a JSON object");
	if (id == NULL || !valid_id(id))
		return ns_fail(err, "OSV record without a valid \"id\"");
	if (json_object_get(rec, "withdrawn") != NULL)
		return 0;
	if (!json_is_array(affected))
		return ns_fail(err, "%s: \"affected\" is not an array", id);
	/* GHSA has no "info"; a record without a rating counts as high, as npm does */
	sev = sevname != NULL ? ns_osv_severity_parse(sevname) : NS_SEV_HIGH;
	if (sev < 0)
		return ns_fail(err, "%s: unknown severity \"%.32s\"", id, sevname);
	if (is_malware(rec, id))
		sev = NS_SEV_CRITICAL;
	for (i = 0; i < json_array_size(affected); i++) {
		const json_t *aff = json_array_get(affected, i);
		const json_t *pkg = json_object_get(aff, "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *name = json_string_value(json_object_get(pkg, "name"));
		struct ns_advisory *a = NULL;

		if (eco == NULL || strcmp(eco, "npm") != 0)
			continue;
		if (name == NULL || !valid_package_name(name)) {
			ns_advisory_free_array(adv, n);
			return ns_fail(err, "%s: affected[%zu] has no valid npm package name", id, i);
		}
		for (j = 0; j < n; j++)
			if (strcmp(adv[j].package, name) == 0)
				a = &adv[j];
		if (a == NULL) {
			struct ns_advisory *na = realloc(adv, (n + 1) * sizeof(*adv));

			if (na == NULL) {
				ns_advisory_free_array(adv, n);
				return ns_fail(err, "out of memory");
			}
			adv = na;
			a = &adv[n++];
			memset(a, 0, sizeof(*a));
			a->id = xstrdup(id);
			a->package = xstrdup(name);
			a->severity = sev;
			a->malware = is_malware(rec, id);
			a->url = advisory_url(rec, id);
			a->summary = xstrdup(json_string_value(json_object_get(rec, "summary")));
			if (a->summary == NULL)
				a->summary = xstrdup("");
			a->affected = json_array();
			if (a->id == NULL || a->package == NULL || a->url == NULL ||
			    a->summary == NULL || a->affected == NULL) {
				ns_advisory_free_array(adv, n);
				return ns_fail(err, "out of memory");
			}
		}
		json_array_append(a->affected, (json_t *)aff);
	}
	for (j = 0; j < n; j++) {
		if ((adv[j].range = render_affected(adv[j].affected)) == NULL) {
			ns_advisory_free_array(adv, n);
			return ns_fail(err, "out of memory");
		}
	}
	*out = adv;
	*nout = n;
	return 0;
}

int
ns_advisory_init(struct ns_advisory *a, const char *id, const char *package, int severity,
                 int malware, const char *url, const char *summary, const char *range,
                 const char *affected_json, const char *digest, struct ns_err *err)
{
	json_error_t je;

	memset(a, 0, sizeof(*a));
	if (id == NULL || !valid_id(id) || package == NULL || !valid_package_name(package) ||
	    severity < NS_SEV_INFO || severity > NS_SEV_CRITICAL || url == NULL ||
	    range == NULL || affected_json == NULL)
		return ns_fail(err, "advisory index entry is malformed");
	if (digest != NULL) {
		/* the whole per-advisory cost of an audit was this parse */
		if ((a->digest = strdup(digest)) == NULL)
			return ns_fail(err, "out of memory");
	} else {
		/* apart from the test: json_is_array evaluates its argument twice */
		a->affected = json_loads(affected_json, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_array(a->affected)) {
			json_decref(a->affected);
			a->affected = NULL;
			return ns_fail(err, "advisory index entry %s: bad affected JSON", id);
		}
	}
	a->id = strdup(id);
	a->package = strdup(package);
	a->severity = severity;
	a->malware = malware != 0;
	a->url = strdup(url);
	a->summary = strdup(summary != NULL ? summary : "");
	a->range = strdup(range);
	if (a->id == NULL || a->package == NULL || a->url == NULL || a->summary == NULL ||
	    a->range == NULL) {
		ns_advisory_clear(a);
		return ns_fail(err, "out of memory");
	}
	return 0;
}
