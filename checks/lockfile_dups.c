/* Duplicate keys in a lockfile (left by a bad merge), see lockfile.h. jansson
 * reports only the first duplicate and keeps no earlier copy, so this walks the
 * (already validated) text itself: for each object, its members' keys and the
 * byte ranges of their values; copies of one key are then compared. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockfile.h"

#define MAX_NOTES 20
#define MAX_DEPTH 2048   /* jansson's own nesting limit */

struct member {
	char *key;
	size_t vstart, vend;
	size_t order;
};

struct scan {
	const char *buf;
	size_t len, pos;
	json_t *notes;
	size_t nduplicates;
	struct ns_err *err;
};

static void
skip_ws(struct scan *sc)
{
	while (sc->pos < sc->len && (sc->buf[sc->pos] == ' ' || sc->buf[sc->pos] == '\t' ||
	    sc->buf[sc->pos] == '\n' || sc->buf[sc->pos] == '\r'))
		sc->pos++;
}

/* At a '"': moves past the closing quote; *escaped when it holds a backslash. */
static int
skip_string(struct scan *sc, int *escaped)
{
	*escaped = 0;
	if (sc->pos >= sc->len || sc->buf[sc->pos] != '"')
		return ns_fail(sc->err, "lockfile: string expected at byte %zu", sc->pos);
	for (sc->pos++; sc->pos < sc->len; sc->pos++) {
		if (sc->buf[sc->pos] == '\\') {
			*escaped = 1;
			sc->pos++;
		} else if (sc->buf[sc->pos] == '"') {
			sc->pos++;
			return 0;
		}
	}
	return ns_fail(sc->err, "lockfile: unterminated string");
}

static char *
decode_key(const char *s, size_t n, int escaped)
{
	json_t *j;
	char *out;

	if (!escaped)
		return n >= 2 ? strndup(s + 1, n - 2) : NULL;
	j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
	out = json_is_string(j) ? strdup(json_string_value(j)) : NULL;
	json_decref(j);
	return out;
}

static int
member_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c != 0)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The field of a package entry whose copies must agree, or NULL when they do. */
static const char *
disagreement(const char *key, const json_t *a, const json_t *last)
{
	static const char *const fields[] = { "version", "resolved", "integrity" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(key, fields[i]) == 0 && !json_equal((json_t *)a, (json_t *)last))
			return fields[i];
		if (json_is_object(a) && json_is_object(last)) {
			const json_t *x = json_object_get(a, fields[i]);
			const json_t *y = json_object_get(last, fields[i]);

			if ((x == NULL) != (y == NULL) ||
			    (x != NULL && !json_equal((json_t *)x, (json_t *)y)))
				return fields[i];
		}
	}
	return NULL;
}

/* Copies m[0..n) of one key, in document order. */
static int
judge(struct scan *sc, const struct member *m, size_t n)
{
	json_t *last = json_loadb(sc->buf + m[n - 1].vstart, m[n - 1].vend - m[n - 1].vstart,
	    JSON_DECODE_ANY, NULL);
	const char *field = NULL;
	size_t i;
	char note[400];

	if (last == NULL)
		return ns_fail(sc->err, "lockfile: cannot read a copy of duplicate key \"%.128s\"",
		    m[0].key);
	for (i = 0; i + 1 < n && field == NULL; i++) {
		json_t *v = json_loadb(sc->buf + m[i].vstart, m[i].vend - m[i].vstart,
		    JSON_DECODE_ANY, NULL);

		field = v == NULL ? "its value" : disagreement(m[0].key, v, last);
		json_decref(v);
	}
	json_decref(last);
	if (field != NULL)
		return ns_fail(sc->err, "duplicate key \"%.128s\" (%zu copies, a bad merge?): the "
		    "copies disagree on %s, so which one npm installs is not certain; refusing "
		    "the lockfile", m[0].key, n, field);
	if (++sc->nduplicates <= MAX_NOTES) {
		snprintf(note, sizeof(note), "duplicate key \"%.128s\" (%zu copies) in the "
		    "lockfile: read as npm does (the last copy); the copies agree on version, "
		    "resolved and integrity", m[0].key, n);
		json_array_append_new(sc->notes, json_string(note));
	}
	return 0;
}

static int scan_value(struct scan *sc, int depth);

static int
scan_object(struct scan *sc, int depth)
{
	struct member *m = NULL;
	size_t n = 0, cap = 0, i, j;
	int rc = -1;

	sc->pos++; /* '{' */
	skip_ws(sc);
	if (sc->pos < sc->len && sc->buf[sc->pos] == '}') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		size_t kstart;
		int escaped;

		skip_ws(sc);
		kstart = sc->pos;
		if (skip_string(sc, &escaped) < 0)
			goto out;
		if (n == cap) {
			struct member *nm;

			cap = cap ? cap * 2 : 16;
			if ((nm = realloc(m, cap * sizeof(*m))) == NULL) {
				ns_fail(sc->err, "out of memory");
				goto out;
			}
			m = nm;
		}
		if ((m[n].key = decode_key(sc->buf + kstart, sc->pos - kstart, escaped)) == NULL) {
			ns_fail(sc->err, "lockfile: unreadable key at byte %zu", kstart);
			goto out;
		}
		m[n].order = n;
		n++;
		skip_ws(sc);
		if (sc->pos >= sc->len || sc->buf[sc->pos] != ':') {
			ns_fail(sc->err, "lockfile: ':' expected at byte %zu", sc->pos);
			goto out;
		}
		sc->pos++;
		skip_ws(sc);
		m[n - 1].vstart = sc->pos;
		if (scan_value(sc, depth + 1) < 0)
			goto out;
		m[n - 1].vend = sc->pos;
		skip_ws(sc);
		if (sc->pos < sc->len && sc->buf[sc->pos] == ',') {
			sc->pos++;
			continue;
		}
		if (sc->pos < sc->len && sc->buf[sc->pos] == '}') {
			sc->pos++;
			break;
		}
		ns_fail(sc->err, "lockfile: ',' or '}' expected at byte %zu", sc->pos);
		goto out;
	}
	qsort(m, n, sizeof(*m), member_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(m[i].key, m[j].key) == 0; j++)
			;
		if (j - i > 1 && judge(sc, m + i, j - i) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(m[i].key);
	free(m);
	return rc;
}

static int
scan_value(struct scan *sc, int depth)
{
	int escaped;

	if (depth > MAX_DEPTH)
		return ns_fail(sc->err, "lockfile nested deeper than %d", MAX_DEPTH);
	skip_ws(sc);
	if (sc->pos >= sc->len)
		return ns_fail(sc->err, "lockfile: value expected at its end");
	switch (sc->buf[sc->pos]) {
	case '{':
		return scan_object(sc, depth);
	case '[':
		sc->pos++;
		skip_ws(sc);
		if (sc->pos < sc->len && sc->buf[sc->pos] == ']') {
			sc->pos++;
			return 0;
		}
		for (;;) {
			if (scan_value(sc, depth + 1) < 0)
				return -1;
			skip_ws(sc);
			if (sc->pos < sc->len && sc->buf[sc->pos] == ',') {
				sc->pos++;
				continue;
			}
			if (sc->pos < sc->len && sc->buf[sc->pos] == ']') {
				sc->pos++;
				return 0;
			}
			return ns_fail(sc->err, "lockfile: ',' or ']' expected at byte %zu", sc->pos);
		}
	case '"':
		return skip_string(sc, &escaped);
	default:
		/* number, true, false, null */
		while (sc->pos < sc->len && strchr(",}] \t\r\n", sc->buf[sc->pos]) == NULL)
			sc->pos++;
		return 0;
	}
}

int
ns_lock_check_duplicates(const char *buf, size_t len, json_t *notes, struct ns_err *err)
{
	struct scan sc = { buf, len, 0, notes, 0, err };
	char note[160];

	if (scan_value(&sc, 0) < 0)
		return -1;
	if (sc.nduplicates > MAX_NOTES) {
		snprintf(note, sizeof(note), "... and %zu more duplicate keys, all with agreeing "
		    "copies", sc.nduplicates - MAX_NOTES);
		json_array_append_new(notes, json_string(note));
	}
	return 0;
}
