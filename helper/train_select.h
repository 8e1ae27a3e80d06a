/* Which releases a train takes: its arguments (ids, or the selectors over what is
 * staged on this host and, in stage mode, on the registry). */
#ifndef NS_TRAIN_SELECT_H
#define NS_TRAIN_SELECT_H

#include <stddef.h>

#include "session.h"
#include "state.h"
#include "train.h"

struct train_args {
	const char *package, *staged_by;
	char same_commit[NS_ID_MAX]; /* --same-commit ID: "" when not given */
	long long since;      /* -1: not given */
	int json, dry_run;
	size_t n;
	char ids[NS_TRAIN_MEMBERS_MAX][NS_ID_MAX];
};

/* Parses approve's (or show --train's, cmd) arguments into a: 0, or -1 (printed;
 * a usage error). */
int train_parse_args(int argc, char **argv, struct train_args *a, const char *cmd);

/* With selectors, fills a->ids from this host's staged and checked releases and
 * the registry's stages (the --same-commit anchor first): 0, or -1 (printed:
 * nothing matches, more than a train may have, the registry did not answer). */
int train_select_members(struct session *s, struct train_args *a);

#endif
