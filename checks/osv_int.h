/* Internal interface between osv.c (records) and osv_range.c (one range). */
#ifndef NS_OSV_INT_H
#define NS_OSV_INT_H

#include <stddef.h>

#include <jansson.h>

#include "nserr.h"
#include "osv.h"
#include "semver.h"

/* 1 when some reading of the range's events affects v, 0 when none does, -1
 * (err set) when the range cannot be read. When the 1 comes from reading an
 * event that lists several versions, quirk (if not NULL) says which reading. */
int ns_osv_range_affects(const json_t *range, const char *lkavr, const struct ns_semver *v,
                         char *quirk, size_t qlen, struct ns_err *err);

/* Appends the range's node-semver rendering (one part per reading) to parts. */
void ns_osv_range_render(const json_t *range, const char *lkavr, json_t *parts);

#endif
