/* npm-release: hardened entry and command dispatch. Every command states the
 * identity it runs as; main drops to the caller for good before a command that
 * needs no state sees its arguments (npm-release(8), PRIVILEGE MODEL). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "hardening.h"
#include "nslog.h"
#include "session.h"

static const struct ns_cmd commands[] = {
	{ "list", cmd_list, "staged versions on the registry and in the local spool",
	  NS_RUN_PRIVILEGED },
	{ "stage", cmd_stage, "stage a tarball locally (registries without staging)",
	  NS_RUN_PRIVILEGED },
	{ "approve", cmd_approve, "check, approve (PAM gate) and publish one staged version",
	  NS_RUN_PRIVILEGED },
	{ "show", cmd_show, "one release: its record and check report", NS_RUN_PRIVILEGED },
	{ "reject", cmd_reject, "reject one staged version (through the PAM gate)",
	  NS_RUN_PRIVILEGED },
	{ "log", cmd_log, "show or --verify the hash-chained ledger", NS_RUN_PRIVILEGED },
	{ "enroll", cmd_enroll, "enrol an approver's second factor (root)", NS_RUN_PRIVILEGED },
	{ "token", cmd_token, "store the release or read token from stdin (root)",
	  NS_RUN_PRIVILEGED },
	{ "check-config", cmd_check_config,
	  "check npmstage.conf, state, tokens and the PAM service (root)", NS_RUN_PRIVILEGED },
	{ "--version", cmd_version, "print the version", NS_RUN_CALLER },
	{ "verify", cmd_verify, "check a package tarball (integrity, contents, source)",
	  NS_RUN_CALLER },
	{ "audit", cmd_audit, "audit a package's dependencies against advisories", NS_RUN_CALLER },
	{ "advisories", cmd_advisories, "build the local advisory index", NS_RUN_CALLER },
	{ "provenance", cmd_provenance, "verify npm provenance attestations against a tarball",
	  NS_RUN_CALLER },
	{ "signatures", cmd_signatures, "verify npm registry signatures", NS_RUN_CALLER },
	{ "trust", cmd_trust, "show the pinned trust material and when it expires",
	  NS_RUN_CALLER },
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

static const struct ns_cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct ns_cmd *cmd = NULL;
	int first = 1, config_given = 0;

	if (harden_process(argv) != 0 || check_own_executable() != 0)
		return NS_EXIT_USAGE;
	if (argc >= 3 && (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0)) {
		config_given = 1;
		first = 3;
	}
	if (config_given && running_setuid() && caller_uid() != 0) {
		/* Another configuration only for root, or when we hold no privilege the
		 * caller lacks: a setuid helper must not trust a caller-chosen file. */
		if (drop_privileges_permanently() != 0)
			return NS_EXIT_USAGE;
		fprintf(stderr, "npm-release: -c is for root only\n");
		return NS_EXIT_USAGE;
	}
	if (argc > first)
		cmd = find_command(argv[first]);
	/* Only the command's name has been looked at so far. Everything without a
	 * state (usage, help, unknown commands included) runs as the caller from here,
	 * before it parses an argument that could name a path. */
	if ((cmd == NULL || cmd->run_as == NS_RUN_CALLER) && drop_privileges_permanently() != 0)
		return NS_EXIT_USAGE;
	if (config_given)
		session_config_path = argv[2];
	if (argc <= first) {
		usage(stderr);
		return NS_EXIT_USAGE;
	}
	if (cmd != NULL)
		return cmd->run(argc - first, argv + first);
	if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "help") == 0) {
		usage(stdout);
		return NS_EXIT_OK;
	}
	{
		char shown[128];

		ns_sanitize(shown, sizeof(shown), argv[first]);
		fprintf(stderr, "npm-release: unknown command '%s' (see npm-release --help)\n", shown);
	}
	return NS_EXIT_USAGE;
}
