/* Tarball path rules (what a path in an npm tarball may look like), UTF-8 validation
 * and the small glob matcher used for "generated" paths and the package.json `files`. */
#ifndef NS_INTEGRITY_PATH_H
#define NS_INTEGRITY_PATH_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int ns_utf8_valid(const char *s, size_t n);

/* Length of path's first segment (the candidate package folder) when a '/' follows it,
 * else 0. npm strips this one leading folder whatever its name ("package", "node"). */
size_t ns_tar_top_len(const char *path);

/* 1 when path is an acceptable effective tarball path: "TOP/" (top: the archive's one
 * package folder) then relative segments, none empty, "." or "..", no backslash, no
 * NUL/C0/C1 control characters, valid UTF-8. A directory entry may end in one '/'.
 * Else 0 with *why set. */
int ns_tar_path_valid(const char *path, const char *top, int is_dir, const char **why);

/* NULL, or why path (an entry's effective path, "TOP/...") lies in a folder npm would
 * read as a node_modules or .bin folder: every "node_modules" segment starts a package
 * name ("x" or "@scope/x"), and a name part that is itself node_modules or .bin (any
 * letter case) is such a folder. run-script puts <dir>/node_modules/.bin on PATH for
 * every ancestor <dir> of a package folder, so a file there would run in place of the
 * commands of reviewed install scripts. */
const char *ns_tar_path_reserved_folder(const char *path);

/* Canonical form for duplicate detection: drops "." and empty segments and a trailing
 * '/'; case folded when fold is set (ASCII letters and the non-ASCII letters whose case
 * pair is ASCII, as case-insensitive file systems match names). Returns a malloc'd
 * string or NULL (OOM). */
char *ns_path_canonical(const char *path, int fold);

/* Glob match of a relative path: '*' and '?' within one segment, '**' as a whole
 * segment matches any number of segments. A pattern naming a directory ("dir" or
 * "dir/") also matches everything below it when prefix_dirs is set. */
int ns_glob_match(const char *pattern, const char *path, int prefix_dirs);

#endif
