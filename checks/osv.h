/* OSV advisories for npm packages (GitHub Advisory Database GHSA records and
 * OpenSSF malicious-package MAL records), evaluated per the OSV schema:
 * introduced / fixed / last_affected / limit events, explicit versions,
 * withdrawn records ignored, GitHub's last_known_affected_version_range as the
 * ceiling of an open-ended range. Versions compare by SemVer 2.0 precedence. */
#ifndef NS_OSV_H
#define NS_OSV_H

#include <stddef.h>

#include <jansson.h>

#include "nsconfig.h"
#include "nserr.h"
#include "semver.h"

enum { NS_SEV_INFO, NS_SEV_LOW, NS_SEV_MODERATE, NS_SEV_HIGH, NS_SEV_CRITICAL, NS_SEV_NONE };

#define NS_OSV_MAX_RECORD (4u << 20)   /* bytes per OSV file */

/* One advisory as it applies to one npm package. */
struct ns_advisory {
	char *id;          /* "GHSA-…", "MAL-…" */
	char *package;
	int severity;      /* NS_SEV_INFO..NS_SEV_CRITICAL */
	int malware;
	char *url;
	char *summary;
	char *range;       /* node-semver rendering of the affected versions (PROTOCOLS §7.2) */
	json_t *affected;  /* array of this package's affected[] entries, or NULL when */
	char *digest;      /* this compact form of them is what the index gave (ns_osv_digest) */
};

/* An advisory's severity: info..critical, case-insensitive, "medium" = moderate;
 * -1 for anything else. (Level names: ns_severity_parse/name in nsconfig.h.) */
int ns_osv_severity_parse(const char *s);

/* Splits an OSV record into one advisory per npm package it names. Withdrawn
 * records and other ecosystems give none. -1 (err set) if the record is malformed. */
int ns_osv_split(const json_t *rec, struct ns_advisory **out, size_t *n, struct ns_err *err);

/* The affected entries in the compact form the index stores beside their JSON, so
 * that an audit evaluates them without parsing JSON: one item a line, a tag and a
 * text ("E" an entry, "L" its last_known_affected_version_range, "V" a version,
 * "R" a range, "i" "f" "a" "l" its introduced / fixed / last_affected / limit
 * events), in the order evaluation reads them. NULL when an entry has a shape
 * that evaluation reports as malformed, or a text with a control character:
 * those are evaluated from their JSON, errors and all. Malloc'd. */
char *ns_osv_digest(const json_t *affected);

/* Builds the advisory from stored fields: the digest when there is one (then the
 * affected JSON is not parsed at all), else the affected entries' JSON. */
int ns_advisory_init(struct ns_advisory *a, const char *id, const char *package, int severity,
                     int malware, const char *url, const char *summary, const char *range,
                     const char *affected_json, const char *digest, struct ns_err *err);

void ns_advisory_clear(struct ns_advisory *a);
void ns_advisory_free_array(struct ns_advisory *a, size_t n);

/* 1 when version v of the package is affected, 0 when not, -1 (err set) when the
 * advisory cannot be evaluated (then callers treat it as affected: fail closed). */
int ns_osv_affects(const struct ns_advisory *a, const struct ns_semver *v, struct ns_err *err);

/* ns_osv_affects, and when the answer 1 rests on reading a data quirk (an event
 * that lists several versions, e.g. "fixed": "7.2.4, 6.11.4", read once per
 * version: affected when some reading says so), quirk receives which reading;
 * otherwise quirk is "". */
int ns_osv_affects_quirk(const struct ns_advisory *a, const struct ns_semver *v, char *quirk,
                         size_t qlen, struct ns_err *err);

/* Parses an OSV event version: "0" (before everything) gives *zero = 1; otherwise
 * strict SemVer, then loose, then a numeric "1" / "1.0" padded to three parts. */
int ns_osv_event_version(const char *s, struct ns_semver *v, int *zero);

#endif
