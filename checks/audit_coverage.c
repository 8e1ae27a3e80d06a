/* Lockfile coverage of the root's declared dependencies (see audit_int.h).
 *
 * The audit reads the tree from a lockfile, but npm installs what package.json
 * asks for: a dependency the lockfile omits, locks under another package's
 * name, or locks at a version outside the declared range is resolved afresh
 * by npm and so was never audited. Each such dependency is reported as not
 * audited, which fails the audit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "lockfile.h"
#include "semver.h"

#define MAX_NAME 214

/* The node npm would use for the root's dependency key, or NULL. */
static const struct ns_lock_node *
root_child(const struct ns_lock *lock, const char *key)
{
	size_t i;

	for (i = 0; i < lock->n; i++) {
		const char *loc = lock->nodes[i].location;

		if (strncmp(loc, "node_modules/", 13) == 0 && strcmp(loc + 13, key) == 0)
			return &lock->nodes[i];
	}
	return NULL;
}

static const struct ns_lock_node *
node_at(const struct ns_lock *lock, const char *location)
{
	size_t i;

	for (i = 0; i < lock->n; i++)
		if (strcmp(lock->nodes[i].location, location) == 0)
			return &lock->nodes[i];
	return NULL;
}

/* Splits "NAME@rest" (NAME may be "@scope/x") into name and rest; -1 if malformed. */
static int
split_name_at(const char *s, char *name, size_t cap, const char **rest)
{
	const char *at = s[0] != '\0' ? strchr(s + 1, '@') : NULL;
	size_t n = at != NULL ? (size_t)(at - s) : strlen(s);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	*rest = at != NULL ? at + 1 : "";
	return 0;
}

/* One declared dependency against the lockfile: NULL when covered, else the
 * reason (written into why). */
static const char *
uncovered(const struct ns_lock *lock, const char *key, const char *spec, const char *source,
          char *why, size_t whylen)
{
	const struct ns_lock_node *n = root_child(lock, key), *t;
	char want[MAX_NAME + 1], locked_name[MAX_NAME + 1];
	const char *range = spec, *version, *name;
	struct ns_semver_range *r;
	struct ns_semver v;
	int registry = 1, ok;

	if (n == NULL) {
		snprintf(why, whylen, "%s does not lock it", source);
		return why;
	}
	if (strncmp(spec, "npm:", 4) == 0) {
		if (split_name_at(spec + 4, want, sizeof(want), &range) < 0) {
			snprintf(why, whylen, "package.json alias spec is malformed");
			return why;
		}
	} else {
		snprintf(want, sizeof(want), "%s", key);
		/* git, file:, link:, URL, workspace: and path specs: presence only */
		registry = strchr(spec, ':') == NULL && strchr(spec, '/') == NULL;
	}
	if (!registry)
		return NULL;
	t = n;
	if (n->link) {
		/* a workspace link: its target carries the version; no alias can link */
		if ((t = node_at(lock, n->link_target)) == NULL) {
			snprintf(why, whylen, "%s links it to a missing location", source);
			return why;
		}
		if (t->version == NULL)
			return NULL;
		snprintf(locked_name, sizeof(locked_name), "%s", want);
		version = t->version;
	} else {
		version = n->version;
		/* an alias's real name: "name" in v2/v3, from "npm:NAME@VERSION" in v1 */
		snprintf(locked_name, sizeof(locked_name), "%s", n->name ? n->name : key);
	}
	name = locked_name;
	if (strcmp(name, want) != 0) {
		snprintf(why, whylen, "locked as %.100s, package.json asks for %.100s", name, want);
		return why;
	}
	if (version == NULL) {
		snprintf(why, whylen, "%s locks it without a version", source);
		return why;
	}
	/* npm (arborist's depValid) accepts any version for "*", checks ranges
	 * loosely, and leaves dist-tags (not ranges) to the registry */
	if ((r = ns_semver_range_parse(range, NS_SEMVER_LOOSE)) == NULL)
		return NULL;
	ok = ns_semver_range_text(r)[0] == '\0' ||
	    (ns_semver_parse(&v, version, NS_SEMVER_LOOSE) == 0 && ns_semver_range_test(r, &v));
	ns_semver_range_free(r);
	if (ok)
		return NULL;
	snprintf(why, whylen, "locked %.64s does not satisfy %.128s", version, range);
	return why;
}

int
ns_audit_lock_coverage(const char *pkgjson, size_t len, const struct ns_lock *lock,
                       const char *source, json_t *not_audited, struct ns_err *err)
{
	static const char *const kinds[] = { "optionalDependencies", "dependencies",
	    "peerDependencies" };
	json_t *pj = json_loadb(pkgjson, len, JSON_REJECT_DUPLICATES, NULL), *seen;
	const json_t *meta;
	size_t i;

	if (!json_is_object(pj)) {
		json_decref(pj);
		return ns_fail(err, "package.json is not a JSON object");
	}
	if (strcmp(source, "lockfile") == 0)
		source = "the lockfile";
	seen = json_object();
	meta = json_object_get(pj, "peerDependenciesMeta");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const json_t *deps = json_object_get(pj, kinds[i]);
		const char *key;
		json_t *spec;
		char why[400];

		if (deps != NULL && !json_is_object(deps)) {
			json_decref(pj);
			json_decref(seen);
			return ns_fail(err, "package.json \"%s\" is not an object", kinds[i]);
		}
		json_object_foreach((json_t *)deps, key, spec) {
			const char *s = json_is_string(spec) ? json_string_value(spec) : NULL;
			const char *reason;

			/* npm lets optionalDependencies override dependencies, and a
			 * regular dependency override a peer of the same name */
			if (json_object_get(seen, key) != NULL)
				continue;
			json_object_set_new(seen, key, json_true());
			if (i == 2 && json_is_true(json_object_get(json_object_get(meta, key),
			    "optional")))
				continue; /* an optional peer is not installed */
			if (s == NULL)
				reason = "package.json spec is not a string";
			else
				reason = uncovered(lock, key, s, source, why, sizeof(why));
			if (reason != NULL)
				json_array_append_new(not_audited, json_pack("{s:s,s:s,s:s,s:s}",
				    "package", key, "range", s ? s : "?", "kind", kinds[i],
				    "reason", reason));
		}
	}
	json_decref(pj);
	json_decref(seen);
	return 0;
}
