/* Small root-owned records of a few numbers, read and rewritten in place under an
 * exclusive flock: the per-approver state the PAM module updates on every
 * authentication (TOTP steps and lockout, FIDO2 signature counters).
 *
 * A record is one line: a tag ("npmstage-totp 1"), then each number as exactly 20
 * characters (zero-padded, '-' first when negative) separated by blanks, then a
 * newline. Every value has one spelling and every record of a kind one length, so
 * a rewrite is one pwrite at offset 0 with nothing to truncate. An empty file is a
 * record not yet written. Like pam_oath's usersfile, records are not fsync'd. */
#ifndef NS_RECORD_H
#define NS_RECORD_H

#include <stddef.h>

#include "nserr.h"

#define NS_RECORD_MAX_VALUES 4

/* Opens dirfd/name (creating it empty), checks that it is a root-owned 0600
 * regular file with one link and takes an exclusive flock (released by close).
 * Returns the descriptor or -1. Use markers (ticket.h) are locked the same way. */
int ns_record_lock(int dirfd, const char *dirname, const char *name, struct ns_err *err);

/* Reads the record at fd: 1 empty (never written), 0 read into v[0..n-1], -1 not
 * a record of this tag and size (err names the file as dirname/name). */
int ns_record_read(int fd, const char *tag, long long *v, int n, const char *dirname,
                   const char *name, struct ns_err *err);
/* Writes v[0..n-1] as the record at fd; 0 or -1. */
int ns_record_write(int fd, const char *tag, const long long *v, int n, const char *dirname,
                    const char *name, struct ns_err *err);

/* The same, on memory: parse returns 0, 1 (empty) or -1; format returns the
 * length written (cap must hold it and a NUL) or -1. */
int ns_record_parse(const char *buf, size_t len, const char *tag, long long *v, int n);
int ns_record_format(char *buf, size_t cap, const char *tag, const long long *v, int n);

#endif
