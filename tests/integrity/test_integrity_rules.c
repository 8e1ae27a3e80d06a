/* Unit tests of the integrity rule helpers: npm names, strict versions (facts checked
 * against validate-npm-package-name and node-semver 7.8.5), tar paths, canonical forms,
 * globs, tar numbers, and bin names (facts checked against npm 11's @npmcli/package-json
 * and bin-links; tests/integrity/binlinks.sh runs npm's own code on more shapes). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../checks/integrity_bin.h"
#include "../../checks/integrity_path.h"
#include "../../checks/integrity_tarframe.h"
#include "../../checks/npm_name.h"

static void
test_names(void **state)
{
	static const char *const good[] = { "some-package", "example.com", "under_score",
		"123numeric", "@npm/thingy", "@jane/foo.js", "a", "http2-wrapper", "fs-extra",
		"@s/_x", "@s/-x" };
	static const char *const bad[] = { "", ".start", "_start", " lead", "trail ", "Upper",
		"crazy!", "a~b", "a'b", "a(b)", "a*b", "node_modules", "favicon.ico", "http",
		"fs", "@scope", "@/x", "@scope/", "@a/b/c", "a/b", "a b", "a%20b", "@s/.x",
		"-x", "caf\xc3\xa9" };
	const char *why;
	char longname[216];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ns_npm_name_valid(good[i], &why));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_false(ns_npm_name_valid(bad[i], &why));
		assert_non_null(why);
	}
	memset(longname, 'a', 214);
	longname[214] = '\0';
	assert_true(ns_npm_name_valid(longname, &why));
	longname[214] = 'a';
	longname[215] = '\0';
	assert_false(ns_npm_name_valid(longname, &why));
	assert_int_equal(ns_npm_name_check(longname, &why), NS_NAME_EXISTING_ONLY);
}

/* validate-npm-package-name 8.0.0: warnings are valid for existing packages, errors never */
static void
test_name_verdicts(void **state)
{
	static const char *const existing[] = { "buffer", "punycode", "string_decoder", "http",
		"Buffer", "JSONStream", "demo!", "a~b", "a'b", "a(b)", "a*b", "@s/Upper",
		"@s/x!", "@Scope/x" };
	static const char *const invalid[] = { "", ".start", "_start", "-x", " lead",
		"trail ", "node_modules", "Node_Modules", "FAVICON.ICO", "@scope", "@/x",
		"@scope/", "@a/b/c", "a/b", "a b", "a%20b", "@s/.x", "caf\xc3\xa9", "a\tb",
		"@s/a b", "a@b", "@s/node_modules", "@s/Node_Modules" };
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(existing) / sizeof(existing[0]); i++) {
		why = NULL;
		assert_int_equal(ns_npm_name_check(existing[i], &why), NS_NAME_EXISTING_ONLY);
		assert_non_null(why);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		why = NULL;
		assert_int_equal(ns_npm_name_check(invalid[i], &why), NS_NAME_INVALID);
		assert_non_null(why);
	}
	assert_int_equal(ns_npm_name_check("@s/_x", &why), NS_NAME_VALID);
	assert_int_equal(ns_npm_name_check("example.com", &why), NS_NAME_VALID);
}

static void
test_versions(void **state)
{
	static const char *const good[] = { "0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha",
		"1.0.0-alpha.1", "1.0.0-0a", "1.0.0-x-y-z.--", "1.0.0+build.007",
		"1.0.0-rc.1+build.1", "9007199254740991.0.0", "1.2.3----RC-SNAPSHOT.12.9.1--.12+788" };
	static const char *const bad[] = { "", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3",
		"1.2.03", "v1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ", "1.2.3-", "1.2.3+", "1.2.3-01",
		"1.2.3-a..b", "1.2.3+a..b", "1.2.3-a_b", "9007199254740992.0.0", "1.2.3beta",
		"-1.2.3", "1.2.-3", "a.b.c" };
	const char *why;
	char longv[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ns_strict_version_valid(good[i], &why));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ns_strict_version_valid(bad[i], &why));
	memcpy(longv, "1.2.3-", 6);
	memset(longv + 6, 'a', 260);
	longv[266] = '\0';
	assert_false(ns_strict_version_valid(longv, &why));
	/* released versions: the same grammar, without build metadata */
	assert_true(ns_release_version_valid("1.0.0-rc.1", &why));
	assert_false(ns_release_version_valid("1.0.0+build.007", &why));
	assert_false(ns_release_version_valid("1.0.0-rc.1+build.1", &why));
	assert_false(ns_release_version_valid("1.2.3+a..b", &why));
	/* prerelease numbers node-semver compares as doubles */
	assert_true(ns_release_version_valid("1.0.0-9007199254740991", &why));
	assert_true(ns_release_version_valid("1.0.0-rc.9007199254740991.x", &why));
	assert_false(ns_release_version_valid("1.0.0-9007199254740992", &why));
	assert_false(ns_release_version_valid("1.0.0-rc.10000000000000000", &why));
	assert_true(ns_release_version_valid("1.0.0-a90071992547409920", &why));
}

static void
test_paths(void **state)
{
	static const char *const good[] = { "package/a", "package/lib/a.js",
		"package/\xe2\x82\xac.js", "package/.npmignore", "package/a..b", "package/...",
		"package/a b" };
	static const char *const bad[] = { "package", "package/", "/package/a", "pkg/a",
		"package/../a", "package/./a", "package/a/../../b", "package//a", "package/a/",
		"package/a\\b", "package/a\x01", "package/a\x7f", "package/a\xc2\x85",
		"package/a\xff", "package/\xc0\xaf", "package/\xed\xa0\x80", "./package/a",
		"package/a/." };
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ns_tar_path_valid(good[i], "package", 0, &why));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ns_tar_path_valid(bad[i], "package", 0, &why));
	assert_true(ns_tar_path_valid("package/", "package", 1, &why));
	assert_true(ns_tar_path_valid("package/lib/", "package", 1, &why));
	assert_false(ns_tar_path_valid("package/lib//", "package", 1, &why));
	/* any one top-level folder, as npm strips it (@types/node: node/) */
	assert_true(ns_tar_path_valid("node/index.d.ts", "node", 0, &why));
	assert_true(ns_tar_path_valid("node/", "node", 1, &why));
	assert_false(ns_tar_path_valid("package/index.js", "node", 0, &why));
	assert_false(ns_tar_path_valid("nodejs/index.js", "node", 0, &why));
	assert_false(ns_tar_path_valid("node/../x", "node", 0, &why));
	assert_false(ns_tar_path_valid("../x", "..", 0, &why));
	assert_false(ns_tar_path_valid("./x", ".", 0, &why));
	assert_false(ns_tar_path_valid("node", "node", 0, &why));
	assert_int_equal(ns_tar_top_len("node/a/b"), 4);
	assert_int_equal(ns_tar_top_len("index.js"), 0);
}

/* Folders npm would read as node_modules or .bin folders (red team: a bundled
 * node_modules/@s/node_modules/.bin is on PATH for every @s package's scripts). */
static void
test_reserved_folders(void **state)
{
	static const char *const refused[] = { "package/node_modules/.bin/sh",
		"package/node_modules/@s/node_modules/x/package.json",
		"package/node_modules/@s/.bin/sh", "package/node_modules/node_modules/x/a.js",
		"package/node_modules/a/node_modules/.bin/sh", "package/lib/node_modules/.bin/x",
		"package/node_modules/@s/x/node_modules/node_modules/y/a",
		"node/node_modules/@s/node_modules/.bin/sh", "package/node_modules/@s/NODE_MODULES/x" };
	static const char *const fine[] = { "package/.bin/sh", "package/node_modules/a/.binx",
		"package/node_modules/@s/node_modules", "package/node_modules/@node_modules/x/a",
		"package/node_modules/node_modules-x/a", "package/node_modules/a/lib/.bin.js",
		"package/node_modules/@s/x/index.js", "package/node_modules/a/node_modules/b/a" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_non_null(ns_tar_path_reserved_folder(refused[i]));
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		assert_null(ns_tar_path_reserved_folder(fine[i]));
}

static void
test_canonical(void **state)
{
	char *c;

	c = ns_path_canonical("package/./a//b/", 0);
	assert_string_equal(c, "package/a/b");
	free(c);
	c = ns_path_canonical("package/README.md", 1);
	assert_string_equal(c, "package/readme.md");
	free(c);
	/* long s, Kelvin sign, dotted and dotless I: case pairs of ASCII letters */
	c = ns_path_canonical("package/NODE_MODULE\xc5\xbf/x/pac\xe2\x84\xaa" "age.json", 1);
	assert_string_equal(c, "package/node_modules/x/package.json");
	free(c);
	c = ns_path_canonical("package/B\xc4\xb0ND\xc4\xb1NG.GYP", 1);
	assert_string_equal(c, "package/binding.gyp");
	free(c);
	/* other non-ASCII is kept, and nothing is folded without fold */
	c = ns_path_canonical("package/caf\xc3\x89\xc5\xbf", 0);
	assert_string_equal(c, "package/caf\xc3\x89\xc5\xbf");
	free(c);
}

static void
test_glob(void **state)
{
	assert_true(ns_glob_match("dist/**", "dist/a.js", 0));
	assert_true(ns_glob_match("dist/**", "dist/a/b/c.js", 0));
	assert_false(ns_glob_match("dist/**", "src/dist/a.js", 0));
	assert_true(ns_glob_match("**/*.map", "a/b/c.js.map", 0));
	assert_true(ns_glob_match("**/*.map", "c.map", 0));
	assert_false(ns_glob_match("*.js", "lib/a.js", 0));
	assert_true(ns_glob_match("lib/*.js", "lib/a.js", 0));
	assert_false(ns_glob_match("lib/*.js", "lib/a/b.js", 0));
	assert_true(ns_glob_match("lib/?.js", "lib/a.js", 0));
	assert_true(ns_glob_match("lib", "lib/a/b.js", 1));
	assert_true(ns_glob_match("lib/", "lib/a/b.js", 1));
	assert_true(ns_glob_match("./lib", "lib/a.js", 1));
	assert_false(ns_glob_match("lib", "lib/a/b.js", 0));
	assert_false(ns_glob_match("lib", "library/a.js", 1));
}

static void
test_tar_numbers(void **state)
{
	uint64_t v;
	unsigned char b256[12] = { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00 };
	unsigned char neg[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xfe, 0x00 };

	assert_int_equal(ns_tar_number((const unsigned char *)"00000001750\0", 12, &v), 0);
	assert_int_equal(v, 01750);
	assert_int_equal(ns_tar_number((const unsigned char *)"     644 \0", 8, &v), 0);
	assert_int_equal(v, 0644);
	assert_int_equal(ns_tar_number((const unsigned char *)"\0\0\0\0\0\0\0\0", 8, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ns_tar_number((const unsigned char *)"0000008\0", 8, &v), -1);
	assert_int_equal(ns_tar_number((const unsigned char *)"00 00 1\0", 8, &v), -1);
	assert_int_equal(ns_tar_number(b256, 12, &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(ns_tar_number(neg, 12, &v), -1);
}

static void
test_bin_shadow(void **state)
{
	static const char *const shadowing[][2] = { { "sh", "sh" }, { "node", "node" },
		{ "NODE", "node" }, { "Node.cmd", "node" }, { "npx.EXE", "npx" },
		{ "git.ps1", "git" }, { "env", "env" }, { "python3", "python3" },
		{ "node-gyp", "node-gyp" }, { "yarnpkg", "yarnpkg" },
		/* folded by case-insensitive file systems: long s, Kelvin sign, dotless i */
		{ "\xc5\xbfh", "sh" }, { "\xc5\xbfudo", "sudo" }, { "\xe2\x84\xaaill", "kill" },
		{ "\xc4\xb1" "d", "id" } };
	static const char *const harmless[] = { "shx", "nodemon", "node.js", "sh.txt",
		"semver", "uuid", "mkdirp", "rimraf", "tsc", "esbuild", "", "git-raw-commits",
		"gitx", ".sh", "test", "echo", "\xc5\xbf", "\xc5", "\xe2\x84", "\xef\xac" };
	size_t i;

	for (i = 0; i < sizeof(shadowing) / sizeof(shadowing[0]); i++)
		assert_string_equal(ns_bin_shadowed_command(shadowing[i][0]), shadowing[i][1]);
	for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
		assert_null(ns_bin_shadowed_command(harmless[i]));
	/* the command's own package, and the ones the table names for it */
	assert_true(ns_bin_command_owner("node", "node"));
	assert_true(ns_bin_command_owner("npx", "npm"));
	assert_true(ns_bin_command_owner("yarn", "corepack"));
	assert_true(ns_bin_command_owner("pnpx", "pnpm"));
	assert_false(ns_bin_command_owner("pnpx", "pnp"));
	assert_false(ns_bin_command_owner("pnpx", "pnpmx"));
	assert_false(ns_bin_command_owner("sh", "evil-helper"));
	assert_false(ns_bin_command_owner("node", "@evil/node"));
	assert_false(ns_bin_command_owner("npm", "npx"));
	assert_false(ns_bin_command_owner("node", NULL));
}

static void
test_bin_secure_path(void **state)
{
	/* path.join('/', ref) of @npmcli/package-json's secureAndUnixifyPath */
	static const char *const cases[][2] = { { "a/b", "a/b" }, { "./a", "a" },
		{ "../../etc/x", "etc/x" }, { "a\\b", "a/b" }, { "C:x", "C/x" }, { "a/", "a/" },
		{ "a/./", "a/" }, { "a/.", "a" }, { "a/..", "" }, { "a/../", "" }, { "/", "" },
		{ "", "" }, { ".", "" }, { "a//b", "a/b" }, { "a/b/../c", "a/c" }, { "...", "..." },
		{ ".x/..y", ".x/..y" } };
	size_t i;
	char *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ns_bin_secure_path(cases[i][0]);
		assert_non_null(r);
		assert_string_equal(r, cases[i][1]);
		free(r);
	}
}

static json_t *
links_of(const char *manifest, json_t *renamed)
{
	json_t *m = json_loads(manifest, 0, NULL), *files = json_pack("{s:{},s:{},s:{}}",
	    "package/bin/sh", "package/bin/.x", "package/lib/a.js"), *l;

	assert_non_null(m);
	l = ns_bin_links(m, files, renamed);
	json_decref(m);
	json_decref(files);
	assert_non_null(l);
	return l;
}

static void
expect_links(const char *manifest, const char *want)
{
	json_t *got = links_of(manifest, NULL), *w = json_loads(want, 0, NULL);
	char *g = json_dumps(got, JSON_SORT_KEYS);

	assert_non_null(w);
	if (!json_equal(got, w))
		fail_msg("%s: links %s, want %s", manifest, g, want);
	free(g);
	json_decref(got);
	json_decref(w);
}

static void
test_bin_links(void **state)
{
	json_t *renamed = json_array(), *l;

	expect_links("{\"name\":\"@s/node\",\"bin\":\"./x.js\"}", "{\"node\":\"x.js\"}");
	expect_links("{\"bin\":\"x.js\"}", "{}"); /* no name: npm drops a string bin */
	expect_links("{\"name\":\"a\",\"bin\":[\"x/sh\",\"sh/.\",\"y/..\"]}",
	    "{\"sh\":\"x/sh\"}");
	expect_links("{\"bin\":{\"x/../sh\":\"a\",\"C:git\":\"b\",\"sh2/.\":\"c\","
	    "\"..\":\"d\",\"e\":\"..\",\"f\":5}}",
	    "{\"sh\":\"a\",\"git\":\"b\",\"sh2\":\"c\"}");
	expect_links("{\"bin\":5}", "{}");
	/* directories.bin only without a bin: dotted paths are not globbed */
	expect_links("{\"directories\":{\"bin\":\"./bin/\"}}", "{\"sh\":\"bin/sh\"}");
	expect_links("{\"bin\":\"\",\"name\":\"a\",\"directories\":{\"bin\":\"lib\"}}",
	    "{\"a.js\":\"lib/a.js\"}");
	expect_links("{\"bin\":{\"x\":\"y\"},\"directories\":{\"bin\":\"bin\"}}",
	    "{\"x\":\"y\"}");
	l = links_of("{\"bin\":{\"x/sh\":\"a\",\"ok\":\"b\",\".\":\"c\"}}", renamed);
	json_decref(l);
	assert_int_equal(json_array_size(renamed), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(renamed, 0),
	    "link")), "sh");
	assert_true(json_is_null(json_object_get(json_array_get(renamed, 1), "link")));
	json_decref(renamed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_verdicts),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_reserved_folders),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_tar_numbers),
		cmocka_unit_test(test_bin_shadow),
		cmocka_unit_test(test_bin_secure_path),
		cmocka_unit_test(test_bin_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
