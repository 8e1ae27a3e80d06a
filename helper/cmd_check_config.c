/* npm-release check-config: a `visudo -c` for npmstage.conf, the state folder, the
 * token files and the PAM service. One line per finding; exit 0 when there is
 * none, 1 otherwise (2 when the configuration does not even load). Root only. */
#include "config.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "hardening.h"
#include "nsconfig.h"
#include "secure_file.h"
#include "session.h"

#define PAM_SERVICE_DIR "/etc/pam.d"

static unsigned findings;

static void finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
finding(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("finding: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	findings++;
}

/* A path that must be root-owned, of the given type, with none of `forbid` set.
 * Returns 1 when it made a finding (so that callers do not report it twice). */
static int
check_object(const char *what, const char *path, int want_dir, mode_t forbid, int required)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		if (required || errno != ENOENT) {
			finding("%s %s: %s", what, path, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (want_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
		finding("%s %s: not a %s (links are refused)", what, path,
		        want_dir ? "directory" : "regular file");
	else if (sb.st_uid != 0)
		finding("%s %s: owned by uid %ld, must be root", what, path, (long)sb.st_uid);
	else if ((sb.st_mode & forbid) != 0)
		finding("%s %s: mode %04o, must not have %04o", what, path,
		        (unsigned)(sb.st_mode & 07777), (unsigned)forbid);
	else
		return 0;
	return 1;
}

static void
check_state(const struct ns_config *cfg)
{
	static const char *const sub[] = { "spool", "approvers", "locks", "tickets", "used", "totp",
		                            "fido2", NULL };
	struct ns_err err;
	char p[4096];
	size_t i;
	int fd;

	fd = sf_open_dir(cfg->state_dir, 077, &err);
	if (fd < 0) {
		finding("state_dir: %s", err.msg);
		return;
	}
	close(fd);
	check_object("state_dir", cfg->state_dir, 1, 077, 1);
	for (i = 0; sub[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", cfg->state_dir, sub[i]);
		check_object("state", p, 1, 077, 0);
	}
	snprintf(p, sizeof(p), "%s/state.db", cfg->state_dir);
	check_object("state database", p, 0, 077, 0);
}

static void
check_token(const char *key, const char *path)
{
	struct ns_err err;
	char *buf = NULL;
	size_t len = 0;

	if (path == NULL) {
		finding("[registry] %s is not set", key);
		return;
	}
	if (check_object(key, path, 0, 077, 1))
		return;
	/* The whole path must pass the same walk the module uses (no links, no
	 * writable directories); the contents are wiped unread. */
	if (access(path, F_OK) == 0 && sf_read_file(path, 077, 64 * 1024, &buf, &len, &err) != 0)
		finding("%s: %s", key, err.msg);
	if (buf != NULL)
		ns_free_secret(buf, len);
}

/* The folders holding the token files, each once: a token folder others can list
 * shows when tokens change and what they are called, and one they can enter is one
 * chmod from a leak. */
static void
check_token_folders(const struct ns_config *cfg)
{
	const char *files[2] = { cfg->token_file, cfg->read_token_file };
	char dirs[2][4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		char *slash;

		dirs[i][0] = '\0';
		if (files[i] == NULL)
			continue;
		snprintf(dirs[i], sizeof(dirs[i]), "%s", files[i]);
		slash = strrchr(dirs[i], '/');
		if (slash == NULL || slash == dirs[i]) {
			dirs[i][0] = '\0';
			continue;
		}
		*slash = '\0';
		if (i == 1 && strcmp(dirs[0], dirs[1]) == 0)
			continue;
		check_object("token folder", dirs[i], 1, 077, 1);
	}
}

/* The service file must exist and run pam_npmstage.so for auth and account. */
static void
check_pam(const struct ns_config *cfg)
{
	char path[4096], line[1024], type[32], control[64], module[512];
	int auth = 0, account = 0;
	FILE *f;

	if (strchr(cfg->service, '/') != NULL || strcmp(cfg->service, "..") == 0) {
		finding("[npmstage] service '%s' is not a service name", cfg->service);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", PAM_SERVICE_DIR, cfg->service);
	check_object("PAM service", path, 0, 022, 1);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *l = line + strspn(line, " \t");
		size_t n;
		if (*l == '#' || *l == '\n')
			continue;
		if (*l == '-')
			l++;
		if (sscanf(l, "%31s %63s %511s", type, control, module) != 3)
			continue;
		if (control[0] == '[') /* [value=action ...]: take the word after ']' */
			continue;
		n = strlen(module);
		if (n < 15 || strcmp(module + n - 15, "pam_npmstage.so") != 0)
			continue;
		if (strcmp(type, "auth") == 0)
			auth = 1;
		else if (strcmp(type, "account") == 0)
			account = 1;
		if (module[0] == '/')
			check_object("PAM module", module, 0, 022, 1);
	}
	fclose(f);
	if (!auth)
		finding("%s: no 'auth' line names pam_npmstage.so", path);
	if (!account)
		finding("%s: no 'account' line names pam_npmstage.so", path);
}

static void
check_registry(const struct ns_config *cfg)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;

	if (cfg->registry_url == NULL) {
		finding("[registry] url is not set");
		return;
	}
	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, cfg->registry_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		finding("[registry] url '%s' does not parse as a URL", cfg->registry_url);
	} else if (strcmp(scheme, "https") != 0) {
		const char *h = host;
		if (strcmp(h, "127.0.0.1") != 0 && strcmp(h, "localhost") != 0 && strcmp(h, "[::1]") != 0)
			finding("[registry] url '%s' is not https: the token would cross the network "
			        "in clear", cfg->registry_url);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (cfg->registry_mode == NS_MODE_STAGE && cfg->read_token_file == NULL)
		finding("[registry] mode = stage needs read_token_file (to list and fetch stages)");
	if (cfg->ca_file != NULL)
		check_object("ca_file", cfg->ca_file, 0, 022, 1);
	/* pinned trust material: whoever can write it decides which signer passes */
	if (cfg->trusted_root != NULL)
		check_object("[provenance] trusted_root", cfg->trusted_root, 0, 022, 1);
	if (cfg->registry_keys != NULL)
		check_object("[provenance] registry_keys", cfg->registry_keys, 0, 022, 1);
}

/* Whether name (a user, or "%group") was already reported among the first n names
 * of the list walked so far: each missing name is one finding, however often it is
 * named. */
static int
named_before(const char *const *seen, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(seen[i], name) == 0)
			return 1;
	return 0;
}

/* Approvers and stagers name users and %groups that must exist; root is never an
 * approver unless root_may_approve says so, and that setting is itself worth a line. */
static void
check_names(const struct ns_config *cfg)
{
	const char *seen[NS_MAX_NAMES * 8];
	const char *root_scope = NULL;
	size_t n_seen = 0, i, j, n_root = 0;

	for (i = 0; i <= cfg->n_scopes; i++) {
		char *const *names = i < cfg->n_scopes ? cfg->scopes[i].approvers : cfg->stagers;
		size_t n = i < cfg->n_scopes ? cfg->scopes[i].n_approvers : cfg->n_stagers;
		for (j = 0; j < n; j++) {
			const char *a = names[j];
			struct passwd *pw;
			if (named_before(seen, n_seen, a))
				continue;
			if (n_seen < sizeof(seen) / sizeof(seen[0]))
				seen[n_seen++] = a;
			if (a[0] == '%') {
				if (getgrnam(a + 1) == NULL)
					finding("%s%s%s names the group %s, which does not exist",
					        i < cfg->n_scopes ? "[scope " : "[npmstage] stagers",
					        i < cfg->n_scopes ? cfg->scopes[i].pattern : "",
					        i < cfg->n_scopes ? "] approvers" : "", a + 1);
				continue;
			}
			pw = getpwnam(a);
			if (pw == NULL)
				finding("%s%s%s names the user %s, who does not exist",
				        i < cfg->n_scopes ? "[scope " : "[npmstage] stagers",
				        i < cfg->n_scopes ? cfg->scopes[i].pattern : "",
				        i < cfg->n_scopes ? "] approvers" : "", a);
			else if (pw->pw_uid == 0 && i < cfg->n_scopes) {
				n_root++;
				if (root_scope == NULL)
					root_scope = cfg->scopes[i].pattern;
			}
		}
	}
	if (n_root > 0)
		finding("root is listed as an approver ([scope %s]%s): a root shell is not a person; "
		        "%s", root_scope, n_root > 1 ? " and elsewhere" : "",
		        cfg->root_may_approve ? "root_may_approve = yes lets it approve" :
		                                "refused unless root_may_approve = yes");
	else if (cfg->root_may_approve)
		finding("[npmstage] root_may_approve = yes: any root shell may approve as root");
}

/* Each advisories path must exist and be readable by the check user, which is who
 * reads it during approve: tried in a child that has become that user. */
static void
check_advisories(const struct ns_config *cfg, uid_t uid, gid_t gid)
{
	size_t i;

	if (cfg->n_advisories == 0) {
		finding("[audit] advisories is not set: the audit knows no advisories");
		return;
	}
	for (i = 0; i < cfg->n_advisories; i++) {
		const char *path = cfg->advisories[i];
		struct stat sb;
		pid_t pid;
		int status = 0;

		if (stat(path, &sb) != 0) {
			finding("[audit] advisories %s: %s", path, strerror(errno));
			continue;
		}
		if (uid == 0)
			continue; /* no usable check user: its own finding */
		pid = fork();
		if (pid < 0) {
			finding("[audit] advisories %s: cannot fork to test it: %s", path,
			        strerror(errno));
			continue;
		}
		if (pid == 0) {
			DIR *d;
			int fd;
			if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
			    setresuid(uid, uid, uid) != 0)
				_exit(3);
			if (S_ISDIR(sb.st_mode)) {
				struct dirent *e;
				d = opendir(path);
				if (d == NULL)
					_exit(1);
				while ((e = readdir(d)) != NULL)
					if (e->d_name[0] != '.')
						_exit(0);
				_exit(2);
			}
			fd = open(path, O_RDONLY | O_CLOEXEC);
			_exit(fd >= 0 ? 0 : 1);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			status = -1;
		else
			status = WEXITSTATUS(status);
		if (status == 2)
			finding("[audit] advisories %s: holds no advisories (the audit would find "
			        "nothing; fill it with npm-release advisories update)", path);
		else if (status != 0)
			finding("[audit] advisories %s: not readable by the check user %s (the audit "
			        "would fail during approve)", path, cfg->check_user);
	}
}

static void
check_people(const struct ns_config *cfg)
{
	struct passwd *pw = getpwnam(cfg->check_user);
	uid_t check_uid = pw != NULL && pw->pw_gid != 0 ? pw->pw_uid : 0;
	gid_t check_gid = pw != NULL ? pw->pw_gid : 0;
	size_t i;

	if (!cfg->check_user_set)
		finding("[npmstage] check_user is not set: the checks would run as '%s', an account "
		        "other services share; name a dedicated user (npmstage-check)",
		        cfg->check_user);
	if (pw == NULL)
		finding("[npmstage] check_user '%s' does not exist", cfg->check_user);
	else if (pw->pw_uid == 0 || pw->pw_gid == 0)
		finding("[npmstage] check_user '%s' has uid or gid 0", cfg->check_user);
	if (cfg->n_scopes == 0)
		finding("no [scope ...] section: nobody can approve anything");
	for (i = 0; i < cfg->n_scopes; i++) {
		const struct ns_scope *s = &cfg->scopes[i];
		if (s->n_approvers < s->min_approvers)
			finding("[scope %s] min_approvers = %u but only %zu approvers are listed",
			        s->pattern, s->min_approvers, s->n_approvers);
	}
	check_names(cfg);
	check_advisories(cfg, check_uid, check_gid); /* pw is stale after check_names */
	if (cfg->debug_stop_at != NULL)
		finding("[debug] stop_at = %s is set: approve stops itself at that step (for "
		        "crash tests only)", cfg->debug_stop_at);
}

int
cmd_check_config(int argc, char **argv)
{
	struct ns_config *cfg;
	struct ns_err err;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: npm-release check-config\n");
		return NS_EXIT_USAGE;
	}
	if (caller_uid() != 0 && !caller_via_sudo()) {
		fprintf(stderr, "npm-release: check-config is for root\n");
		return NS_EXIT_FAIL;
	}
	cfg = ns_config_load(session_config_path, &err);
	if (cfg == NULL) {
		printf("finding: %s\n", err.msg);
		return NS_EXIT_USAGE;
	}
	check_state(cfg);
	check_token_folders(cfg);
	check_token("token_file", cfg->token_file);
	if (cfg->read_token_file != NULL)
		check_token("read_token_file", cfg->read_token_file);
	check_pam(cfg);
	check_registry(cfg);
	check_people(cfg);
	if (findings == 0)
		printf("%s: OK\n", session_config_path);
	else
		printf("%s: %u finding%s\n", session_config_path, findings, findings == 1 ? "" : "s");
	ns_config_free(cfg);
	return findings == 0 ? NS_EXIT_OK : NS_EXIT_FAIL;
}
