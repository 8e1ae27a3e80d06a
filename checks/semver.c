/* node-semver 7.8 versions: parsing, normalisation, precedence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "semver_patterns.h"
#include "semver_re.h"

#define MAX_SAFE_INTEGER 9007199254740991ULL

/* JavaScript's \s and String.prototype.trim set (WhiteSpace + LineTerminator). */
static int
js_space_cp(unsigned long cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

/* Decodes one UTF-8 sequence; returns its length (1 for an invalid byte, cp = ~0). */
static size_t
utf8_next(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, c = s[0] & 0x07;
	else {
		*cp = ~0UL;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = ~0UL;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

size_t
ns_semver_js_spaces(const char *s, char *dst, size_t cap, size_t *units)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0, u = 0;

	while (*p != '\0') {
		unsigned long cp;
		size_t n = utf8_next(p, &cp);

		u += (cp != ~0UL && cp >= 0x10000) ? 2 : 1;
		if (cp != ~0UL && js_space_cp(cp)) {
			if (len + 1 >= cap)
				return (size_t)-1;
			dst[len++] = ' ';
		} else {
			if (len + n >= cap)
				return (size_t)-1;
			memcpy(dst + len, p, n);
			len += n;
		}
		p += n;
	}
	dst[len] = '\0';
	if (units != NULL)
		*units = u;
	return len;
}

static int
is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Parses a captured run of digits the way `+m[1]` and the range checks do. */
static int
parse_component(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > MAX_SAFE_INTEGER)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (len == 0 || v > MAX_SAFE_INTEGER)
		return -1;
	*out = v;
	return 0;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len > 0;
}

static double
digits_value(const char *s, size_t len)
{
	char tmp[NS_SEMVER_VERSION_BUF];

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return strtod(tmp, NULL);
}

static int
append(struct ns_semver *v, size_t *pos, const char *s, size_t len)
{
	if (*pos + len >= sizeof(v->version))
		return -1;
	memcpy(v->version + *pos, s, len);
	*pos += len;
	v->version[*pos] = '\0';
	return 0;
}

/* Splits the captured prerelease into identifiers, numberifying as SemVer does. */
static int
fill_prerelease(struct ns_semver *v, size_t *pos, const char *pre, size_t len)
{
	size_t i = 0;

	while (i <= len) {
		size_t j = i;
		struct ns_semver_ident *id;
		char num[24];

		while (j < len && pre[j] != '.')
			j++;
		if (v->npre >= NS_SEMVER_MAX_IDS)
			return -1;
		id = &v->pre[v->npre++];
		memset(id, 0, sizeof(*id));
		if (append(v, pos, v->npre == 1 ? "-" : ".", 1) < 0)
			return -1;
		id->off = (uint16_t)*pos;
		id->digits = (uint8_t)all_digits(pre + i, j - i);
		if (id->digits) {
			id->approx = digits_value(pre + i, j - i);
			if (id->approx < (double)MAX_SAFE_INTEGER) {
				id->is_num = 1;
				id->value = (uint64_t)id->approx;
			}
		}
		if (id->is_num) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)id->value);
			if (append(v, pos, num, strlen(num)) < 0)
				return -1;
		} else if (append(v, pos, pre + i, j - i) < 0)
			return -1;
		id->len = (uint16_t)(*pos - id->off);
		i = j + 1;
	}
	return 0;
}

static int
parse_trimmed(struct ns_semver *v, const char *s, size_t len, int flags)
{
	/* compiled once per thread and kind: compiling costs more than matching, and an
	 * audit parses a version per advisory event */
	static _Thread_local struct sre cache[2];
	static _Thread_local int ready[2];
	int loose = (flags & NS_SEMVER_LOOSE) != 0;
	struct sre_match m;
	char head[80];
	size_t pos;

	memset(v, 0, sizeof(*v));
	if (!ready[loose]) {
		if (sre_compile(&cache[loose], loose ? SP_LOOSE : SP_FULL) < 0)
			return -1;
		ready[loose] = 1;
	}
	if (sre_search(&cache[loose], s, len, 0, &m) != 1)
		return -1;
	if (parse_component(s + m.caps[2], (size_t)(m.caps[3] - m.caps[2]), &v->major) < 0 ||
	    parse_component(s + m.caps[4], (size_t)(m.caps[5] - m.caps[4]), &v->minor) < 0 ||
	    parse_component(s + m.caps[6], (size_t)(m.caps[7] - m.caps[6]), &v->patch) < 0)
		return -1;
	snprintf(head, sizeof(head), "%llu.%llu.%llu", (unsigned long long)v->major,
	    (unsigned long long)v->minor, (unsigned long long)v->patch);
	pos = 0;
	if (append(v, &pos, head, strlen(head)) < 0)
		return -1;
	if (sre_has(&m, 4) && m.caps[9] > m.caps[8] &&
	    fill_prerelease(v, &pos, s + m.caps[8], (size_t)(m.caps[9] - m.caps[8])) < 0)
		return -1;
	return 0;
}

int
ns_semver_parse(struct ns_semver *v, const char *s, int flags)
{
	char buf[NS_SEMVER_MAX_LENGTH * 4 + 1];
	size_t len, units, start;

	memset(v, 0, sizeof(*v));
	if (s == NULL || strlen(s) > NS_SEMVER_MAX_LENGTH * 4)
		return -1;
	len = ns_semver_js_spaces(s, buf, sizeof(buf), &units);
	if (len == (size_t)-1 || units > NS_SEMVER_MAX_LENGTH)
		return -1;
	for (start = 0; start < len && is_ascii_space(buf[start]); start++)
		;
	while (len > start && is_ascii_space(buf[len - 1]))
		len--;
	buf[len] = '\0';
	return parse_trimmed(v, buf + start, len - start, flags);
}

static int
copy_out(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s);

	if (n >= outlen)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int
ns_semver_valid(const char *s, int flags, char *out, size_t outlen)
{
	struct ns_semver v;

	if (ns_semver_parse(&v, s, flags) < 0)
		return -1;
	return copy_out(v.version, out, outlen);
}

int
ns_semver_clean(const char *s, int flags, char *out, size_t outlen)
{
	char buf[NS_SEMVER_RANGE_MAX];
	size_t len, start;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	len = ns_semver_js_spaces(s, buf, sizeof(buf), NULL);
	if (len == (size_t)-1)
		return -1;
	for (start = 0; start < len && is_ascii_space(buf[start]); start++)
		;
	while (len > start && is_ascii_space(buf[len - 1]))
		len--;
	buf[len] = '\0';
	while (buf[start] == '=' || buf[start] == 'v')
		start++;
	return ns_semver_valid(buf + start, flags, out, outlen);
}

/* internal/identifiers.js compareIdentifiers, with JavaScript's number/string mix. */
static int
compare_ident(const struct ns_semver *va, const struct ns_semver_ident *a,
              const struct ns_semver *vb, const struct ns_semver_ident *b)
{
	int c;

	if (a->is_num && b->is_num)
		return a->value == b->value ? 0 : a->value < b->value ? -1 : 1;
	if (a->digits && b->digits)
		return a->approx == b->approx ? 0 : a->approx < b->approx ? -1 : 1;
	if (!a->is_num && !b->is_num && a->len == b->len &&
	    memcmp(va->version + a->off, vb->version + b->off, a->len) == 0)
		return 0;
	if (a->digits && !b->digits)
		return -1;
	if (b->digits && !a->digits)
		return 1;
	c = strncmp(va->version + a->off, vb->version + b->off,
	    a->len < b->len ? a->len : b->len);
	if (c == 0)
		c = a->len < b->len ? -1 : 1;
	return c < 0 ? -1 : 1;
}

static int
same_ident(const struct ns_semver *va, const struct ns_semver_ident *a,
           const struct ns_semver *vb, const struct ns_semver_ident *b)
{
	if (a->is_num != b->is_num)
		return 0;
	if (a->is_num)
		return a->value == b->value;
	return a->len == b->len && memcmp(va->version + a->off, vb->version + b->off, a->len) == 0;
}

int
ns_semver_compare(const struct ns_semver *a, const struct ns_semver *b)
{
	size_t i;

	if (strcmp(a->version, b->version) == 0)
		return 0;
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	if (a->npre && !b->npre)
		return -1;
	if (!a->npre && b->npre)
		return 1;
	for (i = 0;; i++) {
		if (i >= a->npre && i >= b->npre)
			return 0;
		if (i >= b->npre)
			return 1;
		if (i >= a->npre)
			return -1;
		if (same_ident(a, &a->pre[i], b, &b->pre[i]))
			continue;
		return compare_ident(a, &a->pre[i], b, &b->pre[i]);
	}
}

int
ns_semver_is_prerelease(const struct ns_semver *v)
{
	return v->npre > 0;
}
