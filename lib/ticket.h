/* Approval tickets and use markers: what the PAM module reads and writes on every
 * authentication, kept out of SQLite so that one authentication costs a few small
 * files instead of a database connection (bench/pam.sh; pam_npmstage(8), FILES).
 *
 * A ticket (tickets/ID) is the approval and its release exactly as the database
 * holds them when the approval is created, written atomically by npm-release and
 * withdrawn when the release changes state. A use marker (used/ID) is created
 * empty with the ticket and filled, under an exclusive flock, when the module
 * consumes the approval: of any number of concurrent sessions exactly one finds
 * it empty. It is never emptied or removed. */
#ifndef NS_TICKET_H
#define NS_TICKET_H

#include <time.h>

#include "nserr.h"
#include "state.h"

#define NS_TICKET_MAX (1024 * 1024)

/* Serializes a and r (malloc'd into *out) / and replaces dirfd/a->id with that
 * atomically. a must be an approval of release r. */
int ns_ticket_format(const struct ns_approval *a, const struct ns_release *r, char **out,
                     size_t *len, struct ns_err *err);
int ns_ticket_write(int dirfd, const char *dirname, const struct ns_approval *a,
                    const struct ns_release *r, struct ns_err *err);
/* Parses a ticket held in memory, which must be approval id's: 0 (a->statement and
 * r->report malloc'd) or -1 (a and r zeroed). */
int ns_ticket_parse(const char *buf, size_t size, const char *id, struct ns_approval *a,
                    struct ns_release *r);
/* Reads dirfd/id: 0 read (a->statement and r->report malloc'd: ns_approval_clear,
 * ns_release_clear), 1 no such ticket, -1 unreadable or malformed (err says why). */
int ns_ticket_read(int dirfd, const char *dirname, const char *id, struct ns_approval *a,
                   struct ns_release *r, struct ns_err *err);
/* Reads dirfd/id whole (*buf malloc'd) if it starts with header: 0 read, 1 no such
 * file, 2 a ticket of another kind (not read), -1 unreadable (err says why). */
int ns_ticket_load(int dirfd, const char *dirname, const char *id, const char *header,
                   char **buf, size_t *len, struct ns_err *err);
/* Withdraws dirfd/id; a missing ticket is not an error. */
int ns_ticket_remove(int dirfd, const char *dirname, const char *id, struct ns_err *err);

/* The pieces of the format, shared with the train tickets (train.c): a nonce
 * name; one "NAME LENGTH\n" field at *pos named name (value not terminated); a
 * value copied into a fixed field (fits, no NUL), a number as written, a copy. */
int ns_ticket_id_valid(const char *id);
int ns_ticket_take(const char *buf, size_t size, size_t *pos, const char *name,
                   const char **value, size_t *len);
int ns_ticket_text_to(char *dst, size_t cap, const char *v, size_t n);
int ns_ticket_number_to(long long *dst, const char *v, size_t n);
char *ns_ticket_text_dup(const char *v, size_t n);

/* Creates usedfd/id empty (O_EXCL): the approval exists and is unused. */
int ns_used_prepare(int usedfd, const char *dirname, const char *id, struct ns_err *err);
/* Fills usedfd/id with the factor and time, under an exclusive flock, if it is
 * still empty (creating it if missing): 0 filled now, 1 was already used, -1 error. */
int ns_used_mark(int usedfd, const char *dirname, const char *id, const char *factor,
                 time_t now, struct ns_err *err);
/* 0 used, 1 not used (empty or missing), -1 not a marker: one fstatat, for the
 * module's check before it asks for a factor (ns_used_mark decides). */
int ns_used_state(int usedfd, const char *dirname, const char *id, struct ns_err *err);
/* 0 used (factor and *at filled), 1 not used (empty or missing), -1 unreadable. */
int ns_used_read(int usedfd, const char *dirname, const char *id, char factor[16],
                 long long *at, struct ns_err *err);

#endif
