/* audit --signatures: registry signatures of a lockfile's registry dependencies.
 *
 * As npm audit signatures: for each name@version installed from the registry, the
 * full packument (time[version] is the publish time the key must have been valid
 * at), and every dist.signatures entry verified over "<name>@<version>:<integrity>"
 * with the pinned key of that keyid (registry_sig.c). Beyond npm: a version whose
 * publish time the registry does not say fails when the key has a validity window
 * (an expired key's signature must not pass for want of a date). A version with no
 * signature fails when the registry signs another version in this tree; when it
 * signs none of them, every version is reported "unsigned", by name. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_signatures.h"
#include "lockfile.h"
#include "lockfile_int.h"
#include "sanitize.h"

struct pkg {
	const char *name, *version;     /* borrowed from the lockfile */
	int result;                     /* 0 pass, 1 fail, 2 no signature */
	int time_known;
	char keyid[96];
	char reason[400];
};

static int
by_name(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->version, y->version);
}

/* The registry dependencies: audited nodes fetched as name@version from the
 * registry (no "resolved", or a registry tarball URL), each name@version once. */
static int
collect(const struct ns_lock *lock, unsigned omit, struct pkg **out, size_t *nout,
        struct ns_err *err)
{
	struct pkg *p;
	size_t i, n = 0, k;

	if ((p = calloc(lock->n + 1, sizeof(*p))) == NULL)
		return ns_fail(err, "out of memory");
	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *nd = &lock->nodes[i];
		char un[256], uv[128];

		if (i == lock->root || !ns_lock_audited(nd, omit))
			continue;
		if (nd->fetch != NULL &&
		    ns_lock_registry_tarball(nd->fetch, un, sizeof(un), uv, sizeof(uv)) != 1)
			continue;   /* git, a remote or file: tarball: nothing the registry signs */
		p[n].name = nd->name;
		p[n].version = nd->version;
		n++;
	}
	qsort(p, n, sizeof(*p), by_name);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || by_name(&p[k - 1], &p[i]) != 0)
			p[k++] = p[i];
	*out = p;
	*nout = k;
	return 0;
}

/* One version of a fetched packument. */
static void
verify_pkg(struct pkg *p, const json_t *doc, const struct ns_regkeys *keys)
{
	struct ns_regsig_item res;

	p->result = ns_regsig_check_version(doc, p->name, p->version, keys, &res);
	p->time_known = res.time_known;
	snprintf(p->keyid, sizeof(p->keyid), "%s", res.keyid);
	snprintf(p->reason, sizeof(p->reason), "%s", res.reason);
}

static json_t *
pkg_json(const struct pkg *p, const char *result)
{
	char nm[600], ver[300], kid[200], why[900];

	ns_sanitize(nm, sizeof(nm), p->name);
	ns_sanitize(ver, sizeof(ver), p->version);
	ns_sanitize(kid, sizeof(kid), p->keyid);
	ns_sanitize(why, sizeof(why), p->reason);
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "name", nm, "version", ver,
	                 "result", result, "keyid", kid[0] ? json_string(kid) : json_null(),
	                 "publish_time_known", p->time_known,
	                 "reason", why[0] ? json_string(why) : json_null());
}

int
ns_audit_signatures(int lockfile_fd, unsigned omit, const struct ns_regkeys *keys,
                    ns_auditsig_fetch_fn fetch, void *ctx, json_t **report,
                    struct ns_err *err)
{
	struct ns_lock lock;
	struct pkg *p = NULL;
	size_t n = 0, i, nok = 0, nfail = 0, nuns = 0;
	json_t *doc = NULL, *list;
	const char *doc_name = NULL;
	int signs = 0;

	*report = NULL;
	if (ns_lock_parse_fd(lockfile_fd, &lock, err) < 0)
		return -1;
	if (ns_lock_resolve(&lock, err) < 0 || collect(&lock, omit, &p, &n, err) < 0) {
		ns_lock_free(&lock);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* sorted by name: one packument per name */
		if (doc_name == NULL || strcmp(doc_name, p[i].name) != 0) {
			char why[300] = "";

			json_decref(doc);
			doc = NULL;
			doc_name = p[i].name;
			if (fetch(ctx, p[i].name, &doc, why, sizeof(why)) != 0 || doc == NULL) {
				json_decref(doc);
				doc = NULL;
				snprintf(p[i].reason, sizeof(p[i].reason), "%s", why[0] ? why :
				         "cannot fetch its packument");
			}
		}
		if (doc == NULL) {
			p[i].result = 1;
			if (p[i].reason[0] == '\0')
				snprintf(p[i].reason, sizeof(p[i].reason), "%s",
				         p[i - 1].reason);   /* the same name's fetch failure */
			continue;
		}
		verify_pkg(&p[i], doc, keys);
		if (p[i].result != 2)
			signs = 1;
	}
	json_decref(doc);
	list = json_array();
	for (i = 0; i < n; i++) {
		const char *res = "pass";

		if (p[i].result == 2 && signs) {
			snprintf(p[i].reason, sizeof(p[i].reason), "no registry signature "
			         "(dist.signatures missing or empty) where the registry signs others");
			p[i].result = 1;
		}
		if (p[i].result == 1) {
			res = "fail";
			nfail++;
		} else if (p[i].result == 2) {
			res = "unsigned";
			nuns++;
		} else
			nok++;
		json_array_append_new(list, pkg_json(&p[i], res));
	}
	*report = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "result",
	                    nfail ? "fail" : nuns ? "unsigned" : "pass", "registry_signs", signs,
	                    "checked", (json_int_t)n, "verified", (json_int_t)nok,
	                    "failed", (json_int_t)nfail, "unsigned", (json_int_t)nuns,
	                    "packages", list);
	free(p);
	ns_lock_free(&lock);
	if (*report == NULL)
		return ns_fail(err, "out of memory");
	return nfail ? 1 : 0;
}

void
ns_audit_signatures_print(FILE *f, const json_t *report, const char *registry)
{
	const json_t *e;
	char reg[300];
	size_t i;

	ns_sanitize(reg, sizeof(reg), registry != NULL ? registry : "?");
	/* every string in the report was sanitised when it was made */
	json_array_foreach(json_object_get(report, "packages"), i, e) {
		const char *res = json_string_value(json_object_get(e, "result"));
		const char *why = json_string_value(json_object_get(e, "reason"));
		const char *kid = json_string_value(json_object_get(e, "keyid"));

		fprintf(f, "%-8s %s@%s%s%s%s%s\n", strcmp(res, "pass") == 0 ? "ok" :
		        strcmp(res, "fail") == 0 ? "FAIL" : "unsigned",
		        json_string_value(json_object_get(e, "name")),
		        json_string_value(json_object_get(e, "version")),
		        why != NULL ? ": " : "", why != NULL ? why : "",
		        why == NULL && kid != NULL ? " signed by " : "",
		        why == NULL && kid != NULL ? kid : "");
	}
	fprintf(f, "registry signatures from %s: %lld checked, %lld verified, %lld failed, "
	        "%lld unsigned%s\n", reg,
	        (long long)json_integer_value(json_object_get(report, "checked")),
	        (long long)json_integer_value(json_object_get(report, "verified")),
	        (long long)json_integer_value(json_object_get(report, "failed")),
	        (long long)json_integer_value(json_object_get(report, "unsigned")),
	        json_is_true(json_object_get(report, "registry_signs")) ? "" :
	        json_integer_value(json_object_get(report, "checked")) > 0 ?
	        " (the registry signs none of these versions)" : "");
}
