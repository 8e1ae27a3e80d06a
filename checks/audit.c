/* The audit: tree, advisory matching, policy, report (see audit.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advisory_index.h"
#include "audit.h"
#include "audit_int.h"
#include "lockfile.h"
#include "osv.h"
#include "semver.h"

#define MAX_PATHS 10

struct finding {
	char *package, *version, *advisory, *url, *range, *title, *source;
	int severity, malware;
	char *error;         /* advisory could not be evaluated: counted as affected */
	char *quirk;         /* affected under one reading of a quirk in the advisory data */
};

struct audit {
	const struct ns_audit_opts *o;
	struct ns_audit_node_ref *refs;   /* audited nodes (ns_audit_nodes_index) */
	size_t nrefs;
	struct ns_lock lock;
	int have_tree;
	struct finding *f;
	size_t nf, capf;
	struct ns_audit_exceptions ex;
	json_t *notes;
};

void
ns_audit_opts_init(struct ns_audit_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->level = NS_SEV_MODERATE;
	o->lockfile_fd = -1;
	o->now = (long long)time(NULL);
}

int
ns_audit_level_parse(const char *s)
{
	return ns_severity_parse(s);
}

int
ns_audit_exceptions_check(const char *path, struct ns_err *err)
{
	struct ns_audit_exceptions ex;

	if (ns_audit_exceptions_load(path, &ex, err) < 0)
		return -1;
	ns_audit_exceptions_free(&ex);
	return 0;
}

static void
finding_clear(struct finding *f)
{
	free(f->package);
	free(f->version);
	free(f->advisory);
	free(f->url);
	free(f->range);
	free(f->title);
	free(f->source);
	free(f->error);
	free(f->quirk);
}

static int
add_finding(struct audit *au, const char *pkg, const char *ver, const char *adv, int sev,
            int malware, const char *url, const char *range, const char *title,
            const char *source, const char *error, const char *quirk, struct ns_err *err)
{
	struct finding *f;
	size_t i;

	for (i = 0; i < au->nf; i++) {
		f = &au->f[i];
		if (strcmp(f->package, pkg) == 0 && strcmp(f->version, ver) == 0 &&
		    strcmp(f->advisory, adv) == 0) {
			/* the same advisory from two sources: keep the graver reading */
			if (sev > f->severity)
				f->severity = sev;
			f->malware |= malware;
			return 0;
		}
	}
	if (au->nf == au->capf) {
		size_t nc = au->capf ? au->capf * 2 : 16;
		struct finding *nf = realloc(au->f, nc * sizeof(*nf));

		if (nf == NULL)
			return ns_fail(err, "out of memory");
		au->f = nf;
		au->capf = nc;
	}
	f = &au->f[au->nf];
	memset(f, 0, sizeof(*f));
	f->package = strdup(pkg);
	f->version = strdup(ver);
	f->advisory = strdup(adv);
	f->url = strdup(url ? url : "");
	f->range = strdup(range ? range : "*");
	f->title = strdup(title ? title : "");
	f->source = strdup(source);
	f->error = error ? strdup(error) : NULL;
	f->quirk = quirk != NULL && quirk[0] != '\0' ? strdup(quirk) : NULL;
	f->severity = sev;
	f->malware = malware;
	if (f->package == NULL || f->version == NULL || f->advisory == NULL || f->url == NULL ||
	    f->range == NULL || f->title == NULL || f->source == NULL) {
		finding_clear(f);
		return ns_fail(err, "out of memory");
	}
	au->nf++;
	return 0;
}

static int
match_osv(struct audit *au, const json_t *installed, struct ns_err *err)
{
	struct ns_advdb *db = ns_advdb_open(au->o->advisory_dirs, err);
	const char *name;
	json_t *versions;
	int rc = -1;

	if (db == NULL)
		return -1;
	json_object_foreach((json_t *)installed, name, versions) {
		struct ns_advisory *adv;
		struct ns_semver one, *v = NULL;
		unsigned char *usable = NULL;
		size_t na, i, k, nv = json_array_size(versions);

		if (ns_advdb_lookup(db, name, &adv, &na, err) < 0)
			goto out;
		/* each installed version read once, not once per advisory */
		if (na > 0 && nv > 0 && ((v = nv == 1 ? &one : malloc(nv * sizeof(*v))) == NULL ||
		    (usable = calloc(nv, 1)) == NULL)) {
			if (v != &one)
				free(v);
			ns_advisory_free_array(adv, na);
			ns_fail(err, "out of memory");
			goto out;
		}
		for (k = 0; k < nv && na > 0; k++)
			usable[k] = ns_semver_parse(&v[k], json_string_value(json_array_get(versions,
			    k)), NS_SEMVER_LOOSE) == 0;
		for (i = 0; i < na; i++) {
			for (k = 0; k < nv; k++) {
				const char *ver = json_string_value(json_array_get(versions, k));
				struct ns_err e2;
				char quirk[512];
				int hit;

				if (!usable[k])
					continue; /* not a registry version (kept out of installed) */
				hit = ns_osv_affects_quirk(&adv[i], &v[k], quirk, sizeof(quirk), &e2);
				if (hit == 0)
					continue;
				if (add_finding(au, name, ver, adv[i].id, adv[i].severity,
				    adv[i].malware, adv[i].url, adv[i].range, adv[i].summary, "osv",
				    hit < 0 ? e2.msg : NULL, hit > 0 ? quirk : NULL, err) < 0) {
					if (v != &one)
						free(v);
					free(usable);
					ns_advisory_free_array(adv, na);
					goto out;
				}
			}
		}
		if (v != &one)
			free(v);
		free(usable);
		ns_advisory_free_array(adv, na);
	}
	/* after the lookups: a directory index found stale on the way says so */
	json_array_append_new(au->notes, json_pack("{s:s}", "advisories", ns_advdb_describe(db)));
	rc = 0;
out:
	ns_advdb_close(db);
	return rc;
}

/* The advisory id a bulk entry stands for: its GHSA id when the URL names one. */
static void
bulk_id(const json_t *a, char *out, size_t outlen)
{
	const char *url = json_string_value(json_object_get(a, "url"));
	const char *g = url ? strstr(url, "/advisories/GHSA-") : NULL;
	const json_t *id = json_object_get(a, "id");

	if (g != NULL && strlen(g + 12) < 64 && strchr(g + 12, '/') == NULL)
		snprintf(out, outlen, "%s", g + 12);
	else if (json_is_integer(id))
		snprintf(out, outlen, "npm-%lld", (long long)json_integer_value(id));
	else if (json_is_string(id) && strlen(json_string_value(id)) < 64)
		snprintf(out, outlen, "%s", json_string_value(id));
	else
		snprintf(out, outlen, "%s", "");
}

static int
match_bulk(struct audit *au, const json_t *installed, struct ns_err *err)
{
	json_t *resp = NULL;
	const char *name;
	json_t *list;
	int rc = -1;

	if (json_object_size(installed) == 0)
		return 0; /* nothing to ask about: npm sends no request either */
	if (ns_audit_bulk_fetch(au->o->bulk_url, installed, &resp, err) < 0)
		return -1;
	json_object_foreach(resp, name, list) {
		const json_t *versions = json_object_get(installed, name);
		size_t i, k;

		if (versions == NULL)
			continue; /* not asked about */
		if (!json_is_array(list)) {
			ns_fail(err, "audit endpoint: advisories of %.128s are not an array", name);
			goto out;
		}
		for (i = 0; i < json_array_size(list); i++) {
			const json_t *a = json_array_get(list, i);
			const char *sevs = json_string_value(json_object_get(a, "severity"));
			const char *vv = json_string_value(json_object_get(a, "vulnerable_versions"));
			const char *title = json_string_value(json_object_get(a, "title"));
			const char *url = json_string_value(json_object_get(a, "url"));
			char id[80];
			int sev, malware;

			if (!json_is_object(a)) {
				ns_fail(err, "audit endpoint: advisory %zu of %.128s is not an object",
				    i, name);
				goto out;
			}
			bulk_id(a, id, sizeof(id));
			if (id[0] == '\0') {
				ns_fail(err, "audit endpoint: advisory of %.128s without an id", name);
				goto out;
			}
			/* client defaults (PROTOCOLS §3.2): severity high, range "*" */
			sev = sevs ? ns_osv_severity_parse(sevs) : NS_SEV_HIGH;
			if (sev < 0)
				sev = NS_SEV_HIGH;
			if (vv == NULL)
				vv = "*";
			malware = title != NULL && (strncmp(title, "Malware in ", 11) == 0 ||
			    strncmp(title, "Malicious code in ", 18) == 0);
			if (malware)
				sev = NS_SEV_CRITICAL;
			for (k = 0; k < json_array_size(versions); k++) {
				const char *ver = json_string_value(json_array_get(versions, k));

				/* re-checked locally as npm does: includePrerelease + loose */
				if (!ns_semver_satisfies(ver, vv, NS_SEMVER_LOOSE |
				    NS_SEMVER_INCLUDE_PRERELEASE))
					continue;
				if (add_finding(au, name, ver, id, sev, malware, url, vv, title, "bulk",
				    NULL, NULL, err) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	json_decref(resp);
	return rc;
}

/* Dependencies the package declares, for the "not audited" list. */
static json_t *
declared_ranges(const char *pkgjson, size_t len, struct ns_err *err)
{
	static const char *const kinds[] = { "dependencies", "optionalDependencies",
	    "peerDependencies" };
	json_error_t je;
	json_t *pj = json_loadb(pkgjson, len, JSON_REJECT_DUPLICATES, &je), *out;
	size_t i;

	if (!json_is_object(pj)) {
		json_decref(pj);
		ns_fail(err, "package.json is not a JSON object");
		return NULL;
	}
	out = json_array();
	for (i = 0; i < 3; i++) {
		const char *name;
		json_t *range;
		json_t *deps = json_object_get(pj, kinds[i]);

		json_object_foreach(deps, name, range) {
			json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "package", name,
			    "range", json_is_string(range) ? json_string_value(range) : "?",
			    "kind", kinds[i], "reason", "no npm-shrinkwrap.json in the tarball and "
			    "no lockfile given: installed versions unknown"));
		}
	}
	json_decref(pj);
	return out;
}

/* Malware is no severity: the report says what it is, and it always fails. */
#define MALICIOUS "malicious package"

static json_t *
finding_json(const struct audit *au, const struct finding *f, int *counts, int *malicious)
{
	json_t *j, *paths = json_array();
	const struct ns_audit_exception *e = ns_audit_exception_find(&au->ex, f->advisory,
	    f->package);
	int direct = 0, dev = 1, optional = 1, bundled = 0;
	size_t r, k;

	for (r = ns_audit_node_first(au->refs, au->nrefs, f->package, f->version);
	    r < au->nrefs && ns_audit_node_is(&au->refs[r], f->package, f->version); r++) {
		size_t i = au->refs[r].i;
		const struct ns_lock_node *n = &au->lock.nodes[i];
		json_t *p;

		direct |= ns_lock_is_direct(&au->lock, i);
		dev &= n->dev;
		optional &= n->optional;
		bundled |= n->bundled;
		p = ns_lock_paths(&au->lock, i, MAX_PATHS);
		for (k = 0; k < json_array_size(p) && json_array_size(paths) < MAX_PATHS; k++)
			json_array_append(paths, json_array_get(p, k));
		json_decref(p);
	}
	j = json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:b,s:b,s:b,s:b,s:s,s:s,s:s,s:s}",
	    "package", f->package, "version", f->version, "advisory", f->advisory,
	    "severity", f->malware ? MALICIOUS : ns_severity_name(f->severity),
	    "malware", f->malware, "paths", paths,
	    "direct", direct, "dev", dev, "optional", optional, "bundled", bundled,
	    "range", f->range, "url", f->url, "title", f->title, "source", f->source);
	if (j == NULL)
		return NULL;
	if (f->error != NULL)
		json_object_set_new(j, "error", json_string(f->error));
	if (f->quirk != NULL)
		json_object_set_new(j, "data_quirk", json_string(f->quirk));
	if (e != NULL) {
		const char *status = f->malware ? "not-applicable-to-malware" :
		    au->o->now < e->expires_at ? "applied" : "expired";

		json_object_set_new(j, "exception", json_pack("{s:s,s:s,s:s}", "reason", e->reason,
		    "expires", e->expires, "status", status));
		if (strcmp(status, "expired") == 0) {
			char note[512];

			snprintf(note, sizeof(note), "exception for %s in %s expired on %s; it no "
			    "longer applies", f->advisory, f->package, e->expires);
			json_array_append_new(au->notes, json_pack("{s:s}", "exception", note));
		}
		if (strcmp(status, "applied") == 0) {
			json_object_set_new(j, "counted", json_false());
			return j;
		}
	}
	json_object_set_new(j, "counted", json_true());
	if (f->malware)
		(*malicious)++;
	else
		counts[f->severity]++;
	return j;
}

/* Gravest first, then by package, version and advisory: a stable report. */
static int
finding_cmp(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int c;

	if (a->malware != b->malware)
		return b->malware - a->malware;
	if (a->severity != b->severity)
		return b->severity - a->severity;
	if ((c = strcmp(a->package, b->package)) != 0)
		return c;
	if ((c = strcmp(a->version, b->version)) != 0)
		return c;
	return strcmp(a->advisory, b->advisory);
}

static json_t *
build_report(struct audit *au, const char *tree_source, json_t *not_audited, json_t *skipped,
             json_t *outside)
{
	static const char *const names[] = { "info", "low", "moderate", "high", "critical" };
	json_t *r, *findings = json_array(), *cnt = json_object();
	int counts[5] = { 0, 0, 0, 0, 0 };
	int fail = 0, max = -1, malware = 0, malicious = 0, s;
	size_t i, npk = 0;

	if (au->nf > 1)
		qsort(au->f, au->nf, sizeof(au->f[0]), finding_cmp);

	for (i = 0; i < au->nf; i++) {
		json_t *fj = finding_json(au, &au->f[i], counts, &malicious);

		if (fj == NULL)
			continue;
		if (json_is_true(json_object_get(fj, "counted")) && !au->f[i].malware &&
		    au->f[i].severity > max)
			max = au->f[i].severity;
		if (au->f[i].malware)
			malware = 1;
		json_array_append_new(findings, fj);
	}
	json_object_set_new(cnt, "malicious", json_integer(malicious));
	for (s = 0; s < 5; s++) {
		json_object_set_new(cnt, names[s], json_integer(counts[s]));
		if (counts[s] > 0 && au->o->level <= NS_SEV_CRITICAL && s >= au->o->level)
			fail = 1;
	}
	if (malware || json_array_size(not_audited) > 0 || json_array_size(outside) > 0)
		fail = 1;
	for (i = 0; au->have_tree && i < au->lock.n; i++)
		npk += ns_lock_audited(&au->lock.nodes[i], au->o->omit);
	r = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:{s:s,s:i},s:O}",
	    "result", fail ? "fail" : "pass", "level", ns_severity_name(au->o->level),
	    "max_severity", max >= 0 ? json_string(names[max]) : json_null(),
	    "findings", findings, "counts", cnt, "not_audited", not_audited,
	    "skipped", skipped, "tree", "source", tree_source, "packages", (int)npk,
	    "notes", au->notes);
	if (r != NULL)
		json_object_set(r, "outside_registry", outside);
	return r;
}

/* A lockfile given beside a tarball must be the package's own. */
static int
lockfile_mismatch(const char *pkgjson, size_t len, const struct ns_lock *lock,
                  struct ns_err *err)
{
	json_t *pj = json_loadb(pkgjson, len, 0, NULL);
	const char *name = json_string_value(json_object_get(pj, "name"));
	int bad = 0;

	if (name != NULL && lock->root_name != NULL && strcmp(name, lock->root_name) != 0) {
		ns_fail(err, "the lockfile is for \"%.100s\", the tarball holds \"%.100s\"",
		    lock->root_name, name);
		bad = 1;
	}
	json_decref(pj);
	return bad;
}

int
ns_audit_fd(int tarball_fd, const struct ns_audit_opts *o, json_t **report, struct ns_err *err)
{
	struct audit au;
	char *pkgjson = NULL, *shrinkwrap = NULL;
	size_t pjlen = 0, swlen = 0, i;
	json_t *installed = NULL, *not_audited = json_array(), *skipped = json_array();
	json_t *outside = json_array();
	const char *tree_source = "none";
	int rc = -1;

	*report = NULL;
	memset(&au, 0, sizeof(au));
	au.o = o;
	au.notes = json_array();
	if (o->level < NS_SEV_INFO || o->level > NS_SEV_NONE) {
		ns_fail(err, "audit level %d out of range", o->level);
		goto out;
	}
	if ((o->advisory_dirs == NULL || o->advisory_dirs[0] == NULL) && o->bulk_url == NULL) {
		ns_fail(err, "no advisory source: give advisory directories or a bulk URL");
		goto out;
	}
	if (tarball_fd < 0 && o->lockfile_fd < 0) {
		ns_fail(err, "neither a tarball nor a lockfile to audit");
		goto out;
	}
	if (o->exceptions_path != NULL &&
	    ns_audit_exceptions_load(o->exceptions_path, &au.ex, err) < 0)
		goto out;
	if (tarball_fd >= 0 &&
	    ns_audit_tarball_members(tarball_fd, &pkgjson, &pjlen, &shrinkwrap, &swlen, err) < 0)
		goto out;
	if (tarball_fd >= 0 && pkgjson == NULL) {
		ns_fail(err, "tarball has no package.json");
		goto out;
	}
	if (shrinkwrap != NULL) {
		if (ns_lock_parse(shrinkwrap, swlen, &au.lock, err) < 0) {
			char m[sizeof(err->msg)];
			snprintf(m, sizeof(m), "%s", err->msg);
			ns_fail(err, "npm-shrinkwrap.json: %s", m);
			goto out;
		}
		tree_source = "npm-shrinkwrap.json";
		au.have_tree = 1;
	} else if (o->lockfile_fd >= 0) {
		if (ns_lock_parse_fd(o->lockfile_fd, &au.lock, err) < 0) {
			char m[sizeof(err->msg)];
			snprintf(m, sizeof(m), "%s", err->msg);
			ns_fail(err, "lockfile: %s", m);
			goto out;
		}
		tree_source = "lockfile";
		au.have_tree = 1;
		if (pkgjson != NULL && lockfile_mismatch(pkgjson, pjlen, &au.lock, err))
			goto out;
	}
	if (au.have_tree) {
		if (ns_lock_resolve(&au.lock, err) < 0)
			goto out;
		for (i = 0; i < json_array_size(au.lock.notes); i++)
			json_array_append_new(au.notes, json_pack("{s:O}", "lockfile",
			    json_array_get(au.lock.notes, i)));
		for (i = 0; i < au.lock.n; i++) {
			const struct ns_lock_node *n = &au.lock.nodes[i];

			if (n->link && n->dangling) {
				json_array_append_new(skipped, json_pack("{s:s,s:s,s:s}", "package",
				    n->name ? n->name : n->location, "location", n->location, "reason",
				    "a link to a folder outside the project that the lockfile does not "
				    "list (not a registry install)"));
				continue;
			}
			/* the project's own folders (workspaces, file: and link targets) */
			if (i == au.lock.root || n->link || n->registry || n->folder)
				continue;
			json_array_append_new(n->version != NULL ? skipped : not_audited,
			    json_pack("{s:s,s:s,s:s}", "package", n->name ? n->name : n->location,
			    "location", n->location, "reason", n->version != NULL ?
			    "not a registry version (git, file or URL dependency)" :
			    "installed without a version: tree unresolvable"));
		}
		if (pkgjson != NULL && ns_audit_lock_coverage(pkgjson, pjlen, &au.lock,
		    tree_source, not_audited, err) < 0)
			goto out;
		/* the package's own shrinkwrap is what its consumers install (audit_fetch.c) */
		if (shrinkwrap != NULL && ns_audit_shrinkwrap_fetches(&au.lock, o->registry_url,
		    outside, err) < 0)
			goto out;
		installed = ns_audit_installed_versions(&au.lock, o->omit);
	} else {
		json_t *decl = declared_ranges(pkgjson, pjlen, err);

		if (decl == NULL)
			goto out;
		json_decref(not_audited);
		not_audited = decl;
		installed = json_object();
	}
	if (o->advisory_dirs != NULL && o->advisory_dirs[0] != NULL &&
	    match_osv(&au, installed, err) < 0)
		goto out;
	if (o->bulk_url != NULL && match_bulk(&au, installed, err) < 0)
		goto out;
	if (au.have_tree && au.nf > 0 &&
	    ns_audit_nodes_index(&au.lock, o->omit, &au.refs, &au.nrefs, err) < 0)
		goto out;
	*report = build_report(&au, tree_source, not_audited, skipped, outside);
	not_audited = skipped = NULL;
	if (*report == NULL) {
		ns_fail(err, "out of memory building the audit report");
		goto out;
	}
	rc = strcmp(json_string_value(json_object_get(*report, "result")), "pass") == 0 ? 0 : 1;
out:
	for (i = 0; i < au.nf; i++)
		finding_clear(&au.f[i]);
	free(au.f);
	free(au.refs);
	ns_lock_free(&au.lock);
	ns_audit_exceptions_free(&au.ex);
	json_decref(au.notes);
	json_decref(installed);
	json_decref(not_audited);
	json_decref(skipped);
	json_decref(outside);
	free(pkgjson);
	free(shrinkwrap);
	return rc;
}
