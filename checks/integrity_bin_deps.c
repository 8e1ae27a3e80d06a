/* bin.shadow for the bins npm links into the package's own node_modules/.bin.
 *
 * npm (@npmcli/run-script set-path.js) puts every node_modules/.bin from a package's
 * folder up to the root first on PATH for its lifecycle scripts, and runs each script
 * through "sh -c". What lands in <package>/node_modules/.bin is therefore on PATH, ahead
 * of the system, for the package's own install scripts (the lines the approver reads,
 * e.g. "echo building"), node-gyp rebuild, and the install scripts of every package
 * installed below it. Two sources put bins there that the package's package.json does
 * not show:
 *   - bundled packages (package/node_modules/.../package.json in the tarball): npm links
 *     their bins as it links any dependency's. Their name in the tarball is the
 *     stager's choice, so no bundled package is a command's own: a bin of the table
 *     fails when any install-time code runs in the package (its own scripts, a
 *     binding.gyp, a bundled package's scripts) or when the package has a dependency
 *     it does not bundle (npm may install that below it and run its install scripts
 *     there), and is a warning otherwise (then it is on PATH only for what a
 *     developer runs by hand in the installed folder);
 *   - npm-shrinkwrap.json: npm 7 to 11 install a dependency that ships one with
 *     exactly that tree, and link each locked entry's bins from the entry's "bin" (as
 *     the lockfile says, not as the fetched package says); npm 12 ignores it, older
 *     clients still install the package. A locked entry cannot show what install
 *     scripts the fetched packages run, so a bin of the table there fails, unless the
 *     entry is the command's own package fetched from the registry under that name
 *     (npm, yarn, node-gyp locked by a CLI): a warning, as for the package's own bins.
 *     The root entry "" is the package itself and follows the package's own rule.
 *     lockfileVersion 1 entries carry no bin; "packages" is read whatever the version
 *     says (fail closed). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity_bin.h"
#include "integrity_int.h"
#include "lockfile.h"

#define SHRINKWRAP_PATH "package/npm-shrinkwrap.json"

int
ns_bin_shrinkwrap_feed(struct ns_vctx *v, const void *buf, size_t n, struct ns_err *err)
{
	unsigned char *nb;
	size_t cap;

	if (v->shrinkwrap_too_large)
		return 0;
	/* the audit's bound on a lockfile: npm's own shrinkwraps fit many times over */
	if (n > NS_LOCK_MAX_BYTES - v->shrinkwrap_len) {
		v->shrinkwrap_too_large = 1;
		free(v->shrinkwrap);
		v->shrinkwrap = NULL;
		v->shrinkwrap_len = v->shrinkwrap_cap = 0;
		return 0;
	}
	if (v->shrinkwrap_len + n > v->shrinkwrap_cap) {
		cap = v->shrinkwrap_cap ? v->shrinkwrap_cap : 65536;
		while (cap < v->shrinkwrap_len + n)
			cap *= 2;
		if (cap > NS_LOCK_MAX_BYTES)
			cap = NS_LOCK_MAX_BYTES;
		if ((nb = realloc(v->shrinkwrap, cap)) == NULL)
			return ns_fail(err, "out of memory");
		v->shrinkwrap = nb;
		v->shrinkwrap_cap = cap;
	}
	memcpy(v->shrinkwrap + v->shrinkwrap_len, buf, n);
	v->shrinkwrap_len += n;
	return 0;
}

/* 1 when package.json names a dependency it does not bundle: npm may install it
 * below the package (a version the consumer's tree cannot hoist, or what the
 * package's shrinkwrap locks there), and its install scripts then run with the
 * package's node_modules/.bin first on PATH (red team: a locked dependency's
 * reviewed "echo building" ran a bundled "sh"). */
static int
depends_outside_bundle(const struct ns_vctx *v)
{
	static const char *const kinds[] = { "dependencies", "optionalDependencies" };
	const json_t *bundle = json_object_get(v->manifest_json, "bundleDependencies");
	const char *name;
	json_t *spec, *b;
	size_t i, j;

	if (bundle == NULL)
		bundle = json_object_get(v->manifest_json, "bundledDependencies");
	if (json_is_true(bundle))
		return 0; /* every dependency is bundled */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_object_foreach(json_object_get(v->manifest_json, kinds[i]), name, spec) {
			int bundled = 0;
			(void)spec;
			json_array_foreach(bundle, j, b)
				if (json_is_string(b) && strcmp(json_string_value(b), name) == 0)
					bundled = 1;
			if (!bundled)
				return 1;
		}
	}
	return 0;
}

/* Bundled packages: package folder -> record with "bin_manifest" {name, bin,
 * directories} (integrity_bundled.c). */
static void
check_bundled_bins(struct ns_vctx *v)
{
	int install_runs = json_array_size(v->install) > 0, deps_below = depends_outside_bundle(v);
	const char *folder, *link, *cmd;
	json_t *rec, *target;

	json_object_foreach(v->bundled, folder, rec) {
		const json_t *m = json_object_get(rec, "bin_manifest");
		char path[600];
		json_t *links;

		if (m == NULL)
			continue; /* no readable package.json: install.script failed already */
		snprintf(path, sizeof(path), "%.580s/package.json", folder);
		if ((links = ns_bin_links_under(m, v->files, folder, NULL)) == NULL) {
			ns_finding(v, "bin.shadow", "fail", path, "out of memory reading the bins of "
			    "bundled package %.200s", folder + 8);
			continue;
		}
		json_object_foreach(links, link, target) {
			if ((cmd = ns_bin_shadowed_command(link)) == NULL)
				continue;
			ns_finding(v, "bin.shadow", install_runs || deps_below ? "fail" : "warn", path,
			    "bundled package %.200s: bin '%.100s' shadows the system command %s in "
			    "this package's node_modules/.bin, first on PATH for its install "
			    "scripts and its dependencies'%s", folder + 8, link, cmd, install_runs ?
			    ", and install-time code runs in this package" : deps_below ?
			    ", and it has dependencies it does not bundle (npm may install them below "
			    "it, and run their install scripts there)" :
			    " (none runs in this package, and every dependency is bundled)");
		}
		json_decref(links);
	}
}

/* The package name npm fetches for a "packages" entry: its "name" (an alias), else
 * what follows the last node_modules/ of its location. */
static char *
entry_name(const char *location, const json_t *entry)
{
	const json_t *name = json_object_get(entry, "name");
	const char *p = location, *nm;

	if (json_is_string(name) && json_string_length(name) > 0)
		return strdup(json_string_value(name));
	while ((nm = strstr(p, "node_modules/")) != NULL)
		p = nm + 13;
	return strdup(p);
}

/* 1 when npm installs entry (named name) from the registry under that name: a
 * "resolved" that is that name's registry tarball (".../NAME/-/LAST-VERSION.tgz"), or
 * none outside a bundle (then npm fetches name@version). A bundled entry's bytes come
 * from the tarball of the package bundling it, whatever its name. */
static int
fetched_by_name(const char *name, const json_t *entry)
{
	const char *resolved = json_string_value(json_object_get(entry, "resolved"));
	const char *version = json_string_value(json_object_get(entry, "version"));
	const char *last = strrchr(name, '/');
	char tail[700];
	size_t rl, tl;
	int n;

	if (json_object_get(entry, "resolved") == NULL)
		return !json_is_true(json_object_get(entry, "inBundle"));
	if (resolved == NULL || version == NULL)
		return 0;
	n = snprintf(tail, sizeof(tail), "/%s/-/%s-%s.tgz", name, last != NULL ? last + 1 : name,
	    version);
	if (n < 0 || (size_t)n >= sizeof(tail))
		return 0;
	rl = strlen(resolved);
	tl = (size_t)n;
	return rl > tl && strcmp(resolved + rl - tl, tail) == 0;
}

static void
check_shrinkwrap_bins(struct ns_vctx *v)
{
	const char *pkg = json_string_value(json_object_get(v->manifest_json, "name"));
	const unsigned char *p = v->shrinkwrap;
	size_t n = v->shrinkwrap_len;
	const char *location, *link, *cmd;
	json_t *doc, *packages, *entry, *target;
	json_error_t jerr;

	if (v->shrinkwrap_count == 0)
		return;
	if (v->shrinkwrap_count > 1) {
		ns_finding(v, "bin.shadow", "fail", SHRINKWRAP_PATH, "the tarball has %u "
		    "npm-shrinkwrap.json entries; the bins npm links from it cannot be checked",
		    v->shrinkwrap_count);
		return;
	}
	if (v->shrinkwrap_too_large) {
		ns_finding(v, "bin.shadow", "fail", SHRINKWRAP_PATH, "npm-shrinkwrap.json is "
		    "larger than %u bytes; the bins npm links from it cannot be checked",
		    NS_LOCK_MAX_BYTES);
		return;
	}
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { /* BOM, as npm strips */
		p += 3;
		n -= 3;
	}
	/* duplicate keys: the last copy counts, as in JSON.parse and so in npm */
	doc = json_loadb(p != NULL ? (const char *)p : "", n, 0, &jerr);
	if (doc == NULL) {
		ns_finding(v, "bin.shadow", "fail", SHRINKWRAP_PATH, "npm-shrinkwrap.json is not "
		    "valid JSON: %.200s (line %d); the bins npm links from it cannot be checked",
		    jerr.text, jerr.line);
		return;
	}
	packages = json_object_get(doc, "packages");
	json_object_foreach(packages, location, entry) {
		const json_t *bin = json_object_get(entry, "bin");
		char *name;
		json_t *m, *links;

		if (bin == NULL || json_is_null(bin))
			continue;
		name = entry_name(location, entry);
		m = name != NULL ? json_pack("{s:s,s:O}", "name", name, "bin", bin) : NULL;
		links = m != NULL ? ns_bin_links(m, NULL, NULL) : NULL;
		json_decref(m);
		if (links == NULL) {
			free(name);
			ns_finding(v, "bin.shadow", "fail", SHRINKWRAP_PATH, "out of memory reading "
			    "the bins of npm-shrinkwrap.json");
			break;
		}
		json_object_foreach(links, link, target) {
			int root = location[0] == '\0', owner;

			if ((cmd = ns_bin_shadowed_command(link)) == NULL)
				continue;
			/* the command's own package from the registry (npm, yarn, node-gyp
			 * locked by a CLI) is trusted as the package's own bin is */
			owner = root ? ns_bin_command_owner(cmd, pkg) :
			    ns_bin_command_owner(cmd, name) && fetched_by_name(name, entry);
			ns_finding(v, "bin.shadow", owner ? "warn" : "fail", SHRINKWRAP_PATH,
			    "npm-shrinkwrap.json entry '%.200s' has bin '%.100s', which shadows the "
			    "system command %s in this package's node_modules/.bin, first on PATH "
			    "for its install scripts and those of its dependencies%s", root ?
			    "\"\" (this package)" : location, link, cmd, owner && !root ?
			    " (that command's own package, from the registry under its name)" : "");
		}
		free(name);
		json_decref(links);
	}
	json_decref(doc);
}

void
ns_check_dependency_bins(struct ns_vctx *v)
{
	if (v->is_previous || v->aborted)
		return;
	check_bundled_bins(v);
	check_shrinkwrap_bins(v);
}
