/* Unit tests for the audit's parts: node-semver vectors (PROTOCOLS §8), OSV
 * evaluation rules, lockfile resolution, and ns_audit_fd's policy with the clock
 * seam (exception expiry to the second, the level matrix). */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "audit.h"
#include "lockfile.h"
#include "osv.h"
#include "semver.h"

static char tmpdir[4096];

static void
semver_vectors(void **state)
{
	static const struct { const char *v, *r; int plain, incpre; } sat[] = {
		{ "1.2.4-beta.1", "^1.2.3", 0, 1 }, { "1.2.3-beta.3", "^1.2.3-beta.2", 1, 1 },
		{ "1.2.4-beta.1", "^1.2.3-beta.2", 0, 1 }, { "2.0.0-0", "^1.2.3", 0, 0 },
		{ "6.5.4-rc.1", "<6.5.4", 0, 1 }, { "1.0.0-alpha", "*", 0, 1 },
		{ "1.0.0+build.5", "1.0.0", 1, 1 }, { "2.0.0-rc.1", ">=1.5.0-0 <3.0.0-0", 0, 1 },
		{ "3.0.0-rc.1", ">=1.5.0-0 <3.0.0-0", 0, 0 },
	};
	static const struct { const char *in, *out, *incpre; } desugar[] = {
		{ "^1.2.3", ">=1.2.3 <2.0.0-0", NULL }, { "^0.2.3", ">=0.2.3 <0.3.0-0", NULL },
		{ "^0.0.3", ">=0.0.3 <0.0.4-0", NULL }, { "^0.0", "<0.1.0-0", NULL },
		{ "~1.2", ">=1.2.0 <1.3.0-0", ">=1.2.0-0 <1.3.0-0" }, { ">1.2", ">=1.3.0", ">=1.3.0-0" },
		{ "<=1", "<2.0.0-0", NULL }, { ">x", "<0.0.0-0", NULL }, { "*", "*", NULL },
		{ "1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4", ">=1.2.3-0 <2.3.5-0" },
		{ "1.2.3 - 2", ">=1.2.3 <3.0.0-0", ">=1.2.3-0 <3.0.0-0" }, { "=1.2.3", "1.2.3", NULL },
		{ "^1.2.3+build", ">=1.2.3 <2.0.0-0", NULL },
	};
	static const char *const order[] = { "1.0.0-2", "1.0.0-10", "1.0.0-0a", "1.0.0-a10",
		"1.0.0-a2", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0" };
	struct ns_semver a, b;
	char out[NS_SEMVER_VERSION_BUF];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sat) / sizeof(sat[0]); i++) {
		assert_int_equal(ns_semver_satisfies(sat[i].v, sat[i].r, 0), sat[i].plain);
		assert_int_equal(ns_semver_satisfies(sat[i].v, sat[i].r,
		    NS_SEMVER_INCLUDE_PRERELEASE), sat[i].incpre);
	}
	for (i = 0; i < sizeof(desugar) / sizeof(desugar[0]); i++) {
		char *r = ns_semver_valid_range(desugar[i].in, 0);
		char *p = ns_semver_valid_range(desugar[i].in, NS_SEMVER_INCLUDE_PRERELEASE);

		assert_non_null(r);
		assert_string_equal(r, desugar[i].out);
		assert_string_equal(p, desugar[i].incpre ? desugar[i].incpre : desugar[i].out);
		free(r);
		free(p);
	}
	assert_null(ns_semver_valid_range("x.1.2", 0));
	for (i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		assert_int_equal(ns_semver_parse(&a, order[i], 0), 0);
		assert_int_equal(ns_semver_parse(&b, order[i + 1], 0), 0);
		assert_int_equal(ns_semver_compare(&a, &b), -1);
		assert_int_equal(ns_semver_compare(&b, &a), 1);
	}
	assert_int_equal(ns_semver_clean(" =v1.2.3 ", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1.2.3");
	assert_int_equal(ns_semver_clean("1.2", 0, out, sizeof(out)), -1);
	assert_int_equal(ns_semver_valid("01.2.3", 0, out, sizeof(out)), -1);
	assert_int_equal(ns_semver_valid("01.2.3", NS_SEMVER_LOOSE, out, sizeof(out)), 0);
	assert_string_equal(out, "1.2.3");
	assert_int_equal(ns_semver_valid("1.2.3beta", NS_SEMVER_LOOSE, out, sizeof(out)), 0);
	assert_string_equal(out, "1.2.3-beta");
	assert_int_equal(ns_semver_valid("1.2.3-beta+exp.sha.5114f85", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1.2.3-beta");
	assert_int_equal(ns_semver_valid("9007199254740992.0.0", 0, out, sizeof(out)), -1);
}

/* One npm package's record with the given ranges JSON; returns its advisory. */
static void
load_one(const char *ranges_json, struct ns_advisory **adv, size_t *n)
{
	char buf[4096];
	json_t *rec;
	json_error_t je;
	struct ns_err err;

	snprintf(buf, sizeof(buf), "{\"id\":\"GHSA-test-0000-0000\",\"summary\":\"t\","
	    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},\"ranges\":%s},"
	    "{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"p\"},\"ranges\":[]}],"
	    "\"database_specific\":{\"severity\":\"MODERATE\"}}", ranges_json);
	rec = json_loads(buf, 0, &je);
	assert_non_null(rec);
	assert_int_equal(ns_osv_split(rec, adv, n, &err), 0);
	json_decref(rec);
}

static int
affects(const struct ns_advisory *a, const char *ver)
{
	struct ns_semver v;
	struct ns_err err;

	assert_int_equal(ns_semver_parse(&v, ver, 0), 0);
	return ns_osv_affects(a, &v, &err);
}

static void
osv_rules(void **state)
{
	struct ns_advisory *a;
	size_t n;
	struct ns_semver v;
	struct ns_err err;
	json_t *rec;
	json_error_t je;

	(void)state;
	/* events out of order, a limit, SEMVER type, GIT ignored */
	load_one("[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"2.0.0\"},{\"introduced\":\"1.5.0\"},"
	    "{\"limit\":\"1.8.0\"}]},{\"type\":\"GIT\",\"events\":[{\"introduced\":\"0\"}]}]",
	    &a, &n);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].severity, NS_SEV_MODERATE);
	assert_int_equal(affects(&a[0], "1.4.9"), 0);
	assert_int_equal(affects(&a[0], "1.5.0"), 1);
	assert_int_equal(affects(&a[0], "1.7.9"), 1);
	assert_int_equal(affects(&a[0], "1.8.0"), 0); /* at the limit */
	ns_advisory_free_array(a, n);

	/* last_affected is inclusive; prerelease of the fix is affected (SemVer order) */
	load_one("[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	    "{\"last_affected\":\"1.2.3\"}]},{\"type\":\"ECOSYSTEM\",\"events\":"
	    "[{\"introduced\":\"2.0.0\"},{\"fixed\":\"2.1.0\"}]}]", &a, &n);
	assert_string_equal(a[0].range, "<=1.2.3 || >=2.0.0 <2.1.0");
	assert_int_equal(affects(&a[0], "1.2.3"), 1);
	assert_int_equal(affects(&a[0], "1.2.4-0"), 0);
	assert_int_equal(affects(&a[0], "2.1.0-rc.1"), 1);
	assert_int_equal(affects(&a[0], "2.1.0"), 0);
	ns_advisory_free_array(a, n);

	/* a malformed event makes the advisory unevaluable, never silently clean */
	load_one("[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"banana\"}]}]", &a, &n);
	assert_int_equal(ns_semver_parse(&v, "1.0.0", 0), 0);
	assert_int_equal(ns_osv_affects(&a[0], &v, &err), -1);
	assert_non_null(strstr(err.msg, "banana"));
	ns_advisory_free_array(a, n);

	/* withdrawn records give nothing */
	rec = json_loads("{\"id\":\"MAL-1\",\"withdrawn\":\"2026-01-01T00:00:00Z\",\"affected\":[]}",
	    0, &je);
	assert_int_equal(ns_osv_split(rec, &a, &n, &err), 0);
	assert_int_equal(n, 0);
	json_decref(rec);
	rec = json_loads("{\"affected\":[]}", 0, &je);
	assert_int_equal(ns_osv_split(rec, &a, &n, &err), -1);
	json_decref(rec);
}

static void
lockfile_resolution(void **state)
{
	static const char lock[] = "{\"name\":\"r\",\"lockfileVersion\":2,\"packages\":{"
	    "\"\":{\"dependencies\":{\"@s/a\":\"1\",\"b\":\"1\"},\"peerDependencies\":{\"gone\":\"1\"}},"
	    "\"node_modules/@s/a\":{\"version\":\"1.0.0\",\"dependencies\":{\"b\":\"2\"}},"
	    "\"node_modules/@s/a/node_modules/b\":{\"version\":\"2.0.0\",\"optional\":true},"
	    "\"node_modules/b\":{\"version\":\"1.0.0\",\"dependencies\":{\"@s/a\":\"1\"}}}}";
	struct ns_lock l;
	struct ns_err err;
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(ns_lock_parse(lock, sizeof(lock) - 1, &l, &err), 0);
	assert_int_equal(ns_lock_resolve(&l, &err), 0);
	for (i = 0; i < l.n; i++) {
		json_t *p = ns_lock_paths(&l, i, 10);

		if (strcmp(l.nodes[i].location, "node_modules/@s/a/node_modules/b") == 0) {
			assert_string_equal(json_string_value(json_array_get(p, 0)), "r > @s/a > b");
			assert_false(ns_lock_is_direct(&l, i));
			assert_true(l.nodes[i].optional);
			seen++;
		}
		if (strcmp(l.nodes[i].location, "node_modules/b") == 0) {
			assert_true(ns_lock_is_direct(&l, i));
			seen++;
		}
		json_decref(p);
	}
	assert_int_equal(seen, 2);
	ns_lock_free(&l);
	assert_int_equal(ns_lock_parse("{\"lockfileVersion\":3,\"packages\":{\"x\":1}}", 40, &l,
	    &err), -1);
}

static int
write_file(const char *name, const char *content, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const char one_moderate_lock[] = "{\"name\":\"r\",\"lockfileVersion\":3,\"packages\":{"
    "\"\":{\"dependencies\":{\"p\":\"1\"}},\"node_modules/p\":{\"version\":\"1.0.0\"}}}";

static int
run_audit(const char *lockpath, int level, const char *exceptions, long long now, json_t **rep)
{
	struct ns_audit_opts o;
	struct ns_err err;
	char osvdir[4200];
	const char *dirs[2];
	int rc;

	snprintf(osvdir, sizeof(osvdir), "%s/osv", tmpdir);
	dirs[0] = osvdir;
	dirs[1] = NULL;
	ns_audit_opts_init(&o);
	o.level = level;
	o.advisory_dirs = dirs;
	o.exceptions_path = exceptions;
	o.now = now;
	o.lockfile_fd = open(lockpath, O_RDONLY);
	assert_true(o.lockfile_fd >= 0);
	rc = ns_audit_fd(-1, &o, rep, &err);
	close(o.lockfile_fd);
	if (rc < 0)
		fprintf(stderr, "audit: %s\n", err.msg);
	return rc;
}

static void
audit_policy(void **state)
{
	char lockpath[4200], expath[4200], rec[4200];
	json_t *rep;
	int level;
	struct tm tm;
	long long end;

	(void)state;
	assert_int_equal(write_file("lock.json", one_moderate_lock, lockpath, sizeof(lockpath)), 0);
	snprintf(rec, sizeof(rec), "%s/osv", tmpdir);
	mkdir(rec, 0755);
	assert_int_equal(write_file("osv/GHSA-test-0000-0001.json", "{\"id\":\"GHSA-test-0000-0001\","
	    "\"summary\":\"s\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},"
	    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	    "{\"fixed\":\"1.0.1\"}]}]}],\"database_specific\":{\"severity\":\"MODERATE\"}}",
	    rec, sizeof(rec)), 0);
	/* the level matrix for one moderate finding */
	for (level = NS_SEV_INFO; level <= NS_SEV_NONE; level++) {
		assert_int_equal(run_audit(lockpath, level, NULL, 0, &rep),
		    level <= NS_SEV_MODERATE ? 1 : 0);
		assert_string_equal(json_string_value(json_object_get(rep, "max_severity")),
		    "moderate");
		assert_int_equal(json_array_size(json_object_get(rep, "findings")), 1);
		assert_true(json_is_true(json_object_get(json_array_get(
		    json_object_get(rep, "findings"), 0), "direct")));
		json_decref(rep);
	}
	/* an exception holds through the end of its day (UTC), then stops */
	assert_int_equal(write_file("exc.json", "{\"exceptions\":[{\"advisory\":"
	    "\"GHSA-test-0000-0001\",\"package\":\"p\",\"reason\":\"r\",\"expires\":\"2026-03-01\"}]}",
	    expath, sizeof(expath)), 0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = 2;
	tm.tm_mday = 2;
	end = (long long)timegm(&tm);
	assert_int_equal(run_audit(lockpath, NS_SEV_LOW, expath, end - 1, &rep), 0);
	assert_true(json_is_null(json_object_get(rep, "max_severity")));
	json_decref(rep);
	assert_int_equal(run_audit(lockpath, NS_SEV_LOW, expath, end, &rep), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(rep, "findings"), 0), "exception"), "status")), "expired");
	json_decref(rep);
}

/* The registry the package is released to, for audit_tarball. */
static const char *unit_registry;

/* A package tarball (package/package.json, package/npm-shrinkwrap.json) audited
 * against the shipped OSV records; returns the audit's result. */
static int
audit_tarball(const char *pkgjson, const char *shrinkwrap, json_t **rep)
{
	static const char *const names[] = { "package/package.json",
	    "package/npm-shrinkwrap.json" };
	const char *bodies[2] = { pkgjson, shrinkwrap };
	char path[4200], osvdir[4200];
	const char *dirs[] = { osvdir, NULL };
	struct archive *a = archive_write_new();
	struct ns_audit_opts o;
	struct ns_err err;
	int i, fd, rc;

	snprintf(path, sizeof(path), "%s/pkg.tgz", tmpdir);
	snprintf(osvdir, sizeof(osvdir), "%s/tests/audit/data/osv", SRCDIR);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < 2; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(bodies[i]));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, bodies[i], strlen(bodies[i])),
		    (la_ssize_t)strlen(bodies[i]));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	ns_audit_opts_init(&o);
	o.advisory_dirs = dirs;
	o.registry_url = unit_registry;
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	rc = ns_audit_fd(fd, &o, rep, &err);
	close(fd);
	unlink(path);
	if (rc < 0)
		fprintf(stderr, "audit: %s\n", err.msg);
	return rc;
}

/* The one "not audited" reason for package pkg, or NULL. */
static const char *
not_audited_reason(const json_t *rep, const char *pkg)
{
	const json_t *na = json_object_get(rep, "not_audited"), *x;
	size_t i;

	json_array_foreach(na, i, x)
		if (strcmp(json_string_value(json_object_get(x, "package")), pkg) == 0)
			return json_string_value(json_object_get(x, "reason"));
	return NULL;
}

#define SW_HEAD "{\"name\":\"v\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"requires\":true," \
    "\"packages\":{\"\":{\"name\":\"v\",\"version\":\"1.0.0\"}"

/* A lockfile that installs a package in a folder npm reads as a node_modules or .bin
 * folder is refused, naming the key (red team: "@s/node_modules" aliased to a package
 * shipping .bin/sh ran it for every @s package's install script). */
static void
lockfile_reserved_folders(void **state)
{
	static const char *const refused[][2] = {
		{ SW_HEAD ",\"node_modules/@s/node_modules\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "packages key \"node_modules/@s/node_modules\" installs a package in a folder named "
		  "node_modules or .bin" },
		{ SW_HEAD ",\"node_modules/@s/Node_Modules\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "\"node_modules/@s/Node_Modules\"" },
		{ SW_HEAD ",\"node_modules/node_modules\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "\"node_modules/node_modules\"" },
		{ SW_HEAD ",\"node_modules/.bin\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "\"node_modules/.bin\"" },
		{ SW_HEAD ",\"node_modules/a/node_modules/@s/.BIN\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "\"node_modules/a/node_modules/@s/.BIN\"" },
		{ SW_HEAD ",\"node_modules/a/node_modules\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		  "\"node_modules/a/node_modules\"" },
		{ SW_HEAD ",\"node_modules/x\":{\"link\":true,\"resolved\":\"node_modules/@s/node_modules\"}}}",
		  "targets \"node_modules/@s/node_modules\"" },
		{ "{\"lockfileVersion\":3,\"packages\":{\"\":{\"dependencies\":{\"@s/node_modules\":"
		  "\"npm:h@1.0.0\"}}}}", "\"@s/node_modules\" would be installed in a folder named" },
		{ "{\"lockfileVersion\":1,\"dependencies\":{\"@s/node_modules\":{\"version\":"
		  "\"npm:h@1.0.0\"}}}", "dependency \"@s/node_modules\" (at \"node_modules/@s/node_modules\")" },
	};
	static const char *const fine[] = {
		SW_HEAD ",\"node_modules/@s/node_modules-x\":{\"name\":\"h\",\"version\":\"1.0.0\"}}}",
		SW_HEAD ",\"node_modules/@node_modules/x\":{\"version\":\"1.0.0\"}}}",
		SW_HEAD ",\"node_modules/a/node_modules/b\":{\"version\":\"1.0.0\"}}}",
	};
	struct ns_lock l;
	struct ns_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(ns_lock_parse(refused[i][0], strlen(refused[i][0]), &l, &err), -1);
		if (strstr(err.msg, refused[i][1]) == NULL)
			fail_msg("case %zu: %s", i, err.msg);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		assert_int_equal(ns_lock_parse(fine[i], strlen(fine[i]), &l, &err), 0);
		ns_lock_free(&l);
	}
	assert_true(ns_lock_name_reserved("node_modules"));
	assert_true(ns_lock_name_reserved("@s/.Bin"));
	assert_false(ns_lock_name_reserved("@node_modules/x"));
}

/* The lockfile must account for every dependency package.json declares for
 * consumers: npm installs what the lockfile lacks or what it locks wrongly. */
static void
lockfile_coverage(void **state)
{
	json_t *rep;

	(void)state;
	/* (a) a shrinkwrap listing only the root */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jsonwebtoken\":\"8.0.0\"}}", SW_HEAD "}}", &rep), 1);
	assert_string_equal(not_audited_reason(rep, "jsonwebtoken"),
	    "npm-shrinkwrap.json does not lock it");
	json_decref(rep);
	/* (b) an entry renamed to another package */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jsonwebtoken\":\"8.0.0\"}}", SW_HEAD ",\"node_modules/jsonwebtoken\":"
	    "{\"version\":\"8.0.0\",\"name\":\"lodash\"}}}", &rep), 1);
	assert_string_equal(not_audited_reason(rep, "jsonwebtoken"),
	    "locked as lodash, package.json asks for jsonwebtoken");
	json_decref(rep);
	/* a locked version outside the declared range (a clean one, so only coverage fails) */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jsonwebtoken\":\"^9.0.0\"}}", SW_HEAD ",\"node_modules/jsonwebtoken\":"
	    "{\"version\":\"10.0.0\"}}}", &rep), 1);
	assert_string_equal(not_audited_reason(rep, "jsonwebtoken"),
	    "locked 10.0.0 does not satisfy ^9.0.0");
	assert_int_equal(json_array_size(json_object_get(rep, "findings")), 0);
	json_decref(rep);
	/* an optional dependency left out */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\","
	    "\"optionalDependencies\":{\"fsevents\":\"^2.0.0\"},\"devDependencies\":"
	    "{\"tap\":\"^16.0.0\"}}", SW_HEAD "}}", &rep), 1);
	assert_string_equal(not_audited_reason(rep, "fsevents"),
	    "npm-shrinkwrap.json does not lock it");
	assert_null(not_audited_reason(rep, "tap")); /* dev: not installed for consumers */
	json_decref(rep);
	/* a git dependency present, an alias honestly locked, a peer, a dist-tag: covered,
	 * but the git entry is fetched from outside the registry (shrinkwrap_fetches) */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"g\":\"github:o/g#abc\",\"al\":\"npm:left-pad@^1.3.0\",\"t\":\"latest\"},"
	    "\"peerDependencies\":{\"p\":\">=1\"},\"peerDependenciesMeta\":{\"q\":{\"optional\":"
	    "true}},\"devDependencies\":{\"tap\":\"^16.0.0\"}}", SW_HEAD
	    ",\"node_modules/g\":{\"version\":\"1.0.0\",\"resolved\":\"git+ssh://git@github.com/o/"
	    "g.git#abc\"},\"node_modules/al\":{\"name\":\"left-pad\",\"version\":\"1.3.0\"},"
	    "\"node_modules/t\":{\"version\":\"2.0.0\"},\"node_modules/p\":{\"version\":\"1.5.0\","
	    "\"peer\":true}}}", &rep), 1);
	assert_int_equal(json_array_size(json_object_get(rep, "not_audited")), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "outside_registry")), 1);
	json_decref(rep);
	/* a git spec still has to be locked */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"g\":\"github:o/g#abc\"}}", SW_HEAD "}}", &rep), 1);
	assert_non_null(not_audited_reason(rep, "g"));
	json_decref(rep);
	/* an honest lockfile with a fixed jsonwebtoken: pass; lockfile v1 alias honoured */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jsonwebtoken\":\"^9.0.0\"}}", SW_HEAD ",\"node_modules/jsonwebtoken\":"
	    "{\"version\":\"9.0.2\"}}}", &rep), 0);
	json_decref(rep);
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jwt\":\"npm:jsonwebtoken@^9.0.0\",\"x\":\"npm:jsonwebtoken@^9.0.0\"}}",
	    "{\"name\":\"v\",\"version\":\"1.0.0\",\"lockfileVersion\":1,\"dependencies\":{"
	    "\"jwt\":{\"version\":\"npm:jsonwebtoken@9.0.2\"},\"x\":{\"version\":"
	    "\"npm:lodash@9.0.2\"}}}", &rep), 1);
	assert_null(not_audited_reason(rep, "jwt"));
	assert_string_equal(not_audited_reason(rep, "x"),
	    "locked as lodash, package.json asks for jsonwebtoken");
	json_decref(rep);
	/* a v1 alias is audited as the package it installs, reached from the root */
	assert_int_equal(audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jwt\":\"npm:jsonwebtoken@8.0.0\"}}", "{\"name\":\"v\",\"version\":\"1.0.0\","
	    "\"lockfileVersion\":1,\"dependencies\":{\"jwt\":{\"version\":"
	    "\"npm:jsonwebtoken@8.0.0\"}}}", &rep), 1);
	assert_int_equal(json_array_size(json_object_get(rep, "not_audited")), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(rep, "findings"), 0), "advisory")), "GHSA-27h2-hvpr-p74q");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(rep, "findings"), 0), "direct")));
	json_decref(rep);
}

/* jsonwebtoken 9.0.2 locked with "resolved" RES (or a v1 "version" V1); the audit's
 * result, and the number of entries fetched from outside the registry. */
static int
fetched(const char *registry, const char *res, const char *v1, size_t *outside)
{
	char sw[1024];
	json_t *rep;
	int rc;

	if (v1 != NULL)
		snprintf(sw, sizeof(sw), "{\"name\":\"v\",\"version\":\"1.0.0\",\"lockfileVersion\":1,"
		    "\"dependencies\":{\"jsonwebtoken\":{\"version\":\"%s\"}}}", v1);
	else
		snprintf(sw, sizeof(sw), SW_HEAD ",\"node_modules/jsonwebtoken\":{\"version\":"
		    "\"9.0.2\"%s%s%s}}}", res ? ",\"resolved\":\"" : "", res ? res : "", res ? "\"" : "");
	unit_registry = registry;
	rc = audit_tarball("{\"name\":\"v\",\"version\":\"1.0.0\",\"dependencies\":"
	    "{\"jsonwebtoken\":\"^9.0.0\"}}", sw, &rep);
	unit_registry = NULL;
	*outside = json_array_size(json_object_get(rep, "outside_registry"));
	json_decref(rep);
	return rc;
}

/* A released package's own npm-shrinkwrap.json may fetch only registry tarballs
 * under the configured registry URL: npm 7-11 install what "resolved" names. */
static void
shrinkwrap_fetches(void **state)
{
	static const struct {
		const char *registry, *res, *v1;
		int rc;
	} cases[] = {
		{ "http://127.0.0.1:4873/", NULL, NULL, 0 },
		{ "http://127.0.0.1:4873/", "http://127.0.0.1:4873/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
		  NULL, 0 },
		{ "http://127.0.0.1:4873", "HTTP://127.0.0.1:4873/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
		  NULL, 0 },
		{ "https://reg.example.invalid/", "https://REG.example.invalid:443/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 0 },
		{ "https://reg.example.invalid/npm/", "https://reg.example.invalid/npm/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 0 },
		{ NULL, NULL, NULL, 0 },
		/* elsewhere: */
		{ "https://reg.example.invalid/npm/", "https://reg.example.invalid/npmx/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "https://reg.example.invalid/npm/", "https://reg.example.invalid/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "http://127.0.0.1:4873/", "http://127.0.0.1:4874/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
		  NULL, 1 },
		{ "http://127.0.0.1:4873/", "https://127.0.0.1:4873/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
		  NULL, 1 },
		{ "http://127.0.0.1:4873/", "http://u:p@127.0.0.1:4873/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "http://127.0.0.1:4873/", "http://127.0.0.1:4873.evil.invalid/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "http://127.0.0.1:4873/", "http://127.0.0.1:4873/x/jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "http://127.0.0.1:4873/", "git+https://example.invalid/o/jwt.git#abc", NULL, 1 },
		{ "http://127.0.0.1:4873/", "file:vendor/jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ NULL, "http://127.0.0.1:4873/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz", NULL, 1 },
		{ "http://127.0.0.1:4873/", NULL, "http://127.0.0.1:4874/jsonwebtoken/-/"
		  "jsonwebtoken-9.0.2.tgz", 1 },
		{ "http://127.0.0.1:4873/", NULL, "file:jsonwebtoken-9.0.2.tgz", 1 },
	};
	size_t i, outside;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = fetched(cases[i].registry, cases[i].res, cases[i].v1, &outside);

		if (rc != cases[i].rc || outside != (size_t)cases[i].rc)
			fail_msg("case %zu (%s, %s): audit %d, %zu outside", i, cases[i].registry ?
			    cases[i].registry : "-", cases[i].res ? cases[i].res : cases[i].v1, rc,
			    outside);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(semver_vectors),
		cmocka_unit_test(osv_rules),
		cmocka_unit_test(lockfile_resolution),
		cmocka_unit_test(audit_policy),
		cmocka_unit_test(lockfile_coverage),
		cmocka_unit_test(lockfile_reserved_folders),
		cmocka_unit_test(shrinkwrap_fetches),
	};
	char cwd[2048];
	int rc;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/audit/unit.XXXXXX", cwd);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[5000];
		/* remove the scratch files without a shell */
		snprintf(cmd, sizeof(cmd), "%s/osv/GHSA-test-0000-0001.json", tmpdir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/osv", tmpdir);
		rmdir(cmd);
		snprintf(cmd, sizeof(cmd), "%s/lock.json", tmpdir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/exc.json", tmpdir);
		unlink(cmd);
		rmdir(tmpdir);
	}
	return rc;
}
