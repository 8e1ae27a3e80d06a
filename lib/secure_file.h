/* secure_open-style access to configuration and state.
 *
 * Every path is absolute and walked from "/" one component at a time with
 * O_NOFOLLOW, so no component may be a symbolic link. Each directory on the way
 * must be owned by a trusted uid (root, or the effective uid so that the test suite
 * can run unprivileged) and not writable by group or others unless it is a
 * root-owned sticky directory such as /tmp. The final object must be of the
 * expected type, owned by a trusted uid, have none of the forbidden mode bits and
 * stay within a size limit. Each failure has its own message. */
#ifndef NS_SECURE_FILE_H
#define NS_SECURE_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "nserr.h"

/* Opens a directory; returns an O_DIRECTORY|O_CLOEXEC descriptor or -1. */
int sf_open_dir(const char *path, mode_t forbid, struct ns_err *err);

/* Opens a regular file for reading; returns a descriptor or -1. max_size 0 = no limit. */
int sf_open_file(const char *path, mode_t forbid, off_t max_size, struct stat *st,
                 struct ns_err *err);

/* The same, relative to a directory descriptor already vetted by sf_open_dir. When
 * the open itself fails, errno is left as it said (ENOENT: the file is missing). */
int sf_openat_file(int dirfd, const char *dirname, const char *name, mode_t forbid,
                   off_t max_size, struct stat *st, struct ns_err *err);

/* Opens dirfd/name read-write (create: making it empty, mode 0600, if missing)
 * without following links, and checks that it is a regular file owned by root
 * with no group or other permissions and one link: the small state files the
 * module updates. Returns the descriptor or -1 (errno ENOENT: missing). */
int sf_openat_state(int dirfd, const char *dirname, const char *name, int create,
                    struct ns_err *err);

/* Reads a whole file (checked as by sf_open_file) into a NUL-terminated buffer.
 * Files holding secrets: pass forbid 077 and wipe the buffer with ns_free_secret. */
int sf_read_file(const char *path, mode_t forbid, size_t max_size, char **buf,
                 size_t *len, struct ns_err *err);

/* Replaces dirfd/name with data atomically: a fresh O_EXCL temporary in the same
 * directory, written, fsync'd, renamed over the target, then the directory fsync'd.
 * A crash leaves the old or the new content, never a mix. */
int sf_write_atomic(int dirfd, const char *dirname, const char *name, const void *data,
                    size_t len, mode_t mode, struct ns_err *err);

/* Creates dirname/name as a directory (mode) when missing, then opens it with checks. */
int sf_mkdirat(int dirfd, const char *dirname, const char *name, mode_t mode,
               struct ns_err *err);

/* True when uid is trusted to own configuration and state. */
int sf_trusted_uid(uid_t uid);

/* explicit_bzero then free. */
void ns_free_secret(void *p, size_t len);

#endif
