/* A small backtracking regular-expression engine with JavaScript (ECMAScript)
 * matching semantics for the subset node-semver's expressions use: literals,
 * classes with ranges and \d \s, capturing and (?:) groups, alternation, greedy
 * ? * + {m,n} (counted repetition on single classes only), ^ and $.
 *
 * node-semver's behaviour is defined by the order in which its regexes try
 * alternatives (leftmost-first, greedy, backtracking), which POSIX regex
 * (leftmost-longest) does not reproduce; hence this engine. The input is bytes;
 * callers map JavaScript whitespace to ' ' beforehand. State lives in the
 * caller's struct: no globals. */
#ifndef NS_SEMVER_RE_H
#define NS_SEMVER_RE_H

#include <stddef.h>
#include <stdint.h>

#define SRE_MAX_INST 256
#define SRE_MAX_CLASS 32
#define SRE_MAX_CAPS 16

struct sre_inst {
	uint8_t op;
	uint8_t cls;      /* class index for SRE_CLASS */
	uint16_t x, y;    /* jump targets / save slot */
	uint32_t min, max;/* repetition bounds for SRE_CLASS */
};

struct sre {
	struct sre_inst inst[SRE_MAX_INST];
	uint8_t cls[SRE_MAX_CLASS][32];
	size_t ninst, ncls;
	int ncaps;        /* capturing groups, group 0 = whole match */
};

struct sre_match {
	/* caps[2k], caps[2k+1]: start/end of group k, or -1 if it did not take part */
	long caps[2 * SRE_MAX_CAPS];
};

/* Compiles pattern; returns 0 or -1 when it uses unsupported syntax or is too big. */
int sre_compile(struct sre *re, const char *pattern);

/* Searches s[0..len) from position start for the leftmost match.
 * Returns 1 (match, m filled), 0 (no match), -1 (work limit exceeded). */
int sre_search(const struct sre *re, const char *s, size_t len, size_t start,
               struct sre_match *m);

/* 1 when group k took part in the match. */
int sre_has(const struct sre_match *m, int k);

#endif
