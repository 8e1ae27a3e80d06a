/* npm package-name rules (validate-npm-package-name: valid for new packages, or only for
 * existing ones) and a strict version check (node-semver strict grammar, PROTOCOLS.md
 * §8.1): the checks need a verdict and a reason, not version arithmetic. */
#ifndef NS_NPM_NAME_H
#define NS_NPM_NAME_H

/* validate-npm-package-name's two verdicts: its errors make a name invalid for every
 * package; its warnings (core module name, capital letters, ~'!()*, longer than 214)
 * only for new ones, so existing packages (buffer, punycode, JSONStream) keep them. */
enum ns_npm_name_verdict { NS_NAME_INVALID = 0, NS_NAME_EXISTING_ONLY = 1, NS_NAME_VALID = 2 };

/* The verdict for name; *why is set to a static English reason unless NS_NAME_VALID. */
enum ns_npm_name_verdict ns_npm_name_check(const char *name, const char **why);

/* Returns 1 when name may be published as a new npm package (ns_npm_name_check gives
 * NS_NAME_VALID), else 0 with *why set. */
int ns_npm_name_valid(const char *name, const char **why);

/* Returns 1 when v is a strict, already-clean semver version as `npm pack` writes it
 * (no leading "v" or "=", no surrounding space), else 0 with *why set. */
int ns_strict_version_valid(const char *v, const char **why);

/* Returns 1 when v may be released: strict (above) and without build metadata. npm
 * publishes "1.0.0+b" as "1.0.0" (semver.clean), so the version approved would not be
 * the one that goes live, and two precedence-equal versions could be told apart only
 * by a string the registry drops. Else 0 with *why set. */
int ns_release_version_valid(const char *v, const char **why);

#endif
