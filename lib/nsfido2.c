/* FIDO2 enrolment and approval through libfido2 (the credential's text form is in
 * nsfido2_cred.c).
 * Every libfido2 failure is reported with the CTAP step it happened in, and every
 * path that is not a verified success returns -1. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "nsfido2.h"
#include "nsfido2_int.h"
#include "nslog.h"

#define FLAG_UP	0x01
#define FLAG_UV	0x04
#define MAX_CREDS	64	/* allowList entries we send */
#define RP_ID_MAX	253	/* a DNS name */
#define USER_MAX	64	/* CTAP's limit for user.name */

const char *
ns_fido2_alg_name(int alg)
{
	return alg == NS_FIDO2_ES256 ? "es256" : alg == NS_FIDO2_EDDSA ? "eddsa" : NULL;
}

size_t
ns_fido2_alg_pk_len(int alg)
{
	return alg == NS_FIDO2_ES256 ? 64 : alg == NS_FIDO2_EDDSA ? 32 : 0;
}

/* Printable ASCII without blanks, 1..max bytes: what we accept as rp id. */
static int
check_token(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return -1;
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return -1;
	return 0;
}

/* A credential is usable when its algorithm, id and key length make sense. */
int
ns_fido2_check_cred(const struct ns_fido2_cred *c, size_t i, struct ns_err *err)
{
	if (ns_fido2_alg_name(c->cose_alg) == NULL)
		return ns_fail(err, "fido2: credential %zu: unsupported algorithm %d", i,
		    c->cose_alg);
	if (c->id == NULL || c->id_len == 0 || c->id_len > NS_FIDO2_ID_MAX)
		return ns_fail(err, "fido2: credential %zu: bad credential id length %zu", i,
		    c->id_len);
	if (c->pk == NULL || c->pk_len != ns_fido2_alg_pk_len(c->cose_alg))
		return ns_fail(err, "fido2: credential %zu: bad %s public key length %zu", i,
		    ns_fido2_alg_name(c->cose_alg), c->pk_len);
	return 0;
}

void
ns_fido2_cred_clear(struct ns_fido2_cred *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->pk);
	memset(c, 0, sizeof(*c));
}

int
ns_fido2_counter_ok(unsigned stored, unsigned now_counter)
{
	/* a key without a counter reports 0 forever; anything else must move up */
	if (stored == 0 && now_counter == 0)
		return 1;
	return now_counter > stored;
}

/* ---- devices */

static int
open_path(const char *path, fido_dev_t **out, struct ns_err *err)
{
	char safe[128];
	fido_dev_t *dev;
	int r;

	*out = NULL;
	ns_sanitize(safe, sizeof(safe), path != NULL ? path : "(null)");
	if ((dev = fido_dev_new()) == NULL)
		return ns_fail(err, "fido2: out of memory");
	if ((r = fido_dev_set_timeout(dev, NS_FIDO2_TIMEOUT_MS)) != FIDO_OK ||
	    (r = fido_dev_open(dev, path)) != FIDO_OK) {
		fido_dev_free(&dev);
		return ns_fail(err, "fido2: open %s: %s", safe, fido_strerr(r));
	}
	*out = dev;
	return 0;
}

static void
close_dev(fido_dev_t **dev)
{
	if (*dev != NULL) {
		fido_dev_close(*dev);
		fido_dev_free(dev);
	}
}

static int
list_devices(fido_dev_info_t **list, size_t *n, struct ns_err *err)
{
	int r;

	*n = 0;
	if ((*list = fido_dev_info_new(NS_FIDO2_MAX_DEVICES)) == NULL)
		return ns_fail(err, "fido2: out of memory");
	if ((r = fido_dev_info_manifest(*list, NS_FIDO2_MAX_DEVICES, n)) != FIDO_OK) {
		fido_dev_info_free(list, NS_FIDO2_MAX_DEVICES);
		return ns_fail(err, "fido2: listing devices: %s", fido_strerr(r));
	}
	if (*n == 0) {
		fido_dev_info_free(list, NS_FIDO2_MAX_DEVICES);
		return ns_fail(err, "fido2: no FIDO2 device found (insert the key and retry)");
	}
	return 0;
}

static const char *
dev_path(const fido_dev_info_t *list, size_t i)
{
	return fido_dev_info_path(fido_dev_info_ptr(list, i));
}

/* ---- enrolment */

static int
copy_blob(unsigned char **dst, size_t *dst_len, const unsigned char *src, size_t len)
{
	if (src == NULL || len == 0 || (*dst = malloc(len)) == NULL)
		return -1;
	memcpy(*dst, src, len);
	*dst_len = len;
	return 0;
}

static int
check_attestation(fido_cred_t *cred, struct ns_err *err)
{
	const char *fmt = fido_cred_fmt(cred);
	int r;

	if (fmt == NULL || strcmp(fmt, "none") == 0)
		return ns_fail(err, "fido2: attestation: format \"none\" carries no "
		    "signature; refusing to enrol");
	if (fido_cred_x5c_len(cred) > 0) {
		if ((r = fido_cred_verify(cred)) != FIDO_OK)
			return ns_fail(err, "fido2: attestation (x5c): %s", fido_strerr(r));
	} else if ((r = fido_cred_verify_self(cred)) != FIDO_OK)
		return ns_fail(err, "fido2: attestation (self): %s", fido_strerr(r));
	return 0;
}

static int
make_cred(fido_dev_t *dev, fido_cred_t *cred, const char *rp_id, const char *user,
    const char *pin, int alg, const struct ns_fido2_cred *exclude, size_t n_exclude,
    int *want_uv, struct ns_err *err)
{
	unsigned char cdh[32], uid[32];
	int r;

	if (RAND_bytes(cdh, sizeof(cdh)) != 1 || RAND_bytes(uid, sizeof(uid)) != 1)
		return ns_fail(err, "fido2: no randomness for the enrolment challenge");
	if ((r = fido_cred_set_type(cred, alg)) != FIDO_OK ||
	    (r = fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh))) != FIDO_OK ||
	    (r = fido_cred_set_rp(cred, rp_id, rp_id)) != FIDO_OK ||
	    (r = fido_cred_set_user(cred, uid, sizeof(uid), user, user, NULL)) != FIDO_OK)
		return ns_fail(err, "fido2: makeCredential parameters: %s", fido_strerr(r));
	for (size_t i = 0; i < n_exclude; i++) {
		if (ns_fido2_check_cred(&exclude[i], i, err) < 0)
			return -1;
		if ((r = fido_cred_exclude(cred, exclude[i].id, exclude[i].id_len)) != FIDO_OK)
			return ns_fail(err, "fido2: makeCredential excludeList: %s",
			    fido_strerr(r));
	}
	/* ask for UV when the device can do it without a PIN; with a PIN, the PIN is UV */
	*want_uv = pin != NULL || fido_dev_has_uv(dev);
	if (pin == NULL && *want_uv &&
	    (r = fido_cred_set_uv(cred, FIDO_OPT_TRUE)) != FIDO_OK)
		return ns_fail(err, "fido2: makeCredential parameters: %s", fido_strerr(r));
	if ((r = fido_dev_make_cred(dev, cred, pin)) != FIDO_OK)
		return ns_fail(err, "fido2: makeCredential: %s", fido_strerr(r));
	return 0;
}

int
ns_fido2_enroll_dev(struct fido_dev *dev, const char *rp_id, const char *user,
    const char *pin, int alg, const struct ns_fido2_cred *exclude, size_t n_exclude,
    struct ns_fido2_cred *out, struct ns_err *err)
{
	fido_cred_t *cred = NULL;
	uint8_t flags;
	int want_uv = 0, r = -1;

	if (out == NULL)
		return ns_fail(err, "fido2: enrol: no output credential");
	memset(out, 0, sizeof(*out));
	if (dev == NULL)
		return ns_fail(err, "fido2: enrol: no device");
	if (check_token(rp_id, RP_ID_MAX) < 0)
		return ns_fail(err, "fido2: enrol: bad relying party id");
	if (user == NULL || *user == '\0' || strlen(user) > USER_MAX)
		return ns_fail(err, "fido2: enrol: user name empty or longer than %d bytes",
		    USER_MAX);
	if (ns_fido2_alg_name(alg) == NULL)
		return ns_fail(err, "fido2: enrol: unsupported algorithm %d (es256 or eddsa)",
		    alg);
	if (n_exclude > 0 && exclude == NULL)
		return ns_fail(err, "fido2: enrol: excludeList missing");
	if ((cred = fido_cred_new()) == NULL)
		return ns_fail(err, "fido2: out of memory");
	if (make_cred(dev, cred, rp_id, user, pin, alg, exclude, n_exclude, &want_uv,
	    err) < 0)
		goto out;

	flags = fido_cred_flags(cred);
	if ((flags & FLAG_UP) == 0) {
		ns_fail(err, "fido2: makeCredential: the authenticator did not confirm "
		    "user presence");
		goto out;
	}
	if (want_uv && (flags & FLAG_UV) == 0) {
		ns_fail(err, "fido2: makeCredential: user verification was asked for but "
		    "the authenticator did not report it");
		goto out;
	}
	if (check_attestation(cred, err) < 0)
		goto out;
	if (fido_cred_type(cred) != alg) {
		ns_fail(err, "fido2: makeCredential: got a key of algorithm %d, asked for %d",
		    fido_cred_type(cred), alg);
		goto out;
	}
	if (fido_cred_id_len(cred) > NS_FIDO2_ID_MAX ||
	    fido_cred_pubkey_len(cred) != ns_fido2_alg_pk_len(alg) ||
	    copy_blob(&out->id, &out->id_len, fido_cred_id_ptr(cred),
	    fido_cred_id_len(cred)) < 0 ||
	    copy_blob(&out->pk, &out->pk_len, fido_cred_pubkey_ptr(cred),
	    fido_cred_pubkey_len(cred)) < 0) {
		ns_fail(err, "fido2: makeCredential: credential id or public key of "
		    "unexpected size (id %zu, key %zu bytes)", fido_cred_id_len(cred),
		    fido_cred_pubkey_len(cred));
		goto out;
	}
	out->cose_alg = alg;
	out->uv_enrolled = (flags & FLAG_UV) != 0;
	r = 0;
out:
	if (r < 0)
		ns_fido2_cred_clear(out);
	fido_cred_free(&cred);
	return r;
}

int
ns_fido2_enroll_excluding(const char *rp_id, const char *user, const char *pin, int alg,
    const struct ns_fido2_cred *exclude, size_t n_exclude, struct ns_fido2_cred *out,
    struct ns_err *err)
{
	fido_dev_info_t *list = NULL;
	fido_dev_t *dev = NULL;
	size_t n;
	int r = -1;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (list_devices(&list, &n, err) < 0)
		return -1;
	/* the first device that opens is the one the user enrols */
	for (size_t i = 0; i < n && dev == NULL; i++)
		(void)open_path(dev_path(list, i), &dev, err);
	if (dev != NULL)
		r = ns_fido2_enroll_dev(dev, rp_id, user, pin, alg, exclude, n_exclude,
		    out, err);
	close_dev(&dev);
	fido_dev_info_free(&list, NS_FIDO2_MAX_DEVICES);
	return r;
}

int
ns_fido2_enroll(const char *rp_id, const char *user, const char *pin, int alg,
    struct ns_fido2_cred *out, struct ns_err *err)
{
	return ns_fido2_enroll_excluding(rp_id, user, pin, alg, NULL, 0, out, err);
}

/* ---- authentication */

int
ns_fido2_verify_sig(const fido_assert_t *a, const struct ns_fido2_cred *c, struct ns_err *err)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	const void *pk = NULL;
	int r = FIDO_ERR_INTERNAL;

	if (c->cose_alg == NS_FIDO2_ES256) {
		if ((es = es256_pk_new()) != NULL &&
		    (r = es256_pk_from_ptr(es, c->pk, c->pk_len)) == FIDO_OK)
			pk = es;
	} else if ((ed = eddsa_pk_new()) != NULL &&
	    (r = eddsa_pk_from_ptr(ed, c->pk, c->pk_len)) == FIDO_OK)
		pk = ed;
	if (pk == NULL)
		ns_fail(err, "fido2: enrolled public key: %s", fido_strerr(r));
	else if ((r = fido_assert_verify(a, 0, c->cose_alg, pk)) != FIDO_OK)
		ns_fail(err, "fido2: assertion signature: %s", fido_strerr(r));
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	return pk != NULL && r == FIDO_OK ? 0 : -1;
}

/* The enrolled credential the device answered with. */
static int
find_answered(const fido_assert_t *a, const struct ns_fido2_cred *creds, size_t n,
    size_t *which, struct ns_err *err)
{
	const unsigned char *id = fido_assert_id_ptr(a, 0);
	size_t len = fido_assert_id_len(a, 0);

	for (size_t i = 0; id != NULL && i < n; i++)
		if (creds[i].id_len == len && memcmp(creds[i].id, id, len) == 0) {
			*which = i;
			return 0;
		}
	return ns_fail(err, "fido2: getAssertion: the authenticator answered with a "
	    "credential that was not offered");
}

static int
get_assertion(fido_dev_t *dev, fido_assert_t *a, const char *rp_id,
    const struct ns_fido2_cred *creds, size_t n, const unsigned char *challenge,
    int uv_required, const char *pin, int *no_creds, struct ns_err *err)
{
	int r;

	if ((r = fido_assert_set_rp(a, rp_id)) != FIDO_OK ||
	    (r = fido_assert_set_clientdata_hash(a, challenge,
	    NS_FIDO2_CHALLENGE_LEN)) != FIDO_OK ||
	    (r = fido_assert_set_up(a, FIDO_OPT_TRUE)) != FIDO_OK ||
	    (uv_required && (r = fido_assert_set_uv(a, FIDO_OPT_TRUE)) != FIDO_OK))
		return ns_fail(err, "fido2: getAssertion parameters: %s", fido_strerr(r));
	for (size_t i = 0; i < n; i++)
		if ((r = fido_assert_allow_cred(a, creds[i].id, creds[i].id_len)) != FIDO_OK)
			return ns_fail(err, "fido2: getAssertion allowList: %s",
			    fido_strerr(r));
	if ((r = fido_dev_get_assert(dev, a, pin)) != FIDO_OK) {
		*no_creds = r == FIDO_ERR_NO_CREDENTIALS;
		return ns_fail(err, "fido2: getAssertion: %s", fido_strerr(r));
	}
	if (fido_assert_count(a) != 1)
		return ns_fail(err, "fido2: getAssertion: %zu assertions, expected one",
		    fido_assert_count(a));
	return 0;
}

/* Whether to ask this device for UV under policy uv (NS_FIDO2_UV_*). */
static int
uv_wanted(fido_dev_t *dev, int uv, const struct ns_fido2_cred *creds, size_t n,
    const char *pin)
{
	if (uv == NS_FIDO2_UV_REQUIRED)
		return 1;
	if (pin == NULL && !fido_dev_has_uv(dev))
		return 0;	/* cannot: a credential enrolled with UV is refused below */
	if (uv == NS_FIDO2_UV_IF_CAPABLE)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (creds[i].uv_enrolled)
			return 1;
	return 0;
}

static int
authenticate_on(fido_dev_t *dev, const char *rp_id, const struct ns_fido2_cred *creds,
    size_t n, const unsigned char *challenge, int uv, const char *pin,
    size_t *which, unsigned *counter, char **proof, int *no_creds, struct ns_err *err)
{
	fido_assert_t *a = NULL;
	uint8_t flags;
	size_t idx = 0;
	int r = -1, uv_required;

	*no_creds = 0;
	if (dev == NULL)
		return ns_fail(err, "fido2: authenticate: no device");
	if (check_token(rp_id, RP_ID_MAX) < 0)
		return ns_fail(err, "fido2: authenticate: bad relying party id");
	if (challenge == NULL)
		return ns_fail(err, "fido2: authenticate: no challenge");
	if (creds == NULL || n == 0)
		return ns_fail(err, "fido2: authenticate: no enrolled credential");
	if (n > MAX_CREDS)
		return ns_fail(err, "fido2: authenticate: more than %d credentials", MAX_CREDS);
	if (which == NULL || counter == NULL)
		return ns_fail(err, "fido2: authenticate: no result pointers");
	for (size_t i = 0; i < n; i++)
		if (ns_fido2_check_cred(&creds[i], i, err) < 0)
			return -1;
	if (uv != NS_FIDO2_UV_ENROLLED && uv != NS_FIDO2_UV_REQUIRED &&
	    uv != NS_FIDO2_UV_IF_CAPABLE)
		return ns_fail(err, "fido2: authenticate: bad user verification policy");
	uv_required = uv_wanted(dev, uv, creds, n, pin);
	if (uv_required && pin == NULL && !fido_dev_has_uv(dev))
		return ns_fail(err, "fido2: user verification required, but the "
		    "authenticator has no built-in UV and no PIN was given");
	if ((a = fido_assert_new()) == NULL)
		return ns_fail(err, "fido2: out of memory");
	if (get_assertion(dev, a, rp_id, creds, n, challenge, uv_required, pin,
	    no_creds, err) < 0 || find_answered(a, creds, n, &idx, err) < 0)
		goto out;
	/* libfido2 asked for these; a device may still not have done them */
	flags = fido_assert_flags(a, 0);
	if ((flags & FLAG_UP) == 0) {
		ns_fail(err, "fido2: getAssertion: the authenticator did not confirm user "
		    "presence");
		goto out;
	}
	if (uv_required && (flags & FLAG_UV) == 0) {
		ns_fail(err, "fido2: getAssertion: user verification required but the "
		    "authenticator did not perform it");
		goto out;
	}
	if (creds[idx].uv_enrolled && (flags & FLAG_UV) == 0) {
		ns_fail(err, "fido2: getAssertion: the credential was enrolled with user "
		    "verification, but the authenticator did not perform it (PIN or "
		    "biometric needed)");
		goto out;
	}
	if (ns_fido2_verify_sig(a, &creds[idx], err) < 0)
		goto out;
	/* what the key signed, kept for the ledger (non-repudiation) */
	if (proof != NULL && (*proof = ns_fido2_proof_format(a, &creds[idx])) == NULL) {
		ns_fail(err, "fido2: cannot record the assertion");
		goto out;
	}
	*which = idx;
	*counter = fido_assert_sigcount(a, 0);
	r = 0;
out:
	fido_assert_free(&a);
	return r;
}

int
ns_fido2_authenticate_dev(struct fido_dev *dev, const char *rp_id,
    const struct ns_fido2_cred *creds, size_t n,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], int uv,
    const char *pin, size_t *which, unsigned *counter, char **proof, struct ns_err *err)
{
	int no_creds;

	return authenticate_on(dev, rp_id, creds, n, challenge, uv, pin, which,
	    counter, proof, &no_creds, err);
}

int
ns_fido2_authenticate(const char *rp_id, const struct ns_fido2_cred *creds, size_t n,
    const unsigned char challenge[NS_FIDO2_CHALLENGE_LEN], int uv,
    const char *pin, size_t *which, unsigned *counter, char **proof, struct ns_err *err)
{
	fido_dev_info_t *list = NULL;
	fido_dev_t *dev = NULL;
	size_t ndev;
	int r = -1, no_creds = 1;

	if (list_devices(&list, &ndev, err) < 0)
		return -1;
	/* try each device in turn while the ones before hold none of the credentials */
	for (size_t i = 0; i < ndev && r < 0 && no_creds; i++) {
		if (open_path(dev_path(list, i), &dev, err) < 0)
			continue;
		r = authenticate_on(dev, rp_id, creds, n, challenge, uv, pin,
		    which, counter, proof, &no_creds, err);
		close_dev(&dev);
	}
	fido_dev_info_free(&list, NS_FIDO2_MAX_DEVICES);
	return r;
}

