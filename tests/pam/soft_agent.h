/* An ssh-agent played by a PAM test (test_pam_sshsk.c): it serves one end of a
 * socketpair in a thread (or in a forked child, soft_agent_serve), lists software
 * security keys and signs like an authenticator behind ssh-agent would: an sk
 * signature over SHA256(application) || flags || be32(counter) || SHA256(data),
 * made with libcrypto Ed25519 or P-256 keys. Each way an agent can lie or fail is a
 * setting of struct soft_agent. Test code. */
#ifndef SOFT_AGENT_H
#define SOFT_AGENT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sshsk.h"

struct soft_key {
	EVP_PKEY *priv;
	struct ns_sshsk_key key;
};

enum soft_agent_mode {
	SOFT_SIGN,	/* answers a signature (see flags, counter, label, other_data, signer) */
	SOFT_REFUSE,	/* SSH_AGENT_FAILURE to the sign request */
	SOFT_HANG,	/* never answers the sign request */
	SOFT_RAW,	/* sends raw[0..raw_len) verbatim instead of the answer to raw_to */
};

struct soft_agent {
	enum soft_agent_mode mode;
	const struct soft_key *offer[2];	/* the identities it lists */
	size_t n_offer;
	const struct soft_key *signer;	/* signs with this key; NULL: the requested one */
	unsigned flags;			/* the authenticator's flags byte */
	uint32_t counter;
	const char *label;		/* signature type written; NULL: the key's own */
	int other_data;			/* signs another statement than the one asked */
	const unsigned char *raw;	/* SOFT_RAW: bytes sent (frame header included) */
	size_t raw_len;
	int raw_to;			/* SOFT_RAW: 11 (the listing) or 13 (the signature) */
	/* what it saw */
	int lists, signs;
	/* the thread */
	int fd;
	pthread_t thread;
};

/* A fresh key of type t for application "ssh:"; soft_key_free releases it. */
void soft_key_new(struct soft_key *k, enum ns_sshsk_type t);
void soft_key_free(struct soft_key *k);
/* The sk signature blob (string type || string sig || byte flags || uint32 counter)
 * by k over data, labelled label (NULL: k's type); *len its size. malloc'd. */
unsigned char *soft_key_sign(const struct soft_key *k, const char *label,
                             const unsigned char *data, size_t data_len, unsigned flags,
                             uint32_t counter, size_t *len);

/* Serves requests on fd until the other end closes it. */
void soft_agent_serve(struct soft_agent *a, int fd);
/* A socketpair; the thread serves one end, *client (>= 3) is the other. 0 or -1. */
int soft_agent_start(struct soft_agent *a, int *client);
/* Closes client, waits for the thread. */
void soft_agent_stop(struct soft_agent *a, int client);

#endif
