/* The spool: state_dir/spool/<release id>.tgz, the exact bytes that are checked
 * and later published. Written once through a temporary + rename; only ever read
 * from here afterwards, never from a caller's path. */
#ifndef NS_SPOOL_H
#define NS_SPOOL_H

#include "digest.h"
#include "nserr.h"
#include "state.h"

#define NS_TARBALL_MAX (512LL * 1024 * 1024)

/* A fresh temporary in the spool; name receives its file name. Returns an fd. */
int spool_tmp_open(struct ns_state *st, char *name, size_t cap, struct ns_err *err);
/* fsyncs fd and renames the temporary to <id>.tgz, fsyncing the folder. */
int spool_commit(struct ns_state *st, int fd, const char *tmpname, const char *id,
                 struct ns_err *err);
void spool_discard(struct ns_state *st, const char *tmpname);

/* Copies src_fd into a fresh spool temporary while digesting; returns its fd, not
 * yet named (tmp receives spool_tmp_open's name): the caller checks it, then
 * spool_commit()s it under the release id and records the release at once, or
 * closes it and spool_discard()s tmp. A run that dies before the commit leaves
 * nothing; one that dies between commit and record leaves an orphan that the
 * next spool_tmp_open removes after ten minutes. */
int spool_copy_fd(struct ns_state *st, int src_fd, char *sri, char *sha1, long long *size,
                  char *tmp, size_t tmpcap, struct ns_err *err);

/* A release's provenance bundle (npm-release stage --provenance, or a registry
 * stage's .sigstore attachment): spool/<id>.sigstore beside the tarball, kept
 * the same way, bounded. Root never parses it: the checker verifies it. */
#define NS_BUNDLE_MAX (1024 * 1024)

/* Copies at most NS_BUNDLE_MAX bytes of src_fd into a fresh spool temporary (as
 * spool_copy_fd, without digests); sha256 receives its hex SHA-256. */
int spool_bundle_copy_fd(struct ns_state *st, int src_fd, char *sha256, char *tmp,
                         size_t tmpcap, struct ns_err *err);
/* Replaces the temporary's content (fd) with buf: the checker's serialisation of
 * what the caller gave; sha256 receives its hex SHA-256. */
int spool_bundle_replace(int fd, const char *buf, size_t len, char *sha256, struct ns_err *err);
/* spool_commit for the bundle: renames the temporary to <id>.sigstore. */
int spool_bundle_commit(struct ns_state *st, int fd, const char *tmpname, const char *id,
                        struct ns_err *err);
/* Writes buf as spool/<id>.sigstore (temporary + rename). */
int spool_bundle_write(struct ns_state *st, const char *id, const char *buf, size_t len,
                       struct ns_err *err);
/* Opens spool/<id>.sigstore (checked as spool_open): the fd, -2 when there is none,
 * -1 on an error (err set). */
int spool_bundle_open(struct ns_state *st, const char *id, struct ns_err *err);
/* Reads it whole (NUL-terminated): 0, -2 none, -1 error. */
int spool_bundle_read(struct ns_state *st, const char *id, char **buf, size_t *len,
                      struct ns_err *err);
void spool_bundle_remove(struct ns_state *st, const char *id);

/* Removes spool/<id>.tgz and <id>.sigstore (a stage that failed after storing it). */
void spool_remove(struct ns_state *st, const char *id);

/* Opens spool/<id>.tgz (checked: regular, root-owned, 0600, no link). */
int spool_open(struct ns_state *st, const char *id, struct ns_err *err);

/* Reads a whole spooled tarball into memory (for the publish document). */
int spool_read(struct ns_state *st, const char *id, unsigned char **buf, size_t *len,
               struct ns_err *err);

#endif
