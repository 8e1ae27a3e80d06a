/* The index's compact digest of an advisory's affected entries (ns_osv_digest)
 * must give exactly the answers of the JSON it replaces: for every record in
 * tests/audit/data/osv and for hand-made records with every event kind, data
 * quirks and malformed shapes, each advisory is evaluated from its JSON and from
 * its digest against versions around every event, and the answer, the quirk
 * reading and the error message must agree. Malformed shapes are not digested (so
 * their errors come from the JSON). The fast path for plain event versions must
 * read them as ns_semver_parse does. An advisory built from its JSON (an index
 * of schema 2, before the digest) and cleared leaves no JSON value behind. */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osv.h"
#include "semver.h"

static const char *const hand_made[] = {
	/* out of order, a limit, SEMVER, GIT ignored */
	"[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"2.0.0\"},{\"introduced\":\"1.5.0\"},"
	"{\"limit\":\"1.8.0\"}]},{\"type\":\"GIT\",\"events\":[{\"introduced\":\"0\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"last_affected\":\"1.2.3\"}]},"
	"{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"2.0.0-rc.1\"},{\"fixed\":\"2.1.0\"}]}]",
	/* a list in one field (GHSA-h755-8qp9-cq85), limit "*", an open range */
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"6.0.0\"},{\"fixed\":\"7.2.4, 6.11.4\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0\"},{\"limit\":\"*\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"3.1.0\"}]}]",
	/* malformed: evaluation fails closed, from the JSON */
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"banana\"}]}]",
	"[{\"events\":[{\"introduced\":\"0\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":{\"introduced\":\"0\"}}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1.0.0\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":1}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"other\":\"1.0.0\"}]}]",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[\"0\"]}]",
	"{\"type\":\"ECOSYSTEM\"}",
	"[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0.0\\n\"},{\"fixed\":\"2.0.0\"}]}]",
};

/* Versions at, just below and just above text (when it reads as a version). */
static void
add_near(char (*out)[64], size_t *n, size_t cap, const char *text)
{
	struct ns_semver v;
	unsigned long long ma, mi, pa;

	if (ns_semver_parse(&v, text, NS_SEMVER_LOOSE) < 0 || *n + 5 > cap ||
	    strlen(v.version) >= 64)
		return;
	ma = v.major, mi = v.minor, pa = v.patch;
	memcpy(out[(*n)++], v.version, strlen(v.version) + 1);
	snprintf(out[(*n)++], 64, "%llu.%llu.%llu-0", ma, mi, pa);
	snprintf(out[(*n)++], 64, "%llu.%llu.%llu", ma, mi, pa + 1);
	if (pa > 0)
		snprintf(out[(*n)++], 64, "%llu.%llu.%llu", ma, mi, pa - 1);
	if (mi > 0)
		snprintf(out[(*n)++], 64, "%llu.%llu.99", ma, mi - 1);
}

/* Every string inside the entries (event texts, versions) and versions near them. */
static void
collect(const json_t *j, char (*out)[64], size_t *n, size_t cap)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_string(j)) {
		char buf[128], *p, *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", json_string_value(j));
		for (p = buf; (tok = strtok_r(p, ", |<>=", &save)) != NULL; p = NULL)
			add_near(out, n, cap, tok);
	} else if (json_is_array(j)) {
		for (i = 0; i < json_array_size(j); i++)
			collect(json_array_get(j, i), out, n, cap);
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, x)
			collect(x, out, n, cap);
	}
}

/* Evaluates a from its JSON and from its digest; returns whether it had one. */
static int
same_answers(const struct ns_advisory *a)
{
	static char versions[2048][64];
	size_t nv = 0, i;
	struct ns_advisory d;
	struct ns_err err;
	char *digest = ns_osv_digest(a->affected);

	if (digest == NULL)
		return 0;
	assert_int_equal(ns_advisory_init(&d, a->id, a->package, a->severity, a->malware, a->url,
	    a->summary, a->range, "[]", digest, &err), 0);
	free(digest);
	assert_null(d.affected);
	add_near(versions, &nv, 2048, "0.0.0");
	add_near(versions, &nv, 2048, "99.0.0");
	collect(a->affected, versions, &nv, 2048);
	for (i = 0; i < nv; i++) {
		struct ns_semver v;
		struct ns_err e1, e2;
		char q1[512], q2[512];
		int r1, r2;

		assert_int_equal(ns_semver_parse(&v, versions[i], 0), 0);
		memset(&e1, 0, sizeof(e1));
		memset(&e2, 0, sizeof(e2));
		r1 = ns_osv_affects_quirk(a, &v, q1, sizeof(q1), &e1);
		r2 = ns_osv_affects_quirk(&d, &v, q2, sizeof(q2), &e2);
		if (r1 != r2)
			fail_msg("%s %s: JSON says %d, digest %d", a->id, versions[i], r1, r2);
		if (r1 > 0)
			assert_string_equal(q1, q2);
		if (r1 < 0)
			assert_string_equal(e1.msg, e2.msg);
	}
	ns_advisory_clear(&d);
	return 1;
}

static void
record_text(const char *text, size_t *digested, size_t *advisories)
{
	json_error_t je;
	json_t *rec = json_loads(text, 0, &je);
	struct ns_advisory *a;
	struct ns_err err;
	size_t n, i;

	assert_non_null(rec);
	assert_int_equal(ns_osv_split(rec, &a, &n, &err), 0);
	for (i = 0; i < n; i++)
		*digested += (size_t)same_answers(&a[i]);
	*advisories += n;
	ns_advisory_free_array(a, n);
	json_decref(rec);
}

static void
real_records(void **state)
{
	DIR *d = opendir(SRCDIR "/tests/audit/data/osv");
	struct dirent *e;
	size_t digested = 0, advisories = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[4096], *buf;
		FILE *f;
		long len;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/tests/audit/data/osv/%s", SRCDIR, e->d_name);
		assert_non_null(f = fopen(path, "rb"));
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		assert_non_null(buf = calloc(1, (size_t)len + 1));
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		record_text(buf, &digested, &advisories);
		free(buf);
	}
	closedir(d);
	assert_true(advisories >= 80);
	assert_int_equal(digested, advisories); /* real data: every one digested */
}

static void
hand_made_records(void **state)
{
	size_t i, digested = 0, advisories = 0;

	(void)state;
	for (i = 0; i < sizeof(hand_made) / sizeof(hand_made[0]); i++) {
		char buf[2048];
		size_t before = digested;

		snprintf(buf, sizeof(buf), "{\"id\":\"GHSA-test-0000-0000\",\"summary\":\"t\","
		    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},"
		    "\"versions\":[\"1.6.1\"],\"database_specific\":{"
		    "\"last_known_affected_version_range\":\"< 3.2.0\"},\"ranges\":%s},"
		    "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},\"ranges\":[{\"type\":"
		    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"5.0.0\"}]}]}]}", hand_made[i]);
		record_text(buf, &digested, &advisories);
		/* the first six are well formed (banana is one: its error is the event's) */
		if ((i < 6) != (digested > before))
			fail_msg("hand-made record %zu: digested %d", i, (int)(digested > before));
	}
}

static void
plain_versions(void **state)
{
	static const char *const s[] = { "1.2.3", "0.0.0", "10.20.30", "999999999999999.1.1",
		"9007199254740991.0.0", "01.2.3", "1.02.3", "1.2.3-beta.1", "1.2.3+b", "1.2",
		"v1.2.3", " 1.2.3", "1.2.3 ", "1.2.3.4", "1..3", ".1.2", "1.2.", "0", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct ns_semver a, b;
		int zero, r1 = ns_osv_event_version(s[i], &a, &zero), r2;

		if ((r2 = ns_semver_parse(&b, s[i], 0)) < 0)
			r2 = ns_semver_parse(&b, s[i], NS_SEMVER_LOOSE);
		if (r2 < 0 || zero)
			continue; /* not read by ns_semver_parse: the padded and "0" readings */
		assert_int_equal(r1, 0);
		assert_string_equal(a.version, b.version);
		assert_true(a.major == b.major && a.minor == b.minor && a.patch == b.patch);
		assert_int_equal(a.npre, b.npre);
		assert_int_equal(ns_semver_compare(&a, &b), 0);
	}
}

/* jansson's allocations while counting: those made less those freed */
static long live_json;

static void *
counting_malloc(size_t n)
{
	void *p = malloc(n);

	live_json += p != NULL;
	return p;
}

static void
counting_free(void *p)
{
	live_json -= p != NULL;
	free(p);
}

static void
json_path_leaves_nothing(void **state)
{
	struct ns_advisory a;
	struct ns_err err;
	struct ns_semver v;

	(void)state;
	assert_int_equal(ns_semver_parse(&v, "1.5.0", 0), 0);
	json_set_alloc_funcs(counting_malloc, counting_free);
	live_json = 0;
	assert_int_equal(ns_advisory_init(&a, "GHSA-test-0000-0000", "p", 2, 0, "u", "s", "<2.0.0",
	    "[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"p\"},\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"2.0.0\"}]}]}]",
	    NULL, &err), 0);
	assert_non_null(a.affected);
	assert_int_equal(ns_osv_affects(&a, &v, &err), 1);
	ns_advisory_clear(&a);
	json_set_alloc_funcs(malloc, free);
	if (live_json != 0)
		fail_msg("%ld JSON allocations left after ns_advisory_clear", live_json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_records),
		cmocka_unit_test(hand_made_records),
		cmocka_unit_test(plain_versions),
		cmocka_unit_test(json_path_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
