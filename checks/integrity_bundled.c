/* Install-time code in bundled dependencies: npm installs every package folder under the
 * tarball's node_modules/ (bundleDependencies, at any depth) and runs its preinstall,
 * install and postinstall scripts, or node-gyp rebuild for a binding.gyp without an
 * install/preinstall script. Each such package is held to the root's install.script and
 * install.binding-gyp rules, during the one streaming walk. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity_int.h"

/* Lifecycle scripts npm runs for an installed dependency (prepare is for git installs
 * and links only). */
static const char *const dep_install_scripts[] = { "preinstall", "install", "postinstall" };

enum { BUNDLED_GYP = 1, BUNDLED_INSTALL_SCRIPT = 2 };

struct ns_bundled_pj {
	char *folder;              /* canonical package folder, e.g. package/node_modules/a */
	unsigned char *buf;
	size_t len, cap;
	int too_large;
};

/* If canon is FOLDER/LEAF with FOLDER = package(/node_modules/(@scope/)?name)+, returns
 * the length of FOLDER and points *leaf at LEAF; else 0. */
static size_t
bundled_folder(const char *canon, const char **leaf)
{
	const char *p, *slash;
	size_t folder = 0;

	if (strncmp(canon, "package/", 8) != 0)
		return 0;
	p = canon + 8;
	for (;;) {
		if (strncmp(p, "node_modules/", 13) != 0)
			break;
		p += 13;
		if (*p == '@') { /* scope folder: the package is one level further */
			if ((slash = strchr(p, '/')) == NULL)
				return 0;
			p = slash + 1;
		}
		if ((slash = strchr(p, '/')) == NULL || slash == p)
			return 0;
		folder = (size_t)(slash - canon);
		p = slash + 1;
	}
	if (folder == 0 || strchr(p, '/') != NULL)
		return 0;
	*leaf = p;
	return folder;
}

/* -1 on OOM: a binding.gyp noted nowhere would pass unseen. */
static int
set_flag(struct ns_vctx *v, const char *folder, json_int_t flag)
{
	json_t *cur = json_object_get(v->bundled, folder);

	return json_object_set_new(v->bundled, folder,
	    json_integer(json_integer_value(cur) | flag));
}

int
ns_bundled_begin(struct ns_vctx *v, const char *canon, struct ns_bundled_pj **out,
    struct ns_err *err)
{
	const char *leaf;
	size_t n;
	char *folder;

	*out = NULL;
	/* the previous version is read for the diff only; its findings are not this one's */
	if (v->is_previous || (n = bundled_folder(canon, &leaf)) == 0)
		return 0;
	if ((folder = strndup(canon, n)) == NULL)
		return ns_fail(err, "out of memory");
	if (strcmp(leaf, "binding.gyp") == 0) {
		int r = set_flag(v, folder, BUNDLED_GYP);

		free(folder);
		return r == 0 ? 0 : ns_fail(err, "out of memory");
	}
	if (strcmp(leaf, "package.json") != 0) {
		free(folder);
		return 0;
	}
	if ((*out = calloc(1, sizeof(**out))) == NULL) {
		free(folder);
		return ns_fail(err, "out of memory");
	}
	(*out)->folder = folder;
	return 0;
}

int
ns_bundled_feed(struct ns_bundled_pj *b, const void *buf, size_t n, struct ns_err *err)
{
	if (b == NULL || b->too_large)
		return 0;
	/* the root manifest's bound: one bundled package.json never holds more memory */
	if (n > NS_VERIFY_MANIFEST_MAX - b->len) {
		b->too_large = 1;
		free(b->buf);
		b->buf = NULL;
		return 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *nb;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > NS_VERIFY_MANIFEST_MAX)
			cap = NS_VERIFY_MANIFEST_MAX;
		if ((nb = realloc(b->buf, cap)) == NULL)
			return ns_fail(err, "out of memory");
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, buf, n);
	b->len += n;
	return 0;
}

static int
script_present(const json_t *manifest, const char *name)
{
	const json_t *s = json_object_get(json_object_get(manifest, "scripts"), name);

	return json_is_string(s) && json_string_length(s) > 0;
}

static void
judge_manifest(struct ns_vctx *v, struct ns_bundled_pj *b, const char *path)
{
	const char *status = v->o->allow_install_scripts ? "warn" : "fail";
	const char *rel = b->folder + 8; /* node_modules/... as the approver knows it */
	const unsigned char *p = b->buf;
	size_t n = b->len, i;
	json_error_t jerr;
	json_t *m;

	/* a package.json npm cannot read cannot be vouched for: fail whatever the scope */
	if (b->too_large) {
		ns_finding(v, "install.script", "fail", path, "bundled package %s: package.json "
		    "is larger than %d bytes; its install scripts cannot be checked", rel,
		    NS_VERIFY_MANIFEST_MAX);
		return;
	}
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { /* BOM, as npm strips */
		p += 3;
		n -= 3;
	}
	m = json_loadb((const char *)(p != NULL ? p : (const unsigned char *)""), n,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL) {
		ns_finding(v, "install.script", "fail", path, "bundled package %s: package.json is "
		    "not valid JSON: %s (line %d); its install scripts cannot be checked", rel,
		    jerr.text, jerr.line);
		return;
	}
	if (!json_is_object(m)) {
		ns_finding(v, "install.script", "fail", path, "bundled package %s: package.json is "
		    "not a JSON object; its install scripts cannot be checked", rel);
		json_decref(m);
		return;
	}
	for (i = 0; i < sizeof(dep_install_scripts) / sizeof(dep_install_scripts[0]); i++) {
		const char *name = dep_install_scripts[i];

		if (!script_present(m, name))
			continue;
		ns_finding(v, "install.script", status, path,
		    "bundled package %s: install-time script '%s': %s", rel, name,
		    json_string_value(json_object_get(json_object_get(m, "scripts"), name)));
	}
	/* with either, npm runs that script instead of node-gyp rebuild */
	if (script_present(m, "install") || script_present(m, "preinstall"))
		(void)set_flag(v, b->folder, BUNDLED_INSTALL_SCRIPT); /* lost: one more finding */
	json_decref(m);
}

void
ns_bundled_end(struct ns_vctx *v, struct ns_bundled_pj *b, const char *path, int complete)
{
	if (b == NULL)
		return;
	/* an entry cut short already failed (tar.truncated, entry.type or the reader) */
	if (complete)
		judge_manifest(v, b, path);
	free(b->buf);
	free(b->folder);
	free(b);
}

void
ns_check_bundled(struct ns_vctx *v)
{
	const char *status = v->o->allow_install_scripts ? "warn" : "fail";
	const char *folder;
	json_t *flags;

	/* on an aborted walk a later package.json may be unread: no half-seen verdicts */
	if (v->is_previous || v->aborted)
		return;
	json_object_foreach(v->bundled, folder, flags) {
		json_int_t f = json_integer_value(flags);
		size_t n = strlen(folder) + sizeof("/binding.gyp");
		char *path;

		if (!(f & BUNDLED_GYP) || (f & BUNDLED_INSTALL_SCRIPT))
			continue;
		if ((path = malloc(n)) != NULL)
			snprintf(path, n, "%s/binding.gyp", folder);
		ns_finding(v, "install.binding-gyp", status, path != NULL ? path : folder,
		    "bundled package %s: binding.gyp: npm runs node-gyp rebuild at install",
		    folder + 8);
		free(path);
	}
}
