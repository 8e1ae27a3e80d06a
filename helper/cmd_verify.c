/* npm-release verify: the tarball integrity checks, for anyone (no configuration, no
 * privileges), e.g. in CI. The same checks run inside approve. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "nslog.h"
#include "../checks/integrity.h"

#define GENERATED_MAX 64

static void
verify_usage(void)
{
	fprintf(stderr, "usage: npm-release verify [--json] [--source DIR] [--previous FILE]\n"
	    "         [--expect NAME@VERSION] [--integrity SRI] [--shasum HEX]\n"
	    "         [--generated GLOB]... [--install-scripts review|allow|deny]\n"
	    "         [--allow-install-scripts]\n"
	    "         [--max-unpacked BYTES] [--max-entries N] [--max-ratio N] [--max-path N]\n"
	    "         TARBALL|-\n");
}

static int
parse_ull(const char *s, const char *what, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9' ||
	    (*out = strtoull(s, &end, 10), errno != 0) || *end != '\0' || *out == 0 || *out > max) {
		fprintf(stderr, "npm-release verify: %s must be a number from 1 to %llu\n", what,
		    max);
		return -1;
	}
	return 0;
}

static int
valid_sri(const char *s)
{
	size_t i;

	if (strncmp(s, "sha512-", 7) != 0 || strlen(s) != 7 + 88 || strcmp(s + 93, "==") != 0)
		return 0;
	for (i = 7; i < 93; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return 0;
	return 1;
}

static int
valid_shasum(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdefABCDEF") == 40;
}

/* NAME@VERSION, the name possibly scoped (@scope/name@1.0.0). */
static int
split_expect(char *arg, const char **name, const char **version)
{
	char *at = strrchr(arg, '@');

	if (at == NULL || at == arg || at[1] == '\0')
		return -1;
	*at = '\0';
	*name = arg;
	*version = at + 1;
	return 0;
}

static int
open_input(const char *path, const char *what, int flags)
{
	char safe[PATH_MAX];
	int fd;

	if (strcmp(path, "-") == 0 && !(flags & O_DIRECTORY))
		return dup(STDIN_FILENO);
	if ((fd = open(path, flags | O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		ns_sanitize(safe, sizeof(safe), path);
		fprintf(stderr, "npm-release verify: cannot open %s %s: %s\n", what, safe,
		    strerror(errno));
	}
	return fd;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "source", required_argument, NULL, 's' },
		{ "previous", required_argument, NULL, 'p' },
		{ "expect", required_argument, NULL, 'e' },
		{ "integrity", required_argument, NULL, 'i' },
		{ "shasum", required_argument, NULL, 'h' },
		{ "generated", required_argument, NULL, 'g' },
		{ "allow-install-scripts", no_argument, NULL, 'a' },
		{ "install-scripts", required_argument, NULL, 'I' },
		{ "max-unpacked", required_argument, NULL, 'U' },
		{ "max-entries", required_argument, NULL, 'E' },
		{ "max-ratio", required_argument, NULL, 'R' },
		{ "max-path", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *generated[GENERATED_MAX + 1] = { NULL };
	const char *source = NULL, *previous = NULL;
	struct ns_verify_opts o;
	struct ns_err err;
	unsigned long long n;
	size_t ngen = 0;
	json_t *report = NULL;
	int json = 0, c, fd = -1, rc = NS_EXIT_USAGE, r;

	ns_verify_opts_init(&o);
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 's': source = optarg; break;
		case 'p': previous = optarg; break;
		case 'a': o.install_scripts = NS_INSTALL_SCRIPTS_ALLOW; break;
		case 'I':
			if (strcmp(optarg, "review") == 0)
				o.install_scripts = NS_INSTALL_SCRIPTS_REVIEW;
			else if (strcmp(optarg, "allow") == 0)
				o.install_scripts = NS_INSTALL_SCRIPTS_ALLOW;
			else if (strcmp(optarg, "deny") == 0)
				o.install_scripts = NS_INSTALL_SCRIPTS_DENY;
			else {
				fprintf(stderr, "npm-release verify: --install-scripts wants review, "
				    "allow or deny\n");
				return NS_EXIT_USAGE;
			}
			break;
		case 'e':
			if (split_expect(optarg, &o.expect_name, &o.expect_version) != 0) {
				fprintf(stderr, "npm-release verify: --expect wants NAME@VERSION\n");
				return NS_EXIT_USAGE;
			}
			break;
		case 'i':
			if (!valid_sri(optarg)) {
				fprintf(stderr, "npm-release verify: --integrity wants one "
				    "sha512-<88 base64 characters> value\n");
				return NS_EXIT_USAGE;
			}
			o.expect_integrity = optarg;
			break;
		case 'h':
			if (!valid_shasum(optarg)) {
				fprintf(stderr, "npm-release verify: --shasum wants 40 hex digits\n");
				return NS_EXIT_USAGE;
			}
			o.expect_shasum = optarg;
			break;
		case 'g':
			if (ngen == GENERATED_MAX) {
				fprintf(stderr, "npm-release verify: at most %d --generated globs\n",
				    GENERATED_MAX);
				return NS_EXIT_USAGE;
			}
			generated[ngen++] = optarg;
			o.generated = generated;
			break;
		case 'U':
			if (parse_ull(optarg, "--max-unpacked", 1ULL << 50, &n) != 0)
				return NS_EXIT_USAGE;
			o.max_unpacked = n;
			break;
		case 'E':
		case 'R':
		case 'P':
			if (parse_ull(optarg, c == 'E' ? "--max-entries" : c == 'R' ?
			    "--max-ratio" : "--max-path", 10000000, &n) != 0)
				return NS_EXIT_USAGE;
			*(c == 'E' ? &o.max_entries : c == 'R' ? &o.max_ratio : &o.max_path) =
			    (unsigned)n;
			break;
		default:
			verify_usage();
			return NS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		verify_usage();
		return NS_EXIT_USAGE;
	}
	if (source != NULL && (o.source_dirfd = open_input(source, "source directory",
	    O_DIRECTORY)) < 0)
		goto out;
	if (previous != NULL && (o.previous_fd = open_input(previous, "previous tarball", 0)) < 0)
		goto out;
	if ((fd = open_input(argv[optind], "tarball", 0)) < 0)
		goto out;
	r = ns_verify_fd(fd, &o, &report, &err);
	if (r < 0) {
		char shown[sizeof(err.msg)];

		ns_sanitize(shown, sizeof(shown), err.msg);
		fprintf(stderr, "npm-release verify: %s\n", shown);
		rc = NS_EXIT_FAIL;
		goto out;
	}
	if (json) {
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		ns_verify_print_summary(stdout, report);
	}
	rc = r == 0 ? NS_EXIT_OK : NS_EXIT_FAIL;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "npm-release verify: writing the report: %s\n", strerror(errno));
		rc = NS_EXIT_FAIL;
	}
out:
	json_decref(report);
	if (fd >= 0)
		close(fd);
	if (o.source_dirfd >= 0)
		close(o.source_dirfd);
	if (o.previous_fd >= 0)
		close(o.previous_fd);
	return rc;
}
