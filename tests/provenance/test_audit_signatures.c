/* Unit tests of audit --signatures (checks/audit_signatures.c) for what the test
 * registry cannot serve: a packument without time[version] (a key with a validity
 * window then fails, an open key passes and says the time is unknown), a packument
 * without the locked version, a version document of another package, a fetch that
 * fails for a name with two locked versions, --omit dev. Signatures are made here
 * with a fresh P-256 key; the packuments come from a fake fetch. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "audit_signatures.h"
#include "lockfile.h"

#define INTEG "sha512-AAAA"

static EVP_PKEY *key;
static char spki_b64[400];

static char *
sign(const char *name, const char *version)
{
	char msg[300];
	unsigned char sig[128];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	snprintf(msg, sizeof(msg), "%s@%s:%s", name, version, INTEG);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, (unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(md);
	return ns_b64_encode(sig, siglen);
}

/* {keys:[{keyid:"SHA256:test", key, expires}]} */
static void
load_keys(struct ns_regkeys *k, const char *expires)
{
	json_t *j = json_pack("{s:[{s:s, s:s, s:o}]}", "keys", "keyid", "SHA256:test", "key",
	                      spki_b64, "expires", expires ? json_string(expires) : json_null());
	struct ns_err err = { "" };

	assert_int_equal(ns_regkeys_parse(j, k, &err), 0);
	json_decref(j);
}

/* A packument of name with the given versions signed; time[] only when with_time. */
static json_t *
packument(const char *name, const char *const *versions, int with_time, const char *docname)
{
	json_t *d = json_pack("{s:s, s:{}, s:{}}", "name", name, "versions", "time");
	size_t i;

	for (i = 0; versions[i] != NULL; i++) {
		char *sig = sign(name, versions[i]);

		json_object_set_new(json_object_get(d, "versions"), versions[i],
		    json_pack("{s:s, s:s, s:{s:s, s:[{s:s, s:s}]}}", "name", docname ? docname : name,
		              "version", versions[i], "dist", "integrity", INTEG, "signatures",
		              "keyid", "SHA256:test", "sig", sig));
		if (with_time)
			json_object_set_new(json_object_get(d, "time"), versions[i],
			                    json_string("2024-06-01T00:00:00.000Z"));
		free(sig);
	}
	return d;
}

static int
fake_fetch(void *ctx, const char *name, json_t **doc, char *why, size_t cap)
{
	static const char *const one[] = { "1.0.0", NULL }, *const two[] = { "2.0.0", NULL };

	(*(int *)ctx)++;
	*doc = NULL;
	if (strcmp(name, "notime") == 0)
		*doc = packument(name, one, 0, NULL);
	else if (strcmp(name, "timed") == 0)
		*doc = packument(name, one, 1, NULL);
	else if (strcmp(name, "otherversion") == 0)
		*doc = packument(name, two, 1, NULL);
	else if (strcmp(name, "impostor") == 0)
		*doc = packument(name, one, 1, "someone-else");
	else
		snprintf(why, cap, "the registry does not have it (404)");
	return *doc != NULL ? 0 : 1;
}

static int
lock_fd(const char *json)
{
	int fd = memfd_create("lock", 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static const json_t *
pkg(const json_t *r, const char *name, const char *version)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(r, "packages"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "version")), version) == 0)
			return e;
	fail_msg("%s@%s not in the report", name, version);
	return NULL;
}

static const char *
reason(const json_t *r, const char *name, const char *version)
{
	const char *s = json_string_value(json_object_get(pkg(r, name, version), "reason"));

	return s != NULL ? s : "";
}

static const char *
result(const json_t *r, const char *name, const char *version)
{
	return json_string_value(json_object_get(pkg(r, name, version), "result"));
}

#define LOCK(deps) "{\"name\":\"app\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"packages\":{" \
	"\"\":{\"name\":\"app\",\"version\":\"1.0.0\"}" deps "}}"

static void
cases(void **state)
{
	struct ns_regkeys windowed, open;
	struct ns_err err = { "" };
	json_t *r = NULL;
	int fetches = 0, fd;

	(void)state;
	load_keys(&windowed, "2030-01-01T00:00:00.000Z");
	load_keys(&open, NULL);
	fd = lock_fd(LOCK(",\"node_modules/notime\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/timed\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/otherversion\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/impostor\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/absent\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/x/node_modules/absent\":{\"version\":\"1.0.1\"}"
	    ",\"node_modules/y/node_modules/absent\":{\"version\":\"1.0.1\"}"
	    ",\"node_modules/x\":{\"version\":\"1.0.0\",\"resolved\":\"git+ssh://git@127.0.0.1/x.git#0123456789abcdef0123456789abcdef01234567\"}"
	    ",\"node_modules/y\":{\"version\":\"1.0.0\",\"resolved\":\"git+ssh://git@127.0.0.1/y.git#0123456789abcdef0123456789abcdef01234567\"}"
	    ",\"node_modules/devbad\":{\"version\":\"1.0.0\",\"dev\":true}"));
	assert_int_equal(ns_audit_signatures(fd, 0, &windowed, fake_fetch, &fetches, &r, &err), 1);
	/* one fetch per name: absent's two versions share one */
	assert_int_equal(fetches, 6);
	assert_int_equal(json_integer_value(json_object_get(r, "checked")), 7);
	assert_string_equal(result(r, "timed", "1.0.0"), "pass");
	assert_string_equal(result(r, "notime", "1.0.0"), "fail");
	assert_non_null(strstr(reason(r, "notime", "1.0.0"), "does not say when it was published"));
	assert_string_equal(reason(r, "otherversion", "1.0.0"), "the registry has no version 1.0.0");
	assert_string_equal(reason(r, "impostor", "1.0.0"), "version document names another package");
	assert_string_equal(reason(r, "absent", "1.0.0"), "the registry does not have it (404)");
	assert_string_equal(reason(r, "absent", "1.0.1"), "the registry does not have it (404)");
	assert_string_equal(reason(r, "devbad", "1.0.0"), "the registry does not have it (404)");
	json_decref(r);
	close(fd);

	/* an open key: the publish time does not matter, and the report says it was unknown */
	fd = lock_fd(LOCK(",\"node_modules/notime\":{\"version\":\"1.0.0\"}"
	    ",\"node_modules/devbad\":{\"version\":\"1.0.0\",\"dev\":true}"));
	assert_int_equal(ns_audit_signatures(fd, NS_LOCK_OMIT_DEV, &open, fake_fetch, &fetches, &r,
	                                     &err), 0);
	assert_string_equal(result(r, "notime", "1.0.0"), "pass");
	assert_true(json_is_false(json_object_get(pkg(r, "notime", "1.0.0"), "publish_time_known")));
	assert_non_null(strstr(reason(r, "notime", "1.0.0"), "publish time unknown"));
	assert_int_equal(json_integer_value(json_object_get(r, "checked")), 1);   /* dev omitted */
	json_decref(r);
	close(fd);
	ns_regkeys_free(&windowed);
	ns_regkeys_free(&open);
}

int
main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(cases) };
	unsigned char *der = NULL;
	char *b64;
	int n;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL || (n = i2d_PUBKEY(key, &der)) <= 0 ||
	    (b64 = ns_b64_encode(der, (size_t)n)) == NULL)
		return 1;
	snprintf(spki_b64, sizeof(spki_b64), "%s", b64);
	free(b64);
	OPENSSL_free(der);
	n = cmocka_run_group_tests(tests, NULL, NULL);
	EVP_PKEY_free(key);
	return n;
}
