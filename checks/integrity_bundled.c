/* Install-time code in bundled dependencies: npm installs every package folder under the
 * tarball's node_modules/ (bundleDependencies, at any depth) and runs its preinstall,
 * install and postinstall scripts, or node-gyp rebuild for a binding.gyp without an
 * install/preinstall script. Each such package is held to the root's install.script and
 * install.binding-gyp rules: its package.json is read during the one streaming walk (of
 * the previous version too), and judged after it against the same folder there. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrity_int.h"

/* Lifecycle scripts npm runs for an installed dependency (prepare is for git installs
 * and links only). */
static const char *const dep_install_scripts[] = { "preinstall", "install", "postinstall" };

enum { BUNDLED_GYP = 1, BUNDLED_NO_GYP_RUN = 2 };

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

/* folder -> {"flags": n, "scripts": {name: command}}; NULL on OOM. */
static json_t *
folder_record(struct ns_vctx *v, const char *folder)
{
	json_t *rec = json_object_get(v->bundled, folder);

	if (rec != NULL)
		return rec;
	rec = json_pack("{s:I,s:{}}", "flags", (json_int_t)0, "scripts");
	if (rec == NULL || json_object_set_new(v->bundled, folder, rec) != 0)
		return NULL;
	return rec;
}

/* -1 on OOM: a binding.gyp noted nowhere would pass unseen. */
static int
set_flag(struct ns_vctx *v, const char *folder, json_int_t flag)
{
	json_t *rec = folder_record(v, folder);

	if (rec == NULL)
		return -1;
	return json_object_set_new(rec, "flags", json_integer(
	    json_integer_value(json_object_get(rec, "flags")) | flag));
}

int
ns_bundled_begin(struct ns_vctx *v, const char *canon, struct ns_bundled_pj **out,
    struct ns_err *err)
{
	const char *leaf;
	size_t n;
	char *folder;

	*out = NULL;
	if ((n = bundled_folder(canon, &leaf)) == 0)
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

/* Reads one bundled package.json into its folder's record; the previous version's
 * unreadable ones are its own (previous.read) business, not findings of this one. */
static void
read_manifest(struct ns_vctx *v, struct ns_bundled_pj *b, const char *path)
{
	const char *rel = b->folder + 8; /* node_modules/... as the approver knows it */
	const unsigned char *p = b->buf;
	size_t n = b->len, i;
	json_error_t jerr;
	json_t *m, *rec, *scripts;

	/* a package.json npm cannot read cannot be vouched for: fail whatever the scope */
	if (b->too_large) {
		if (!v->is_previous)
			ns_finding(v, "install.script", "fail", path, "bundled package %s: "
			    "package.json is larger than %d bytes; its install scripts cannot be "
			    "checked", rel, NS_VERIFY_MANIFEST_MAX);
		return;
	}
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { /* BOM, as npm strips */
		p += 3;
		n -= 3;
	}
	m = json_loadb((const char *)(p != NULL ? p : (const unsigned char *)""), n,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL || !json_is_object(m)) {
		if (!v->is_previous && m == NULL)
			ns_finding(v, "install.script", "fail", path, "bundled package %s: "
			    "package.json is not valid JSON: %s (line %d); its install scripts "
			    "cannot be checked", rel, jerr.text, jerr.line);
		else if (!v->is_previous)
			ns_finding(v, "install.script", "fail", path, "bundled package %s: "
			    "package.json is not a JSON object; its install scripts cannot be "
			    "checked", rel);
		json_decref(m);
		return;
	}
	if ((rec = folder_record(v, b->folder)) == NULL ||
	    (!ns_gyp_runs(m) && set_flag(v, b->folder, BUNDLED_NO_GYP_RUN) != 0)) {
		ns_finding(v, "install.script", "fail", path, "out of memory reading bundled "
		    "package %s", rel);
		json_decref(m);
		return;
	}
	/* what its bins are read from after the walk (integrity_bin_deps.c) */
	if (!v->is_previous && json_object_set_new(rec, "bin_manifest", json_pack("{s:O?,s:O?,s:O?}",
	    "name", json_object_get(m, "name"), "bin", json_object_get(m, "bin"),
	    "directories", json_object_get(m, "directories"))) != 0)
		ns_finding(v, "bin.shadow", "fail", path, "out of memory reading bundled "
		    "package %s", rel);
	scripts = json_object_get(rec, "scripts");
	for (i = 0; i < sizeof(dep_install_scripts) / sizeof(dep_install_scripts[0]); i++) {
		const char *cmd = ns_install_command(m, dep_install_scripts[i]);

		if (cmd != NULL && json_object_set_new(scripts, dep_install_scripts[i],
		    ns_json_bytes(cmd)) != 0)
			ns_finding(v, "install.script", "fail", path, "out of memory reading "
			    "bundled package %s", rel);
	}
	json_decref(m);
}

void
ns_bundled_end(struct ns_vctx *v, struct ns_bundled_pj *b, const char *path, int complete)
{
	if (b == NULL)
		return;
	/* an entry cut short already failed (tar.truncated, entry.type or the reader) */
	if (complete)
		read_manifest(v, b, path);
	free(b->buf);
	free(b->folder);
	free(b);
}

static const char *
script_of(const json_t *rec, const char *name)
{
	return json_string_value(json_object_get(json_object_get(rec, "scripts"), name));
}

void
ns_check_bundled(struct ns_vctx *v, const struct ns_vctx *prev)
{
	const char *folder;
	json_t *rec;

	/* on an aborted walk a later package.json may be unread: no half-seen verdicts */
	if (v->is_previous || v->aborted)
		return;
	json_object_foreach(v->bundled, folder, rec) {
		json_int_t f = json_integer_value(json_object_get(rec, "flags"));
		const json_t *old = prev != NULL ? json_object_get(prev->bundled, folder) : NULL;
		json_int_t of = json_integer_value(json_object_get(old, "flags"));
		size_t i, n = strlen(folder) + sizeof("/package.json");
		char *path = malloc(n);

		if (path == NULL) {
			ns_finding(v, "install.script", "fail", folder, "out of memory");
			continue;
		}
		snprintf(path, n, "%s/package.json", folder);
		for (i = 0; i < sizeof(dep_install_scripts) / sizeof(dep_install_scripts[0]); i++) {
			const char *cmd = script_of(rec, dep_install_scripts[i]);
			const char *was = script_of(old, dep_install_scripts[i]);

			if (cmd == NULL)
				continue;
			ns_judge_install(v, "install.script", path, folder + 8, dep_install_scripts[i],
			    cmd, prev == NULL ? NS_INSTALL_NO_PREVIOUS : was == NULL ? NS_INSTALL_NEW :
			    strcmp(was, cmd) == 0 ? NS_INSTALL_UNCHANGED : NS_INSTALL_CHANGED,
			    was != NULL && strcmp(was, cmd) != 0 ? was : NULL);
		}
		/* npm runs node-gyp rebuild unless the package.json says otherwise (or
		 * cannot be read: then the gyp file counts, fail closed) */
		if ((f & BUNDLED_GYP) && !(f & BUNDLED_NO_GYP_RUN)) {
			int had = (of & BUNDLED_GYP) && !(of & BUNDLED_NO_GYP_RUN);

			snprintf(path, n, "%s/binding.gyp", folder);
			ns_judge_install(v, "install.binding-gyp", path, folder + 8, "install",
			    "node-gyp rebuild (binding.gyp)", prev == NULL ? NS_INSTALL_NO_PREVIOUS :
			    had ? NS_INSTALL_UNCHANGED : NS_INSTALL_NEW, NULL);
		}
		free(path);
	}
}
