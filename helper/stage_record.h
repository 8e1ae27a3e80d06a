/* A registry stage record (GET /-/stage/<id>), validated field by field before
 * anything of it reaches a path, a file name, a statement or a terminal. */
#ifndef NS_STAGE_RECORD_H
#define NS_STAGE_RECORD_H

#include <jansson.h>

#include "registry.h"
#include "state.h"

/* Fills r (origin registry, status staged) from the record of stage id. */
int stage_record_fetch(struct reg_client *c, const char *token, const char *id,
                       struct ns_release *r, struct ns_err *err);

/* The provenance bundle a registry stage document carries as its attachment
 * "<name>-<version>.sigstore" (PROTOCOLS.md §1.2, §2.6: data is the bundle JSON as
 * a string, not base64). The document must still name r's id, package and version.
 * 0 with *bundle malloc'd (at most max bytes, not parsed here: the checker verifies
 * it), 0 with *bundle NULL when the document has none, -1 on an error. */
int stage_record_bundle(struct reg_client *c, const char *token, const struct ns_release *r,
                        size_t max, char **bundle, size_t *len, struct ns_err *err);

/* Whether stage id is still on the registry: 1 yes, 0 gone (404), -1 error. */
int stage_record_exists(struct reg_client *c, const char *token, const char *id,
                        struct ns_err *err);

/* Whether tag may be a release's dist-tag: as npm, not a valid semver range (npm
 * refuses those: `1.x` would read as a version spec); beyond npm, only ASCII
 * letters, digits, '-', '_' and '.', at most 100, so that no tag shown to an
 * approver can look like another ("latest" with an invisible character). */
int stage_tag_valid(const char *tag);

/* Every page of the registry's GET /-/stage (of package pkg, or all when NULL)
 * appended to out, a JSON array of its items (cmd_list.c). */
struct session;
int list_registry_stages(struct session *s, const char *pkg, json_t *out, struct ns_err *err);

/* Lower-cases a valid UUID into out (NS_ID_MAX); -1 when id is not a UUID. */
int stage_id_normalize(const char *id, char *out);

#endif
