/* The human summary of a verify report. Every string in the report may come from the
 * tarball, so each byte that could steer a terminal is printed as an escape. */
#include "config.h"

#include <string.h>

#include "integrity.h"
#include "integrity_path.h"
#include "sanitize.h"

#define LIST_MAX 50

/* Prints s as one printable, bounded line (ns_sanitize). */
static void
put_escaped(FILE *f, const char *s)
{
	char buf[1024];

	ns_sanitize(buf, sizeof(buf), s);
	fputs(buf, f);
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
print_list(FILE *f, const char *label, const json_t *arr)
{
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	fprintf(f, "  %s (%zu):\n", label, json_array_size(arr));
	for (i = 0; i < json_array_size(arr) && i < LIST_MAX; i++) {
		fputs("    ", f);
		put_escaped(f, json_string_value(json_array_get(arr, i)));
		fputc('\n', f);
	}
	if (json_array_size(arr) > LIST_MAX)
		fprintf(f, "    ... %zu more\n", json_array_size(arr) - LIST_MAX);
}

static void
print_map_diff(FILE *f, const char *label, const json_t *d)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)json_object_get(d, "added"), k, v) {
		fprintf(f, "  %s added: ", label);
		put_escaped(f, k);
		fputs(" ", f);
		put_escaped(f, json_string_value(v));
		fputc('\n', f);
	}
	json_object_foreach((json_t *)json_object_get(d, "removed"), k, v) {
		fprintf(f, "  %s removed: ", label);
		put_escaped(f, k);
		fputc('\n', f);
	}
	json_object_foreach((json_t *)json_object_get(d, "changed"), k, v) {
		fprintf(f, "  %s changed: ", label);
		put_escaped(f, k);
		fputs(" ", f);
		put_escaped(f, str(v, "from"));
		fputs(" -> ", f);
		put_escaped(f, str(v, "to"));
		fputc('\n', f);
	}
}

static void
print_diff(FILE *f, const json_t *diff)
{
	const json_t *files = json_object_get(diff, "files"), *prev = json_object_get(diff,
	    "previous");
	const char *k;
	json_t *v;

	fputs("changes since ", f);
	put_escaped(f, str(prev, "version"));
	fputs(":\n", f);
	print_list(f, "files added", json_object_get(files, "added"));
	print_list(f, "files removed", json_object_get(files, "removed"));
	print_list(f, "files changed", json_object_get(files, "changed"));
	json_object_foreach((json_t *)json_object_get(diff, "dependencies"), k, v)
		print_map_diff(f, k, v);
	print_map_diff(f, "script", json_object_get(diff, "scripts"));
	print_map_diff(f, "bin", json_object_get(diff, "bin"));
}

void
ns_verify_print_summary(FILE *f, const json_t *report)
{
	const json_t *pkg = json_object_get(report, "package");
	const json_t *in = json_object_get(report, "integrity"), *checks, *c;
	size_t i, passed = 0;

	fputs(strcmp(str(report, "result") != NULL ? str(report, "result") : "", "pass") == 0 ?
	    "PASS " : "FAIL ", f);
	put_escaped(f, str(pkg, "name") != NULL ? str(pkg, "name") : "(unknown)");
	fputc('@', f);
	put_escaped(f, str(pkg, "version") != NULL ? str(pkg, "version") : "(unknown)");
	fputc('\n', f);
	fputs("  integrity ", f);
	put_escaped(f, str(in, "sha512") != NULL ? str(in, "sha512") : "(not computed)");
	fputs("\n  shasum    ", f);
	put_escaped(f, str(in, "sha1") != NULL ? str(in, "sha1") : "(not computed)");
	fputc('\n', f);
	checks = json_object_get(report, "checks");
	json_array_foreach(checks, i, c) {
		const char *st = str(c, "status");

		if (st != NULL && strcmp(st, "pass") == 0) {
			passed++;
			continue;
		}
		fprintf(f, "%s ", st != NULL && strcmp(st, "fail") == 0 ? "FAIL" : "WARN");
		put_escaped(f, str(c, "id"));
		fputs(": ", f);
		if (str(c, "path") != NULL) {
			put_escaped(f, str(c, "path"));
			fputs(": ", f);
		}
		put_escaped(f, str(c, "message"));
		if (json_integer_value(json_object_get(c, "more")) > 0)
			fprintf(f, " (%lld more)", (long long)json_integer_value(json_object_get(c,
			    "more")));
		fputc('\n', f);
	}
	fprintf(f, "%zu checks passed\n", passed);
	if (json_object_get(report, "diff") != NULL)
		print_diff(f, json_object_get(report, "diff"));
}
