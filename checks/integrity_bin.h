/* The bins npm links for a package (names and targets as npm normalises them) and
 * the table of system commands a bin must not shadow (integrity_bin.c says why). */
#ifndef NS_INTEGRITY_BIN_H
#define NS_INTEGRITY_BIN_H

#include <jansson.h>

/* name -> target of every bin npm links for manifest m: "bin" as a string (under the
 * package name's last segment), an array (under each basename) or an object, with
 * @npmcli/package-json's and bin-links' normalisation; with no bin, every path under
 * "directories.bin" in files (canonical "package/..." paths -> anything; NULL to
 * skip). renamed (NULL to skip) receives {key, link} for each object key npm links
 * under another name, {key, link: null} for each it drops. NULL on OOM. */
json_t *ns_bin_links(const json_t *m, const json_t *files, json_t *renamed);
/* The same for the package in folder ("package/node_modules/a") of the tarball. */
json_t *ns_bin_links_under(const json_t *m, const json_t *files, const char *folder,
    json_t *renamed);

/* The command of the table that a bin linked as link shadows, or NULL. ASCII case
 * is ignored, and so is a Windows executable extension (.exe .cmd .bat .com .ps1). */
const char *ns_bin_shadowed_command(const char *link);

/* 1 when the package named package (may be NULL) is that command's own: its name is
 * the command, or one the table lists for it (npm for npx). Scoped names never are. */
int ns_bin_command_owner(const char *command, const char *package);

/* Node's path.join('/', ref) with \ and : as separators, without the leading '/'
 * (@npmcli/package-json secureAndUnixifyPath): malloc'd, NULL on OOM. */
char *ns_bin_secure_path(const char *ref);

#endif
