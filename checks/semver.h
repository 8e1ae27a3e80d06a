/* node-semver 7.8 semantics in C: versions, comparison, ranges.
 *
 * The behaviour, including loose parsing, prerelease ordering, build metadata
 * and includePrerelease, is that of node-semver 7.8.5 (the version npm 12
 * bundles); the test suite checks it differentially against node-semver itself.
 * Inputs are NUL-terminated UTF-8; JavaScript whitespace is honoured. Ranges
 * longer than NS_SEMVER_RANGE_MAX bytes are rejected as invalid. No global state. */
#ifndef NS_SEMVER_H
#define NS_SEMVER_H

#include <stddef.h>
#include <stdint.h>

#define NS_SEMVER_LOOSE 0x1
#define NS_SEMVER_INCLUDE_PRERELEASE 0x2

#define NS_SEMVER_MAX_LENGTH 256     /* node-semver MAX_LENGTH (UTF-16 units) */
#define NS_SEMVER_MAX_IDS 130
#define NS_SEMVER_VERSION_BUF 320
#define NS_SEMVER_RANGE_MAX 4096

struct ns_semver_ident {
	uint16_t off, len;    /* text within ns_semver.version */
	uint8_t is_num;       /* numeric and below 2^53-1: compared as a number */
	uint8_t digits;       /* all ASCII digits */
	uint64_t value;       /* when is_num */
	double approx;        /* when digits: the value JavaScript would compare */
};

struct ns_semver {
	uint64_t major, minor, patch;
	size_t npre;
	struct ns_semver_ident pre[NS_SEMVER_MAX_IDS];
	char version[NS_SEMVER_VERSION_BUF];   /* normalised: no build, no 'v' */
};

/* Parses like `new SemVer(s, {loose})`. 0 on success, -1 if invalid. */
int ns_semver_parse(struct ns_semver *v, const char *s, int flags);

/* semver.valid(): writes the normalised version; 0, or -1 if invalid/too small. */
int ns_semver_valid(const char *s, int flags, char *out, size_t outlen);

/* semver.clean(): trims, strips leading '=' and 'v', parses; 0 or -1. */
int ns_semver_clean(const char *s, int flags, char *out, size_t outlen);

/* SemVer precedence (build metadata ignored): -1, 0 or 1. */
int ns_semver_compare(const struct ns_semver *a, const struct ns_semver *b);

/* 1 when v has a prerelease tag. */
int ns_semver_is_prerelease(const struct ns_semver *v);

struct ns_semver_range;

/* Parses like `new Range(s, options)`; NULL if invalid (or out of memory). */
struct ns_semver_range *ns_semver_range_parse(const char *s, int flags);
void ns_semver_range_free(struct ns_semver_range *r);

/* Range.test(): 1 when v satisfies r. */
int ns_semver_range_test(const struct ns_semver_range *r, const struct ns_semver *v);

/* Range.range: the desugared text ("" means any); owned by r. */
const char *ns_semver_range_text(const struct ns_semver_range *r);

/* semver.satisfies(version, range, options): 1 or 0 (invalid input gives 0). */
int ns_semver_satisfies(const char *version, const char *range, int flags);

/* semver.validRange(): malloc'd desugared range ("*" for any) or NULL if invalid. */
char *ns_semver_valid_range(const char *range, int flags);

/* Internal helper shared with the range code: copies s into dst (capacity cap)
 * mapping every JavaScript whitespace character to ' '; returns the length, or
 * (size_t)-1 if it does not fit. *units receives the UTF-16 length of s. */
size_t ns_semver_js_spaces(const char *s, char *dst, size_t cap, size_t *units);

#endif
