/* npm-release advisories index DIR [-o FILE]: builds the advisory index an
 * audit reads instead of parsing every OSV file. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "nslog.h"
#include "../checks/advisory_index.h"

int
cmd_advisories(int argc, char **argv)
{
	struct ns_advidx_stats st;
	struct ns_err err = { "" };
	const char *out = NULL;
	char shown[512];

	if (argc == 5 && strcmp(argv[3], "-o") == 0)
		out = argv[4];
	else if (argc != 3) {
		fprintf(stderr, "usage: npm-release advisories index DIR [-o FILE]\n");
		return NS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "index") != 0) {
		ns_sanitize(shown, sizeof(shown), argv[1]);
		fprintf(stderr, "npm-release advisories: unknown subcommand \"%s\"\n", shown);
		return NS_EXIT_USAGE;
	}
	if (ns_advidx_build(argv[2], out, &st, &err) < 0) {
		ns_sanitize(shown, sizeof(shown), err.msg);
		fprintf(stderr, "npm-release advisories index: %s\n", shown);
		return NS_EXIT_FAIL;
	}
	printf("indexed %zu OSV files (%zu withdrawn): %zu package advisories\n", st.files,
	    st.withdrawn, st.advisories);
	return NS_EXIT_OK;
}
