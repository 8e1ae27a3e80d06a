#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardening.h"

extern char **environ;

/* Kept (with their values checked); everything else — LD_*, NODE_*, npm_config_*,
 * proxies, HOME-based npmrc, locale tricks — is dropped. */
static const char *const env_keep[] = { "TERM", "LANG", "LC_ALL", "TZ", NULL };
static char *clean_env[8];
static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

static int
env_value_ok(const char *v)
{
	size_t n = strlen(v);

	if (n > 128 || strchr(v, '/') != NULL || strstr(v, "..") != NULL)
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v >= 0x7f)
			return 0;
	return 1;
}

static void
reset_environment(void)
{
	size_t i, k, n = 0;
	char **e;

	for (e = environ; e != NULL && *e != NULL && n < 6; e++) {
		for (k = 0; env_keep[k] != NULL; k++) {
			size_t len = strlen(env_keep[k]);
			if (strncmp(*e, env_keep[k], len) == 0 && (*e)[len] == '=' &&
			    env_value_ok(*e + len + 1)) {
				clean_env[n++] = *e;
				break;
			}
		}
	}
	clean_env[n++] = env_path;
	clean_env[n] = NULL;
	for (i = n + 1; i < sizeof(clean_env) / sizeof(clean_env[0]); i++)
		clean_env[i] = NULL;
	environ = clean_env;
}

static int
fix_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n != fd)
				return -1;
		}
	}
	return 0;
}

static void
close_other_fds(void)
{
	int fd;

	if (close_range(3, ~0U, 0) == 0)
		return;
	for (fd = 3; fd < 65536; fd++)
		close(fd);
}

int
harden_process(char **argv0)
{
	struct rlimit rl = { 0, 0 };

	(void)argv0;
	if (fix_std_fds() != 0) {
		/* stderr may be the thing that is missing; nothing to say it on. */
		return -1;
	}
	close_other_fds();
	reset_environment();
	umask(077);
	if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "npm-release: cannot disable core dumps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
running_setuid(void)
{
	return getuid() != geteuid() || getgid() != getegid();
}

uid_t
caller_uid(void)
{
	return getuid();
}

int
caller_name(char *buf, size_t cap)
{
	struct passwd pw, *pwp = NULL;
	char tmp[4096];

	if (getpwuid_r(getuid(), &pw, tmp, sizeof(tmp), &pwp) != 0 || pwp == NULL)
		return -1;
	if (strlen(pwp->pw_name) >= cap)
		return -1;
	snprintf(buf, cap, "%s", pwp->pw_name);
	return 0;
}

int
as_caller(int (*fn)(void *), void *arg)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();
	int rc, e;

	if (!running_setuid())
		return fn(arg);
	if (setegid(getgid()) != 0 || seteuid(getuid()) != 0)
		return -1;
	rc = fn(arg);
	e = errno;
	if (seteuid(euid) != 0 || setegid(egid) != 0) {
		fprintf(stderr, "npm-release: cannot restore privileges\n");
		_exit(2);
	}
	errno = e;
	return rc;
}

int
check_own_executable(void)
{
	struct stat st;

	if (!running_setuid())
		return 0;
	if (stat("/proc/self/exe", &st) != 0) {
		fprintf(stderr, "npm-release: cannot stat own executable: %s\n", strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
		fprintf(stderr, "npm-release: refusing to run: executable not root-owned or "
		                "writable by others\n");
		return -1;
	}
	return 0;
}
