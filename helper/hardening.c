#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/fsuid.h>
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

static int record_caller(void);
static void reset_limits(void);

/* sudo's record of who invoked it, read before the environment is reset. Trusted
 * only when we run as root without setuid (a setuid caller can set anything). */
static char sudo_uid_env[16];
static int sudo_uid_seen;

static void
remember_sudo_uid(void)
{
	const char *v = getenv("SUDO_UID");

	if (v == NULL)
		return;
	sudo_uid_seen = 1;
	if (strlen(v) < sizeof(sudo_uid_env))
		memcpy(sudo_uid_env, v, strlen(v) + 1);
	else
		sudo_uid_env[0] = '\0'; /* too long: refused as unparsable below */
}

/* SSH_AUTH_SOCK as the caller gave it: only ever connected to with the caller's
 * credentials and accepted when the peer is the caller (agent.c), so its value
 * needs no trust; it must be an absolute path that fits a socket address. */
static char agent_sock_env[108];

static void
remember_agent_socket(void)
{
	const char *v = getenv("SSH_AUTH_SOCK");

	if (v != NULL && v[0] == '/' && strlen(v) < sizeof(agent_sock_env))
		memcpy(agent_sock_env, v, strlen(v) + 1);
}

const char *
caller_agent_path(void)
{
	return agent_sock_env[0] != '\0' ? agent_sock_env : NULL;
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
	remember_sudo_uid();
	remember_agent_socket();
	reset_environment();
	if (record_caller() != 0)
		return -1;
	reset_limits();
	umask(077);
	if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "npm-release: cannot disable core dumps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The caller as the kernel started us, recorded by harden_process before any id
 * changes: the privileged path later makes all its ids root, so getuid() no longer
 * names the caller. Under sudo the caller is the human sudo names, not root. */
static struct {
	int recorded;
	int privileged;        /* started with more privilege than the caller */
	int via_sudo;          /* root through sudo, on behalf of uid */
	uid_t uid, started_euid;
	gid_t gid, started_egid;
	gid_t *groups;         /* the caller's supplementary groups */
	int ngroups;
} caller;

static int
parse_uid(const char *s, uid_t *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v >= (uid_t)-1)
		return -1;
	*out = (uid_t)v;
	return 0;
}

/* The kernel's login uid (set by pam_loginuid at login; an unprivileged process
 * cannot change it, and it survives su and sudo). 0 read, 1 unset, -1 error. */
static int
read_loginuid(uid_t *out)
{
	char buf[16];
	ssize_t n;
	int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 1 : -1; /* a kernel without audit: not set */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "4294967295") == 0)
		return 1;
	return parse_uid(buf, out) == 0 ? 0 : -1;
}

/* Root started us without setuid, and sudo says on whose behalf. The human is
 * SUDO_UID, which must agree with the login uid wherever one is set: a root shell
 * that sets SUDO_UID itself cannot speak for someone who has not logged in as it.
 * 0 the caller is now that human (or root, when sudo was run by root), -1 refused. */
static int
caller_from_sudo(void)
{
	struct passwd pw, *pwp = NULL;
	char tmp[4096];
	uid_t sudo_uid, login_uid;
	int k, n;

	if (parse_uid(sudo_uid_env, &sudo_uid) != 0) {
		fprintf(stderr, "npm-release: SUDO_UID is not a user id; refusing\n");
		return -1;
	}
	k = read_loginuid(&login_uid);
	if (k < 0) {
		fprintf(stderr, "npm-release: cannot read /proc/self/loginuid; refusing\n");
		return -1;
	}
	if (k == 0 && login_uid != sudo_uid) {
		fprintf(stderr, "npm-release: SUDO_UID (%lu) disagrees with the kernel's login uid "
		                "(%lu); refusing\n", (unsigned long)sudo_uid,
		        (unsigned long)login_uid);
		return -1;
	}
	if (sudo_uid == 0)
		return 0; /* root ran sudo: the caller stays root */
	if (getpwuid_r(sudo_uid, &pw, tmp, sizeof(tmp), &pwp) != 0 || pwp == NULL) {
		fprintf(stderr, "npm-release: SUDO_UID %lu names no user; refusing\n",
		        (unsigned long)sudo_uid);
		return -1;
	}
	/* The human's own groups from the group database, not root's nor SUDO_GID. */
	n = 64;
	for (;;) {
		int want = n;
		gid_t *g = calloc((size_t)want + 1, sizeof(gid_t));
		if (g == NULL)
			return -1;
		if (getgrouplist(pwp->pw_name, pwp->pw_gid, g, &n) >= 0) {
			free(caller.groups);
			caller.groups = g;
			caller.ngroups = n;
			break;
		}
		free(g);
		if (n <= want || n > 65536)
			return -1;
	}
	caller.uid = sudo_uid;
	caller.gid = pwp->pw_gid;
	caller.privileged = 1;
	caller.via_sudo = 1;
	return 0;
}

static int
record_caller(void)
{
	int n;

	caller.uid = getuid();
	caller.gid = getgid();
	caller.started_euid = geteuid();
	caller.started_egid = getegid();
	caller.privileged = caller.uid != caller.started_euid || caller.gid != caller.started_egid;
	n = getgroups(0, NULL);
	if (n < 0 || (caller.groups = calloc((size_t)n + 1, sizeof(gid_t))) == NULL ||
	    (n > 0 && (n = getgroups(n, caller.groups)) < 0)) {
		fprintf(stderr, "npm-release: cannot record the caller's groups\n");
		return -1;
	}
	caller.ngroups = n;
	if (sudo_uid_seen && caller.uid == 0 && caller.started_euid == 0 &&
	    caller_from_sudo() != 0)
		return -1;
	caller.recorded = 1;
	return 0;
}

int
caller_via_sudo(void)
{
	return caller.via_sudo;
}

/* Limits are inherited from the caller, who could set them to kill us half-way
 * (RLIMIT_CPU ends in SIGKILL, a signal the caller cannot send us itself) or make
 * allocations fail at a chosen point. A privileged run resets them, as sudo does;
 * what the helper itself may consume is bounded by its own caps (tarball size,
 * response sizes, the checker child's limits). Where the hard limit cannot be
 * raised (no CAP_SYS_RESOURCE, as in some containers) the soft one goes up to it,
 * and limits_sufficient() refuses a privileged command that would still run under
 * a limit below its floor, before it touches any state. */
static const struct {
	int resource;
	const char *name;
	rlim_t want;   /* what a privileged run sets */
	rlim_t floor;  /* below this, a privileged command refuses to start */
} limits[] = {
	{ RLIMIT_CPU, "RLIMIT_CPU (ulimit -t)", RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE (ulimit -f)", RLIM_INFINITY, (rlim_t)2 << 30 },
	{ RLIMIT_DATA, "RLIMIT_DATA (ulimit -d)", RLIM_INFINITY, (rlim_t)2 << 30 },
	{ RLIMIT_AS, "RLIMIT_AS (ulimit -v)", RLIM_INFINITY, (rlim_t)4 << 30 },
	{ RLIMIT_RSS, "RLIMIT_RSS (ulimit -m)", RLIM_INFINITY, 0 },
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE (ulimit -n)", 1024, 256 },
	/* a tiny stack is a segfault at a point the caller picks by its size */
	{ RLIMIT_STACK, "RLIMIT_STACK (ulimit -s)", (rlim_t)8 << 20, (rlim_t)8 << 20 },
	{ RLIMIT_NPROC, "RLIMIT_NPROC (ulimit -u)", RLIM_INFINITY, 0 },
	{ RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK (ulimit -l)", 1024 * 1024, 0 },
	{ RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING (ulimit -i)", 1024, 0 },
};

static void
reset_limits(void)
{
	struct rlimit rl;
	size_t i;

	if (!caller.privileged || geteuid() != 0)
		return;
	/* A file size limit then makes write fail with EFBIG, an error we handle. */
	signal(SIGXFSZ, SIG_IGN);
	/* So does a closed pipe on stdout or stderr (EPIPE): the caller could close
	 * its end to have the kernel kill us half-way, at a message of its choice. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		rl.rlim_cur = rl.rlim_max = limits[i].want;
		if (setrlimit(limits[i].resource, &rl) == 0 ||
		    getrlimit(limits[i].resource, &rl) != 0)
			continue;
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(limits[i].resource, &rl);
	}
}

static int
limits_sufficient(void)
{
	struct rlimit rl;
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (getrlimit(limits[i].resource, &rl) != 0)
			return -1;
		if (rl.rlim_cur != RLIM_INFINITY &&
		    (limits[i].floor == RLIM_INFINITY || rl.rlim_cur < limits[i].floor)) {
			fprintf(stderr, "npm-release: refusing to run under the caller's %s of %llu; "
			                "nothing done\n", limits[i].name,
			        (unsigned long long)rl.rlim_cur);
			return -1;
		}
	}
	return 0;
}

int
running_setuid(void)
{
	return caller.recorded ? caller.privileged :
	                         getuid() != geteuid() || getgid() != getegid();
}

uid_t
caller_uid(void)
{
	return caller.recorded ? caller.uid : getuid();
}

int
caller_name(char *buf, size_t cap)
{
	struct passwd pw, *pwp = NULL;
	char tmp[4096];

	if (getpwuid_r(caller_uid(), &pw, tmp, sizeof(tmp), &pwp) != 0 || pwp == NULL)
		return -1;
	if (strlen(pwp->pw_name) >= cap)
		return -1;
	snprintf(buf, cap, "%s", pwp->pw_name);
	return 0;
}

static int
ids_are(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	return getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 && ru == uid &&
	       eu == uid && su == uid && rg == gid && eg == gid && sg == gid &&
	       (uid_t)setfsuid((uid_t)-1) == uid && (gid_t)setfsgid((gid_t)-1) == gid;
}

int
drop_privileges_permanently(void)
{
	if (!caller.recorded) {
		fprintf(stderr, "npm-release: caller not recorded\n");
		return -1;
	}
	if (!caller.privileged)
		return 0; /* nothing above the caller (an unprivileged run, or root itself) */
	if ((geteuid() == 0 && setgroups((size_t)caller.ngroups, caller.groups) != 0) ||
	    setresgid(caller.gid, caller.gid, caller.gid) != 0 ||
	    setresuid(caller.uid, caller.uid, caller.uid) != 0 || !ids_are(caller.uid, caller.gid)) {
		fprintf(stderr, "npm-release: cannot drop privileges: %s\n", strerror(errno));
		return -1;
	}
	/* Irreversible, or not at all. */
	if (caller.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 ||
	                        (caller.gid != 0 && setegid(0) == 0))) {
		fprintf(stderr, "npm-release: could regain root after dropping it; refusing\n");
		return -1;
	}
	if (caller.gid != caller.started_egid &&
	    (setgid(caller.started_egid) == 0 || setegid(caller.started_egid) == 0)) {
		fprintf(stderr, "npm-release: could regain the group after dropping it; refusing\n");
		return -1;
	}
	caller.privileged = 0; /* we are the caller now, nothing more */
	/* An id change resets dumpability to the system's suid_dumpable. */
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -1;
}

int
become_root(void)
{
	if (!caller.recorded || !caller.privileged || caller.started_euid != 0)
		return 0;
	if (limits_sufficient() != 0)
		return -1;
	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0 ||
	    !ids_are(0, 0)) {
		fprintf(stderr, "npm-release: cannot take the helper's identity: %s\n",
		        strerror(errno));
		return -1;
	}
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -1;
}

static void
restore_or_die(uid_t euid, gid_t egid, const gid_t *groups, int ngroups)
{
	if (setresuid((uid_t)-1, euid, (uid_t)-1) != 0 ||
	    setresgid((gid_t)-1, egid, (gid_t)-1) != 0 ||
	    setgroups((size_t)ngroups, groups) != 0 ||
	    (uid_t)setfsuid((uid_t)-1) != euid || (gid_t)setfsgid((gid_t)-1) != egid) {
		fprintf(stderr, "npm-release: cannot restore privileges\n");
		_exit(2);
	}
}

int
as_caller(int (*fn)(void *), void *arg)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();
	gid_t *groups;
	int n, rc, e;

	if (!running_setuid())
		return fn(arg);
	/* Every credential the kernel checks a path with: the file system ids (they
	 * follow the effective ones) and the supplementary groups. */
	n = getgroups(0, NULL);
	if (n < 0 || (groups = calloc((size_t)n + 1, sizeof(gid_t))) == NULL)
		return -1;
	if (n > 0 && (n = getgroups(n, groups)) < 0) {
		free(groups);
		return -1;
	}
	if (setgroups((size_t)caller.ngroups, caller.groups) != 0 ||
	    setresgid((gid_t)-1, caller.gid, (gid_t)-1) != 0 ||
	    setresuid((uid_t)-1, caller.uid, (uid_t)-1) != 0 ||
	    (uid_t)setfsuid((uid_t)-1) != caller.uid || (gid_t)setfsgid((gid_t)-1) != caller.gid) {
		restore_or_die(euid, egid, groups, n);
		free(groups);
		return -1;
	}
	rc = fn(arg);
	e = errno;
	restore_or_die(euid, egid, groups, n);
	free(groups);
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

void
signals_hold(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, saved);
}

void
signals_release(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}
