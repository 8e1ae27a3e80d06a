/* npm package-name rules and the strict version grammar; see npm_name.h. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "npm_name.h"

#define NPM_NAME_MAX 214
#define SEMVER_MAX_LENGTH 256
#define SEMVER_MAX_SAFE 9007199254740991ULL /* 2^53 - 1, JavaScript's Number.MAX_SAFE_INTEGER */

/* Node core modules may not be used as new package names (validate-npm-package-name's
 * builtin list, less the names its other rules refuse: _http_*, "fs/promises", "node:*"). */
static const char *const core_modules[] = {
	"assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
	"crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http",
	"http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process",
	"punycode", "querystring", "readline", "repl", "stream", "string_decoder", "sys",
	"timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
	"worker_threads", "zlib",
};

/* Characters encodeURIComponent() leaves alone. */
static int
uri_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("-_.!~*'()", c) != NULL;
}

static int
uri_safe_span(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || !uri_safe((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ASCII lower case of name in buf (cap > 0), for the case-insensitive comparisons. */
static void
lower(char *buf, size_t cap, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < cap && name[i] != '\0'; i++)
		buf[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	buf[i] = '\0';
}

/* validate-npm-package-name's errors, in its order; NULL when there is none. */
static const char *
name_error(const char *name)
{
	size_t len = strlen(name);
	const char *slash = strchr(name, '/');
	char low[16];

	if (len == 0)
		return "name is empty";
	if (name[0] == '.' || name[0] == '_' || name[0] == '-')
		return "name starts with '.', '_' or '-'";
	/* String.prototype.trim: any leading or trailing white space (only ASCII can reach
	 * here, every other byte is refused as not URL-safe below) */
	if (strchr(" \t\n\v\f\r", name[0]) != NULL || strchr(" \t\n\v\f\r", name[len - 1]) != NULL)
		return "name has leading or trailing spaces";
	lower(low, sizeof(low), name);
	if (len < sizeof(low) && (strcmp(low, "node_modules") == 0 || strcmp(low, "favicon.ico") == 0))
		return "name is a reserved name";
	if (uri_safe_span(name, len))
		return NULL;
	/* not URL-safe as a whole: only @scope/name, both parts URL-safe, may pass */
	if (name[0] != '@' || slash == NULL || slash == name + 1 || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL)
		return "name has characters that are not URL-safe (or is not of the form @scope/name)";
	if (slash[1] == '.')
		return "scoped name part starts with '.'";
	/* beyond validate-npm-package-name: npm installs @s/node_modules in a folder it reads
	 * as a node_modules folder, whose .bin is on PATH for every @s package's scripts */
	if (strcasecmp(slash + 1, "node_modules") == 0)
		return "scoped name part is node_modules, a folder npm reads as a node_modules folder";
	if (!uri_safe_span(name + 1, (size_t)(slash - name - 1)) ||
	    !uri_safe_span(slash + 1, strlen(slash + 1)))
		return "name has characters that are not URL-safe";
	return NULL;
}

enum ns_npm_name_verdict
ns_npm_name_check(const char *name, const char **why)
{
	size_t len = strlen(name), i;
	const char *slash, *last;
	char low[32];

	if ((*why = name_error(name)) != NULL)
		return NS_NAME_INVALID;
	/* the warnings: what new names may no longer be */
	lower(low, sizeof(low), name);
	for (i = 0; i < sizeof(core_modules) / sizeof(core_modules[0]); i++)
		if (len < sizeof(low) && strcmp(low, core_modules[i]) == 0)
			return (*why = "name is a Node.js core module name", NS_NAME_EXISTING_ONLY);
	if (len > NPM_NAME_MAX)
		return (*why = "name is longer than 214 characters", NS_NAME_EXISTING_ONLY);
	for (i = 0; i < len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			return (*why = "name has capital letters", NS_NAME_EXISTING_ONLY);
	slash = strrchr(name, '/');
	last = slash != NULL ? slash + 1 : name;
	if (strpbrk(last, "~'!()*") != NULL)
		return (*why = "name has one of the characters ~'!()*", NS_NAME_EXISTING_ONLY);
	return NS_NAME_VALID;
}

int
ns_npm_name_valid(const char *name, const char **why)
{
	return ns_npm_name_check(name, why) == NS_NAME_VALID;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* MAJOR, MINOR or PATCH: 0|[1-9][0-9]*, at most 2^53-1. */
static const char *
numeric_part(const char *p)
{
	uint64_t v = 0;

	if (!is_digit(*p))
		return NULL;
	if (*p == '0')
		return is_digit(p[1]) ? NULL : p + 1;
	while (is_digit(*p)) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > SEMVER_MAX_SAFE)
			return NULL;
		p++;
	}
	return p;
}

/* Dot-separated identifiers; in a prerelease, all-digit ones have no leading zero. */
static const char *
identifiers(const char *p, int prerelease)
{
	for (;;) {
		const char *start = p;
		int all_digits = 1;

		while (is_ident_char(*p)) {
			if (!is_digit(*p))
				all_digits = 0;
			p++;
		}
		if (p == start)
			return NULL;
		if (prerelease && all_digits && *start == '0' && p - start > 1)
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

int
ns_strict_version_valid(const char *v, const char **why)
{
	const char *p = v;
	int i;

	if (strlen(v) > SEMVER_MAX_LENGTH)
		return (*why = "version is longer than 256 characters", 0);
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '.')
				return (*why = "version is not MAJOR.MINOR.PATCH", 0);
			p++;
		}
		if ((p = numeric_part(p)) == NULL)
			return (*why = "version number has a leading zero, is not a number "
			    "or exceeds 2^53-1", 0);
	}
	if (*p == '-' && (p = identifiers(p + 1, 1)) == NULL)
		return (*why = "version has an invalid prerelease", 0);
	if (*p == '+' && (p = identifiers(p + 1, 0)) == NULL)
		return (*why = "version has invalid build metadata", 0);
	if (*p != '\0')
		return (*why = "version is not a strict semver version", 0);
	return 1;
}

/* Whether a numeric prerelease identifier of v (strict) exceeds 2^53-1: node-semver
 * compares them as numbers, so 1.0.0-9007199254740992 equals ...993. */
static int
huge_prerelease_number(const char *v)
{
	const char *p = strchr(v, '-'), *start;

	if (p == NULL)
		return 0;
	for (p++; *p != '\0' && *p != '+'; p++) {
		int all_digits = 1;

		for (start = p; *p != '\0' && *p != '.' && *p != '+'; p++)
			if (!is_digit(*p))
				all_digits = 0;
		if (all_digits && (p - start > 16 || (p - start == 16 &&
		    strncmp(start, "9007199254740991", 16) > 0)))
			return 1;
		if (*p != '.')
			break;
	}
	return 0;
}

int
ns_release_version_valid(const char *v, const char **why)
{
	if (!ns_strict_version_valid(v, why))
		return 0;
	if (strchr(v, '+') != NULL)
		return (*why = "version has build metadata (+...), which npm drops when it "
		    "publishes: the version approved would not be the version that goes live", 0);
	if (huge_prerelease_number(v))
		return (*why = "version has a prerelease number above 2^53-1, which node-semver "
		    "compares as a double: another version would be equal to it", 0);
	return 1;
}
