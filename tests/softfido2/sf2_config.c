/* softfido2 configuration from the environment (this is test code). */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "sf2.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes hex (surrounding whitespace ignored); -1 unless it is all hex. */
static int
unhex(const char *s, size_t n, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t i, k = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n == 0 || n % 2 != 0 || n / 2 > outsz)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k++] = (unsigned char)(hi << 4 | lo);
	}
	*outlen = k;
	return 0;
}

static int
load_seed(struct sf2_config *cfg, const char *v)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (v == NULL || *v == '\0') {
		static const char label[] = "softfido2 default seed";
		SHA256((const unsigned char *)label, sizeof(label) - 1, cfg->seed);
		cfg->seed_len = 32;
		return 0;
	}
	if (unhex(v, strlen(v), cfg->seed, sizeof(cfg->seed), &cfg->seed_len) == 0)
		goto check;
	if ((fd = open(v, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "softfido2: SOFTFIDO2_SEED is neither hex nor a readable "
		    "file: %s\n", strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "softfido2: seed file empty or unreadable\n");
		return -1;
	}
	if (unhex(buf, (size_t)n, cfg->seed, sizeof(cfg->seed), &cfg->seed_len) != 0) {
		/* raw bytes */
		cfg->seed_len = (size_t)n < sizeof(cfg->seed) ? (size_t)n : sizeof(cfg->seed);
		memcpy(cfg->seed, buf, cfg->seed_len);
	}
check:
	if (cfg->seed_len < 16) {
		fprintf(stderr, "softfido2: seed shorter than 16 bytes\n");
		return -1;
	}
	return 0;
}

static int
flag(const char *name, const char *v, int dflt)
{
	if (v == NULL || *v == '\0')
		return dflt;
	if (strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "0") == 0)
		return 0;
	fprintf(stderr, "softfido2: %s must be 0 or 1\n", name);
	return -1;
}

int
sf2_config_load(struct sf2_config *cfg)
{
	const char *v;
	int f;

	memset(cfg, 0, sizeof(*cfg));
	if (load_seed(cfg, getenv("SOFTFIDO2_SEED")) < 0)
		return -1;

	v = getenv("SOFTFIDO2_UP");
	if (v != NULL && strcmp(v, "timeout") == 0)
		cfg->up = SF2_UP_TIMEOUT;
	else if ((f = flag("SOFTFIDO2_UP", v, 1)) < 0)
		return -1;
	else
		cfg->up = f ? SF2_UP_YES : SF2_UP_NO;

	v = getenv("SOFTFIDO2_UV");
	if (v != NULL && strcmp(v, "lie") == 0)
		cfg->uv = SF2_UV_LIE;
	else if ((f = flag("SOFTFIDO2_UV", v, 0)) < 0)
		return -1;
	else
		cfg->uv = f ? SF2_UV_YES : SF2_UV_NONE;

	if ((v = getenv("SOFTFIDO2_COUNTER")) != NULL && *v != '\0') {
		char *end;
		unsigned long long c;

		errno = 0;
		c = strtoull(v, &end, 10);
		if (errno != 0 || *end != '\0' || c > UINT32_MAX || *v == '-') {
			fprintf(stderr, "softfido2: bad SOFTFIDO2_COUNTER\n");
			return -1;
		}
		cfg->counter_fixed = 1;
		cfg->counter = (uint32_t)c;
	}
	if ((v = getenv("SOFTFIDO2_COUNTER_FILE")) != NULL && *v != '\0')
		f = snprintf(cfg->counter_file, sizeof(cfg->counter_file), "%s", v);
	else {
		const char *tmp = getenv("TMPDIR");
		f = snprintf(cfg->counter_file, sizeof(cfg->counter_file),
		    "%s/softfido2-%lu.counter", tmp != NULL && *tmp == '/' ? tmp : "/tmp",
		    (unsigned long)getuid());
	}
	if (f < 0 || (size_t)f >= sizeof(cfg->counter_file)) {
		fprintf(stderr, "softfido2: counter file path too long\n");
		return -1;
	}

	v = getenv("SOFTFIDO2_ATTEST");
	if (v == NULL || *v == '\0' || strcmp(v, "self") == 0)
		cfg->attest = SF2_ATT_SELF;
	else if (strcmp(v, "none") == 0)
		cfg->attest = SF2_ATT_NONE;
	else if (strcmp(v, "x5c") == 0)
		cfg->attest = SF2_ATT_X5C;
	else {
		fprintf(stderr, "softfido2: SOFTFIDO2_ATTEST must be self, x5c or none\n");
		return -1;
	}
	if ((f = flag("SOFTFIDO2_TAMPER_CDH", getenv("SOFTFIDO2_TAMPER_CDH"), 0)) < 0)
		return -1;
	cfg->tamper_cdh = f;
	return 0;
}

int
sf2_counter_next(const struct sf2_config *cfg, uint32_t *out)
{
	char buf[32];
	unsigned long long c = 0;
	struct stat st;
	ssize_t n;
	int fd, r = -1;

	if (cfg->counter_fixed) {
		*out = cfg->counter;
		return 0;
	}
	fd = open(cfg->counter_file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "softfido2: %s: %s\n", cfg->counter_file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != getuid() || !S_ISREG(st.st_mode) ||
	    flock(fd, LOCK_EX) != 0) {
		fprintf(stderr, "softfido2: %s: not a file of ours or not lockable\n",
		    cfg->counter_file);
		goto out;
	}
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) < 0)
		goto out;
	buf[n] = '\0';
	if (n > 0 && sscanf(buf, "%llu", &c) != 1)
		c = 0;
	if (c >= UINT32_MAX) {
		fprintf(stderr, "softfido2: counter exhausted\n");
		goto out;
	}
	c++;
	n = snprintf(buf, sizeof(buf), "%llu\n", c);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		goto out;
	*out = (uint32_t)c;
	r = 0;
out:
	close(fd);
	return r;
}
