/* A small npm registry client over libcurl: exactly the requests npm-release
 * makes, with npm's headers, TLS verification always on, no proxy from the
 * environment, no redirects (a redirect must never carry the bearer token
 * elsewhere), bounded bodies and timeouts. The registry URL is configuration. */
#ifndef NS_REGISTRY_H
#define NS_REGISTRY_H

#include <stddef.h>

#include "digest.h"

#define NS_MAX_HEADER 8192
#include "nserr.h"

struct reg_client;

struct reg_response {
	long status;
	char *body;           /* NUL-terminated, malloc'd */
	size_t len;
	int wants_otp;        /* 401 with www-authenticate naming otp */
	char notice[512];     /* npm-notice header, sanitized by the printer */
	long retry_after;     /* seconds, -1 if absent */
};

struct reg_client *reg_new(const char *base_url, const char *ca_file, unsigned timeout,
                           struct ns_err *err);
void reg_free(struct reg_client *c);
const char *reg_base(const struct reg_client *c);

/* One request. path is appended to the base (one '/' between). bearer and otp may
 * be NULL. npm_command fills the npm-command header. */
int reg_request(struct reg_client *c, const char *method, const char *path,
                const char *bearer, const char *otp, const char *npm_command,
                const char *content_type, const void *body, size_t body_len,
                size_t max_response, struct reg_response *resp, struct ns_err *err);

/* GET path streaming the body into out_fd while digesting it; fails when larger
 * than max_size. Returns the byte count, or -1. *status receives the HTTP status,
 * or REG_STATUS_INTERRUPTED when the answer broke off (a partial body, a reset). */
#define REG_STATUS_INTERRUPTED (-1L)
long long reg_download(struct reg_client *c, const char *path, const char *bearer,
                       int out_fd, struct ns_digest *d, long long max_size, long *status,
                       struct ns_err *err);

void reg_response_clear(struct reg_response *r);

/* With web on, requests that carry no one-time password say npm-auth-type: web,
 * inviting the registry's browser/security-key flow (authUrl + doneUrl). */
void reg_set_web_auth(struct reg_client *c, int on);

/* The path of url relative to the configured registry, when url is on exactly
 * that origin and base path; -1 otherwise (a doneUrl elsewhere must never get the
 * bearer token). */
int reg_path_of(const struct reg_client *c, const char *url, char *path, size_t cap);

/* A short message for an HTTP status, naming what npm-release thinks went wrong. */
const char *reg_status_text(long status);

/* Escapes a package name for a URL path as npm does: "@scope/name" -> "@scope%2fname". */
int reg_escape_name(const char *name, char *out, size_t cap);

#endif
