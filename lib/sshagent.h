/* A client of the ssh-agent protocol (draft-miller-ssh-agent), only what an
 * approval needs: list the keys the agent offers, and ask it to sign. The agent
 * belongs to the caller and may be hostile (a forwarded socket can answer anything):
 * every frame is bounded, every read has a deadline, every reply is parsed in full.
 *
 * The descriptor is connected by whoever holds the caller's credentials (the
 * helper, as the caller); ns_agent_peer_is() lets both ends check that the socket's
 * peer runs as the expected user. */
#ifndef NS_SSHAGENT_H
#define NS_SSHAGENT_H

#include <stddef.h>
#include <sys/types.h>

#include "nserr.h"

#define NS_AGENT_FRAME_MAX	(256 * 1024) /* bytes of one reply */
#define NS_AGENT_MAX_KEYS	64	/* identities taken from one answer */
#define NS_AGENT_BLOB_MAX	4096	/* bytes of a key blob or signature we keep */
#define NS_AGENT_LIST_MS	5000	/* the agent answers a listing within this */
#define NS_AGENT_SIGN_MS	60000	/* a touch may take this long */

/* Message numbers (draft-miller-ssh-agent §6.1). */
#define NS_AGENT_FAILURE		5
#define NS_AGENTC_REQUEST_IDENTITIES	11
#define NS_AGENT_IDENTITIES_ANSWER	12
#define NS_AGENTC_SIGN_REQUEST		13
#define NS_AGENT_SIGN_RESPONSE		14

struct ns_agent_key {
	unsigned char *blob;
	size_t blob_len;
	char comment[128];	/* sanitized: printable, bounded */
};

struct ns_agent_keys {
	struct ns_agent_key key[NS_AGENT_MAX_KEYS];
	size_t n;
	size_t skipped;		/* keys past NS_AGENT_MAX_KEYS or too long to keep */
};

/* Connects to the AF_UNIX socket at path with the current credentials (the caller
 * switches to the agent owner's ids first). -1 with err set. */
int ns_agent_connect(const char *path, int *fd, struct ns_err *err);
/* 0 when fd is a connected AF_UNIX stream socket whose peer (SO_PEERCRED) is uid;
 * -1 with err naming what differs. */
int ns_agent_peer_is(int fd, uid_t uid, struct ns_err *err);

/* The parsers, separate from the I/O so that the fuzzer drives them: msg is one
 * frame's body (type byte first). */
int ns_agent_parse_identities(const unsigned char *msg, size_t len, struct ns_agent_keys *keys,
                              struct ns_err *err);
int ns_agent_parse_sign_response(const unsigned char *msg, size_t len, unsigned char **sig,
                                 size_t *sig_len, struct ns_err *err);

/* REQUEST_IDENTITIES. Free with ns_agent_keys_free. */
int ns_agent_list(int fd, struct ns_agent_keys *keys, struct ns_err *err);
void ns_agent_keys_free(struct ns_agent_keys *keys);
/* SIGN_REQUEST (flags 0) for the key blob over data; *sig is malloc'd. A refusal
 * (SSH_AGENT_FAILURE), a timeout after timeout_ms, or any malformed reply fails. */
int ns_agent_sign(int fd, const unsigned char *blob, size_t blob_len,
                  const unsigned char *data, size_t data_len, int timeout_ms,
                  unsigned char **sig, size_t *sig_len, struct ns_err *err);

#endif
