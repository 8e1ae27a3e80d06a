#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "digest.h"
#include "statement.h"

static int
clean_field(const char *label, const char *v, struct ns_err *err)
{
	const unsigned char *p;

	if (v == NULL || *v == '\0')
		return ns_fail(err, "approval statement: %s is missing", label);
	if (strlen(v) > 512)
		return ns_fail(err, "approval statement: %s is too long", label);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ns_fail(err, "approval statement: %s has a control character", label);
	return 0;
}

static const char *const prov_labels[] = { "provenance-repository", "provenance-workflow",
	"provenance-ref", "provenance-commit", "provenance-issuer", "provenance-bundle-sha256" };

int
ns_statement_provenance_from_report(const char *report, struct ns_statement_provenance *p)
{
	json_t *rep, *prov, *id;
	struct { const char *key; char *dst; size_t cap; int in_id; } f[] = {
		{ "repository", p->repository, sizeof(p->repository), 1 },
		{ "workflow", p->workflow, sizeof(p->workflow), 1 },
		{ "ref", p->ref, sizeof(p->ref), 1 },
		{ "commit", p->commit, sizeof(p->commit), 1 },
		{ "issuer", p->issuer, sizeof(p->issuer), 1 },
		{ "bundle_sha256", p->bundle_sha256, sizeof(p->bundle_sha256), 0 },
	};
	const char *result;
	size_t i;
	int rc = 1;

	memset(p, 0, sizeof(*p));
	if (report == NULL)
		return 0; /* no report: nothing checked, nothing to sign */
	/* A report that cannot be read (out of memory) is no report without
	 * provenance: the caller's statement then refuses the empty fields. */
	if ((rep = json_loads(report, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	prov = json_object_get(rep, "provenance");
	result = json_string_value(json_object_get(prov, "result"));
	if (prov == NULL || (result != NULL && strcmp(result, "pass") != 0)) {
		json_decref(rep);
		return 0;
	}
	id = json_object_get(prov, "identity");
	for (i = 0; i < sizeof(f) / sizeof(f[0]) && rc == 1; i++) {
		const char *v = json_string_value(json_object_get(f[i].in_id ? id : prov, f[i].key));
		if (result == NULL || v == NULL || strlen(v) >= f[i].cap)
			rc = -1;
		else
			memcpy(f[i].dst, v, strlen(v) + 1);
	}
	json_decref(rep);
	if (rc != 1)
		memset(p, 0, sizeof(*p));
	return rc;
}

char *
ns_statement_build(const struct ns_statement_fields *f, struct ns_err *err)
{
	const char *labels[] = { "action", "registry", "package", "version", "dist-tag",
		                 "integrity", "shasum", "stage-id", "report-sha256", "approver",
		                 "nonce" };
	const char *values[] = { f->action, f->registry, f->name, f->version, f->tag,
		                 f->integrity, f->shasum, f->stage_id, f->report_sha256,
		                 f->approver, f->nonce };
	char expires[32], *text;
	struct tm tm;
	size_t i, cap = 64, off;
	int n;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (clean_field(labels[i], values[i], err) != 0)
			return NULL;
		cap += strlen(labels[i]) + strlen(values[i]) + 3;
	}
	if (gmtime_r(&f->expires, &tm) == NULL ||
	    strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		ns_fail(err, "approval statement: bad expiry time");
		return NULL;
	}
	if (f->provenance != NULL) {
		const struct ns_statement_provenance *p = f->provenance;
		const char *pv[] = { p->repository, p->workflow, p->ref, p->commit, p->issuer,
			             p->bundle_sha256 };
		for (i = 0; i < sizeof(pv) / sizeof(pv[0]); i++) {
			if (clean_field(prov_labels[i], pv[i], err) != 0)
				return NULL;
			cap += strlen(prov_labels[i]) + strlen(pv[i]) + 3;
		}
	}
	cap += sizeof(expires) + 16;
	text = malloc(cap);
	if (text == NULL) {
		ns_fail(err, "approval statement: out of memory");
		return NULL;
	}
	off = (size_t)snprintf(text, cap, "npmstage-approval-v1\n");
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		n = snprintf(text + off, cap - off, "%s: %s\n", labels[i], values[i]);
		off += (size_t)n;
	}
	if (f->provenance != NULL) {
		const struct ns_statement_provenance *p = f->provenance;
		const char *pv[] = { p->repository, p->workflow, p->ref, p->commit, p->issuer,
			             p->bundle_sha256 };
		for (i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
			off += (size_t)snprintf(text + off, cap - off, "%s: %s\n", prov_labels[i], pv[i]);
	}
	snprintf(text + off, cap - off, "expires: %s\n", expires);
	return text;
}

int
ns_nonce(char *buf, struct ns_err *err)
{
	unsigned char raw[NS_NONCE_HEX / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return ns_fail(err, "getrandom: %s", strerror(errno));
	ns_hex(raw, sizeof(raw), buf);
	return 0;
}
