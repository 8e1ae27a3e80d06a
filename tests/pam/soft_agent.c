/* The ssh-agent a PAM test plays (soft_agent.h). Test code: a libcrypto failure
 * aborts, the agent's own I/O errors end its loop. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "soft_agent.h"
#include "sshwire.h"

static void
die(const char *what)
{
	fprintf(stderr, "soft_agent: %s\n", what);
	abort();
}

void
soft_key_new(struct soft_key *k, enum ns_sshsk_type t)
{
	unsigned char pk[65], *blob;
	size_t pk_len = sizeof(pk), n;
	struct ns_sshbuf b;
	struct ns_err err;

	memset(k, 0, sizeof(*k));
	if (t == NS_SSHSK_ECDSA) {
		k->priv = EVP_EC_gen("P-256");
		if (k->priv == NULL ||
		    EVP_PKEY_get_octet_string_param(k->priv, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pk,
		                                    sizeof(pk), &pk_len) != 1)
			die("P-256 key");
	} else {
		k->priv = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		pk_len = 32;
		if (k->priv == NULL || EVP_PKEY_get_raw_public_key(k->priv, pk, &pk_len) != 1)
			die("Ed25519 key");
	}
	ns_sshbuf_writer(&b, NS_SSHSK_BLOB_MAX);
	ns_sshbuf_put_cstring(&b, ns_sshsk_type_name(t));
	if (t == NS_SSHSK_ECDSA)
		ns_sshbuf_put_cstring(&b, "nistp256");
	ns_sshbuf_put_string(&b, pk, pk_len);
	ns_sshbuf_put_cstring(&b, "ssh:");
	if ((blob = ns_sshbuf_steal(&b, &n)) == NULL ||
	    ns_sshsk_key_from_blob(blob, n, &k->key, &err) != 0)
		die("key blob");
	free(blob);
}

void
soft_key_free(struct soft_key *k)
{
	EVP_PKEY_free(k->priv);
	memset(k, 0, sizeof(*k));
}

/* An SSH mpint of a 32-byte (at most) unsigned value. */
static void
put_mpint(struct ns_sshbuf *b, const BIGNUM *v)
{
	unsigned char buf[33] = { 0 };
	int n = BN_num_bytes(v);

	if (n <= 0 || n > 32)
		die("mpint");
	BN_bn2bin(v, buf + 1);
	if (buf[1] & 0x80)
		ns_sshbuf_put_string(b, buf, (size_t)n + 1);
	else
		ns_sshbuf_put_string(b, buf + 1, (size_t)n);
}

unsigned char *
soft_key_sign(const struct soft_key *k, const char *label, const unsigned char *data,
              size_t data_len, unsigned flags, uint32_t counter, size_t *len)
{
	unsigned char msg[69], sig[80], *p, *out;
	const unsigned char *q = sig;
	size_t n = sizeof(sig), inner_len;
	unsigned int hl;
	struct ns_sshbuf b, inner;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es;

	/* what the authenticator signs (OpenSSH PROTOCOL.u2f) */
	if (ctx == NULL ||
	    EVP_Digest(k->key.application, strlen(k->key.application), msg, &hl, EVP_sha256(),
	               NULL) != 1)
		die("digest");
	msg[32] = (unsigned char)flags;
	msg[33] = (unsigned char)(counter >> 24);
	msg[34] = (unsigned char)(counter >> 16);
	msg[35] = (unsigned char)(counter >> 8);
	msg[36] = (unsigned char)counter;
	if (EVP_Digest(data, data_len, msg + 37, &hl, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestSignInit(ctx, NULL, k->key.type == NS_SSHSK_ECDSA ? EVP_sha256() : NULL,
	                       NULL, k->priv) != 1 ||
	    EVP_DigestSign(ctx, sig, &n, msg, sizeof(msg)) != 1)
		die("sign");
	EVP_MD_CTX_free(ctx);
	ns_sshbuf_writer(&b, NS_SSHSK_SIG_MAX);
	ns_sshbuf_put_cstring(&b, label != NULL ? label : ns_sshsk_type_name(k->key.type));
	if (k->key.type == NS_SSHSK_ECDSA) {
		/* string (mpint r || mpint s), as OpenSSH writes ECDSA signatures */
		if ((es = d2i_ECDSA_SIG(NULL, &q, (long)n)) == NULL)
			die("ECDSA signature");
		ns_sshbuf_writer(&inner, 80);
		put_mpint(&inner, ECDSA_SIG_get0_r(es));
		put_mpint(&inner, ECDSA_SIG_get0_s(es));
		ECDSA_SIG_free(es);
		if ((p = ns_sshbuf_steal(&inner, &inner_len)) == NULL)
			die("ECDSA blob");
		ns_sshbuf_put_string(&b, p, inner_len);
		free(p);
	} else {
		ns_sshbuf_put_string(&b, sig, n);
	}
	ns_sshbuf_put_u8(&b, (uint8_t)flags);
	ns_sshbuf_put_u32(&b, counter);
	if ((out = ns_sshbuf_steal(&b, len)) == NULL)
		die("signature blob");
	return out;
}

/* ---- the agent */

static int
read_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
send_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Sends body (from a writer whose first 4 bytes are a placeholder) as one frame. */
static int
send_frame(int fd, struct ns_sshbuf *w)
{
	size_t n;
	unsigned char *p = ns_sshbuf_steal(w, &n);
	int rc;

	if (p == NULL)
		return -1;
	p[0] = (unsigned char)((n - 4) >> 24);
	p[1] = (unsigned char)((n - 4) >> 16);
	p[2] = (unsigned char)((n - 4) >> 8);
	p[3] = (unsigned char)(n - 4);
	rc = send_all(fd, p, n);
	free(p);
	return rc;
}

static int
send_failure(int fd)
{
	static const unsigned char failure[] = { 0, 0, 0, 1, 5 };

	return send_all(fd, failure, sizeof(failure));
}

static int
answer_list(struct soft_agent *a, int fd)
{
	struct ns_sshbuf w;

	ns_sshbuf_writer(&w, 8192);
	ns_sshbuf_put_u32(&w, 0);
	ns_sshbuf_put_u8(&w, 12);
	ns_sshbuf_put_u32(&w, (uint32_t)a->n_offer);
	for (size_t i = 0; i < a->n_offer; i++) {
		ns_sshbuf_put_string(&w, a->offer[i]->key.blob, a->offer[i]->key.blob_len);
		ns_sshbuf_put_cstring(&w, "soft key");
	}
	return send_frame(fd, &w);
}

static int
answer_sign(struct soft_agent *a, int fd, const unsigned char *body, size_t len)
{
	static const char other[] = "npmstage/1 approve another-pkg@6.6.6\n";
	const struct soft_key *k = a->signer;
	const unsigned char *blob, *data;
	unsigned char *sig, *other_data = NULL;
	size_t blob_len, data_len, sig_len;
	struct ns_sshbuf r, w;
	struct ns_err err;
	uint32_t flags;
	int rc;

	ns_sshbuf_reader(&r, body + 1, len - 1);
	if (ns_sshbuf_get_string(&r, NS_SSHSK_BLOB_MAX, &blob, &blob_len, "key", &err) != 0 ||
	    ns_sshbuf_get_string(&r, len, &data, &data_len, "data", &err) != 0 ||
	    ns_sshbuf_get_u32(&r, &flags, "flags", &err) != 0 ||
	    ns_sshbuf_get_end(&r, "request", &err) != 0)
		return send_failure(fd);
	for (size_t i = 0; k == NULL && i < a->n_offer; i++)
		if (a->offer[i]->key.blob_len == blob_len &&
		    memcmp(a->offer[i]->key.blob, blob, blob_len) == 0)
			k = a->offer[i];
	if (k == NULL)
		return send_failure(fd);
	if (a->other_data) {
		/* a valid SSHSIG signature by the right key, of another statement */
		if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)other,
		                         strlen(other), &other_data, &data_len, &err) != 0)
			die("sshsig data");
		data = other_data;
	}
	sig = soft_key_sign(k, a->label, data, data_len, a->flags, a->counter, &sig_len);
	free(other_data);
	ns_sshbuf_writer(&w, 8192);
	ns_sshbuf_put_u32(&w, 0);
	ns_sshbuf_put_u8(&w, 14);
	ns_sshbuf_put_string(&w, sig, sig_len);
	free(sig);
	rc = send_frame(fd, &w);
	return rc;
}

void
soft_agent_serve(struct soft_agent *a, int fd)
{
	unsigned char hdr[4], *body;
	uint32_t n;
	int rc;

	for (;;) {
		if (read_all(fd, hdr, 4) != 0)
			return;
		n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
		if (n == 0 || n > 1024 * 1024 || (body = malloc(n)) == NULL)
			return;
		if (read_all(fd, body, n) != 0) {
			free(body);
			return;
		}
		if (body[0] == 11)
			a->lists++;
		else if (body[0] == 13)
			a->signs++;
		if (a->mode == SOFT_RAW && body[0] == a->raw_to)
			rc = send_all(fd, a->raw, a->raw_len);
		else if (body[0] == 11)
			rc = answer_list(a, fd);
		else if (body[0] != 13 || a->mode == SOFT_REFUSE)
			rc = send_failure(fd);
		else if (a->mode == SOFT_HANG)
			rc = 0; /* the next read waits for the other end to close */
		else
			rc = answer_sign(a, fd, body, n);
		free(body);
		if (rc != 0)
			return;
	}
}

static void *
agent_thread(void *arg)
{
	struct soft_agent *a = arg;

	soft_agent_serve(a, a->fd);
	return NULL;
}

int
soft_agent_start(struct soft_agent *a, int *client)
{
	int sv[2];

	a->lists = a->signs = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	a->fd = sv[0];
	*client = sv[1];
	if (pthread_create(&a->thread, NULL, agent_thread, a) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return 0;
}

void
soft_agent_stop(struct soft_agent *a, int client)
{
	/* the thread reads end-of-file (even one hanging on purpose) and returns */
	close(client);
	pthread_join(a->thread, NULL);
	close(a->fd);
	a->fd = -1;
}
