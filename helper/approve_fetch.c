/* approve in registry mode: the release and its exact bytes from the stage API. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approve_fetch.h"
#include "digest.h"
#include "registry.h"
#include "spool.h"
#include "stage_record.h"
#include "token_store.h"

/* Downloads the staged tarball into the spool; its sha1 must be the record's. */
static int
fetch_tarball(struct session *s, struct reg_client *c, const char *token, struct ns_release *r,
              struct ns_err *err)
{
	struct ns_digest *d = ns_digest_new();
	char tmp[64], path[128], sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	long long n;
	long status;
	int fd;

	if (d == NULL)
		return ns_fail(err, "out of memory");
	fd = spool_tmp_open(s->st, tmp, sizeof(tmp), err);
	if (fd < 0) {
		ns_digest_free(d);
		return -1;
	}
	snprintf(path, sizeof(path), "/-/stage/%s/tarball", r->id);
	n = reg_download(c, path, token, fd, d, NS_TARBALL_MAX, &status, err);
	/* A GET is idempotent: one retry on a busy or failing gateway or an answer
	 * that broke off, from a clean file and a fresh digest, so no byte of the first
	 * attempt survives (and the sha1 is checked again). */
	if (n < 0 && (status == 429 || status == 502 || status == 503 || status == 504 ||
	              status == REG_STATUS_INTERRUPTED)) {
		if (status == REG_STATUS_INTERRUPTED)
			fprintf(stderr, "npm-release: download broke off (%s); retrying once\n",
			        err->msg);
		else
			fprintf(stderr, "npm-release: download answered %ld; retrying once\n", status);
		ns_digest_free(d);
		d = ns_digest_new();
		if (d == NULL || ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
			ns_fail(err, "spool: cannot restart the download");
			goto fail;
		}
		sleep(2);
		n = reg_download(c, path, token, fd, d, NS_TARBALL_MAX, &status, err);
	}
	if (n < 0 || ns_digest_final(d, sri, sha1) != 0)
		goto fail;
	if (strcmp(sha1, r->shasum) != 0) {
		ns_fail(err, "stage %s: downloaded tarball has sha1 %s, the stage record says %s",
		        r->id, sha1, r->shasum);
		goto fail;
	}
	if (spool_commit(s->st, fd, tmp, r->id, err) != 0)
		goto fail;
	close(fd);
	ns_digest_free(d);
	snprintf(r->integrity, sizeof(r->integrity), "%s", sri);
	r->size = n;
	return 0;
fail:
	close(fd);
	spool_discard(s->st, tmp);
	ns_digest_free(d);
	return -1;
}

int
approve_fetch_stage(struct session *s, const char *id, struct ns_release *r, struct ns_err *err)
{
	struct reg_client *c = NULL;
	struct ns_release known;
	char token[NS_TOKEN_MAX];
	int rc = -1, k;

	if (ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c == NULL || stage_record_fetch(c, token, id, r, err) != 0)
		goto out;
	k = ns_release_get(s->st, id, &known, err);
	if (k < 0)
		goto out;
	if (k == 0) {
		int same = strcmp(known.shasum, r->shasum) == 0 && strcmp(known.name, r->name) == 0 &&
		           strcmp(known.version, r->version) == 0;
		if (strcmp(known.status, "published") == 0) {
			ns_fail(err, "%s@%s (%s) was already approved and published", known.name,
			        known.version, id);
		} else if (!same) {
			ns_fail(err, "stage %s changed since it was first seen (was %s@%s sha1 %s)", id,
			        known.name, known.version, known.shasum);
		} else {
			ns_release_clear(&known);
			if (fetch_tarball(s, c, token, r, err) != 0)
				goto out;
			/* A release first seen by an abandoned reject was stored without a
			 * download: the integrity and size are the bytes just fetched (same
			 * sha1 as recorded), never an empty integrity that blocks it for good. */
			if (known.integrity[0] != '\0' && strcmp(known.integrity, r->integrity) != 0) {
				ns_fail(err, "stage %s: downloaded tarball has integrity %s, it was %s "
				             "when first seen", id, r->integrity, known.integrity);
				goto out;
			}
			if (known.integrity[0] == '\0' &&
			    ns_release_set_artifact(s->st, id, r->integrity, r->size, err) != 0) {
				ns_fail(err, "cannot record the integrity of %s", id);
				goto out;
			}
			snprintf(known.integrity, sizeof(known.integrity), "%s", r->integrity);
			known.size = r->size;
			*r = known;
			memset(&known, 0, sizeof(known));
			rc = 0;
		}
		ns_release_clear(&known);
		goto out;
	}
	if (fetch_tarball(s, c, token, r, err) != 0 || ns_release_insert(s->st, r, err) != 0)
		goto out;
	session_ledger(s, "fetch", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                           "\"integrity\":\"%s\",\"shasum\":\"%s\"}",
	               r->id, r->name, r->version, r->integrity, r->shasum);
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	return rc;
}
