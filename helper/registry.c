#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "registry.h"
#include "secure_file.h"

struct reg_client {
	CURL *curl;
	char *base;
	char *ca_file;
	unsigned timeout;
	int web_auth;
};

#define GET_RETRIES 3
#define RETRY_AFTER_MAX 30

struct body_sink {
	char *buf;
	size_t len, cap, max;
	int overflow;
};

struct file_sink {
	int fd;
	struct ns_digest *d;
	long long total, max;
	int error;
};

struct header_sink {
	struct reg_response *resp;
};

const char *
reg_base(const struct reg_client *c)
{
	return c->base;
}

void
reg_set_web_auth(struct reg_client *c, int on)
{
	c->web_auth = on;
}

int
reg_path_of(const struct reg_client *c, const char *url, char *path, size_t cap)
{
	size_t n = strlen(c->base);

	if (strncmp(url, c->base, n) != 0 || url[n] != '/' || strstr(url + n, "..") != NULL ||
	    strpbrk(url + n, " \t\r\n\\#@") != NULL || strlen(url + n) >= cap)
		return -1;
	snprintf(path, cap, "%s", url + n);
	return 0;
}

struct reg_client *
reg_new(const char *base_url, const char *ca_file, unsigned timeout, struct ns_err *err)
{
	struct reg_client *c;
	size_t n;

	if (base_url == NULL) {
		ns_fail(err, "no [registry] url configured");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(c);
		ns_fail(err, "registry client: initialisation failed");
		return NULL;
	}
	c->base = strdup(base_url);
	c->ca_file = ca_file ? strdup(ca_file) : NULL;
	c->timeout = timeout;
	c->curl = curl_easy_init();
	if (c->base == NULL || c->curl == NULL || (ca_file != NULL && c->ca_file == NULL)) {
		reg_free(c);
		ns_fail(err, "registry client: out of memory");
		return NULL;
	}
	n = strlen(c->base);
	if (n > 0 && c->base[n - 1] == '/')
		c->base[n - 1] = '\0';
	return c;
}

void
reg_free(struct reg_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->ca_file);
	free(c);
}

void
reg_response_clear(struct reg_response *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int
reg_escape_name(const char *name, char *out, size_t cap)
{
	const char *slash = strchr(name, '/');

	if (name[0] == '@' && slash != NULL) {
		if ((size_t)snprintf(out, cap, "%.*s%%2f%s", (int)(slash - name), name, slash + 1) >= cap)
			return -1;
		return 0;
	}
	if (slash != NULL || (size_t)snprintf(out, cap, "%s", name) >= cap)
		return -1;
	return 0;
}

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body_sink *s = ud;
	size_t n = size * nmemb;
	char *nb;

	if (s->len + n > s->max) {
		s->overflow = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->len + n + 1) * 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		nb = realloc(s->buf, cap);
		if (nb == NULL)
			return 0;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static size_t
file_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct file_sink *s = ud;
	size_t n = size * nmemb, off = 0;
	ssize_t w;

	if (s->total + (long long)n > s->max) {
		s->error = EFBIG;
		return 0;
	}
	while (off < n) {
		w = write(s->fd, ptr + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->error = errno;
			return 0;
		}
		off += (size_t)w;
	}
	if (s->d != NULL && ns_digest_update(s->d, ptr, n) != 0) {
		s->error = EIO;
		return 0;
	}
	s->total += (long long)n;
	return n;
}

static size_t
header_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct header_sink *h = ud;
	size_t n = size * nmemb, vlen;
	const char *v;

	if (h->resp == NULL)
		return n;
	if (n > 15 && strncasecmp(ptr, "www-authenticate:", 17) == 0) {
		/* comma-separated values; any one equal to "otp" (case-insensitive) */
		char tmp[256];
		char *tok, *save = NULL;
		vlen = n - 17 < sizeof(tmp) - 1 ? n - 17 : sizeof(tmp) - 1;
		memcpy(tmp, ptr + 17, vlen);
		tmp[vlen] = '\0';
		for (tok = strtok_r(tmp, ", \t\r\n", &save); tok; tok = strtok_r(NULL, ", \t\r\n", &save))
			if (strcasecmp(tok, "otp") == 0)
				h->resp->wants_otp = 1;
	} else if (n > 11 && strncasecmp(ptr, "npm-notice:", 11) == 0) {
		v = ptr + 11;
		while (*v == ' ' && v < ptr + n)
			v++;
		vlen = (size_t)(ptr + n - v);
		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		if (vlen >= sizeof(h->resp->notice))
			vlen = sizeof(h->resp->notice) - 1;
		memcpy(h->resp->notice, v, vlen);
		h->resp->notice[vlen] = '\0';
	} else if (n > 12 && strncasecmp(ptr, "retry-after:", 12) == 0) {
		long secs = strtol(ptr + 12, NULL, 10);
		if (secs >= 0 && secs < 3600)
			h->resp->retry_after = secs;
	}
	return n;
}

static int
setup(struct reg_client *c, const char *method, const char *path, struct curl_slist **hdrs,
      const char *bearer, const char *otp, const char *npm_command, const char *content_type,
      struct ns_err *err)
{
	char url[4096], line[NS_MAX_HEADER];
	CURL *h = c->curl;

	curl_easy_reset(h);
	if (path[0] == '/')
		path++;
	if ((size_t)snprintf(url, sizeof(url), "%s/%s", c->base, path) >= sizeof(url))
		return ns_fail(err, "registry URL too long");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");      /* never a proxy from the environment */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "npm-release/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	*hdrs = curl_slist_append(NULL, "accept: application/json");
	if (npm_command != NULL) {
		snprintf(line, sizeof(line), "npm-command: %s", npm_command);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	if (content_type != NULL) {
		snprintf(line, sizeof(line), "content-type: %s", content_type);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	if (bearer != NULL) {
		snprintf(line, sizeof(line), "authorization: Bearer %s", bearer);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	if (otp == NULL && c->web_auth)
		*hdrs = curl_slist_append(*hdrs, "npm-auth-type: web");
	if (otp != NULL) {
		/* A code we supply means the classic OTP flow, as npm does with --otp. */
		*hdrs = curl_slist_append(*hdrs, "npm-auth-type: legacy");
		snprintf(line, sizeof(line), "npm-otp: %s", otp);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	explicit_bzero(line, sizeof(line));
	if (*hdrs == NULL)
		return ns_fail(err, "registry client: out of memory");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	return 0;
}

/* curl_slist holds header copies with the token: wipe them before freeing. */
static void
free_headers(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int reg_request_once(struct reg_client *c, const char *method, const char *path,
                            const char *bearer, const char *otp, const char *npm_command,
                            const char *content_type, const void *body, size_t body_len,
                            size_t max_response, struct reg_response *resp, struct ns_err *err);

/* GETs are idempotent: a 429 or 503 is retried after its Retry-After (bounded).
 * Writes are never retried here; their callers look at the registry first. */
int
reg_request(struct reg_client *c, const char *method, const char *path, const char *bearer,
            const char *otp, const char *npm_command, const char *content_type,
            const void *body, size_t body_len, size_t max_response, struct reg_response *resp,
            struct ns_err *err)
{
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		rc = reg_request_once(c, method, path, bearer, otp, npm_command, content_type, body,
		                      body_len, max_response, resp, err);
		if (rc != 0 || strcmp(method, "GET") != 0 || attempt + 1 >= GET_RETRIES ||
		    (resp->status != 429 && resp->status != 503))
			return rc;
		{
			long wait = resp->retry_after >= 0 ? resp->retry_after : 2;
			if (wait > RETRY_AFTER_MAX)
				return rc;
			fprintf(stderr, "npm-release: registry answered %ld; retrying in %lds\n",
			        resp->status, wait);
			reg_response_clear(resp);
			sleep((unsigned)(wait > 0 ? wait : 1));
		}
	}
}

static int
reg_request_once(struct reg_client *c, const char *method, const char *path, const char *bearer,
                 const char *otp, const char *npm_command, const char *content_type,
                 const void *body, size_t body_len, size_t max_response,
                 struct reg_response *resp, struct ns_err *err)
{
	struct curl_slist *hdrs = NULL;
	struct body_sink sink = { .max = max_response };
	struct header_sink hs = { .resp = resp };
	CURLcode cc;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (setup(c, method, path, &hdrs, bearer, otp, npm_command, content_type, err) != 0) {
		free_headers(hdrs);
		return -1;
	}
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, header_write);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &hs);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	cc = curl_easy_perform(c->curl);
	free_headers(hdrs);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	if (cc != CURLE_OK) {
		free(sink.buf);
		if (sink.overflow)
			return ns_fail(err, "%s %s: response larger than %zu bytes", method, path,
			               max_response);
		return ns_fail(err, "%s %s: %s", method, path, curl_easy_strerror(cc));
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status >= 300 && resp->status < 400) {
		free(sink.buf);
		return ns_fail(err, "%s %s: the registry answered HTTP %ld, a redirect; npm-release "
		               "follows none (it would take the token to another place)", method, path,
		               resp->status);
	}
	if (resp->status != 401)
		resp->wants_otp = 0;
	resp->body = sink.buf ? sink.buf : strdup("");
	resp->len = sink.len;
	if (resp->body == NULL)
		return ns_fail(err, "out of memory");
	return 0;
}

/* A progress bar on stderr, only when it is a terminal (never in logs or pipes). */
struct progress {
	const char *what;
	int last_pct;
};

static int
progress_cb(void *ud, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
	struct progress *p = ud;
	int pct, i;

	(void)ut;
	(void)un;
	if (total <= 0)
		return 0;
	pct = (int)(now * 100 / total);
	if (pct == p->last_pct)
		return 0;
	p->last_pct = pct;
	fprintf(stderr, "\r%s [", p->what);
	for (i = 0; i < 30; i++)
		fputc(i < pct * 30 / 100 ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%% %lld/%lld bytes%s", pct, (long long)now, (long long)total,
	        pct >= 100 ? "\n" : "");
	return 0;
}

long long
reg_download(struct reg_client *c, const char *path, const char *bearer, int out_fd,
             struct ns_digest *d, long long max_size, long *status, struct ns_err *err)
{
	struct progress prog = { "downloading", -1 };
	struct curl_slist *hdrs = NULL;
	struct file_sink sink = { .fd = out_fd, .d = d, .max = max_size };
	CURLcode cc;

	*status = 0;
	if (setup(c, "GET", path, &hdrs, bearer, NULL, NULL, NULL, err) != 0) {
		free_headers(hdrs);
		return -1;
	}
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, file_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 1L);
	if (isatty(STDERR_FILENO)) {
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &prog);
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	}
	cc = curl_easy_perform(c->curl);
	free_headers(hdrs);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK) {
		if (sink.error == EFBIG)
			return ns_fail(err, "GET %s: larger than %lld bytes", path, max_size);
		if (sink.error != 0)
			return ns_fail(err, "GET %s: writing: %s", path, strerror(sink.error));
		if (*status >= 400)
			return ns_fail(err, "GET %s: HTTP %ld (%s)", path, *status,
			               reg_status_text(*status));
		if (cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING)
			*status = REG_STATUS_INTERRUPTED;
		return ns_fail(err, "GET %s: %s", path, curl_easy_strerror(cc));
	}
	if (*status != 200)
		return ns_fail(err, "GET %s: HTTP %ld (%s)", path, *status,
		               *status >= 300 && *status < 400 ?
		               "a redirect; npm-release follows none" : reg_status_text(*status));
	return sink.total;
}

const char *
reg_status_text(long s)
{
	switch (s) {
	case 400: return "the registry rejected the request as malformed";
	case 401: return "not authenticated: token missing, wrong or expired, or a one-time password is required";
	case 403: return "forbidden: the token may not do this (or the registry demands 2FA)";
	case 404: return "not found, or not visible to this token";
	case 409: return "conflict: that version is already staged or published";
	case 415: return "unsupported content type";
	case 429: return "rate limited by the registry";
	default:
		if (s >= 500)
			return "the registry failed (server error)";
		return "unexpected answer";
	}
}
