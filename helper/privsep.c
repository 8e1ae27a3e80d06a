#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privsep.h"
#include "sanitize.h"

/* [npmstage] check_user; set once by the session before the checker starts. */
static char check_user[33] = "nobody";
/* The parent's end of the socketpair to the checker; -1 before privsep_start. */
static int checker_sock = -1;
static int debug_stop;

struct request {
	json_t *(*fn)(void *, struct ns_err *); /* same binary: same address in the checker */
	size_t arg_len;
	int nfds;                     /* targets; the result pipe is passed after them */
	int targets[PRIVSEP_MAX_FDS]; /* the numbers the worker sees them under */
	int stop;
};

int
privsep_set_user(const char *name)
{
	if (name == NULL || strlen(name) == 0 || strlen(name) >= sizeof(check_user) ||
	    strcmp(name, "root") == 0)
		return -1;
	snprintf(check_user, sizeof(check_user), "%s", name);
	return 0;
}

static int
kept(int fd, const int *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/* Every descriptor above 2 but the kept ones is closed: the state database, its
 * journal, the approve lock, the state folders (a directory descriptor would let
 * the parser list them). */
static void
close_inherited(const int *keep, size_t nkeep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, dfd;

	if (d == NULL) {
		for (fd = 3; fd < 65536; fd++)
			if (!kept(fd, keep, nkeep))
				close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		fd = atoi(e->d_name);
		if (fd >= 3 && fd != dfd && !kept(fd, keep, nkeep))
			close(fd);
	}
	closedir(d);
}

static int
drop_privileges(void)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0 && getuid() != 0) {
		/* Not privileged: become fully the caller. */
		uid = getuid();
		gid = getgid();
		if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
			return -1;
	} else {
		pw = getpwnam(check_user);
		if (pw == NULL || pw->pw_uid == 0 || pw->pw_gid == 0)
			return -1;
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			return -1;
		if (setuid(0) == 0)
			return -1; /* must be irreversible */
	}
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One request: header and argument in one datagram, descriptors alongside.
 * Returns the number of descriptors received (in fds), 0 at the end, -1 on error. */
static int
recv_request(int sock, struct request *rq, unsigned char *arg, int *fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (PRIVSEP_MAX_FDS + 1))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = { { rq, sizeof(*rq) }, { arg, PRIVSEP_MAX_ARG } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
		            .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int nfds = 0;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
		}
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(*rq) ||
	    rq->nfds < 0 || rq->nfds > PRIVSEP_MAX_FDS || nfds != rq->nfds + 1 ||
	    rq->arg_len > PRIVSEP_MAX_ARG || (size_t)n != sizeof(*rq) + rq->arg_len) {
		while (nfds > 0)
			close(fds[--nfds]);
		return -1;
	}
	return nfds;
}

/* In the worker: the descriptors under the parent's numbers, nothing else open. */
static int
worker_descriptors(const struct request *rq, int *fds)
{
	int keep[PRIVSEP_MAX_FDS + 1], base = 3, i;

	for (i = 0; i < rq->nfds; i++) {
		if (rq->targets[i] < 3 || rq->targets[i] >= 65536)
			return -1;
		if (rq->targets[i] >= base)
			base = rq->targets[i] + 1;
	}
	/* above every target first, so that no dup2 below replaces one of them */
	for (i = 0; i <= rq->nfds; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, base)) < 0)
			return -1;
	for (i = 0; i < rq->nfds; i++) {
		if (dup2(fds[i], rq->targets[i]) < 0)
			return -1;
		keep[i] = rq->targets[i];
	}
	keep[rq->nfds] = fds[rq->nfds];
	close_inherited(keep, (size_t)rq->nfds + 1);
	return fds[rq->nfds];
}

static void
worker(const struct request *rq, void *arg, int *fds, int dropped)
{
	struct ns_err err = { "" };
	struct rlimit cpu = { 600, 600 };
	json_t *res;
	char *text;
	int out = worker_descriptors(rq, fds);

	if (out < 0)
		_exit(3);
	if (!dropped) {
		static const char msg[] = "{\"error\":\"cannot drop privileges to the check user "
		                          "(is [npmstage] check_user a real, non-root user?)\"}";
		write_all(out, msg, sizeof(msg) - 1);
		_exit(0); /* the parent reports the message as the failure */
	}
	setrlimit(RLIMIT_CPU, &cpu);
	res = rq->fn(arg, &err);
	if (res == NULL)
		res = json_pack("{ss}", "error", err.msg[0] ? err.msg : "check failed");
	text = res ? json_dumps(res, JSON_COMPACT) : NULL;
	if (rq->stop) {
		fprintf(stderr, "npm-release: [debug] stop_at = checker: process %ld stops here\n",
		        (long)getpid());
		fflush(stderr);
		raise(SIGSTOP);
	}
	if (text != NULL)
		write_all(out, text, strlen(text));
	_exit(text != NULL ? 0 : 4);
}

/* The checker: it drops privileges as it starts, then serves one request at a
 * time: forks the worker, tells the parent its pid, then its wait status. */
static void
checker_main(int sock, pid_t parent)
{
	static _Alignas(max_align_t) unsigned char arg[PRIVSEP_MAX_ARG];
	int fds[PRIVSEP_MAX_FDS + 1], keep = sock, dropped, n, status, i, null;
	struct request rq;
	pid_t pid, self = getpid();

	close_inherited(&keep, 1);
	/* stdin may carry the approver's code: no parser ever reads it */
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		_exit(3);
	close(null);
	dropped = drop_privileges() == 0;
	/* after the drop: a change of credentials clears the death signal */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(3);
	for (;;) {
		n = recv_request(sock, &rq, arg, fds);
		if (n <= 0)
			_exit(n == 0 ? 0 : 3);
		pid = fork();
		if (pid == 0) {
			close(sock);
			/* a worker outlives neither the checker nor, so, the helper */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != self)
				_exit(3);
			worker(&rq, arg, fds, dropped);
		}
		for (i = 0; i < n; i++)
			close(fds[i]);
		if (send(sock, &pid, sizeof(pid), MSG_NOSIGNAL) != (ssize_t)sizeof(pid))
			_exit(3);
		status = 5 << 8; /* fork failed: "exit 5" */
		while (pid > 0 && waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				_exit(3);
		if (send(sock, &status, sizeof(status), MSG_NOSIGNAL) != (ssize_t)sizeof(status))
			_exit(3);
	}
}

int
privsep_start(const char *debug_stop_at)
{
	int sv[2];
	pid_t pid, parent = getpid();

	if (checker_sock >= 0)
		return 0;
	debug_stop = debug_stop_at != NULL && strcmp(debug_stop_at, "checker") == 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	fflush(NULL); /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		checker_main(sv[1], parent);
	}
	close(sv[1]);
	checker_sock = sv[0];
	return 0;
}

static int
send_request(const struct request *rq, const void *arg, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (PRIVSEP_MAX_FDS + 1))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = { { (void *)rq, sizeof(*rq) }, { (void *)arg, rq->arg_len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
		            .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	do
		n = sendmsg(checker_sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)(sizeof(*rq) + rq->arg_len) ? 0 : -1;
}

static int
recv_int(void *v, size_t len)
{
	ssize_t n;

	do
		n = recv(checker_sock, v, len, 0);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* Reads the worker's output: at most max bytes (the worker is killed past it). */
static char *
read_output(int fd, pid_t pid, size_t max, size_t *lenp, int *over)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;

	*over = 0;
	for (;;) {
		if (len + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max) {
			*over = 1;
			if (pid > 0)
				kill(pid, SIGKILL);
			break;
		}
	}
	*lenp = len;
	return buf;
}

json_t *
privsep_run(json_t *(*fn)(void *, struct ns_err *), const void *arg, size_t arg_len,
            const int *keep, size_t nkeep, size_t max_output, struct ns_err *err)
{
	struct request rq;
	int p[2], fds[PRIVSEP_MAX_FDS + 1], status = 0, over, rc;
	size_t i, len;
	pid_t pid;
	char *buf;
	json_t *out;
	json_error_t jerr;

	memset(&rq, 0, sizeof(rq));
	rq.fn = fn;
	rq.arg_len = arg_len;
	rq.stop = debug_stop;
	for (i = 0; i < nkeep; i++)
		if (keep[i] >= 0) {
			if (rq.nfds == PRIVSEP_MAX_FDS) {
				ns_fail(err, "check: too many descriptors");
				return NULL;
			}
			rq.targets[rq.nfds] = fds[rq.nfds] = keep[i];
			rq.nfds++;
		}
	if (arg_len > PRIVSEP_MAX_ARG) {
		ns_fail(err, "check: request too large");
		return NULL;
	}
	if (privsep_start(NULL) != 0) {
		ns_fail(err, "cannot start the check process: %s", strerror(errno));
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		ns_fail(err, "pipe: %s", strerror(errno));
		return NULL;
	}
	fds[rq.nfds] = p[1];
	rc = send_request(&rq, arg, fds, rq.nfds + 1);
	close(p[1]); /* the worker holds the only write end: EOF when it is done */
	if (rc != 0 || recv_int(&pid, sizeof(pid)) != 0) {
		close(p[0]);
		ns_fail(err, "the check process is gone");
		return NULL;
	}
	buf = read_output(p[0], pid, max_output, &len, &over);
	close(p[0]);
	if (recv_int(&status, sizeof(status)) != 0) {
		free(buf);
		ns_fail(err, "the check process is gone");
		return NULL;
	}
	if (over) {
		free(buf);
		ns_fail(err, "check output larger than %zu bytes", max_output);
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf == NULL) {
		free(buf);
		if (WIFSIGNALED(status))
			ns_fail(err, "check process died (signal %d)", WTERMSIG(status));
		else
			ns_fail(err, "check process failed (exit %d)",
			        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return NULL;
	}
	buf[len] = '\0';
	out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (out == NULL) {
		ns_fail(err, "check output unreadable: %s", jerr.text);
		return NULL;
	}
	if (json_is_string(json_object_get(out, "error"))) {
		/* the parser's words, shaped by the tarball: one printable line */
		if (err != NULL)
			ns_sanitize(err->msg, sizeof(err->msg),
			            json_string_value(json_object_get(out, "error")));
		json_decref(out);
		return NULL;
	}
	return out;
}
