/* node-semver 7.8's expressions (internal/re.js), in the "safe" form it actually
 * matches with: \s* -> \s{0,1}, \s+ -> \s{1,1}, \d* -> \d{0,256}, \d+ -> \d{1,256},
 * [a-zA-Z0-9-]* -> {0,250}, [a-zA-Z0-9-]+ -> {1,250}. Built up token by token the
 * way createToken() does, so each one can be compared with the original. */
#ifndef NS_SEMVER_PATTERNS_H
#define NS_SEMVER_PATTERNS_H

#define SP_NUMERICIDENTIFIER "0|[1-9]\\d{0,256}"
#define SP_NUMERICIDENTIFIERLOOSE "\\d{1,256}"
#define SP_NONNUMERICIDENTIFIER "\\d{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250}"
#define SP_MAINVERSION "(" SP_NUMERICIDENTIFIER ")\\.(" SP_NUMERICIDENTIFIER ")\\.(" \
	SP_NUMERICIDENTIFIER ")"
#define SP_MAINVERSIONLOOSE "(" SP_NUMERICIDENTIFIERLOOSE ")\\.(" \
	SP_NUMERICIDENTIFIERLOOSE ")\\.(" SP_NUMERICIDENTIFIERLOOSE ")"
#define SP_PRERELEASEIDENTIFIER "(?:" SP_NONNUMERICIDENTIFIER "|" SP_NUMERICIDENTIFIER ")"
#define SP_PRERELEASEIDENTIFIERLOOSE "(?:" SP_NONNUMERICIDENTIFIER "|" \
	SP_NUMERICIDENTIFIERLOOSE ")"
#define SP_PRERELEASE "(?:-(" SP_PRERELEASEIDENTIFIER "(?:\\." SP_PRERELEASEIDENTIFIER ")*))"
#define SP_PRERELEASELOOSE "(?:-?(" SP_PRERELEASEIDENTIFIERLOOSE "(?:\\." \
	SP_PRERELEASEIDENTIFIERLOOSE ")*))"
#define SP_BUILDIDENTIFIER "[a-zA-Z0-9-]{1,250}"
#define SP_BUILD "(?:\\+(" SP_BUILDIDENTIFIER "(?:\\." SP_BUILDIDENTIFIER ")*))"
#define SP_FULLPLAIN "v?" SP_MAINVERSION SP_PRERELEASE "?" SP_BUILD "?"
#define SP_FULL "^" SP_FULLPLAIN "$"
#define SP_LOOSEPLAIN "[v=\\s]*" SP_MAINVERSIONLOOSE SP_PRERELEASELOOSE "?" SP_BUILD "?"
#define SP_LOOSE "^" SP_LOOSEPLAIN "$"
#define SP_GTLT "((?:<|>)?=?)"
#define SP_XRANGEIDENTIFIERLOOSE SP_NUMERICIDENTIFIERLOOSE "|x|X|\\*"
#define SP_XRANGEIDENTIFIER SP_NUMERICIDENTIFIER "|x|X|\\*"
#define SP_XRANGEPLAIN "[v=\\s]*(" SP_XRANGEIDENTIFIER ")(?:\\.(" SP_XRANGEIDENTIFIER \
	")(?:\\.(" SP_XRANGEIDENTIFIER ")(?:" SP_PRERELEASE ")?" SP_BUILD "?)?)?"
#define SP_XRANGEPLAINLOOSE "[v=\\s]*(" SP_XRANGEIDENTIFIERLOOSE ")(?:\\.(" \
	SP_XRANGEIDENTIFIERLOOSE ")(?:\\.(" SP_XRANGEIDENTIFIERLOOSE ")(?:" \
	SP_PRERELEASELOOSE ")?" SP_BUILD "?)?)?"
#define SP_XRANGE "^" SP_GTLT "\\s{0,1}" SP_XRANGEPLAIN "$"
#define SP_XRANGELOOSE "^" SP_GTLT "\\s{0,1}" SP_XRANGEPLAINLOOSE "$"
#define SP_LONETILDE "(?:~>?)"
#define SP_TILDETRIM "(\\s{0,1})" SP_LONETILDE "\\s{1,1}"
#define SP_TILDE "^" SP_LONETILDE SP_XRANGEPLAIN "$"
#define SP_TILDELOOSE "^" SP_LONETILDE SP_XRANGEPLAINLOOSE "$"
#define SP_LONECARET "(?:\\^)"
#define SP_CARETTRIM "(\\s{0,1})" SP_LONECARET "\\s{1,1}"
#define SP_CARET "^" SP_LONECARET SP_XRANGEPLAIN "$"
#define SP_CARETLOOSE "^" SP_LONECARET SP_XRANGEPLAINLOOSE "$"
#define SP_COMPARATORLOOSE "^" SP_GTLT "\\s{0,1}(" SP_LOOSEPLAIN ")$|^$"
#define SP_COMPARATOR "^" SP_GTLT "\\s{0,1}(" SP_FULLPLAIN ")$|^$"
#define SP_COMPARATORTRIM "(\\s{0,1})" SP_GTLT "\\s{0,1}(" SP_LOOSEPLAIN "|" \
	SP_XRANGEPLAIN ")"
#define SP_HYPHENRANGE "^\\s{0,1}(" SP_XRANGEPLAIN ")\\s{1,1}-\\s{1,1}(" SP_XRANGEPLAIN \
	")\\s{0,1}$"
#define SP_HYPHENRANGELOOSE "^\\s{0,1}(" SP_XRANGEPLAINLOOSE ")\\s{1,1}-\\s{1,1}(" \
	SP_XRANGEPLAINLOOSE ")\\s{0,1}$"
#define SP_STAR "(<|>)?=?\\s{0,1}\\*"
#define SP_GTE0 "^\\s{0,1}>=\\s{0,1}0\\.0\\.0\\s{0,1}$"
#define SP_GTE0PRE "^\\s{0,1}>=\\s{0,1}0\\.0\\.0-0\\s{0,1}$"
/* Range's BUILDSTRIPRE is built from src (not safeRe): unbounded. */
#define SP_BUILDSTRIP "(?:\\+([a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*))"

#endif
