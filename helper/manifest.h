/* package/package.json out of a tarball (libarchive, bounded). Runs in the
 * unprivileged child; the full hostile-archive rules are the integrity checks'. */
#ifndef NS_MANIFEST_H
#define NS_MANIFEST_H

#include <jansson.h>

#include "nserr.h"

#define NS_MANIFEST_MAX (1024 * 1024)

/* Reads the tarball from fd (from its current offset); the manifest must occur
 * exactly once and be a JSON object. */
json_t *manifest_read_fd(int fd, struct ns_err *err);

/* The version manifest npm-release publishes: manifest_read_fd's, with
 * "_hasShrinkwrap" set to true when the tarball holds <top>/npm-shrinkwrap.json and
 * absent otherwise, whatever package.json says. npm 7 to 11 install a dependency
 * with its own npm-shrinkwrap.json only when the registry's version document says
 * "_hasShrinkwrap": true (arborist node.js: hasShrinkwrap = pkg._hasShrinkwrap);
 * npm publish sends no such key and drops package.json's "_" keys, leaving the
 * field to the registry, which a registry that does not read tarballs (Verdaccio)
 * never sets. The audit checks the tarball's shrinkwrap tree, so the metadata must
 * say it is there. Absent, not false, without one: as npm publish sends it, and
 * what npm reads as false. */
json_t *manifest_publish_fd(int fd, struct ns_err *err);

/* Compares the version document a registry holds (or serves) for a version with
 * the checked package.json: every key but the ones the registry itself adds (the
 * list in manifest.c) must be present on both sides with equal values. Returns the
 * number of differing keys and names them in diff (sanitised, single line, bounded,
 * e.g. "dependencies[evil-dep], scripts[postinstall]"). */
size_t manifest_compare(const json_t *checked, const json_t *version_doc, char *diff, size_t cap);

#endif
