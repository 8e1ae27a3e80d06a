/* The bins npm links for a package, read as npm reads them, and the rule on bin names
 * that shadow a system command.
 *
 * Why it matters: npm links every dependency's bins into node_modules/.bin and puts
 * each node_modules/.bin from the package folder up to the root first on PATH for
 * lifecycle scripts (@npmcli/run-script set-path.js). A dependency's bin named "node"
 * then runs instead of node wherever a dependent's script, or a "#!/usr/bin/env node"
 * bin it calls, names it. npm itself accepts such bins, and one real package does it
 * on purpose (the package "node" links the bin "node"), so the rule is:
 *   - every bin that shadows a command of the table below is a warning (bin.shadow)
 *     naming the bin and the command, so the approver sees it on its own line;
 *   - it fails when the package is not that command's own (its name is not the
 *     command, nor one of the packages the table names for it, e.g. npm for npx),
 *     unless the previous version already linked the same bin: a stranger taking over
 *     "sh" is the attack; a package keeping the bin it always had is its author's
 *     business and stays a warning.
 * The bins linked into the package's own node_modules/.bin (its bundled packages' and
 * those its npm-shrinkwrap.json declares) are first on PATH for its own install
 * scripts: integrity_bin_deps.c judges them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "integrity_bin.h"
#include "integrity_path.h"
#include "integrity_int.h"

/* Commands a dependency's bin must not take over. Only programs looked up on PATH (a
 * shell builtin such as echo or test never is), that npm scripts, bin shebangs
 * (#!/usr/bin/env node) and build tools commonly run, and whose replacement runs with
 * the developer's or the CI's rights: the shells, Node.js and its package managers
 * (owners: the packages that legitimately ship them), privilege and remote-access
 * tools, version control and download tools, the build toolchain, other
 * interpreters, and the coreutils a script uses to move files. Keep it short: every
 * entry is a warning on the package that ships it, defended to its author. */
static const struct shadowed {
	const char *command;
	const char *owners; /* other unscoped package names that ship it, space separated */
} shadowed[] = {
	/* shells: scripts and tools call sh -c / bash explicitly */
	{ "sh", "" }, { "bash", "" }, { "dash", "" }, { "zsh", "" }, { "ksh", "" },
	{ "csh", "" }, { "tcsh", "" }, { "fish", "" },
	/* Node.js and its package managers: every "#!/usr/bin/env node" bin goes via PATH */
	{ "node", "" }, { "nodejs", "" }, { "npm", "" }, { "npx", "npm" },
	{ "corepack", "" }, { "yarn", "corepack" }, { "yarnpkg", "yarn corepack" },
	{ "pnpm", "corepack" }, { "pnpx", "pnpm corepack" },
	/* npm runs node-gyp rebuild for a binding.gyp; its own copy comes after .bin */
	{ "node-gyp", "" },
	/* privilege, remote access, version control, downloads, archives */
	{ "env", "" }, { "sudo", "" }, { "su", "" }, { "doas", "" }, { "ssh", "" },
	{ "scp", "" }, { "sftp", "" }, { "rsync", "" }, { "git", "" }, { "curl", "" },
	{ "wget", "" }, { "tar", "" }, { "gzip", "" }, { "gunzip", "" }, { "unzip", "" },
	/* build toolchain and interpreters */
	{ "make", "" }, { "cc", "" }, { "gcc", "" }, { "g++", "" }, { "c++", "" },
	{ "clang", "" }, { "ld", "" }, { "python", "" }, { "python3", "" }, { "perl", "" },
	{ "ruby", "" }, { "gpg", "" },
	/* coreutils and friends that scripts run through PATH */
	{ "ls", "" }, { "cp", "" }, { "mv", "" }, { "rm", "" }, { "cat", "" },
	{ "chmod", "" }, { "chown", "" }, { "ln", "" }, { "mkdir", "" }, { "install", "" },
	{ "find", "" }, { "xargs", "" }, { "sed", "" }, { "awk", "" }, { "grep", "" },
	{ "which", "" }, { "touch", "" }, { "head", "" }, { "tail", "" }, { "uname", "" },
	{ "date", "" }, { "sort", "" }, { "tr", "" }, { "cut", "" }, { "wc", "" },
	{ "tee", "" }, { "dirname", "" }, { "basename", "" }, { "realpath", "" },
	{ "readlink", "" }, { "mktemp", "" }, { "id", "" }, { "whoami", "" },
	{ "sleep", "" }, { "kill", "" }, { "ps", "" }, { "flock", "" }, { "ar", "" },
	{ "strip", "" }, { "pkg-config", "" }, { "cmake", "" }, { "ninja", "" },
	/* what install scripts of native packages run through PATH */
	{ "prebuild-install", "" }, { "node-gyp-build", "" },
};

/* On macOS and Windows the usual file systems ignore ASCII case, and Windows finds
 * "node" as node.cmd, node.exe ... through PATHEXT: compare what a lookup would hit. */
static const char *const win_exts[] = { ".exe", ".cmd", ".bat", ".com", ".ps1" };

const char *
ns_bin_shadowed_command(const char *name)
{
	/* as a case-insensitive file system compares it: ASCII case, and the non-ASCII
	 * letters whose case pair is ASCII (red team: "\u017fh" passed as not "sh") */
	char *link = ns_path_canonical(name, 1);
	const char *found = NULL;
	size_t i, j, n, cl;

	if (link == NULL)
		return "(out of memory)"; /* fail closed: judged as shadowing */
	n = strlen(link);

	for (i = 0; i < sizeof(shadowed) / sizeof(shadowed[0]) && found == NULL; i++) {
		cl = strlen(shadowed[i].command);
		if (n < cl || strncasecmp(link, shadowed[i].command, cl) != 0)
			continue;
		if (n == cl)
			found = shadowed[i].command;
		for (j = 0; j < sizeof(win_exts) / sizeof(win_exts[0]) && found == NULL; j++)
			if (strcasecmp(link + cl, win_exts[j]) == 0)
				found = shadowed[i].command;
	}
	free(link);
	return found;
}

int
ns_bin_command_owner(const char *command, const char *package)
{
	size_t i, pl;
	const char *o;

	if (package == NULL)
		return 0;
	if (strcmp(package, command) == 0)
		return 1;
	pl = strlen(package);
	for (i = 0; i < sizeof(shadowed) / sizeof(shadowed[0]); i++) {
		if (strcmp(shadowed[i].command, command) != 0)
			continue;
		for (o = shadowed[i].owners; *o != '\0'; o += strcspn(o, " ")) {
			o += strspn(o, " ");
			if (strncmp(o, package, pl) == 0 && (o[pl] == ' ' || o[pl] == '\0'))
				return 1;
		}
	}
	return 0;
}

/* Node's path.posix.join('/', ref) with \ and : first made separators, as
 * @npmcli/package-json's secureAndUnixifyPath: "." and empty segments go, ".." pops
 * (never above the root); the result has no leading '/', and keeps a trailing one.
 * Returns a malloc'd string ("" when nothing is left), NULL on OOM. */
char *
ns_bin_secure_path(const char *ref)
{
	size_t n = strlen(ref), out = 0, seg, k;
	char *r = malloc(n + 1);
	const char *p = ref;
	int trailing = 0;

	if (r == NULL)
		return NULL;
	for (;;) {
		for (seg = 0; p[seg] != '\0' && p[seg] != '/' && p[seg] != '\\' && p[seg] != ':'; seg++)
			;
		if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (out > 0 && r[out - 1] != '/')
				out--;
			if (out > 0)
				out--; /* the separator before the popped segment */
		} else if (seg > 0 && !(seg == 1 && p[0] == '.')) {
			if (out > 0)
				r[out++] = '/';
			for (k = 0; k < seg; k++)
				r[out++] = p[k];
		}
		if (p[seg] == '\0')
			break;
		p += seg + 1;
		if (*p == '\0') {
			trailing = 1;
			break;
		}
	}
	/* path.normalize keeps one trailing separator, unless only the root is left */
	if (trailing && out > 0)
		r[out++] = '/';
	r[out] = '\0';
	return r;
}

/* The link name npm creates for a bin key: the last segment of the secured key, or
 * NULL when there is none ("", ".", "..", "a/.."). malloc'd; *oom set on OOM. */
static char *
link_name(const char *key, int *oom)
{
	char *s = ns_bin_secure_path(key), *slash, *name;
	size_t n;

	if (s == NULL) {
		*oom = 1;
		return NULL;
	}
	n = strlen(s);
	if (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	slash = strrchr(s, '/');
	name = n == 0 ? NULL : strdup(slash != NULL ? slash + 1 : s);
	if (n > 0 && name == NULL)
		*oom = 1;
	free(s);
	return name;
}

/* Node's path.posix.basename: the last segment, trailing slashes ignored. */
static char *
posix_basename(const char *p)
{
	size_t end = strlen(p), start;

	while (end > 0 && p[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && p[start - 1] != '/')
		start--;
	return strndup(p + start, end - start);
}

/* One entry: key as the manifest spells it, target its value. Adds name -> target to
 * links, and {key, link|null} to renamed when npm changes or drops the key. */
static int
add_link(json_t *links, json_t *renamed, const char *key, const json_t *target)
{
	int oom = 0, rc = 0;
	char *name = json_is_string(target) ? link_name(key, &oom) : NULL;
	char *t = name != NULL ? ns_bin_secure_path(json_string_value(target)) : NULL;

	if (oom || (name != NULL && t == NULL)) {
		rc = -1;
	} else if (name == NULL || t[0] == '\0') {
		if (renamed != NULL)
			rc = json_array_append_new(renamed, json_pack("{s:s,s:n}", "key", key, "link"));
	} else {
		if (renamed != NULL && strcmp(name, key) != 0)
			rc = json_array_append_new(renamed, json_pack("{s:s,s:s}", "key", key,
			    "link", name));
		if (rc == 0)
			rc = json_object_set_new(links, name, json_string(t));
	}
	free(name);
	free(t);
	return rc;
}

static const char *
next_segment(const char *seg)
{
	const char *slash = strchr(seg, '/');

	return slash != NULL ? slash + 1 : NULL;
}

/* "directories": {"bin": DIR} with no bin: @npmcli/package-json (binDir, used when
 * npm reads an installed package from disk) links every path under DIR that glob('**')
 * finds, files and the folders between, none with a segment starting with '.', each
 * under its basename. files: canonical tarball paths ("package/...") -> info; folder:
 * the package's folder among them ("package", "package/node_modules/a"). */
static int
add_bin_dir(json_t *links, const char *dir, const json_t *files, const char *folder)
{
	char *secured = ns_bin_secure_path(dir), *prefix;
	size_t pl;
	const char *path;
	json_t *val;
	int rc = 0;

	if (secured == NULL)
		return -1;
	pl = strlen(secured);
	if (pl > 0 && secured[pl - 1] == '/')
		secured[--pl] = '\0';
	if (asprintf(&prefix, "%s/%s%s", folder, secured, pl > 0 ? "/" : "") < 0) {
		free(secured);
		return -1;
	}
	pl = strlen(prefix);
	json_object_foreach((json_t *)files, path, val) {
		const char *rel = path + pl, *seg;

		if (strncmp(path, prefix, pl) != 0 || rel[0] == '\0')
			continue;
		for (seg = rel; seg != NULL; seg = next_segment(seg))
			if (seg[0] == '.')
				break;
		if (seg != NULL) /* glob's default: no dot files, no dot folders */
			continue;
		/* the file and each folder on the way to it */
		for (seg = rel; seg != NULL && rc == 0; seg = next_segment(seg)) {
			const char *end = strchr(seg, '/');
			size_t upto = end != NULL ? (size_t)(end - rel) : strlen(rel);
			char *target, *name = strndup(seg, end != NULL ? (size_t)(end - seg) : strlen(seg));

			if (name == NULL || asprintf(&target, "%s%.*s", prefix + strlen(folder) + 1,
			    (int)upto, rel) < 0) {
				free(name);
				rc = -1;
				break;
			}
			rc = json_object_set_new(links, name, json_string(target));
			free(name);
			free(target);
		}
		if (rc != 0)
			break;
	}
	free(prefix);
	free(secured);
	return rc;
}

json_t *
ns_bin_links(const json_t *m, const json_t *files, json_t *renamed)
{
	return ns_bin_links_under(m, files, "package", renamed);
}

json_t *
ns_bin_links_under(const json_t *m, const json_t *files, const char *folder, json_t *renamed)
{
	const json_t *bin = json_object_get(m, "bin"), *name = json_object_get(m, "name"), *val;
	const json_t *dirs = json_object_get(m, "directories");
	json_t *links = json_object();
	const char *k;
	size_t i;
	int rc = 0;

	if (links == NULL)
		return NULL;
	/* JavaScript truthiness of pkg.bin decides between bin and directories.bin */
	if (bin == NULL || json_is_null(bin) || json_is_false(bin) ||
	    (json_is_string(bin) && json_string_length(bin) == 0) ||
	    (json_is_number(bin) && json_number_value(bin) == 0)) {
		if (json_is_string(json_object_get(dirs, "bin")) &&
		    json_string_length(json_object_get(dirs, "bin")) > 0 && files != NULL)
			rc = add_bin_dir(links, json_string_value(json_object_get(dirs, "bin")), files,
			    folder);
	} else if (json_is_string(bin)) {
		/* { [pkg.name]: bin }: a scoped name links under its last segment */
		if (json_is_string(name) && json_string_length(name) > 0)
			rc = add_link(links, NULL, json_string_value(name), bin);
	} else if (json_is_array(bin)) {
		/* { [basename(k)]: k } first, then the object rules */
		json_array_foreach(bin, i, val) {
			char *base;

			if (!json_is_string(val))
				continue; /* path.basename throws: npm cannot read the package */
			if ((base = posix_basename(json_string_value(val))) == NULL) {
				rc = -1;
				break;
			}
			rc = add_link(links, NULL, base, val);
			free(base);
			if (rc != 0)
				break;
		}
	} else if (json_is_object(bin)) {
		/* two keys with one link name: the later wins, as in npm (which iterates
		 * integer-like keys first; the set of names is the same either way) */
		json_object_foreach((json_t *)bin, k, val)
			if ((rc = add_link(links, renamed, k, val)) != 0)
				break;
	}
	if (rc != 0) {
		json_decref(links);
		return NULL;
	}
	return links;
}

void
ns_check_bins(struct ns_vctx *v, const struct ns_vctx *prev)
{
	const json_t *nm = json_object_get(v->manifest_json, "name"), *r, *val;
	const char *pkg = json_string_value(nm), *link, *cmd;
	json_t *renamed = json_array(), *links = NULL, *old = NULL;
	size_t i;

	if (renamed == NULL || (links = ns_bin_links(v->manifest_json, v->files, renamed)) == NULL ||
	    (prev != NULL && prev->manifest_json != NULL &&
	     (old = ns_bin_links(prev->manifest_json, prev->files, NULL)) == NULL)) {
		ns_finding(v, "bin.shadow", "fail", "package/package.json",
		    "out of memory reading the bins");
		goto out;
	}
	json_array_foreach(renamed, i, r) {
		if (json_is_string(json_object_get(r, "link")))
			ns_finding(v, "bin.name", "warn", "package/package.json",
			    "bin '%.100s' is linked by npm as '%.100s'",
			    json_string_value(json_object_get(r, "key")),
			    json_string_value(json_object_get(r, "link")));
		else
			ns_finding(v, "bin.name", "warn", "package/package.json",
			    "bin '%.100s' is not linked by npm (no name or no target once npm "
			    "normalises it)", json_string_value(json_object_get(r, "key")));
	}
	json_object_foreach(links, link, val) {
		int owner, kept;

		if ((cmd = ns_bin_shadowed_command(link)) == NULL)
			continue;
		owner = ns_bin_command_owner(cmd, pkg);
		kept = old != NULL && json_object_get(old, link) != NULL;
		ns_finding(v, "bin.shadow", owner || kept ? "warn" : "fail", "package/package.json",
		    "bin '%.100s' shadows the system command %s for every package that depends "
		    "on this one%s", link, cmd, owner ? "" : kept ?
		    " (linked by the previous version too)" : old != NULL ?
		    ": new since the previous version, and this package is not that command's" :
		    ": this package is not that command's, and there is no previous version "
		    "that linked it");
	}
	ns_check_dependency_bins(v);
out:
	json_decref(renamed);
	json_decref(links);
	json_decref(old);
}
