#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sanitize.h"
#include "sshagent.h"
#include "sshwire.h"

/* ---- the reply parsers (one frame body each, through the bounded wire reader) */

void
ns_agent_keys_free(struct ns_agent_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		free(keys->key[i].blob);
	memset(keys, 0, sizeof(*keys));
}

static void
copy_comment(char *dst, size_t cap, const unsigned char *s, size_t len)
{
	char raw[128];

	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	memcpy(raw, s, len);
	raw[len] = '\0';
	ns_sanitize(dst, cap, raw);
}

int
ns_agent_parse_identities(const unsigned char *msg, size_t len, struct ns_agent_keys *keys,
                          struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *blob, *comment;
	size_t blen, clen;
	uint32_t n, i;
	uint8_t type;

	memset(keys, 0, sizeof(*keys));
	ns_sshbuf_reader(&b, msg, len);
	if (ns_sshbuf_get_u8(&b, &type, "ssh-agent answer", err) != 0)
		return -1;
	if (type != NS_AGENT_IDENTITIES_ANSWER)
		return ns_fail(err, "ssh-agent: not an identities answer (message %u)", type);
	if (ns_sshbuf_get_u32(&b, &n, "ssh-agent identity count", err) != 0)
		return -1;
	/* each identity takes at least 8 bytes: a count beyond that is a lie */
	if (n > ns_sshbuf_left(&b) / 8)
		return ns_fail(err, "ssh-agent: identities answer with a bad count");
	for (i = 0; i < n; i++) {
		if (ns_sshbuf_get_string(&b, len, &blob, &blen, "ssh-agent key blob", err) != 0 ||
		    ns_sshbuf_get_string(&b, len, &comment, &clen, "ssh-agent key comment", err) != 0) {
			ns_agent_keys_free(keys);
			return -1;
		}
		if (blen == 0 || blen > NS_AGENT_BLOB_MAX || keys->n == NS_AGENT_MAX_KEYS) {
			keys->skipped++;
			continue;
		}
		keys->key[keys->n].blob = malloc(blen);
		if (keys->key[keys->n].blob == NULL) {
			ns_agent_keys_free(keys);
			return ns_fail(err, "out of memory");
		}
		memcpy(keys->key[keys->n].blob, blob, blen);
		keys->key[keys->n].blob_len = blen;
		copy_comment(keys->key[keys->n].comment, sizeof(keys->key[0].comment), comment, clen);
		keys->n++;
	}
	if (ns_sshbuf_get_end(&b, "the ssh-agent identities", err) != 0) {
		ns_agent_keys_free(keys);
		return -1;
	}
	return 0;
}

int
ns_agent_parse_sign_response(const unsigned char *msg, size_t len, unsigned char **sig,
                             size_t *sig_len, struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *s;
	size_t n;
	uint8_t type;

	*sig = NULL;
	*sig_len = 0;
	if (len == 1 && msg[0] == NS_AGENT_FAILURE)
		return ns_fail(err, "the ssh-agent refused to sign (key not touched, denied, or "
		                    "the key needs confirmation the agent could not get)");
	ns_sshbuf_reader(&b, msg, len);
	if (ns_sshbuf_get_u8(&b, &type, "ssh-agent answer", err) != 0)
		return -1;
	if (type != NS_AGENT_SIGN_RESPONSE)
		return ns_fail(err, "ssh-agent: not a signature (message %u)", type);
	if (ns_sshbuf_get_string(&b, NS_AGENT_BLOB_MAX, &s, &n, "ssh-agent signature", err) != 0 ||
	    ns_sshbuf_get_end(&b, "the ssh-agent signature", err) != 0)
		return -1;
	if (n == 0)
		return ns_fail(err, "ssh-agent: an empty signature");
	if ((*sig = malloc(n)) == NULL)
		return ns_fail(err, "out of memory");
	memcpy(*sig, s, n);
	*sig_len = n;
	return 0;
}

/* ---- I/O: whole frames, each under one deadline */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
io_all(int fd, unsigned char *buf, size_t len, int writing, long long deadline,
       struct ns_err *err)
{
	struct pollfd p = { fd, (short)(writing ? POLLOUT : POLLIN), 0 };
	size_t done = 0;
	ssize_t k;
	long long left;

	while (done < len) {
		left = deadline - now_ms();
		if (left <= 0)
			return ns_fail(err, "ssh-agent: no answer in time");
		k = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return ns_fail(err, "ssh-agent: poll: %s", strerror(errno));
		if (k == 0)
			continue;
		k = writing ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
		            : recv(fd, buf + done, len - done, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return ns_fail(err, "ssh-agent: %s", strerror(errno));
		if (k == 0)
			return ns_fail(err, "ssh-agent closed the connection");
		done += (size_t)k;
	}
	return 0;
}

/* Sends one request and reads one reply frame (malloc'd body in *reply). */
static int
transact(int fd, const unsigned char *req, size_t req_len, int timeout_ms,
         unsigned char **reply, size_t *reply_len, struct ns_err *err)
{
	long long deadline = now_ms() + timeout_ms;
	unsigned char hdr[4];
	uint32_t n;

	*reply = NULL;
	if (io_all(fd, (unsigned char *)req, req_len, 1, deadline, err) != 0 ||
	    io_all(fd, hdr, 4, 0, deadline, err) != 0)
		return -1;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > NS_AGENT_FRAME_MAX)
		return ns_fail(err, "ssh-agent: a reply of %u bytes refused (at most %u)", n,
		               NS_AGENT_FRAME_MAX);
	if ((*reply = malloc(n)) == NULL)
		return ns_fail(err, "out of memory");
	if (io_all(fd, *reply, n, 0, deadline, err) != 0) {
		free(*reply);
		*reply = NULL;
		return -1;
	}
	*reply_len = n;
	return 0;
}

int
ns_agent_list(int fd, struct ns_agent_keys *keys, struct ns_err *err)
{
	unsigned char req[5] = { 0, 0, 0, 1, NS_AGENTC_REQUEST_IDENTITIES };
	unsigned char *reply;
	size_t n;
	int rc;

	memset(keys, 0, sizeof(*keys));
	if (transact(fd, req, sizeof(req), NS_AGENT_LIST_MS, &reply, &n, err) != 0)
		return -1;
	rc = ns_agent_parse_identities(reply, n, keys, err);
	free(reply);
	return rc;
}

int
ns_agent_sign(int fd, const unsigned char *blob, size_t blob_len, const unsigned char *data,
              size_t data_len, int timeout_ms, unsigned char **sig, size_t *sig_len,
              struct ns_err *err)
{
	struct ns_sshbuf w;
	unsigned char *req, *reply;
	size_t len, n;
	int rc;

	*sig = NULL;
	if (blob_len > NS_AGENT_BLOB_MAX || data_len > NS_AGENT_FRAME_MAX)
		return ns_fail(err, "ssh-agent: sign request too large");
	ns_sshbuf_writer(&w, 4 + 1 + 4 + blob_len + 4 + data_len + 4);
	ns_sshbuf_put_u32(&w, (uint32_t)(1 + 4 + blob_len + 4 + data_len + 4));
	ns_sshbuf_put_u8(&w, NS_AGENTC_SIGN_REQUEST);
	ns_sshbuf_put_string(&w, blob, blob_len);
	ns_sshbuf_put_string(&w, data, data_len);
	ns_sshbuf_put_u32(&w, 0); /* flags */
	if ((req = ns_sshbuf_steal(&w, &len)) == NULL) {
		ns_sshbuf_free(&w);
		return ns_fail(err, "out of memory");
	}
	rc = transact(fd, req, len, timeout_ms, &reply, &n, err);
	free(req);
	if (rc != 0)
		return -1;
	rc = ns_agent_parse_sign_response(reply, n, sig, sig_len, err);
	free(reply);
	return rc;
}

/* ---- the socket */

int
ns_agent_connect(const char *path, int *fd, struct ns_err *err)
{
	struct sockaddr_un sa;
	int s;

	*fd = -1;
	if (path == NULL || path[0] != '/')
		return ns_fail(err, "SSH_AUTH_SOCK is not an absolute path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return ns_fail(err, "SSH_AUTH_SOCK is too long for a socket path");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ns_fail(err, "socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(s);
		return ns_fail(err, "cannot connect to the ssh-agent socket: %s", strerror(e));
	}
	*fd = s;
	return 0;
}

int
ns_agent_peer_is(int fd, uid_t uid, struct ns_err *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int domain = 0, type = 0;
	socklen_t dl = sizeof(domain), tl = sizeof(type);
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return ns_fail(err, "the ssh-agent descriptor is not a socket");
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) != 0 || domain != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
		return ns_fail(err, "the ssh-agent descriptor is not a unix stream socket");
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return ns_fail(err, "the ssh-agent socket has no peer credentials: %s",
		               strerror(errno));
	if (cred.uid != uid)
		return ns_fail(err, "the ssh-agent socket belongs to uid %lu, not to uid %lu: refused",
		               (unsigned long)cred.uid, (unsigned long)uid);
	return 0;
}
