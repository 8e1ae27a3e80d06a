#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "hardening.h"
#include "sshagent.h"

struct connect_arg {
	const char *path;
	int fd;
	int err_no;
	struct ns_err err;
};

static int
connect_as_caller(void *p)
{
	struct connect_arg *a = p;

	if (ns_agent_connect(a->path, &a->fd, &a->err) != 0) {
		a->err_no = errno;
		return -1;
	}
	return 0;
}

int
caller_agent_open(int *fd, struct ns_err *err)
{
	struct connect_arg a;

	*fd = -1;
	memset(&a, 0, sizeof(a));
	a.fd = -1;
	a.path = caller_agent_path();
	if (a.path == NULL)
		return 1;
	if (as_caller(connect_as_caller, &a) != 0) {
		if (a.fd >= 0)
			close(a.fd);
		/* a stale variable (nothing listens, no such file) is no agent; anything
		 * else (EACCES: someone else's directory) is refused, loudly */
		if (a.err_no == ENOENT || a.err_no == ECONNREFUSED)
			return 1;
		return ns_fail(err, "ssh-agent at SSH_AUTH_SOCK refused: %s",
		               a.err.msg[0] ? a.err.msg : "cannot connect as the caller");
	}
	if (ns_agent_peer_is(a.fd, caller_uid(), err) != 0) {
		close(a.fd);
		return -1;
	}
	*fd = a.fd;
	return 0;
}
