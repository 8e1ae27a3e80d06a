#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <syslog.h>

#include "manifest.h"
#include "nslog.h"
#include "publish.h"
#include "registry_otp.h"

char *
publish_document(const char *registry, json_t *manifest, const char *tag,
                 const unsigned char *tgz, size_t len, const char *sri, const char *sha1,
                 const char *bundle, size_t bundle_len, const char *bundle_type,
                 struct ns_err *err)
{
	const char *name = json_string_value(json_object_get(manifest, "name"));
	const char *version = json_string_value(json_object_get(manifest, "version"));
	char attach[600], tarball_url[1200], id[600], *b64 = NULL, *text = NULL;
	json_t *ver = NULL, *doc = NULL;
	size_t rlen;

	if (name == NULL || version == NULL) {
		ns_fail(err, "manifest without name or version");
		return NULL;
	}
	if (len > (size_t)NS_TARBALL_B64_MAX) {
		ns_fail(err, "tarball too large to publish");
		return NULL;
	}
	b64 = malloc(4 * ((len + 2) / 3) + 1);
	if (b64 == NULL) {
		ns_fail(err, "out of memory");
		return NULL;
	}
	EVP_EncodeBlock((unsigned char *)b64, tgz, (int)len);
	snprintf(attach, sizeof(attach), "%s-%s.tgz", name, version);
	snprintf(id, sizeof(id), "%s@%s", name, version);
	/* libnpmpublish: new URL(`${name}/-/${name}-${version}.tgz`, registry) with the
	 * scheme forced to http://; the registry rewrites it anyway. */
	{
		const char *host = registry + (strncmp(registry, "https://", 8) == 0 ? 8 :
		                               strncmp(registry, "http://", 7) == 0 ? 7 : 0);
		rlen = strlen(host);
		while (rlen > 0 && host[rlen - 1] == '/')
			rlen--;
		snprintf(tarball_url, sizeof(tarball_url), "http://%.*s/%s/-/%s", (int)rlen, host,
		         name, attach);
	}
	ver = json_deep_copy(manifest);
	if (ver == NULL)
		goto oom;
	json_object_del(ver, "patchedDependencies");
	json_object_set_new(ver, "_id", json_string(id));
	json_object_set_new(ver, "dist", json_pack("{ssssss}", "integrity", sri, "shasum", sha1,
	                                           "tarball", tarball_url));
	doc = json_pack("{sssss:O*s{ss}s{sO}sns{s{sssssI}}}",
	                "_id", name, "name", name,
	                "description", json_object_get(manifest, "description"),
	                "dist-tags", tag, version,
	                "versions", version, ver,
	                "access",
	                "_attachments", attach, "content_type", "application/octet-stream",
	                "data", b64, "length", (json_int_t)len);
	if (doc == NULL)
		goto oom;
	if (bundle != NULL) {
		/* libnpmpublish: content_type the bundle's mediaType, data the bundle's JSON
		 * text (not base64), length that text's JavaScript length: UTF-16 code units
		 * (a checkpoint's "—" is three bytes but one unit) */
		json_t *a = json_stringn(bundle, bundle_len);
		size_t i, units = 0;
		for (i = 0; i < bundle_len; i++) {
			unsigned char ch = (unsigned char)bundle[i];
			units += (ch & 0xC0) != 0x80;
			units += ch >= 0xF0; /* beyond the BMP: a surrogate pair */
		}
		snprintf(attach, sizeof(attach), "%s-%s.sigstore", name, version);
		if (a == NULL || json_object_set_new(json_object_get(doc, "_attachments"), attach,
		                                     json_pack("{s:s, s:o, s:I}", "content_type",
		                                               bundle_type, "data", a, "length",
		                                               (json_int_t)units)) != 0)
			goto oom;
	}
	text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL)
		goto oom;
	json_decref(ver);
	json_decref(doc);
	free(b64);
	return text;
oom:
	json_decref(ver);
	json_decref(doc);
	free(b64);
	ns_fail(err, "out of memory building the publish document");
	return NULL;
}

/* The registry's web flow: show authUrl to the approver, poll doneUrl (on the
 * registry's own origin only) honouring Retry-After, and return the token it
 * hands out, which is then sent as the one-time password. */
static int
web_otp(struct reg_client *c, const struct reg_response *challenge, struct gate_token *tok,
        char *otp, size_t cap, struct ns_err *err)
{
	char path[2048], clean[1024];
	const char *auth_url, *done_url, *token;
	struct reg_response resp;
	json_error_t jerr;
	json_t *body, *doc;
	time_t deadline = time(NULL) + 300;
	int rc = -1;

	body = json_loadb(challenge->body, challenge->len, 0, &jerr);
	auth_url = json_string_value(json_object_get(body, "authUrl"));
	done_url = json_string_value(json_object_get(body, "doneUrl"));
	if (auth_url == NULL || done_url == NULL) {
		json_decref(body);
		return ns_fail(err, "the registry wants a one-time password but offered no web flow "
		                    "(set [registry] otp = stored or prompt)");
	}
	if (reg_path_of(c, done_url, path, sizeof(path)) != 0) {
		json_decref(body);
		return ns_fail(err, "the registry's doneUrl is not on its own origin; refusing to poll it");
	}
	ns_sanitize(clean, sizeof(clean), auth_url);
	fprintf(stderr, "Open %s to approve with your security key; waiting for the registry...\n",
	        clean);
	json_decref(body);
	while (time(NULL) < deadline) {
		if (reg_request(c, "GET", path, tok->tok.token, NULL, "stage", NULL, NULL, 0, 65536,
		                &resp, err) != 0)
			return -1;
		if (resp.status == 202) {
			long wait = resp.retry_after >= 1 && resp.retry_after <= 60 ? resp.retry_after : 5;
			reg_response_clear(&resp);
			sleep((unsigned)wait);
			continue;
		}
		if (resp.status != 200) {
			rc = ns_fail(err, "web authentication: HTTP %ld (%s)", resp.status,
			             reg_status_text(resp.status));
			reg_response_clear(&resp);
			return rc;
		}
		doc = json_loadb(resp.body, resp.len, 0, &jerr);
		reg_response_clear(&resp);
		token = json_string_value(json_object_get(doc, "token"));
		if (token == NULL || token[0] == '\0' || strlen(token) >= cap ||
		    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") !=
		        strlen(token)) {
			json_decref(doc);
			return ns_fail(err, "web authentication: the registry returned no usable token");
		}
		snprintf(otp, cap, "%s", token);
		json_decref(doc);
		return 0;
	}
	return ns_fail(err, "web authentication: timed out waiting for the approval in the browser");
}

void
publish_writes_begin(int state_dirfd, const struct ns_config *cfg, const struct gate_token *tok,
                     unsigned writes)
{
	if (cfg->registry_otp != NS_OTP_STORED || !tok->tok.has_otp || writes == 0)
		return;
	registry_otp_begin(state_dirfd, &tok->tok.otp, writes);
}

void
publish_writes_end(void)
{
	registry_otp_end();
}

static int (*recheck_fn)(void *, struct ns_err *);
static void *recheck_arg;

void
publish_recheck_after_wait(int (*fn)(void *arg, struct ns_err *err), void *arg)
{
	recheck_fn = fn;
	recheck_arg = arg;
}

/* The stored seed's code for the next write; when getting it meant waiting for a
 * step, what was read before the wait is read again (publish_recheck_after_wait). */
static int
stored_code(const struct ns_totp_key *k, int refused, char *otp, size_t cap,
            struct ns_err *err)
{
	int waited;

	if (registry_otp_code(k, refused, otp, cap, &waited, err) != 0)
		return -1;
	if (waited && recheck_fn != NULL && recheck_fn(recheck_arg, err) != 0) {
		explicit_bzero(otp, cap);
		return -1;
	}
	return 0;
}

/* Sends the request; when the registry wants a one-time password, supplies it per
 * [registry] otp. With a stored seed the account has 2FA, so the code goes with
 * the first request: no 401 to wait for, and the body is sent once. The stored
 * seed's code for a step can be spent already (by another client of the
 * account), so a refusal tries a later step once. */
static int
send_with_otp(struct reg_client *c, const struct ns_config *cfg, const char *method,
              const char *path, const char *command, const char *ctype, const char *body,
              size_t blen, struct gate_token *tok, struct reg_response *resp, struct ns_err *err)
{
	char otp[4096];
	int attempt = 0, rc;
	int stored = cfg->registry_otp == NS_OTP_STORED && tok->tok.has_otp;

	reg_set_web_auth(c, cfg->registry_otp == NS_OTP_WEB);
	if (stored) {
		/* The registry would ask a person for a code; here nobody need act, and
		 * an approver reading "provide a one-time password" would wonder. */
		fprintf(stderr, "registry %s: sending the release account's one-time password "
		                "from its stored seed (nothing to type)\n", command);
		if (stored_code(&tok->tok.otp, 0, otp, sizeof(otp), err) != 0)
			return -1;
		attempt = 1;
	}
	rc = reg_request(c, method, path, tok->tok.token, stored ? otp : NULL, command, ctype,
	                 body, blen, 1 << 20, resp, err);
	explicit_bzero(otp, sizeof(otp));
	for (; rc == 0 && resp->status == 401 && resp->wants_otp && attempt < 2; attempt++) {
		if (resp->notice[0] != '\0' && !stored) {
			char clean[512];
			ns_sanitize(clean, sizeof(clean), resp->notice);
			fprintf(stderr, "registry notice: %s\n", clean);
		}
		if (cfg->registry_otp == NS_OTP_WEB) {
			rc = web_otp(c, resp, tok, otp, sizeof(otp), err);
			reg_response_clear(resp);
			if (rc != 0)
				return -1;
			rc = reg_request(c, method, path, tok->tok.token, otp, command, ctype, body, blen,
			                 1 << 20, resp, err);
			explicit_bzero(otp, sizeof(otp));
			break;
		}
		reg_response_clear(resp);
		if (stored) {
			/* a refused code's step counts as spent: the next try uses a later one */
			fprintf(stderr, "registry refused the code; trying the next step\n");
			if (stored_code(&tok->tok.otp, 1, otp, sizeof(otp), err) != 0)
				return -1;
		} else if (cfg->registry_otp == NS_OTP_PROMPT) {
			char prompt[96];
			snprintf(prompt, sizeof(prompt), "Registry one-time password (%s): ",
			         strcmp(method, "DELETE") == 0 ? "withdraw the stage" : "publish");
			if (gate_read_secret(prompt, otp, 16, GATE_ANSWER_TIMEOUT(cfg->approval_ttl)) != 0)
				return ns_fail(err, "no registry one-time password given");
		} else {
			return ns_fail(err, "the registry wants a one-time password; set [registry] "
			                    "otp = stored (with the seed in the token file) or prompt");
		}
		rc = reg_request(c, method, path, tok->tok.token, otp, command, ctype, body, blen,
		                 1 << 20, resp, err);
		explicit_bzero(otp, sizeof(otp));
		if (cfg->registry_otp == NS_OTP_PROMPT)
			break;
	}
	return rc;
}

static int
accepted_or_live(struct reg_client *c, const struct ns_release *r, const json_t *manifest,
                 const char *read_token, int rc, struct reg_response *resp, const char *what,
                 struct ns_err *err)
{
	char clean[300];
	int live;

	if (rc == 0 && resp->status >= 200 && resp->status < 300)
		return 0;
	/* A lost answer, or "already exists": look at the registry before calling it a
	 * failure, and never send the publish a second time blindly. */
	live = publish_is_live(c, read_token, r, manifest, err);
	if (live == NS_LIVE_YES) {
		fprintf(stderr, "npm-release: %s@%s is already live with this integrity\n", r->name,
		        r->version);
		return 0;
	}
	if (live == NS_LIVE_OTHER)
		return NS_PUBLISH_INCIDENT;
	if (rc != 0)
		return -1;
	ns_sanitize(clean, sizeof(clean), resp->body ? resp->body : "");
	if (resp->status == 401 && resp->wants_otp)
		return ns_fail(err, "%s: the registry refused the one-time password (wrong or already "
		                    "used code; repeated failures lock the account): %.200s", what, clean);
	return ns_fail(err, "%s: HTTP %ld (%s): %.200s", what, resp->status,
	               reg_status_text(resp->status), clean);
}

int
publish_stage_delete(struct reg_client *c, const struct ns_config *cfg,
                     const struct ns_release *r, struct gate_token *tok, int gone_ok,
                     struct ns_err *err)
{
	struct reg_response resp;
	char path[128], clean[300];
	int rc;

	snprintf(path, sizeof(path), "/-/stage/%s", r->id);
	rc = send_with_otp(c, cfg, "DELETE", path, "stage", NULL, NULL, 0, tok, &resp, err);
	if (rc == 0 && ((resp.status >= 200 && resp.status < 300) || (gone_ok && resp.status == 404))) {
		reg_response_clear(&resp);
		return 0;
	}
	if (rc == 0) {
		const char *what = gone_ok ? "withdrawing the stage" : "reject";
		ns_sanitize(clean, sizeof(clean), resp.body ? resp.body : "");
		if (resp.status == 401 && resp.wants_otp)
			rc = ns_fail(err, "%s: the registry refused the one-time password (wrong or "
			                  "already used code; repeated failures lock the account): %.200s",
			             what, clean);
		else
			rc = ns_fail(err, "%s: HTTP %ld (%s): %.200s", what, resp.status,
			             reg_status_text(resp.status), clean);
	}
	reg_response_clear(&resp);
	return rc;
}

int
publish_put(struct reg_client *c, const struct ns_config *cfg, const struct ns_release *r,
            const json_t *manifest, const char *doc, struct gate_token *tok,
            const char *read_token, struct ns_err *err)
{
	struct reg_response resp;
	char esc[512], path[600];
	int rc;

	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0)
		return ns_fail(err, "bad package name");
	snprintf(path, sizeof(path), "/%s", esc);
	rc = send_with_otp(c, cfg, "PUT", path, "publish", "application/json", doc, strlen(doc),
	                   tok, &resp, err);
	rc = accepted_or_live(c, r, manifest, read_token, rc, &resp, "publish", err);
	reg_response_clear(&resp);
	return rc;
}

int
publish_is_live(struct reg_client *c, const char *bearer, const struct ns_release *r,
                const json_t *manifest, struct ns_err *err)
{
	struct reg_response resp;
	char esc[512], path[600], diff[512], clean[100];
	json_t *doc, *ver;
	json_error_t jerr;
	const char *integrity;
	int live;

	if (reg_escape_name(r->name, esc, sizeof(esc)) != 0)
		return ns_fail(err, "bad package name");
	snprintf(path, sizeof(path), "/%s?write=true", esc);
	if (reg_request(c, "GET", path, bearer, NULL, NULL, NULL, NULL, 0, 64 << 20, &resp, err) != 0)
		return -1;
	if (resp.status == 404) {
		reg_response_clear(&resp);
		return NS_LIVE_NO;
	}
	if (resp.status != 200) {
		ns_fail(err, "GET %s: HTTP %ld (%s)", path, resp.status, reg_status_text(resp.status));
		reg_response_clear(&resp);
		return -1;
	}
	doc = json_loadb(resp.body, resp.len, 0, &jerr);
	reg_response_clear(&resp);
	if (doc == NULL)
		return ns_fail(err, "packument unreadable: %s", jerr.text);
	ver = json_object_get(json_object_get(doc, "versions"), r->version);
	integrity = json_string_value(json_object_get(json_object_get(ver, "dist"), "integrity"));
	if (ver == NULL) {
		live = NS_LIVE_NO;
	} else if (integrity == NULL || strcmp(integrity, r->integrity) != 0) {
		ns_sanitize(clean, sizeof(clean), integrity ? integrity : "none");
		live = NS_LIVE_OTHER;
		ns_fail(err, "%s@%s is live with integrity %s, not the approved %s", r->name,
		        r->version, clean, r->integrity);
	} else if (manifest_compare(manifest, ver, diff, sizeof(diff)) != 0) {
		live = NS_LIVE_OTHER;
		ns_fail(err, "%s@%s is live with a manifest that differs from the checked "
		             "package.json in: %s", r->name, r->version, diff);
	} else {
		live = NS_LIVE_YES;
	}
	json_decref(doc);
	return live;
}
