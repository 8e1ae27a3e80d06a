/* npm-release: hardened entry and command dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "hardening.h"
#include "session.h"

static const struct ns_cmd commands[] = {
	{ "list", cmd_list, "staged versions on the registry and in the local spool" },
	{ "stage", cmd_stage, "stage a tarball locally (registries without staging)" },
	{ "approve", cmd_approve, "check, approve (PAM gate) and publish one staged version" },
	{ "show", cmd_show, "one release: its record and check report" },
	{ "reject", cmd_reject, "reject one staged version (through the PAM gate)" },
	{ "log", cmd_log, "show or --verify the hash-chained ledger" },
	{ "enroll", cmd_enroll, "enrol an approver's second factor (root)" },
	{ "token", cmd_token, "store the release or read token from stdin (root)" },
	{ "check-config", cmd_check_config, "check npmstage.conf, state, tokens and the PAM service (root)" },
	{ "--version", cmd_version, "print the version" },
	{ "verify", cmd_verify, "check a package tarball (integrity, contents, source)" },
	{ "audit", cmd_audit, "audit a package's dependencies against advisories" },
	{ "advisories", cmd_advisories, "build the local advisory index" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: npm-release [-c CONFIG] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nexit status: 0 success, 1 check failed or denied, 2 usage or configuration "
	           "error\n");
}

int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("npm-release %s\n", PACKAGE_VERSION);
	return NS_EXIT_OK;
}

int
main(int argc, char **argv)
{
	size_t i;
	int first = 1;

	if (harden_process(argv) != 0 || check_own_executable() != 0)
		return NS_EXIT_USAGE;
	if (argc >= 3 && (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0)) {
		/* Another configuration only for root, or when we hold no privilege the
		 * caller lacks: a setuid helper must not trust a caller-chosen file. */
		if (running_setuid() && getuid() != 0) {
			fprintf(stderr, "npm-release: -c is for root only\n");
			return NS_EXIT_USAGE;
		}
		session_config_path = argv[2];
		first = 3;
	}
	if (argc <= first) {
		usage(stderr);
		return NS_EXIT_USAGE;
	}
	if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "help") == 0) {
		usage(stdout);
		return NS_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			return commands[i].run(argc - first, argv + first);
	fprintf(stderr, "npm-release: unknown command '%s' (see npm-release --help)\n", argv[first]);
	return NS_EXIT_USAGE;
}
