/* npm-release list [--json] [PKG]: the registry's staged versions (all pages, read
 * token) beside the local spool's releases. Registry JSON is untrusted: fields are
 * type-checked and printed without control characters. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "nslog.h"
#include "registry.h"
#include "stage_record.h"
#include "session.h"
#include "token_store.h"

#define PER_PAGE 100
#define MAX_PAGES 100

static const char *
str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static void
print_row(const char *origin, const char *id, const char *name, const char *version,
          const char *tag, const char *by, const char *when, const char *status)
{
	char c[8][300];

	ns_sanitize(c[0], sizeof(c[0]), id);
	ns_sanitize(c[1], sizeof(c[1]), name);
	ns_sanitize(c[2], sizeof(c[2]), version);
	ns_sanitize(c[3], sizeof(c[3]), tag);
	ns_sanitize(c[4], sizeof(c[4]), by);
	ns_sanitize(c[5], sizeof(c[5]), when);
	ns_sanitize(c[6], sizeof(c[6]), status);
	printf("%-8s %-36s %s@%s  tag=%s  by=%s  %s  %s\n", origin, c[0], c[1], c[2], c[3], c[4],
	       c[5], c[6]);
}

/* Fetches every page of GET /-/stage into out (a JSON array of items). */
int
list_registry_stages(struct session *s, const char *pkg, json_t *out, struct ns_err *err)
{
	struct reg_client *c;
	struct reg_response resp;
	char token[NS_TOKEN_MAX], path[1024], q[600];
	json_t *doc, *items, *it;
	json_error_t jerr;
	size_t i, got = 0;
	int page, rc = -1;
	json_int_t total;

	if (ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c == NULL)
		goto out;
	q[0] = '\0';
	if (pkg != NULL) {
		/* URLSearchParams-style: unreserved bytes as they are, every other one
		 * percent-encoded ('@' -> %40, '/' -> %2F); the name was validated. */
		size_t o = 0;
		const unsigned char *p;
		o += (size_t)snprintf(q, sizeof(q), "&package=");
		for (p = (const unsigned char *)pkg; *p && o + 4 < sizeof(q); p++)
			o += (size_t)(isalnum(*p) || strchr("-._~", *p) != NULL ?
			              snprintf(q + o, sizeof(q) - o, "%c", *p) :
			              snprintf(q + o, sizeof(q) - o, "%%%02X", *p));
	}
	for (page = 0; page < MAX_PAGES; page++) {
		snprintf(path, sizeof(path), "/-/stage?page=%d&perPage=%d%s", page, PER_PAGE, q);
		if (reg_request(c, "GET", path, token, NULL, "stage", NULL, NULL, 0, 16 << 20, &resp,
		                err) != 0)
			goto out;
		if (resp.status != 200) {
			ns_fail(err, "GET /-/stage: HTTP %ld (%s)", resp.status, reg_status_text(resp.status));
			reg_response_clear(&resp);
			goto out;
		}
		doc = json_loadb(resp.body, resp.len, 0, &jerr);
		reg_response_clear(&resp);
		items = json_object_get(doc, "items");
		if (doc == NULL || !json_is_array(items)) {
			json_decref(doc);
			ns_fail(err, "GET /-/stage: unexpected answer");
			goto out;
		}
		total = json_integer_value(json_object_get(doc, "total"));
		json_array_foreach(items, i, it)
			if (json_is_object(it))
				json_array_append(out, it);
		got += json_array_size(items);
		if (json_array_size(items) < PER_PAGE || (json_int_t)got >= total) {
			json_decref(doc);
			break;
		}
		json_decref(doc);
	}
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	return rc;
}

struct local_arg {
	json_t *out;
	const char *pkg;
};

static int
collect_local(const struct ns_release *r, void *p)
{
	struct local_arg *a = p;

	if (a->pkg != NULL && strcmp(a->pkg, r->name) != 0)
		return 0;
	json_array_append_new(a->out,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "origin", r->origin,
	              "id", r->id, "packageName",
	              r->name, "version", r->version, "tag", r->tag, "actor", r->staged_by,
	              "status", r->status, "stagedAt", (json_int_t)r->staged_at, "shasum", r->shasum,
	              "integrity", r->integrity));
	return 0;
}

/* 1..214 bytes of what npm names are made of: encodeURIComponent's safe set, one
 * '@' scope prefix and one '/'. */
static int
list_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 214 || strstr(name, "..") != NULL)
		return 0;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                 "-_.!~*'()@/") != n)
		return 0;
	return strchr(name + 1, '@') == NULL &&
	       (name[0] == '@' ? strchr(name, '/') != NULL && strchr(strchr(name, '/') + 1, '/') == NULL :
	                         strchr(name, '/') == NULL);
}

int
cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct local_arg la;
	json_t *reg = json_array(), *local = json_array(), *it;
	struct ns_err err;
	const char *pkg = NULL;
	int c, json = 0, rc = NS_EXIT_FAIL;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return NS_EXIT_USAGE;
	}
	if (optind < argc)
		pkg = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "usage: npm-release list [--json] [PKG]\n");
		return NS_EXIT_USAGE;
	}
	if (pkg != NULL && !list_name_ok(pkg)) {
		/* The name goes into a registry query: only what can be an npm name (also an
		 * older one, with capitals or a core module's name) gets there. */
		char shown[128];
		ns_sanitize(shown, sizeof(shown), pkg);
		fprintf(stderr, "npm-release: list: '%s' is not a package name\n", shown);
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 0) != 0)
		return NS_EXIT_USAGE;
	if (s.cfg->registry_url != NULL && s.cfg->registry_mode == NS_MODE_STAGE &&
	    list_registry_stages(&s, pkg, reg, &err) != 0) {
		fprintf(stderr, "npm-release: registry: %s\n", err.msg);
		goto out;
	}
	la.out = local;
	la.pkg = pkg;
	if (ns_release_each(s.st, collect_local, &la, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	if (json) {
		json_t *doc = json_pack("{sOsO}", "registry", reg, "local", local);
		char *text = json_dumps(doc, JSON_INDENT(2));
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(doc);
	} else {
		json_array_foreach(reg, i, it) {
			char by[200];
			snprintf(by, sizeof(by), "%s (%s)", str(it, "actor"), str(it, "actorType"));
			print_row("registry", str(it, "id"), str(it, "packageName"), str(it, "version"),
			          str(it, "tag"), by, str(it, "createdAt"), str(it, "shasum"));
		}
		json_array_foreach(local, i, it) {
			char when[32];
			time_t t = (time_t)json_integer_value(json_object_get(it, "stagedAt"));
			struct tm tm;
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
			/* what this host knows (its spool and records), apart from the registry's list */
			print_row("host", str(it, "id"), str(it, "packageName"),
			          str(it, "version"), str(it, "tag"), str(it, "actor"), when,
			          str(it, "status"));
		}
		if (json_array_size(reg) == 0 && json_array_size(local) == 0)
			printf("nothing staged\n");
	}
	rc = NS_EXIT_OK;
out:
	json_decref(reg);
	json_decref(local);
	session_close(&s);
	return rc;
}
