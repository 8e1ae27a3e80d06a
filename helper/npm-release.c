/* npm-release: entry point and command dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct ns_cmd commands[] = {
	{ "--version", cmd_version, "print the version" },
	{ "audit", cmd_audit, "audit a package's dependencies against advisories" },
	{ "advisories", cmd_advisories, "build the local advisory index" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: npm-release COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
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

	if (argc < 2) {
		usage(stderr);
		return NS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return NS_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "npm-release: unknown command '%s' (see npm-release --help)\n", argv[1]);
	return NS_EXIT_USAGE;
}
