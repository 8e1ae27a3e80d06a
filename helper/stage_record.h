/* A registry stage record (GET /-/stage/<id>), validated field by field before
 * anything of it reaches a path, a file name, a statement or a terminal. */
#ifndef NS_STAGE_RECORD_H
#define NS_STAGE_RECORD_H

#include "registry.h"
#include "state.h"

/* Fills r (origin registry, status staged) from the record of stage id. */
int stage_record_fetch(struct reg_client *c, const char *token, const char *id,
                       struct ns_release *r, struct ns_err *err);

/* Lower-cases a valid UUID into out (NS_ID_MAX); -1 when id is not a UUID. */
int stage_id_normalize(const char *id, char *out);

#endif
