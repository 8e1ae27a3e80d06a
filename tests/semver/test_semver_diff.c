/* Differential test: checks/semver against node-semver's own answers.
 * Reads the JSON lines written by gen-cases.js (run by node-semver) and
 * evaluates every case with the C implementation; any difference fails. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "semver.h"

static const int opt_flags[4] = {
	0, NS_SEMVER_LOOSE, NS_SEMVER_INCLUDE_PRERELEASE,
	NS_SEMVER_LOOSE | NS_SEMVER_INCLUDE_PRERELEASE,
};

static unsigned long ndiff, nchecks;

static void
diff(unsigned long line, const char *what, const char *v, const char *r, const char *want,
     const char *got)
{
	ndiff++;
	if (ndiff <= 40)
		fprintf(stderr, "case %lu %s: v=\"%s\" r=\"%s\": node-semver %s, C %s\n", line,
		    what, v, r, want, got);
}

static const char *
str_or_null(const json_t *j)
{
	return json_is_string(j) ? json_string_value(j) : NULL;
}

static void
check_string(unsigned long line, const char *what, const char *v, const char *r,
             const json_t *want, const char *got)
{
	const char *w = str_or_null(want);

	nchecks++;
	if ((w == NULL) != (got == NULL) || (w != NULL && strcmp(w, got) != 0))
		diff(line, what, v, r, w ? w : "null", got ? got : "null");
}

static void
check_case(unsigned long line, const json_t *c)
{
	const char *v = json_string_value(json_object_get(c, "v"));
	const char *r = json_string_value(json_object_get(c, "r"));
	const char *w = json_string_value(json_object_get(c, "w"));
	char out[NS_SEMVER_VERSION_BUF];
	size_t i;

	if (v == NULL || r == NULL || w == NULL) {
		fprintf(stderr, "case %lu: malformed\n", line);
		ndiff++;
		return;
	}
	for (i = 0; i < 2; i++) {
		int fl = i ? NS_SEMVER_LOOSE : 0;

		check_string(line, i ? "valid(loose)" : "valid", v, r,
		    json_array_get(json_object_get(c, "valid"), i),
		    ns_semver_valid(v, fl, out, sizeof(out)) == 0 ? out : NULL);
		check_string(line, i ? "clean(loose)" : "clean", v, r,
		    json_array_get(json_object_get(c, "clean"), i),
		    ns_semver_clean(v, fl, out, sizeof(out)) == 0 ? out : NULL);
	}
	for (i = 0; i < 4; i++) {
		char what[32];
		char *vr = ns_semver_valid_range(r, opt_flags[i]);
		int want = json_is_true(json_array_get(json_object_get(c, "sat"), i));
		int got = ns_semver_satisfies(v, r, opt_flags[i]);

		snprintf(what, sizeof(what), "validRange[%zu]", i);
		check_string(line, what, v, r, json_array_get(json_object_get(c, "range"), i), vr);
		free(vr);
		nchecks++;
		if (want != got) {
			snprintf(what, sizeof(what), "satisfies[%zu]", i);
			diff(line, what, v, r, want ? "true" : "false", got ? "true" : "false");
		}
	}
	if (json_is_integer(json_object_get(c, "cmp"))) {
		struct ns_semver a, b;
		long long want = json_integer_value(json_object_get(c, "cmp"));

		nchecks++;
		if (ns_semver_parse(&a, v, NS_SEMVER_LOOSE) < 0 ||
		    ns_semver_parse(&b, w, NS_SEMVER_LOOSE) < 0)
			diff(line, "compare(parse)", v, w, "valid", "invalid");
		else if (ns_semver_compare(&a, &b) != want) {
			char g[8], e[8];

			snprintf(g, sizeof(g), "%d", ns_semver_compare(&a, &b));
			snprintf(e, sizeof(e), "%lld", want);
			diff(line, "compare", v, w, e, g);
		}
	}
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long line = 0;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: test_semver_diff CASES.jsonl\n");
		return 2;
	}
	while ((n = getline(&buf, &cap, f)) > 0) {
		json_error_t je;
		json_t *c = json_loadb(buf, (size_t)n, 0, &je);

		line++;
		if (c == NULL) {
			fprintf(stderr, "case %lu: %s\n", line, je.text);
			ndiff++;
			continue;
		}
		check_case(line, c);
		json_decref(c);
	}
	free(buf);
	fclose(f);
	printf("semver differential: %lu cases, %lu comparisons, %lu differences\n", line,
	    nchecks, ndiff);
	return (ndiff == 0 && line > 0) ? 0 : 1;
}
