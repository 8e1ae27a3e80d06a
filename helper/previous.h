/* The version a release follows on its dist-tag, downloaded for the diff the
 * approver sees. Informational: when it can't be had, the diff is just absent. */
#ifndef NS_PREVIOUS_H
#define NS_PREVIOUS_H

#include "session.h"

/* Returns an fd (an unnamed file in the spool) holding the previous version's
 * tarball, checked against the registry's sha512 integrity for it (or, for an
 * older version with none, its shasum), or -1 (no registry configured, or no
 * previous version). Returns -2 (printed), the outcomes that stop the approve:
 * the registry's packument cannot be read (any tag); the release would move
 * `latest` to a version lower than the registry's current latest (npm 11 refuses
 * an implicit `latest`); the version is already live with other bytes; the
 * previous version has no digest, or its bytes cannot be downloaded with it; the
 * registry's signing keys are pinned and the previous version's registry
 * signature is bad or missing.
 * *first_version: 1 when the registry has the package with no "latest" (or not at
 * all), so that it makes this version "latest" whatever its tag. */
int previous_fetch(struct session *s, const struct ns_release *r, int *first_version);

/* Right before the publish, for a release tagged latest: the registry's latest is
 * read again and must still be lower (an approve of a higher version may have
 * finished since the checks, or while a train or its resumption published other
 * members). 0 fine, 1 refused: a higher version is latest, -1 unknown: the
 * registry could not be read (printed). */
int previous_latest_still_behind(struct session *s, const struct ns_release *r);

#endif
