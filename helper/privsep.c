#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privsep.h"

/* [npmstage] check_user; set once by the session before any child runs. */
static char check_user[33] = "nobody";

int
privsep_set_user(const char *name)
{
	if (name == NULL || strlen(name) == 0 || strlen(name) >= sizeof(check_user) ||
	    strcmp(name, "root") == 0)
		return -1;
	snprintf(check_user, sizeof(check_user), "%s", name);
	return 0;
}

/* The child inherits the parent's descriptors: the state database, its journal,
 * the approve lock, the state folders (a directory descriptor would let it list
 * them). It keeps exactly the ones the parent names (the tarball, the previous
 * version, a source checkout, a lockfile) and the result pipe. */
static int
kept(int fd, const int *keep, size_t nkeep, int pipe_fd)
{
	size_t i;

	if (fd == pipe_fd)
		return 1;
	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

static void
close_inherited(const int *keep, size_t nkeep, int pipe_fd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, dfd;

	if (d == NULL) {
		for (fd = 3; fd < 65536; fd++)
			if (!kept(fd, keep, nkeep, pipe_fd))
				close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		fd = atoi(e->d_name);
		if (fd >= 3 && fd != dfd && !kept(fd, keep, nkeep, pipe_fd))
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

json_t *
privsep_run(json_t *(*fn)(void *, struct ns_err *), void *arg, const int *keep, size_t nkeep,
            size_t max_output, struct ns_err *err)
{
	int p[2], status;
	pid_t pid;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	json_t *out;
	json_error_t jerr;

	if (pipe2(p, O_CLOEXEC) != 0) {
		ns_fail(err, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		ns_fail(err, "fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		struct ns_err cerr = { "" };
		json_t *res;
		char *text;
		struct rlimit cpu = { 600, 600 };

		close(p[0]);
		close_inherited(keep, nkeep, p[1]);
		if (drop_privileges() != 0) {
			static const char msg[] = "{\"error\":\"cannot drop privileges to the check "
			                          "user (is [npmstage] check_user a real, non-root "
			                          "user?)\"}";
			write_all(p[1], msg, sizeof(msg) - 1);
			_exit(0); /* the parent reports the message as the failure */
		}
		setrlimit(RLIMIT_CPU, &cpu);
		res = fn(arg, &cerr);
		if (res == NULL)
			res = json_pack("{ss}", "error", cerr.msg[0] ? cerr.msg : "check failed");
		text = res ? json_dumps(res, JSON_COMPACT) : NULL;
		if (text != NULL)
			write_all(p[1], text, strlen(text));
		_exit(text != NULL ? 0 : 4);
	}
	close(p[1]);
	for (;;) {
		if (len + 65536 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max_output) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (len > max_output) {
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
		ns_fail(err, "%s", json_string_value(json_object_get(out, "error")));
		json_decref(out);
		return NULL;
	}
	return out;
}
