/* Audit exceptions: {"exceptions":[{"advisory","package","reason","expires"}]}
 * (or a bare array). Every field is required; "expires" is a YYYY-MM-DD date,
 * valid through the end of that day (UTC). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_int.h"
#include "secure_file.h"

#define MAX_EXCEPTIONS_FILE (1u << 20)

void
ns_audit_exceptions_free(struct ns_audit_exceptions *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++) {
		free(ex->e[i].advisory);
		free(ex->e[i].package);
		free(ex->e[i].reason);
		free(ex->e[i].expires);
	}
	free(ex->e);
	memset(ex, 0, sizeof(*ex));
}

static int
parse_date(const char *s, long long *end_of_day)
{
	int y, m, d;
	char tail;
	struct tm tm;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    s[4] != '-' || s[7] != '-')
		return -1;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*end_of_day = (long long)timegm(&tm) + 86400;
	return 0;
}

static char *
field(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	if (v == NULL || v[0] == '\0' || strlen(v) > 1024)
		return NULL;
	return strdup(v);
}

int
ns_audit_exceptions_load(const char *path, struct ns_audit_exceptions *ex, struct ns_err *err)
{
	char *buf = NULL;
	size_t len, i;
	json_t *root, *list;
	json_error_t je;

	memset(ex, 0, sizeof(*ex));
	if (sf_read_file(path, 022, MAX_EXCEPTIONS_FILE, &buf, &len, err) < 0)
		return -1;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL)
		return ns_fail(err, "exceptions file %s: not valid JSON (line %d: %s)", path,
		    je.line, je.text);
	list = json_is_array(root) ? root : json_object_get(root, "exceptions");
	if (!json_is_array(list)) {
		json_decref(root);
		return ns_fail(err, "exceptions file %s: no \"exceptions\" array", path);
	}
	if (json_array_size(list) > 0 &&
	    (ex->e = calloc(json_array_size(list), sizeof(*ex->e))) == NULL) {
		json_decref(root);
		return ns_fail(err, "out of memory");
	}
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *o = json_array_get(list, i);
		struct ns_audit_exception *e = &ex->e[ex->n++];
		const char *missing = NULL;

		e->advisory = field(o, "advisory");
		e->package = field(o, "package");
		e->reason = field(o, "reason");
		e->expires = field(o, "expires");
		if (e->advisory == NULL)
			missing = "advisory";
		else if (e->package == NULL)
			missing = "package";
		else if (e->reason == NULL)
			missing = "reason";
		else if (e->expires == NULL)
			missing = "expires";
		if (missing != NULL) {
			json_decref(root);
			ns_audit_exceptions_free(ex);
			return ns_fail(err, "exceptions file %s: entry %zu lacks \"%s\"", path, i,
			    missing);
		}
		if (parse_date(e->expires, &e->expires_at) < 0) {
			json_decref(root);
			ns_fail(err, "exceptions file %s: entry %zu: \"expires\" is not a "
			    "YYYY-MM-DD date", path, i);
			ns_audit_exceptions_free(ex);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

const struct ns_audit_exception *
ns_audit_exception_find(const struct ns_audit_exceptions *ex, const char *advisory,
                        const char *package)
{
	size_t i;

	for (i = 0; i < ex->n; i++)
		if (strcmp(ex->e[i].advisory, advisory) == 0 &&
		    strcmp(ex->e[i].package, package) == 0)
			return &ex->e[i];
	return NULL;
}
