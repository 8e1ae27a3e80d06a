/* package.json checks (name, version, expectations, private, install-time code) and the
 * approver's diff against the previous version. */
#include "config.h"

#include <string.h>

#include "integrity_bin.h"
#include "integrity_int.h"
#include "npm_name.h"
#include "sanitize.h"

/* Lifecycle scripts npm runs when it installs a package from a registry (prepare only
 * for git, folder and link installs; never for what the registry serves). */
static const char *const install_scripts[] = { "preinstall", "install", "postinstall" };

/* What the report keeps of one command: bounded, the length says when it was cut. */
#define INSTALL_COMMAND_MAX 2000

static json_t *
parse_manifest(struct ns_vctx *v)
{
	const unsigned char *p = v->manifest;
	size_t n = v->manifest_len;
	json_error_t jerr;
	json_t *m;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { /* BOM, as npm strips */
		p += 3;
		n -= 3;
	}
	/* duplicate keys: JSON.parse keeps the last, other readers the first */
	m = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL) {
		ns_finding(v, "manifest.json", "fail", "package/package.json",
		    "package.json is not valid JSON: %s (line %d)", jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(m)) {
		ns_finding(v, "manifest.json", "fail", "package/package.json",
		    "package.json is not a JSON object");
		json_decref(m);
		return NULL;
	}
	return m;
}

const char *
ns_install_command(const json_t *m, const char *name)
{
	const json_t *scripts = json_object_get(m, "scripts"), *s;

	if (!json_is_object(scripts) || (s = json_object_get(scripts, name)) == NULL)
		return NULL;
	if (json_is_string(s))
		return json_string_length(s) > 0 ? json_string_value(s) : NULL;
	/* JavaScript truthiness: npm's `if (scripts.install)` sees these */
	if (json_is_true(s) || json_is_object(s) || json_is_array(s) ||
	    (json_is_number(s) && json_number_value(s) != 0))
		return "(not a string)";
	return NULL;
}

int
ns_gyp_runs(const json_t *m)
{
	return ns_install_command(m, "install") == NULL &&
	    ns_install_command(m, "preinstall") == NULL &&
	    !json_is_false(json_object_get(m, "gypfile"));
}

static json_t *
bounded_command(const char *cmd)
{
	char buf[INSTALL_COMMAND_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", cmd);
	return ns_json_bytes(buf);
}

static const char *const change_text[] = {
	[NS_INSTALL_NO_PREVIOUS] = "no previous version to compare with",
	[NS_INSTALL_UNCHANGED] = "unchanged since the previous version",
	[NS_INSTALL_NEW] = "new in this version",
	[NS_INSTALL_CHANGED] = "changed since the previous version",
};

/* The approver's summary quotes a new or changed command (or one with no previous
 * version) as "pkg: cmd", bounded by NS_INSTALL_QUOTE_MAX bytes before and after
 * escaping; one that does not fit would be cut, and what follows the cut (red team: 30
 * dull --define options, then "; payload") would be approved unread. Fails whatever
 * the install-scripts policy: nobody can approve what they were not shown. */
static void
check_quoted_whole(struct ns_vctx *v, const char *path, const char *pkg,
    const char *script, const char *cmd)
{
	size_t raw = (pkg != NULL ? strlen(pkg) + 2 : 0) + strlen(cmd), shown = 0;
	char text[NS_INSTALL_QUOTE_MAX + 1], quoted[48] = "";

	if (raw <= NS_INSTALL_QUOTE_MAX) {
		size_t o = 0;

		if (pkg != NULL) { /* the summary's "pkg: cmd", raw fits text */
			memcpy(text, pkg, strlen(pkg));
			o = strlen(pkg);
			memcpy(text + o, ": ", 2);
			o += 2;
		}
		memcpy(text + o, cmd, strlen(cmd) + 1);
		shown = ns_sanitized_len(text);
		if (shown <= NS_INSTALL_QUOTE_MAX)
			return;
		snprintf(quoted, sizeof(quoted), " %zu once escaped,", shown);
	}
	ns_finding(v, "install.length", "fail", path, "%s%s%sinstall-time script '%s' is "
	    "%zu bytes,%s longer than the %d bytes the approver's summary quotes whole: a new "
	    "or changed install-time script the approver cannot read whole cannot be approved",
	    pkg != NULL ? "bundled package " : "", pkg != NULL ? pkg : "",
	    pkg != NULL ? ": " : "", script, strlen(cmd), quoted, NS_INSTALL_QUOTE_MAX);
}

/* The rule: a command present is a warning (a failure when the scope denies install
 * scripts); one that is new or changed relative to the previous version is also an
 * install.new failure (a warning when the scope allows install scripts), so the
 * approver never passes code that runs at install without seeing it. A bundled
 * package without a previous version to compare with counts as new: the approver's
 * diff never shows bundled code. */
void
ns_judge_install(struct ns_vctx *v, const char *id, const char *path, const char *pkg,
    const char *script, const char *cmd, enum ns_install_change change, const char *old)
{
	int policy = v->o->install_scripts;
	int is_new = change == NS_INSTALL_NEW || change == NS_INSTALL_CHANGED ||
	    (pkg != NULL && change == NS_INSTALL_NO_PREVIOUS);
	const char *label = pkg != NULL ? "bundled package " : "";
	json_t *rec;

	ns_finding(v, id, policy == NS_INSTALL_SCRIPTS_DENY ? "fail" : "warn", path,
	    "%s%s%sinstall-time script '%s': %s (%s)", label, pkg != NULL ? pkg : "",
	    pkg != NULL ? ": " : "", script, cmd, change_text[change]);
	if (is_new)
		ns_finding(v, "install.new", policy == NS_INSTALL_SCRIPTS_ALLOW ? "warn" : "fail",
		    path, "%s%s%sinstall-time script '%s' is %s: %s%s%s%s", label,
		    pkg != NULL ? pkg : "", pkg != NULL ? ": " : "", script,
		    change == NS_INSTALL_CHANGED ? "changed" : "new", cmd,
		    old != NULL ? " (was: " : "", old != NULL ? old : "", old != NULL ? ")" : "");
	if (change != NS_INSTALL_UNCHANGED)
		check_quoted_whole(v, path, pkg, script, cmd);
	/* the summary quotes NS_INSTALL_SHOWN_MAX of them; one more would only be
	 * counted there, and approved unread */
	if (change != NS_INSTALL_UNCHANGED && ++v->install_quoted == NS_INSTALL_SHOWN_MAX + 1)
		ns_finding(v, "install.count", "fail", path, "more than %d new or changed "
		    "install-time scripts (here %s%s%s'%s'): the approver's summary quotes %d "
		    "whole, and nobody can approve what they were not shown", NS_INSTALL_SHOWN_MAX,
		    pkg != NULL ? "bundled package " : "", pkg != NULL ? pkg : "",
		    pkg != NULL ? ": " : "", script, NS_INSTALL_SHOWN_MAX);
	rec = json_pack("{s:s,s:s,s:o,s:I,s:s}", "package", pkg != NULL ? pkg : "",
	    "script", script, "command", bounded_command(cmd), "length", (json_int_t)strlen(cmd),
	    "change", is_new && change == NS_INSTALL_NO_PREVIOUS ? "new" :
	    change == NS_INSTALL_NO_PREVIOUS ? "no previous" : change == NS_INSTALL_UNCHANGED ?
	    "unchanged" : change == NS_INSTALL_NEW ? "new" : "changed");
	if (rec == NULL || json_array_append_new(v->install, rec) != 0)
		ns_finding(v, id, "fail", path, "out of memory recording an install-time script");
}

static enum ns_install_change
compare(const char *cur, const char *old, int have_prev)
{
	if (!have_prev)
		return NS_INSTALL_NO_PREVIOUS;
	if (old == NULL)
		return NS_INSTALL_NEW;
	return strcmp(cur, old) == 0 ? NS_INSTALL_UNCHANGED : NS_INSTALL_CHANGED;
}

static void
check_install_code(struct ns_vctx *v, const struct ns_vctx *prev)
{
	const json_t *m = v->manifest_json, *pm = prev != NULL ? prev->manifest_json : NULL;
	int have_prev = pm != NULL;
	size_t i;

	for (i = 0; i < sizeof(install_scripts) / sizeof(install_scripts[0]); i++) {
		const char *name = install_scripts[i], *cmd = ns_install_command(m, name), *old;
		enum ns_install_change ch;

		if (cmd == NULL)
			continue;
		old = have_prev ? ns_install_command(pm, name) : NULL;
		ch = compare(cmd, old, have_prev);
		ns_judge_install(v, "install.script", "package/package.json", NULL, name, cmd, ch,
		    ch == NS_INSTALL_CHANGED ? old : NULL);
	}
	if (v->binding_gyp && ns_gyp_runs(m))
		ns_judge_install(v, "install.binding-gyp", "package/binding.gyp", NULL, "install",
		    "node-gyp rebuild (binding.gyp)", compare("", have_prev && prev->binding_gyp &&
		    ns_gyp_runs(pm) ? "" : NULL, have_prev), NULL);
}

/* A string field held to a rule (npm name, strict version). */
static void
check_field(struct ns_vctx *v, const char *key, const char *id,
    int (*valid)(const char *, const char **))
{
	const json_t *val = json_object_get(v->manifest_json, key);
	const char *why;

	if (!json_is_string(val))
		ns_finding(v, id, "fail", "package/package.json", "package.json has no %s string",
		    key);
	else if (!valid(json_string_value(val), &why))
		ns_finding(v, id, "fail", "package/package.json", "invalid %s \"%s\": %s", key,
		    json_string_value(val), why);
}

/* The registry keeps old names that new packages may no longer take (buffer, punycode,
 * JSONStream): a warning, as validate-npm-package-name says; its errors fail. */
static void
check_name(struct ns_vctx *v)
{
	const json_t *val = json_object_get(v->manifest_json, "name");
	const char *why = NULL;
	enum ns_npm_name_verdict verdict;

	if (!json_is_string(val)) {
		ns_finding(v, "manifest.name", "fail", "package/package.json",
		    "package.json has no name string");
		return;
	}
	verdict = ns_npm_name_check(json_string_value(val), &why);
	if (verdict == NS_NAME_INVALID)
		ns_finding(v, "manifest.name", "fail", "package/package.json",
		    "invalid name \"%s\": %s", json_string_value(val), why);
	else if (verdict == NS_NAME_EXISTING_ONLY)
		ns_finding(v, "manifest.name", "warn", "package/package.json",
		    "name \"%s\" is valid only for a package that already exists: %s",
		    json_string_value(val), why);
}

static void
check_expected(struct ns_vctx *v, const char *key, const char *want)
{
	const json_t *val = json_object_get(v->manifest_json, key);

	if (want != NULL && (!json_is_string(val) || strcmp(json_string_value(val), want) != 0))
		ns_finding(v, "manifest.expected", "fail", "package/package.json",
		    "%s is \"%s\", expected \"%s\"", key, json_is_string(val) ?
		    json_string_value(val) : "", want);
}

void
ns_check_manifest(struct ns_vctx *v, const struct ns_vctx *prev)
{
	const struct ns_verify_opts *o = v->o;
	const json_t *priv, *dep;

	if (v->aborted)
		return;
	if (v->manifest_count == 0) {
		ns_finding(v, "manifest.present", "fail", NULL, "package.json is missing from the package folder");
		return;
	}
	if (v->manifest == NULL) /* too large, already reported */
		return;
	if ((v->manifest_json = parse_manifest(v)) == NULL)
		return;
	check_name(v);
	/* a previous version is compared, not released: build metadata is its past */
	check_field(v, "version", "manifest.version",
	    v->is_previous ? ns_strict_version_valid : ns_release_version_valid);
	if (v->is_previous)
		return;
	check_expected(v, "name", o->expect_name);
	check_expected(v, "version", o->expect_version);
	priv = json_object_get(v->manifest_json, "private");
	if (json_is_true(priv))
		ns_finding(v, "manifest.private", "fail", "package/package.json",
		    "package.json has \"private\": true");
	/* npm publish keeps a "deprecated" of package.json, and every install of the
	 * version then prints it: the approver sees it first (the report keeps it whole,
	 * the prompt shows it sanitised) */
	dep = json_object_get(v->manifest_json, "deprecated");
	if (dep != NULL)
		ns_finding(v, "manifest.deprecated", "warn", "package/package.json",
		    "package.json sets \"deprecated\" (every install of this version prints it): "
		    "%.200s", json_is_string(dep) ? json_string_value(dep) : "(not a string)");
	/* npm publish keeps a gitHead of package.json (it adds its own only when there
	 * is none): the version document then names that commit, which nothing here
	 * verified; npm pack never writes one, so the approver is told (red team) */
	dep = json_object_get(v->manifest_json, "gitHead");
	if (dep != NULL)
		ns_finding(v, "manifest.githead", "warn", "package/package.json",
		    "package.json sets \"gitHead\" (the version document will claim this commit, "
		    "unverified): %.100s", json_is_string(dep) ? json_string_value(dep) : "(not a string)");
	check_install_code(v, prev);
	ns_check_bins(v, prev);
}

/* {added:{k:v}, removed:{k:v}, changed:{k:{from,to}}} between two objects. */
static json_t *
object_diff(const json_t *old, const json_t *cur)
{
	json_t *added = json_object(), *removed = json_object(), *changed = json_object();
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)cur, k, val) {
		json_t *o = json_object_get(old, k);

		if (o == NULL)
			json_object_set(added, k, val);
		else if (!json_equal(o, val))
			json_object_set_new(changed, k, json_pack("{s:O,s:O}", "from", o, "to", val));
	}
	json_object_foreach((json_t *)old, k, val)
		if (json_object_get(cur, k) == NULL)
			json_object_set(removed, k, val);
	return json_pack("{s:o,s:o,s:o}", "added", added, "removed", removed, "changed", changed);
}

static json_t *
object_or_empty(const json_t *m, const char *key)
{
	json_t *v = json_object_get(m, key);

	return json_is_object(v) ? json_incref(v) : json_object();
}

/* bin: the links npm creates (names and targets as npm normalises them), so that the
 * diff names what dependents get on their PATH, not how the manifest spells it. */
static json_t *
bin_map(const struct ns_vctx *v)
{
	json_t *links = ns_bin_links(v->manifest_json, v->files, NULL);

	return links != NULL ? links : json_object();
}

static json_t *
manifest_field_diff(const json_t *old, const json_t *cur, const char *key)
{
	json_t *a = object_or_empty(old, key), *b = object_or_empty(cur, key);
	json_t *d = object_diff(a, b);

	json_decref(a);
	json_decref(b);
	return d;
}

static json_t *
field_or_null(const json_t *m, const char *key)
{
	json_t *v = json_object_get(m, key);

	return v != NULL ? json_incref(v) : json_null();
}

json_t *
ns_diff_versions(const struct ns_vctx *prev, const struct ns_vctx *cur)
{
	static const char *const dep_fields[] = { "dependencies", "optionalDependencies",
		"peerDependencies" };
	json_t *added = json_array(), *removed = json_array(), *changed = json_array();
	json_t *deps = json_object(), *d, *pm = prev->manifest_json, *cm = cur->manifest_json;
	json_t *ob, *cb, *val;
	const char *k;
	size_t i;

	json_object_foreach(cur->files, k, val) {
		json_t *o = json_object_get(prev->files, k);

		if (o == NULL)
			json_array_append_new(added, json_string(k + 8));
		else if (!json_equal(json_object_get(o, "sha256"), json_object_get(val, "sha256")))
			json_array_append_new(changed, json_string(k + 8));
	}
	json_object_foreach(prev->files, k, val)
		if (json_object_get(cur->files, k) == NULL)
			json_array_append_new(removed, json_string(k + 8));
	for (i = 0; i < sizeof(dep_fields) / sizeof(dep_fields[0]); i++)
		json_object_set_new(deps, dep_fields[i], manifest_field_diff(pm, cm, dep_fields[i]));
	ob = bin_map(prev);
	cb = bin_map(cur);
	d = json_pack("{s:{s:o,s:o},s:{s:o,s:o,s:o},s:o,s:o,s:o}",
	    "previous", "name", field_or_null(pm, "name"), "version", field_or_null(pm, "version"),
	    "files", "added", added, "removed", removed, "changed", changed,
	    "dependencies", deps,
	    "scripts", manifest_field_diff(pm, cm, "scripts"),
	    "bin", object_diff(ob, cb));
	json_decref(ob);
	json_decref(cb);
	return d;
}
