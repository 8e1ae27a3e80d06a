#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

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
