/* The human summary of an audit report, grouped by severity. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "nslog.h"

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* Prints untrusted text with control characters and bad UTF-8 replaced. */
static void
put(FILE *f, const char *s)
{
	char buf[1024];

	ns_sanitize(buf, sizeof(buf), s);
	fputs(buf, f);
}

/* before + sanitised s + after */
static void
field(FILE *f, const char *before, const char *s, const char *after)
{
	fputs(before, f);
	put(f, s);
	fputs(after, f);
}

void
ns_audit_print_summary(FILE *f, const json_t *report)
{
	/* malware first: it is no severity, and it always fails */
	static const char *const order[] = { "malicious package", "critical", "high", "moderate",
	    "low", "info" };
	const json_t *findings = json_object_get(report, "findings");
	const json_t *na = json_object_get(report, "not_audited");
	const json_t *sk = json_object_get(report, "skipped");
	const json_t *out = json_object_get(report, "outside_registry");
	const json_t *notes = json_object_get(report, "notes");
	const json_t *tree = json_object_get(report, "tree");
	size_t i, k, s;

	fprintf(f, "audit: %s (level %s; tree from %s, %lld packages; %zu finding%s)\n",
	    strcmp(str(report, "result"), "pass") == 0 ? "PASS" : "FAIL", str(report, "level"),
	    str(tree, "source"), (long long)json_integer_value(json_object_get(tree, "packages")),
	    json_array_size(findings), json_array_size(findings) == 1 ? "" : "s");
	for (s = 0; s < sizeof(order) / sizeof(order[0]); s++) {
		size_t n = 0;

		for (i = 0; i < json_array_size(findings); i++)
			n += strcmp(str(json_array_get(findings, i), "severity"), order[s]) == 0;
		if (n == 0)
			continue;
		fprintf(f, "\n%s%s (%zu)\n", order[s], s == 0 && n > 1 ? "s" : "", n);
		for (i = 0; i < json_array_size(findings); i++) {
			const json_t *x = json_array_get(findings, i);
			const json_t *paths = json_object_get(x, "paths");
			const json_t *ex = json_object_get(x, "exception");

			if (strcmp(str(x, "severity"), order[s]) != 0)
				continue;
			field(f, "  ", str(x, "package"), "@");
			field(f, "", str(x, "version"), "  ");
			put(f, str(x, "advisory"));
			if (json_is_true(json_object_get(x, "malware")))
				fputs("  malicious package: remove it", f);
			fputs(json_is_true(json_object_get(x, "direct")) ? "  (direct)" :
			    "  (transitive)", f);
			if (json_is_true(json_object_get(x, "dev")))
				fputs(" (dev)", f);
			field(f, "\n    ", str(x, "title"), "\n");
			field(f, "    vulnerable: ", str(x, "range"), "  ");
			field(f, "", str(x, "url"), "\n");
			for (k = 0; k < json_array_size(paths); k++)
				field(f, "    path: ", json_string_value(json_array_get(paths, k)), "\n");
			if (json_object_get(x, "data_quirk") != NULL)
				field(f, "    advisory data quirk: ", str(x, "data_quirk"), "\n");
			if (json_object_get(x, "error") != NULL)
				field(f, "    could not be evaluated (counted as affected): ",
				    str(x, "error"), "\n");
			if (ex != NULL) {
				field(f, "    exception (", str(ex, "status"), ", expires ");
				field(f, "", str(ex, "expires"), "): ");
				field(f, "", str(ex, "reason"), "\n");
			}
		}
	}
	if (json_array_size(na) > 0) {
		fprintf(f, "\nnot audited (%zu)\n", json_array_size(na));
		for (i = 0; i < json_array_size(na); i++) {
			const json_t *x = json_array_get(na, i);

			field(f, "  ", str(x, "package"), "");
			if (json_object_get(x, "range") != NULL)
				field(f, " ", str(x, "range"), "");
			field(f, ": ", str(x, "reason"), "\n");
		}
	}
	if (json_array_size(out) > 0) {
		fprintf(f, "\nnot auditable: fetched from outside the registry (%zu)\n",
		    json_array_size(out));
		for (i = 0; i < json_array_size(out); i++)
			field(f, "  ", str(json_array_get(out, i), "reason"), "\n");
	}
	if (json_array_size(sk) > 0)
		fprintf(f, "\nskipped (not from the registry): %zu\n", json_array_size(sk));
	for (i = 0; i < json_array_size(notes); i++) {
		const char *key;
		json_t *v;

		json_object_foreach((json_t *)json_array_get(notes, i), key, v)
			field(f, "note: ", json_string_value(v) ? json_string_value(v) : "", "\n");
	}
}
