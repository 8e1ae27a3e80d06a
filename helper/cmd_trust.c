/* npm-release trust show: what trust material is pinned ([provenance] trusted_root
 * and registry_keys), each Fulcio CA, Rekor log, CT log, TSA and registry key with
 * its validity window, and which have expired or expire within 30 days
 * (npm-release(8), TRUST). Runs as the caller: main has dropped privileges for good
 * before this parses an argument; it reads only the configuration and the two files
 * it names, with the same ownership and mode checks as approve. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "commands.h"
#include "nsconfig.h"
#include "sanitize.h"
#include "secure_file.h"
#include "session.h"
#include "../checks/sigstore.h"

#define SOON_DAYS 30
#define DAY 86400

struct show {
	int64_t now;
	json_t *warnings;          /* one printable line each */
};

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release trust show [--json]\n");
	return NS_EXIT_USAGE;
}

static void
complain(const char *a, const char *b)
{
	char x[600], y[600];

	ns_sanitize(x, sizeof(x), a);
	ns_sanitize(y, sizeof(y), b != NULL ? b : "");
	fprintf(stderr, "npm-release trust: %s%s%s\n", x, b != NULL ? ": " : "", y);
}

static json_t *
time_json(int64_t t)
{
	char s[32];

	if (t == INT64_MIN || t == NS_TIME_OPEN)
		return json_null();
	ns_time_format(t, s);
	return json_string(s);
}

/* expired, not-yet-valid, expires-soon (a warning) or valid, at now. */
static const char *
status_at(const struct show *sh, int64_t start, int64_t end)
{
	if (start != INT64_MIN && start > sh->now)
		return "not-yet-valid";
	if (end <= sh->now)
		return "expired";
	if (end != NS_TIME_OPEN && end - sh->now <= (int64_t)SOON_DAYS * DAY)
		return "expires-soon";
	return "valid";
}

static void
warn_soon(struct show *sh, const char *kind, const char *name, int64_t end)
{
	char raw[900], line[900], when[32];

	ns_time_format(end, when);
	snprintf(raw, sizeof(raw), "%s %s expires %s, in %lld day(s)", kind, name, when,
	         (long long)((end - sh->now + DAY - 1) / DAY));
	ns_sanitize(line, sizeof(line), raw);
	json_array_append_new(sh->warnings, json_string(line));
}

/* One entry: {kind, name, id, start, end, status}; end is the earlier of the
 * validity window's and the certificate chain's (cert_end, NS_TIME_OPEN if none). */
static json_t *
entry(struct show *sh, const char *kind, const char *name, const char *id, int64_t start,
      int64_t end, int64_t cert_end)
{
	char n[600], i[600];
	int64_t eff = cert_end < end ? cert_end : end;
	const char *st = status_at(sh, start, eff);

	ns_sanitize(n, sizeof(n), name != NULL ? name : "");
	ns_sanitize(i, sizeof(i), id != NULL ? id : "");
	if (strcmp(st, "expires-soon") == 0)
		warn_soon(sh, kind, n, eff);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s}", "kind", kind, "name", n, "id", i,
	                 "start", time_json(start), "end", time_json(end),
	                 "certificate_end", time_json(cert_end), "status", st);
}

/* The earliest notAfter of a chain; NS_TIME_OPEN for none, INT64_MIN if unreadable
 * (then shown as expired: a date we cannot read is not a date we trust). */
static int64_t
chain_end(STACK_OF(X509) *certs)
{
	int64_t end = NS_TIME_OPEN;
	int i;

	for (i = 0; i < sk_X509_num(certs); i++) {
		const ASN1_TIME *na = X509_get0_notAfter(sk_X509_value(certs, i));
		struct tm tm;
		int64_t t;

		memset(&tm, 0, sizeof(tm));
		if (na == NULL || ASN1_TIME_to_tm(na, &tm) != 1)
			return INT64_MIN;
		t = (int64_t)timegm(&tm);
		if (t < end)
			end = t;
	}
	return end;
}

static void
add_cas(struct show *sh, json_t *arr, const char *kind, const struct ns_trust_ca *cas,
        size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char cn[256] = "", o[256] = "", id[600];
		X509_NAME *subj = X509_get_subject_name(sk_X509_value(cas[i].certs, 0));

		if (X509_NAME_get_text_by_NID(subj, NID_commonName, cn, sizeof(cn)) < 0)
			cn[0] = '\0';
		if (X509_NAME_get_text_by_NID(subj, NID_organizationName, o, sizeof(o)) < 0)
			o[0] = '\0';
		snprintf(id, sizeof(id), "O=%s CN=%s", o, cn);
		json_array_append_new(arr, entry(sh, kind, cas[i].uri, id, cas[i].start, cas[i].end,
		                                 chain_end(cas[i].certs)));
	}
}

static void
add_logs(struct show *sh, json_t *arr, const char *kind, const struct ns_trust_log *logs,
         size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *id = ns_b64_encode(logs[i].log_id, sizeof(logs[i].log_id));

		json_array_append_new(arr, entry(sh, kind, logs[i].base_url, id != NULL ? id : "?",
		                                 logs[i].start, logs[i].end, NS_TIME_OPEN));
		free(id);
	}
}

/* No entry of a kind valid now: nothing signed from now on verifies. */
static void
need_current(struct show *sh, const json_t *arr, const char *kind, const char *usage)
{
	const json_t *e;
	size_t i;
	char line[300];

	json_array_foreach(arr, i, e) {
		const char *st = json_string_value(json_object_get(e, "status"));
		const char *id = json_string_value(json_object_get(e, "id"));

		if (usage != NULL && strcmp(id, usage) != 0 && strcmp(id, "any") != 0)
			continue;
		if (strcmp(st, "valid") == 0 || strcmp(st, "expires-soon") == 0)
			return;
	}
	snprintf(line, sizeof(line), "no %s%s%s is valid now", kind, usage ? " for " : "",
	         usage ? usage : "");
	json_array_append_new(sh->warnings, json_string(line));
}

/* A pinned file as approve opens it: absolute, no link on the way, owned by root
 * and not writable by group or others. */
static json_t *
load_pinned(const char *key, const char *path, struct ns_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	json_error_t je;
	json_t *j;

	if (sf_read_file(path, 022, NS_SIG_MAX_FILE, &buf, &len, err) != 0) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		ns_fail(err, "[provenance] %s: %s", key, why);
		return NULL;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (j == NULL)
		ns_fail(err, "[provenance] %s: %s: not JSON (line %d: %s)", key, path, je.line,
		        je.text);
	return j;
}

static json_t *
show_root(struct show *sh, const char *path, struct ns_err *err)
{
	struct ns_trust t;
	json_t *j = load_pinned("trusted_root", path, err), *out, *cas, *tl, *ct, *tsa;

	if (j == NULL)
		return NULL;
	if (ns_trust_parse(j, &t, err) != 0) {
		json_decref(j);
		return NULL;
	}
	json_decref(j);
	cas = json_array();
	tl = json_array();
	ct = json_array();
	tsa = json_array();
	add_cas(sh, cas, "Fulcio CA", t.cas, t.ncas);
	add_logs(sh, tl, "Rekor log", t.tlogs, t.ntlogs);
	add_logs(sh, ct, "CT log", t.ctlogs, t.nctlogs);
	add_cas(sh, tsa, "TSA", t.tsas, t.ntsas);
	need_current(sh, cas, "Fulcio CA", NULL);
	need_current(sh, tl, "Rekor log", NULL);
	need_current(sh, ct, "CT log", NULL);
	ns_trust_free(&t);
	out = json_pack("{s:s, s:o, s:o, s:o, s:o}", "path", path, "certificate_authorities", cas,
	                "tlogs", tl, "ctlogs", ct, "timestamp_authorities", tsa);
	return out;
}

static json_t *
show_keys(struct show *sh, const char *path, struct ns_err *err)
{
	struct ns_regkeys k;
	json_t *j = load_pinned("registry_keys", path, err), *keys;
	size_t i;

	if (j == NULL)
		return NULL;
	if (ns_regkeys_parse(j, &k, err) != 0) {
		json_decref(j);
		return NULL;
	}
	json_decref(j);
	keys = json_array();
	for (i = 0; i < k.n; i++)
		json_array_append_new(keys, entry(sh, "registry key", k.k[i].keyid,
		                      k.k[i].usage != NULL ? k.k[i].usage : "any", k.k[i].start,
		                      k.k[i].end, NS_TIME_OPEN));
	need_current(sh, keys, "registry key", "npm:signatures");
	need_current(sh, keys, "registry key", "npm:attestations");
	ns_regkeys_free(&k);
	return json_pack("{s:s, s:o}", "path", path, "keys", keys);
}

static void
print_entries(const json_t *arr)
{
	const json_t *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *get[4] = { "start", "end", "certificate_end", NULL };
		char t[3][32];
		int k;

		for (k = 0; get[k] != NULL; k++) {
			const char *s = json_string_value(json_object_get(e, get[k]));

			snprintf(t[k], sizeof(t[k]), "%s", s != NULL ? s : k == 0 ? "-" : "open");
		}
		/* every string was sanitised when the entry was made */
		printf("  %-13s %-14s %s  %s\n      valid %s .. %s%s%s\n",
		       json_string_value(json_object_get(e, "status")),
		       json_string_value(json_object_get(e, "kind")),
		       json_string_value(json_object_get(e, "name")),
		       json_string_value(json_object_get(e, "id")), t[0], t[1],
		       json_is_string(json_object_get(e, "certificate_end")) ? ", certificate until " :
		       "", json_is_string(json_object_get(e, "certificate_end")) ? t[2] : "");
	}
}

static void
print_human(const json_t *out)
{
	const json_t *r = json_object_get(out, "trusted_root"), *k = json_object_get(out,
	                                                                            "registry_keys");
	const json_t *w;
	char now[32];
	size_t i;

	printf("configuration %s\n", json_string_value(json_object_get(out, "config")));
	snprintf(now, sizeof(now), "%s", json_string_value(json_object_get(out, "now")));
	printf("now %s; expires-soon = within %d days\n", now, SOON_DAYS);
	if (json_is_object(r)) {
		printf("[provenance] trusted_root = %s\n", json_string_value(json_object_get(r, "path")));
		print_entries(json_object_get(r, "certificate_authorities"));
		print_entries(json_object_get(r, "tlogs"));
		print_entries(json_object_get(r, "ctlogs"));
		print_entries(json_object_get(r, "timestamp_authorities"));
	} else
		printf("[provenance] trusted_root: not set\n");
	if (json_is_object(k)) {
		printf("[provenance] registry_keys = %s\n", json_string_value(json_object_get(k, "path")));
		print_entries(json_object_get(k, "keys"));
	} else
		printf("[provenance] registry_keys: not set\n");
	json_array_foreach(json_object_get(out, "warnings"), i, w)
		printf("warning: %s\n", json_string_value(w));
}

int
cmd_trust(int argc, char **argv)
{
	struct ns_config *cfg;
	struct ns_err err = { "" };
	struct show sh;
	json_t *out, *root = NULL, *keys = NULL;
	char cpath[600], rpath[4100], kpath[4100];
	int json = 0, rc = NS_EXIT_USAGE;

	if (argc < 2 || strcmp(argv[1], "show") != 0 || argc > 3)
		return usage();
	if (argc == 3) {
		if (strcmp(argv[2], "--json") != 0)
			return usage();
		json = 1;
	}
	if ((cfg = ns_config_load(session_config_path, &err)) == NULL) {
		complain(err.msg, NULL);
		return NS_EXIT_USAGE;
	}
	sh.now = (int64_t)time(NULL);
	sh.warnings = json_array();
	ns_sanitize(cpath, sizeof(cpath), session_config_path);
	if (cfg->trusted_root != NULL) {
		ns_sanitize(rpath, sizeof(rpath), cfg->trusted_root);
		if ((root = show_root(&sh, cfg->trusted_root, &err)) == NULL) {
			complain(err.msg, NULL);
			goto out;
		}
	}
	if (cfg->registry_keys != NULL) {
		ns_sanitize(kpath, sizeof(kpath), cfg->registry_keys);
		if ((keys = show_keys(&sh, cfg->registry_keys, &err)) == NULL) {
			complain(err.msg, NULL);
			goto out;
		}
	}
	if (root != NULL)
		json_object_set_new(root, "path", json_string(rpath));
	if (keys != NULL)
		json_object_set_new(keys, "path", json_string(kpath));
	out = json_pack("{s:s, s:o, s:O, s:O, s:O}", "config", cpath, "now", time_json(sh.now),
	                "trusted_root", root != NULL ? root : json_null(),
	                "registry_keys", keys != NULL ? keys : json_null(),
	                "warnings", sh.warnings);
	if (out == NULL) {
		complain("out of memory", NULL);
		goto out;
	}
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
	} else
		print_human(out);
	json_decref(out);
	rc = json_array_size(sh.warnings) > 0 ? NS_EXIT_FAIL : NS_EXIT_OK;
out:
	json_decref(root);
	json_decref(keys);
	json_decref(sh.warnings);
	ns_config_free(cfg);
	return rc;
}
