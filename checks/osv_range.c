/* One OSV range: its events read, sorted and evaluated for a version, or
 * rendered as a node-semver range (see osv.h).
 *
 * Real records carry data quirks: GHSA-h755-8qp9-cq85 has the event
 * "fixed": "7.2.4, 6.11.4", two versions in one field. Counting such a range as
 * "cannot evaluate, so affected" flags every installed version of the package,
 * so an event whose text is a short list of versions is read once per version
 * (every combination, when several events are lists): a version is affected when
 * some reading makes it so, and the finding says which reading did. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osv_int.h"

#define MAX_EVENTS NS_OSV_MAX_EVENTS
#define MAX_ALT 4          /* versions in one event's text */
#define MAX_LISTS 3        /* list events per range: at most 4^3 readings */

struct event {
	int kind;       /* 0 introduced, 1 fixed, 2 last_affected, 3 limit */
	int zero;
	const char *text;
	const struct ns_semver *v;
};

/* An event whose text is a list of versions. */
struct list_event {
	size_t index;   /* in the events as given */
	size_t nalt;
	char *texts;    /* the text split into NUL-terminated versions */
	const char *alt[MAX_ALT];
	struct ns_semver v[MAX_ALT];
	int zero[MAX_ALT];
};

struct events {
	struct event *ev;       /* as given */
	struct ns_semver *v;
	size_t n;
	/* nearly every range has at most this many events: their versions here, not
	 * in a 4 KB-a-version allocation per evaluation (which made malloc consolidate) */
	struct ns_semver inline_v[4];
	struct list_event lists[MAX_LISTS];
	size_t nlists;
};

static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };

static void
events_free(struct events *e)
{
	size_t i;

	for (i = 0; i < e->nlists; i++)
		free(e->lists[i].texts);
	free(e->ev);
	if (e->v != e->inline_v)
		free(e->v);
}

/* "7.2.4, 6.11.4": 2..MAX_ALT versions separated by commas, spaces or "||". */
static int
read_list(const char *text, struct list_event *l)
{
	char *p, *tok, *save = NULL;

	if ((l->texts = strdup(text)) == NULL)
		return -1;
	l->nalt = 0;
	for (p = l->texts; (tok = strtok_r(p, ", |", &save)) != NULL; p = NULL) {
		if (l->nalt == MAX_ALT ||
		    ns_osv_event_version(tok, &l->v[l->nalt], &l->zero[l->nalt]) < 0)
			return -1;
		l->alt[l->nalt++] = tok;
	}
	return l->nalt >= 2 ? 0 : -1;
}

/* Starts reading a range of total events. */
static int
events_begin(struct events *e, size_t total, struct ns_err *err)
{
	/* not memset: the list slots hold 4 KB versions each, and this runs once
	 * per range evaluated; every field read is set before it is read */
	e->ev = NULL;
	e->v = NULL;
	e->n = e->nlists = 0;
	if (total == 0 || total > MAX_EVENTS)
		return ns_fail(err, "range has no usable events array");
	/* versions are written as events are read (a "0" event's is never read) */
	if ((e->ev = calloc(total, sizeof(*e->ev))) == NULL ||
	    (e->v = total <= 4 ? e->inline_v : malloc(total * sizeof(*e->v))) == NULL)
		return ns_fail(err, "out of memory");
	return 0;
}

/* Adds one event (kind 0..3, its text); at most the total given to events_begin. */
static int
events_add(struct events *e, int kind, const char *text, struct ns_err *err)
{
	struct event *ev = &e->ev[e->n];

	ev->kind = kind;
	ev->text = text;
	ev->v = &e->v[e->n];
	if (kind == 3 && strcmp(text, "*") == 0)
		return 0; /* limit "*": no limit */
	if (ns_osv_event_version(text, &e->v[e->n], &ev->zero) < 0) {
		if (e->nlists == MAX_LISTS || read_list(text, &e->lists[e->nlists]) < 0) {
			if (e->nlists < MAX_LISTS)
				free(e->lists[e->nlists].texts);
			return ns_fail(err, "event version \"%.64s\" is not a version", text);
		}
		e->lists[e->nlists++].index = e->n;
	}
	e->n++;
	return 0;
}

static int
load_events(const json_t *range, struct events *e, struct ns_err *err)
{
	const json_t *events = json_object_get(range, "events");
	size_t i, j;

	if (events_begin(e, json_is_array(events) ? json_array_size(events) : 0, err) < 0)
		return -1;
	for (i = 0; i < json_array_size(events); i++) {
		const json_t *x = json_array_get(events, i);
		int kind = -1;

		if (!json_is_object(x))
			return ns_fail(err, "event %zu is not an object", i);
		for (j = 0; j < 4; j++) {
			const json_t *val = json_object_get(x, kinds[j]);

			if (val == NULL)
				continue;
			if (!json_is_string(val) || kind >= 0)
				return ns_fail(err, "event %zu is malformed", i);
			kind = (int)j;
		}
		if (kind < 0)
			return ns_fail(err, "event %zu has no known key", i);
		if (events_add(e, kind, json_string_value(json_object_get(x, kinds[kind])), err) < 0)
			return -1;
	}
	return 0;
}

static size_t
readings(const struct events *e)
{
	size_t i, r = 1;

	for (i = 0; i < e->nlists; i++)
		r *= e->lists[i].nalt;
	return r;
}

static int
event_cmp(const struct event *a, const struct event *b)
{
	if (a->zero || b->zero)
		return a->zero == b->zero ? 0 : a->zero ? -1 : 1;
	return ns_semver_compare(a->v, b->v);
}

/* Reading number r (0..readings-1) of the events into out, sorted stably by version. */
static void
reading(const struct events *e, size_t r, struct event *out)
{
	size_t i, j;

	memcpy(out, e->ev, e->n * sizeof(*out));
	for (i = 0; i < e->nlists; i++) {
		const struct list_event *l = &e->lists[i];
		size_t k = r % l->nalt;

		r /= l->nalt;
		out[l->index].v = &l->v[k];
		out[l->index].zero = l->zero[k];
		out[l->index].text = l->alt[k];
	}
	/* insertion sort keeps equal versions in their given order */
	for (i = 1; i < e->n; i++) {
		struct event tmp = out[i];

		for (j = i; j > 0 && event_cmp(&out[j - 1], &tmp) > 0; j--)
			out[j] = out[j - 1];
		out[j] = tmp;
	}
}

static int
evaluate(const struct event *ev, size_t n, const char *lkavr, const struct ns_semver *v)
{
	size_t i;
	int affected = 0, has_limit = 0, below_limit = 0, closed = 0;

	for (i = 0; i < n; i++) {
		const struct event *e = &ev[i];
		int c = e->zero ? 1 : ns_semver_compare(v, e->v);

		switch (e->kind) {
		case 0:
			if (c >= 0)
				affected = 1;
			break;
		case 1:
			closed = 1;
			if (c >= 0)
				affected = 0;
			break;
		case 2:
			closed = 1;
			if (c > 0)
				affected = 0;
			break;
		default:
			has_limit = 1;
			if (c < 0)
				below_limit = 1;
			break;
		}
	}
	if (has_limit && !below_limit)
		return 0;
	/* An open-ended range: GitHub's last known affected version is its ceiling,
	 * as the bulk endpoint's vulnerable_versions has it (PROTOCOLS §7.2). */
	if (affected && !closed && lkavr != NULL) {
		struct ns_semver_range *r = ns_semver_range_parse(lkavr,
		    NS_SEMVER_LOOSE | NS_SEMVER_INCLUDE_PRERELEASE);

		if (r == NULL)
			return 1; /* unreadable ceiling: stay affected */
		affected = ns_semver_range_test(r, v);
		ns_semver_range_free(r);
	}
	return affected;
}

/* What reading r of the list events chose, for the finding. */
static void
describe(const struct events *e, size_t r, char *quirk, size_t qlen)
{
	size_t i, used = 0;

	if (quirk == NULL || qlen == 0)
		return;
	quirk[0] = '\0';
	for (i = 0; i < e->nlists && used < qlen; i++) {
		const struct list_event *l = &e->lists[i];
		const struct event *ev = &e->ev[l->index];
		int w = snprintf(quirk + used, qlen - used, "%sevent \"%s\": \"%.64s\" is %zu "
		    "versions in one field; read as each, affected when read as %s",
		    i ? "; " : "", kinds[ev->kind], ev->text, l->nalt, l->alt[r % l->nalt]);

		r /= l->nalt;
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Evaluates loaded events for v, and frees them. */
static int
affects_loaded(struct events *e, const char *lkavr, const struct ns_semver *v, char *quirk,
               size_t qlen, struct ns_err *err)
{
	struct event *work;
	size_t r, nr;
	int hit = 0;

	if ((work = calloc(e->n ? e->n : 1, sizeof(*work))) == NULL) {
		events_free(e);
		return ns_fail(err, "out of memory");
	}
	nr = readings(e);
	for (r = 0; r < nr && !hit; r++) {
		reading(e, r, work);
		if ((hit = evaluate(work, e->n, lkavr, v)) && e->nlists > 0)
			describe(e, r, quirk, qlen);
	}
	free(work);
	events_free(e);
	return hit;
}

int
ns_osv_range_affects(const json_t *range, const char *lkavr, const struct ns_semver *v,
                     char *quirk, size_t qlen, struct ns_err *err)
{
	struct events e;

	if (load_events(range, &e, err) < 0) {
		events_free(&e);
		return -1;
	}
	return affects_loaded(&e, lkavr, v, quirk, qlen, err);
}

int
ns_osv_events_affects(const int *kind, const char *const *text, size_t n, const char *lkavr,
                      const struct ns_semver *v, char *quirk, size_t qlen, struct ns_err *err)
{
	struct events e;
	size_t i;

	if (events_begin(&e, n, err) < 0) {
		events_free(&e);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (events_add(&e, kind[i], text[i], err) < 0) {
			events_free(&e);
			return -1;
		}
	}
	return affects_loaded(&e, lkavr, v, quirk, qlen, err);
}

/* Appends s to parts unless it is there already. */
static void
add_part(json_t *parts, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(parts); i++)
		if (strcmp(json_string_value(json_array_get(parts, i)), s) == 0)
			return;
	json_array_append_new(parts, json_string(s));
}

void
ns_osv_range_render(const json_t *range, const char *lkavr, json_t *parts)
{
	struct events e;
	struct event *work = NULL;
	struct ns_err err;
	size_t r, nr, i;
	char buf[512];

	if (load_events(range, &e, &err) < 0 ||
	    (work = calloc(e.n ? e.n : 1, sizeof(*work))) == NULL) {
		add_part(parts, "(unreadable range)");
		events_free(&e);
		return;
	}
	nr = readings(&e);
	for (r = 0; r < nr; r++) {
		const char *open = NULL;

		reading(&e, r, work);
		for (i = 0; i < e.n; i++) {
			const struct event *ev = &work[i];

			if (ev->kind == 0) {
				if (open == NULL)
					open = ev->zero ? "0" : ev->text;
			} else if ((ev->kind == 1 || ev->kind == 2) && open != NULL) {
				const char *op = ev->kind == 1 ? "<" : "<=";

				if (strcmp(open, "0") == 0)
					snprintf(buf, sizeof(buf), "%s%s", op, ev->text);
				else
					snprintf(buf, sizeof(buf), ">=%s %s%s", open, op, ev->text);
				add_part(parts, buf);
				open = NULL;
			}
		}
		if (open != NULL) {
			if (strcmp(open, "0") == 0)
				snprintf(buf, sizeof(buf), "%s", lkavr != NULL ? lkavr : "*");
			else if (lkavr != NULL)
				snprintf(buf, sizeof(buf), ">=%s %s", open, lkavr);
			else
				snprintf(buf, sizeof(buf), ">=%s", open);
			add_part(parts, buf);
		}
	}
	free(work);
	events_free(&e);
}
