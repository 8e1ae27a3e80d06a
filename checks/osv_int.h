/* Internal interface between osv.c (records) and osv_range.c (one range). */
#ifndef NS_OSV_INT_H
#define NS_OSV_INT_H

#include <stddef.h>

#include <jansson.h>

#include "nserr.h"
#include "osv.h"
#include "semver.h"

#define NS_OSV_MAX_EVENTS 256   /* events in one range */

/* 1 when some reading of the range's events affects v, 0 when none does, -1
 * (err set) when the range cannot be read. When the 1 comes from reading an
 * event that lists several versions, quirk (if not NULL) says which reading. */
int ns_osv_range_affects(const json_t *range, const char *lkavr, const struct ns_semver *v,
                         char *quirk, size_t qlen, struct ns_err *err);

/* ns_osv_range_affects on events already taken apart: n events, kind[i] 0..3
 * (introduced, fixed, last_affected, limit) and text[i] as given. */
int ns_osv_events_affects(const int *kind, const char *const *text, size_t n, const char *lkavr,
                          const struct ns_semver *v, char *quirk, size_t qlen,
                          struct ns_err *err);

/* ns_osv_affects_quirk over a's digest (see ns_osv_digest). */
int ns_osv_digest_affects(const struct ns_advisory *a, const struct ns_semver *v, char *quirk,
                          size_t qlen, struct ns_err *err);

/* Appends the range's node-semver rendering (one part per reading) to parts. */
void ns_osv_range_render(const json_t *range, const char *lkavr, json_t *parts);

#endif
