/* approve in registry mode: the stage's record and bytes, into the spool. */
#ifndef NS_APPROVE_FETCH_H
#define NS_APPROVE_FETCH_H

#include "session.h"

/* The release comes from the stage API (record, and the tarball downloaded into
 * the spool, its sha1 the record's); a known id must still describe the same
 * bytes. 0, or -1 with err set. */
int approve_fetch_stage(struct session *s, const char *id, struct ns_release *r,
                        struct ns_err *err);

#endif
