/* The registry bulk advisory endpoint (PROTOCOLS §3): a gzip-compressed JSON
 * POST of {name: [versions]}; the response maps names to advisories. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <zlib.h>

#include "audit_int.h"

#define BULK_PATH "/-/npm/v1/security/advisories/bulk"

struct rbuf {
	char *p;
	size_t len;
	int over;
};

static size_t
on_data(char *data, size_t sz, size_t nm, void *ctx)
{
	struct rbuf *b = ctx;
	size_t n = sz * nm;
	char *np;

	if (b->len + n > NS_AUDIT_MAX_BULK_RESPONSE) {
		b->over = 1;
		return 0;
	}
	if ((np = realloc(b->p, b->len + n + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static int
gzip_body(const char *in, size_t inlen, unsigned char **out, size_t *outlen, struct ns_err *err)
{
	z_stream z;
	size_t cap = deflateBound(NULL, (uLong)inlen) + 64;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper, as content-encoding: gzip requires */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return ns_fail(err, "zlib initialisation failed");
	cap = deflateBound(&z, (uLong)inlen) + 64;
	if ((*out = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return ns_fail(err, "out of memory");
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(*out);
		return ns_fail(err, "gzip compression of the audit request failed");
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return 0;
}

int
ns_audit_bulk_fetch(const char *base_url, const json_t *body, json_t **resp, struct ns_err *err)
{
	CURL *c = NULL;
	struct curl_slist *hdr = NULL;
	struct rbuf rb = { NULL, 0, 0 };
	unsigned char *gz = NULL;
	size_t gzlen = 0, bl;
	char *json = NULL, *url = NULL;
	long status = 0;
	CURLcode cc;
	json_error_t je;
	int rc = -1;

	*resp = NULL;
	if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
		return ns_fail(err, "bulk URL must be http:// or https://");
	bl = strlen(base_url);
	while (bl > 0 && base_url[bl - 1] == '/')
		bl--;
	if ((url = malloc(bl + sizeof(BULK_PATH))) == NULL ||
	    (json = json_dumps(body, JSON_COMPACT)) == NULL) {
		ns_fail(err, "out of memory");
		goto out;
	}
	memcpy(url, base_url, bl);
	memcpy(url + bl, BULK_PATH, sizeof(BULK_PATH));
	if (gzip_body(json, strlen(json), &gz, &gzlen, err) < 0)
		goto out;
	if ((c = curl_easy_init()) == NULL) {
		ns_fail(err, "libcurl initialisation failed");
		goto out;
	}
	hdr = curl_slist_append(hdr, "content-type: application/json");
	hdr = curl_slist_append(hdr, "content-encoding: gzip");
	hdr = curl_slist_append(hdr, "accept: application/json");
	hdr = curl_slist_append(hdr, "npm-command: audit");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "npm-release/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, gz);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)gzlen);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(c);
	if (rb.over) {
		ns_fail(err, "audit endpoint response exceeds %u bytes", NS_AUDIT_MAX_BULK_RESPONSE);
		goto out;
	}
	if (cc != CURLE_OK) {
		ns_fail(err, "audit endpoint %.200s: %s", url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		char excerpt[160] = "";
		size_t i;

		for (i = 0; rb.p != NULL && i < rb.len && i + 1 < sizeof(excerpt); i++)
			excerpt[i] = (rb.p[i] >= 0x20 && rb.p[i] < 0x7f) ? rb.p[i] : '?';
		excerpt[i] = '\0';
		ns_fail(err, "audit endpoint returned HTTP %ld: %s", status, excerpt);
		goto out;
	}
	*resp = json_loadb(rb.p ? rb.p : "", rb.len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*resp)) {
		json_decref(*resp);
		*resp = NULL;
		ns_fail(err, "audit endpoint response is not a JSON object: %s", je.text);
		goto out;
	}
	rc = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	free(rb.p);
	free(gz);
	free(json);
	free(url);
	return rc;
}
