#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nstest.h"

int
nstest_oathtool(const char *hexkey, unsigned digits, const char *algo, time_t t, char *out,
                size_t cap)
{
	char when[32], dig[8], totp[32];
	int p[2], status;
	ssize_t n;
	size_t off = 0;
	pid_t pid;

	snprintf(when, sizeof(when), "@%lld", (long long)t);
	snprintf(dig, sizeof(dig), "%u", digits);
	snprintf(totp, sizeof(totp), "--totp=%s", algo ? algo : "sha1");
	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp("oathtool", "oathtool", totp, "-d", dig, "-N", when, hexkey, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (off + 1 < cap && (n = read(p[0], out + off, cap - 1 - off)) > 0)
		off += (size_t)n;
	close(p[0]);
	waitpid(pid, &status, 0);
	out[off] = '\0';
	while (off > 0 && (out[off - 1] == '\n' || out[off - 1] == '\r'))
		out[--off] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && off == digits ? 0 : -1;
}

int
nstest_write(const char *path, const char *text, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	size_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

char *
nstest_tmpdir(void)
{
	char *d = strdup("/tmp/nstest.XXXXXX");

	if (d == NULL || mkdtemp(d) == NULL || chmod(d, 0755) != 0) {
		free(d);
		return NULL;
	}
	return d;
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void
nstest_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
