/* Package names and install locations in lockfiles: which names npm accepts, which
 * folder a location installs, and the names that would make a folder npm reads as a
 * node_modules or .bin folder. See lockfile_int.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "lockfile.h"
#include "lockfile_int.h"

int
ns_lock_valid_name(const char *s)
{
	size_t i, n = strlen(s);
	const char *slash;

	if (n == 0 || n > 214 || s[0] == '.' || s[0] == '_')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '%' || c == ':')
			return 0;
	}
	slash = strchr(s, '/');
	if (s[0] == '@')
		return slash != NULL && slash > s + 1 && slash[1] != '\0' &&
		    strchr(slash + 1, '/') == NULL && slash[1] != '.';
	return slash == NULL;
}

/* npm installs a package in the folder its name spells, and run-script puts
 * <dir>/node_modules/.bin on PATH for every ancestor <dir> of a package's folder: a
 * name whose last part is "node_modules" or ".bin" (any letter case, as on
 * case-insensitive file systems) makes a folder npm reads as a node_modules or .bin
 * folder, so whatever package is put there ships the commands of other packages'
 * install scripts (red team: "@s/node_modules" aliased to any registry package). */
int
ns_lock_name_reserved(const char *name)
{
	const char *last = strrchr(name, '/');

	last = last != NULL ? last + 1 : name;
	return strcasecmp(last, "node_modules") == 0 || strcasecmp(last, ".bin") == 0;
}

/* 1 when a location (a "packages" key) installs a package under such a name: every
 * "node_modules" segment starts a name ("x" or "@scope/x") whose parts may not be
 * node_modules or .bin, nor be missing ("node_modules/a/node_modules" with a "name"
 * is a package in a's node_modules folder itself); ".bin" is no package's folder. */
int
ns_lock_location_reserved(const char *loc)
{
	enum { IN_FOLDER, AT_NAME, AT_SCOPED_NAME } at = IN_FOLDER;
	const char *p = loc;

	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		int nm = n == 12 && strncasecmp(p, "node_modules", 12) == 0;

		if ((n == 4 && strncasecmp(p, ".bin", 4) == 0) || (nm && at != IN_FOLDER))
			return 1;
		if (at == AT_NAME && p[0] == '@')
			at = AT_SCOPED_NAME;
		else
			at = nm ? AT_NAME : IN_FOLDER;
		p += n;
		if (*p == '/')
			p++;
	}
	return at != IN_FOLDER;
}

/* Install locations are relative and '/'-separated, without empty or "." parts.
 * Folders outside the project (link targets of file:../x, "../../plugins/x") are
 * ".." parts, only at the start: 0 inside, 1 outside, -1 invalid. */
int
ns_lock_location_kind(const char *s)
{
	const char *p = s;
	int leading = 1, outside = 0;

	if (*s == '\0')
		return 0;
	if (strlen(s) > 4096 || s[0] == '/' || strchr(s, '\\') != NULL)
		return -1;
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int up = n == 2 && p[0] == '.' && p[1] == '.';

		if (n == 0 || (n == 1 && p[0] == '.') || (up && !leading))
			return -1;
		outside |= up;
		leading &= up;
		p += n;
		if (*p == '/')
			p++;
		if (*p == '\0' && e != NULL)
			return -1;
	}
	return outside;
}

/* The package name a node_modules location installs: text after the last
 * "node_modules/", or NULL for other locations (workspaces). */
const char *
ns_lock_name_from_location(const char *loc)
{
	const char *p = loc, *last = NULL;

	while ((p = strstr(p, "node_modules/")) != NULL) {
		if (p == loc || p[-1] == '/')
			last = p + 13;
		p += 13;
	}
	return last;
}
