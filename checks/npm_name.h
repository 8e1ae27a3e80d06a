/* npm package-name rules (validate-npm-package-name, "valid for new packages") and a
 * strict version check (node-semver strict grammar, PROTOCOLS.md §8.1), kept private to
 * the integrity checks: they only need yes/no and a reason, not version arithmetic. */
#ifndef NS_NPM_NAME_H
#define NS_NPM_NAME_H

/* Returns 1 when name may be published as a new npm package, else 0 with *why set to a
 * static English reason. */
int ns_npm_name_valid(const char *name, const char **why);

/* Returns 1 when v is a strict, already-clean semver version as `npm pack` writes it
 * (no leading "v" or "=", no surrounding space), else 0 with *why set. */
int ns_strict_version_valid(const char *v, const char **why);

#endif
