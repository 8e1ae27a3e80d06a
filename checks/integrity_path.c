/* Tarball path rules, UTF-8 and globs; see integrity_path.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "integrity_path.h"

int
ns_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len, k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

size_t
ns_tar_top_len(const char *path)
{
	const char *slash = strchr(path, '/');

	return slash != NULL ? (size_t)(slash - path) : 0;
}

int
ns_tar_path_valid(const char *path, const char *top, int is_dir, const char **why)
{
	size_t len = strlen(path), tl = strlen(top), i;
	const char *seg;

	if (path[0] == '/')
		return (*why = "absolute path", 0);
	/* the top folder is judged by the same segment rules as the rest below */
	if (tl == 0 || strncmp(path, top, tl) != 0 || (path[tl] != '/' && path[tl] != '\0'))
		return (*why = "path not under the archive's one top-level folder", 0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x20 || c == 0x7f)
			return (*why = "path contains a control character", 0);
		if (c == 0xc2 && i + 1 < len && (unsigned char)path[i + 1] >= 0x80 &&
		    (unsigned char)path[i + 1] <= 0x9f)
			return (*why = "path contains a C1 control character", 0);
		if (c == '\\')
			return (*why = "path contains a backslash", 0);
	}
	if (!ns_utf8_valid(path, len))
		return (*why = "path is not valid UTF-8", 0);
	if ((tl == 1 && top[0] == '.') || (tl == 2 && top[0] == '.' && top[1] == '.'))
		return (*why = "top-level folder is '.' or '..'", 0);
	if (is_dir && len > tl + 1 && path[len - 1] == '/')
		len--;
	if (len <= tl + 1)
		return is_dir ? 1 : (*why = "file entry named like the package folder", 0);
	for (seg = path + tl + 1; seg < path + len;) {
		const char *end = memchr(seg, '/', (size_t)(path + len - seg));
		size_t n;

		if (end == NULL)
			end = path + len;
		n = (size_t)(end - seg);
		if (n == 0)
			return (*why = "path has an empty segment", 0);
		if (n == 1 && seg[0] == '.')
			return (*why = "path has a '.' segment", 0);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return (*why = "path has a '..' segment", 0);
		seg = end + 1;
	}
	if (path[len - 1] == '/')
		return (*why = "path has an empty segment", 0);
	return 1;
}

const char *
ns_tar_path_reserved_folder(const char *path)
{
	enum { IN_FOLDER, AT_NAME, AT_SCOPED_NAME } at = IN_FOLDER;
	const char *p = path + ns_tar_top_len(path);

	while (*p == '/')
		p++;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		int nm = n == 12 && strncasecmp(p, "node_modules", 12) == 0;

		/* a file, not a folder, past the last '/' is no package's folder */
		if (p[n] == '\0')
			break;
		if (at != IN_FOLDER && n == 4 && strncasecmp(p, ".bin", 4) == 0)
			return "a file under node_modules/.bin/: npm puts that folder first on PATH "
			    "for the package's scripts, and npm pack never packs it";
		if (at != IN_FOLDER && nm)
			return "a package folder named node_modules (node_modules/node_modules/ or "
			    "node_modules/@scope/node_modules/): npm puts its .bin on PATH for the "
			    "install scripts of the packages below it";
		if (at == AT_NAME && p[0] == '@')
			at = AT_SCOPED_NAME;
		else
			at = nm ? AT_NAME : IN_FOLDER;
		p += n + 1;
	}
	return NULL;
}

/* Case folding as the case-insensitive file systems npm installs on see it, in place:
 * ASCII letters, and the four letters whose case pair is ASCII (dotted and dotless i,
 * long s, Kelvin sign), which could otherwise spell "node_modules" or "package.json"
 * past a byte comparison. The result is never longer. */
static void
fold_ascii(char *s)
{
	static const struct { const char *utf8; char ascii; } pairs[] = {
		{ "\xc4\xb0", 'i' }, { "\xc4\xb1", 'i' }, { "\xc5\xbf", 's' },
		{ "\xe2\x84\xaa", 'k' },
	};
	size_t i, o = 0, k;

	for (i = 0; s[i] != '\0';) {
		for (k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
			if (strncmp(s + i, pairs[k].utf8, strlen(pairs[k].utf8)) == 0)
				break;
		if (k < sizeof(pairs) / sizeof(pairs[0])) {
			s[o++] = pairs[k].ascii;
			i += strlen(pairs[k].utf8);
		} else {
			s[o++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
			i++;
		}
	}
	s[o] = '\0';
}

char *
ns_path_canonical(const char *path, int fold)
{
	size_t len = strlen(path), o = 0;
	const char *seg = path, *end;
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	while (*seg != '\0') {
		size_t n;

		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n > 0 && !(n == 1 && seg[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, seg, n);
			o += n;
		}
		seg = *end == '/' ? end + 1 : end;
	}
	out[o] = '\0';
	if (fold)
		fold_ascii(out);
	return out;
}

/* One segment: '*' any run, '?' one byte, anything else literal. */
static int
seg_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return 0;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static size_t
seg_len(const char *s)
{
	const char *e = strchr(s, '/');

	return e != NULL ? (size_t)(e - s) : strlen(s);
}

static int
glob_rec(const char *p, const char *s, int prefix_dirs, unsigned depth)
{
	size_t pn, sn;

	if (depth > 256)
		return 0;
	if (*p == '\0')
		return *s == '\0' || prefix_dirs;
	pn = seg_len(p);
	if (pn == 2 && p[0] == '*' && p[1] == '*') {
		const char *rest = p[2] == '/' ? p + 3 : p + 2;

		for (;;) {
			if (glob_rec(rest, s, prefix_dirs, depth + 1))
				return 1;
			if (*s == '\0')
				return 0;
			s += seg_len(s);
			if (*s == '/')
				s++;
		}
	}
	if (*s == '\0')
		return 0;
	sn = seg_len(s);
	if (!seg_match(p, pn, s, sn))
		return 0;
	p += pn;
	s += sn;
	if (*p == '/')
		p++;
	if (*s == '/')
		s++;
	else if (*p != '\0')
		return 0;
	return glob_rec(p, s, prefix_dirs, depth + 1);
}

int
ns_glob_match(const char *pattern, const char *path, int prefix_dirs)
{
	while (pattern[0] == '.' && pattern[1] == '/')
		pattern += 2;
	while (*pattern == '/')
		pattern++;
	return glob_rec(pattern, path, prefix_dirs, 0);
}
