/* Internal interfaces between the lockfile parser's parts (lockfile.c for the
 * document and lockfileVersion 2/3 maps, lockfile_v1.c for v1 trees). */
#ifndef NS_LOCKFILE_INT_H
#define NS_LOCKFILE_INT_H

#include <jansson.h>

#include "lockfile.h"
#include "nserr.h"

int ns_lock_valid_name(const char *s);
/* 1 when a location installs a package under such a name, or has a ".bin" part. */
int ns_lock_location_reserved(const char *loc);
/* 0 inside the project, 1 outside ("../x"), -1 not a valid location */
int ns_lock_location_kind(const char *s);
/* The package name a node_modules location installs, or NULL (a folder). */
const char *ns_lock_name_from_location(const char *loc);
int ns_lock_add_node(struct ns_lock *lock, struct ns_err *err);
int ns_lock_add_requires(struct ns_lock_node *n, const json_t *deps, const char *what,
                         struct ns_err *err);
int ns_lock_set_version(struct ns_lock_node *n, const json_t *v, struct ns_err *err);
int ns_lock_read_flags(struct ns_lock_node *n, const json_t *e, struct ns_err *err);
/* -1 when a registry tarball in "resolved" (or a v1 URL "version") is not the
 * entry's package and version, or the version is a range npm resolves at install. */
int ns_lock_check_source(const struct ns_lock_node *n, const json_t *e, struct ns_err *err);

/* Sets n->fetch from the entry (see lockfile.h). */
int ns_lock_set_fetch(struct ns_lock_node *n, const json_t *e, struct ns_err *err);
/* 1 when url is a registry tarball URL (".../<name>/-/<name>-<version>.tgz", name
 * and version filled), 0 when it is not of that form, -1 when it is ambiguous. */
int ns_lock_registry_tarball(const char *url, char *name, size_t namecap, char *version,
                             size_t vercap);

/* lockfileVersion 1 (and npm@4 shrinkwraps): the root's nested "dependencies". */
int ns_lock_parse_v1(struct ns_lock *lock, const json_t *deps, struct ns_err *err);

#endif
