/* node-semver 7.8 ranges: the Range/Comparator pipeline of classes/range.js,
 * reproduced step by step (hyphen, comparator/tilde/caret trims, caret, tilde,
 * x-range, star and >=0.0.0 rewriting) over the same expressions, so that odd
 * inputs desugar exactly as npm's semver does. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "semver_patterns.h"
#include "semver_re.h"

#define SB_LIMIT (1u << 20)

enum { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

struct comparator {
	int op;
	int any;
	struct ns_semver v;
	char value[NS_SEMVER_VERSION_BUF + 4];
};

struct cset {
	size_t n;
	struct comparator *c;
};

struct ns_semver_range {
	int flags;
	size_t nsets;
	struct cset *sets;
	char *text;
};

/* The compiled expressions one Range construction needs. */
struct rctx {
	int loose, incpre;
	struct sre buildstrip, hyphen, comptrim, tildetrim, carettrim;
	struct sre caret, tilde, xrange, star, gte0, comparator;
};

struct sb {
	char *p;
	size_t len, cap;
	int err;
};

struct strv {
	char **v;
	size_t n, cap;
	int err;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		char *np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		if (ncap > SB_LIMIT || (np = realloc(b->p, ncap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_adds(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Returns the built string (never NULL unless on error, then frees). */
static char *
sb_take(struct sb *b)
{
	if (!b->err && b->p == NULL)
		sb_add(b, "", 0);
	if (b->err) {
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	return b->p;
}

static void
strv_push(struct strv *v, char *s)
{
	char **nv;

	if (s == NULL) {
		v->err = 1;
		return;
	}
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 8;

		if (ncap > 65536 || (nv = realloc(v->v, ncap * sizeof(*nv))) == NULL) {
			free(s);
			v->err = 1;
			return;
		}
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = s;
}

static void
strv_free(struct strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int
is_sp(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static char *
trim_dup(const char *s)
{
	size_t a = 0, b = strlen(s);

	while (a < b && is_sp(s[a]))
		a++;
	while (b > a && is_sp(s[b - 1]))
		b--;
	return dupn(s + a, b - a);
}

/* String.prototype.split(sep) for a literal separator. */
static void
split_lit(struct strv *out, const char *s, const char *sep)
{
	size_t n = strlen(sep);
	const char *p;

	while ((p = strstr(s, sep)) != NULL) {
		strv_push(out, dupn(s, (size_t)(p - s)));
		s = p + n;
	}
	strv_push(out, dupn(s, strlen(s)));
}

/* String.prototype.split(/\s+/). */
static void
split_ws(struct strv *out, const char *s)
{
	const char *start = s;

	while (*s != '\0') {
		if (is_sp(*s)) {
			const char *e = s;

			while (*e != '\0' && is_sp(*e))
				e++;
			strv_push(out, dupn(start, (size_t)(s - start)));
			start = s = e;
		} else
			s++;
	}
	strv_push(out, dupn(start, (size_t)(s - start)));
}

static char *
join(const struct strv *v, const char *sep)
{
	struct sb b = { 0 };
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (i > 0)
			sb_adds(&b, sep);
		sb_adds(&b, v->v[i]);
	}
	return sb_take(&b);
}

/* A capture as a fresh string; "" when the group did not take part. */
static char *
cap(const char *s, const struct sre_match *m, int k)
{
	if (!sre_has(m, k))
		return dupn("", 0);
	return dupn(s + m->caps[2 * k], (size_t)(m->caps[2 * k + 1] - m->caps[2 * k]));
}

/* String.prototype.replace with a "$n" template; global or first match only.
 * Returns NULL on error (including the matcher's work limit). */
static char *
replace(const struct sre *re, const char *s, const char *tmpl, int global)
{
	struct sb b = { 0 };
	struct sre_match m;
	size_t len = strlen(s), pos = 0, prev = 0;
	int r;

	while (pos <= len && (r = sre_search(re, s, len, pos, &m)) != 0) {
		const char *t;
		size_t ms, me;

		if (r < 0) {
			free(b.p);
			return NULL;
		}
		ms = (size_t)m.caps[0];
		me = (size_t)m.caps[1];
		sb_add(&b, s + prev, ms - prev);
		for (t = tmpl; *t != '\0'; t++) {
			if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
				int k = t[1] - '0';
				if (sre_has(&m, k))
					sb_add(&b, s + m.caps[2 * k],
					    (size_t)(m.caps[2 * k + 1] - m.caps[2 * k]));
				t++;
			} else
				sb_add(&b, t, 1);
		}
		prev = me;
		pos = me == ms ? me + 1 : me;
		if (!global)
			break;
	}
	sb_add(&b, s + prev, len - prev);
	return sb_take(&b);
}

/* `+digits + 1` as JavaScript prints it (Number::toString: the shortest
 * digits that round-trip; exponent form from 1e21). The exact text matters:
 * in loose mode "1.2345678901234569e+23" later reads as a version. */
static void
js_plus1(const char *digits, char *out, size_t outlen)
{
	double d = strtod(digits, NULL) + 1;
	char tmp[64], mant[32];
	int k, n, i, j;

	if (isinf(d)) {
		snprintf(out, outlen, "Infinity");
		return;
	}
	if (d < 9007199254740992.0) {
		snprintf(out, outlen, "%.0f", d);
		return;
	}
	for (k = 1; k <= 17; k++) {
		snprintf(tmp, sizeof(tmp), "%.*e", k - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is "D[.DDD]e+XX": collect the k digits and the exponent */
	for (i = j = 0; tmp[i] != '\0' && tmp[i] != 'e' && j < (int)sizeof(mant) - 1; i++)
		if (tmp[i] >= '0' && tmp[i] <= '9')
			mant[j++] = tmp[i];
	mant[j] = '\0';
	while (j > 1 && mant[j - 1] == '0')
		mant[--j] = '\0';
	k = j;
	n = atoi(tmp + i + 1) + 1;
	if (n <= 21)
		snprintf(out, outlen, "%s%0*d", mant, n - k, 0);
	else if (k == 1)
		snprintf(out, outlen, "%se+%d", mant, n - 1);
	else
		snprintf(out, outlen, "%c.%se+%d", mant[0], mant + 1, n - 1);
	if (n <= 21 && n - k == 0)
		snprintf(out, outlen, "%s", mant);
}

static int
is_x(const char *id)
{
	return id[0] == '\0' || strcmp(id, "x") == 0 || strcmp(id, "X") == 0 ||
	    strcmp(id, "*") == 0;
}

struct parts {
	char *c[13];
};

static int
take_parts(struct parts *p, const char *s, const struct sre_match *m, int n)
{
	int k;

	memset(p, 0, sizeof(*p));
	for (k = 0; k < n; k++)
		if ((p->c[k] = cap(s, m, k)) == NULL)
			return -1;
	return 0;
}

static void
free_parts(struct parts *p)
{
	size_t k;

	for (k = 0; k < sizeof(p->c) / sizeof(p->c[0]); k++)
		free(p->c[k]);
}

/* Runs an anchored expression over tok; on a match calls fn to build the
 * replacement from the groups, else returns a copy of tok. */
typedef char *(*rewrite_fn)(const struct rctx *, const char *tok, struct parts *);

static char *
rewrite(const struct rctx *x, const struct sre *re, int ngroups, const char *tok, rewrite_fn fn)
{
	struct sre_match m;
	struct parts p;
	char *ret;
	int r = sre_search(re, tok, strlen(tok), 0, &m);

	if (r < 0)
		return NULL;
	if (r == 0)
		return dupn(tok, strlen(tok));
	if (take_parts(&p, tok, &m, ngroups) < 0) {
		free_parts(&p);
		return NULL;
	}
	ret = fn(x, tok, &p);
	free_parts(&p);
	return ret;
}

/* ">=M.0.0z <(M+1).0.0-0": every M.x.x (carets, tildes and x-ranges share it). */
static void
span_major(char *buf, size_t len, const char *M, const char *z)
{
	char n1[40];

	js_plus1(M, n1, sizeof(n1));
	snprintf(buf, len, ">=%s.0.0%s <%s.0.0-0", M, z, n1);
}

/* ">=M.m.0z <M.(m+1).0-0": every M.m.x. */
static void
span_minor(char *buf, size_t len, const char *M, const char *m, const char *z)
{
	char n1[40];

	js_plus1(m, n1, sizeof(n1));
	snprintf(buf, len, ">=%s.%s.0%s <%s.%s.0-0", M, m, z, M, n1);
}

/* The lower bound of a full version: ">=M.m.p" or ">=M.m.p-pr". */
static void
lower_full(char *buf, size_t len, const struct parts *p)
{
	if (p->c[4][0] != '\0')
		snprintf(buf, len, ">=%s.%s.%s-%s", p->c[1], p->c[2], p->c[3], p->c[4]);
	else
		snprintf(buf, len, ">=%s.%s.%s", p->c[1], p->c[2], p->c[3]);
}

/* Caret and tilde share their first cases: groups M=1 m=2 p=3 pr=4.
 * Returns 1 when buf holds the answer, 0 for a full version, -1 if too long. */
static int
partial_span(const struct rctx *x, const struct parts *p, int tilde, char *buf, size_t len)
{
	const char *z = x->incpre ? "-0" : "";

	if (strlen(p->c[1]) + strlen(p->c[2]) + strlen(p->c[3]) + strlen(p->c[4]) > 1000)
		return -1;
	if (is_x(p->c[1]))
		buf[0] = '\0';
	else if (is_x(p->c[2]))
		span_major(buf, len, p->c[1], z);
	else if (!is_x(p->c[3]))
		return 0;
	else if (tilde || strcmp(p->c[1], "0") == 0)
		span_minor(buf, len, p->c[1], p->c[2], z);
	else {
		char n1[40];

		js_plus1(p->c[1], n1, sizeof(n1));
		snprintf(buf, len, ">=%s.%s.0%s <%s.0.0-0", p->c[1], p->c[2], z, n1);
	}
	return 1;
}

/* replaceCaret */
static char *
caret_fn(const struct rctx *x, const char *tok, struct parts *p)
{
	const char *M = p->c[1], *m = p->c[2];
	char n1[40], lo[1100], buf[1200];
	int r;

	(void)tok;
	if ((r = partial_span(x, p, 0, buf, sizeof(buf))) < 0)
		return NULL;
	if (r == 0) {
		lower_full(lo, sizeof(lo), p);
		if (strcmp(M, "0") == 0 && strcmp(m, "0") == 0) {
			js_plus1(p->c[3], n1, sizeof(n1));
			snprintf(buf, sizeof(buf), "%s <%s.%s.%s-0", lo, M, m, n1);
		} else if (strcmp(M, "0") == 0) {
			js_plus1(m, n1, sizeof(n1));
			snprintf(buf, sizeof(buf), "%s <%s.%s.0-0", lo, M, n1);
		} else {
			js_plus1(M, n1, sizeof(n1));
			snprintf(buf, sizeof(buf), "%s <%s.0.0-0", lo, n1);
		}
	}
	return dupn(buf, strlen(buf));
}

/* replaceTilde */
static char *
tilde_fn(const struct rctx *x, const char *tok, struct parts *p)
{
	char n1[40], lo[1100], buf[1200];
	int r;

	(void)tok;
	if ((r = partial_span(x, p, 1, buf, sizeof(buf))) < 0)
		return NULL;
	if (r == 0) {
		lower_full(lo, sizeof(lo), p);
		js_plus1(p->c[2], n1, sizeof(n1));
		snprintf(buf, sizeof(buf), "%s <%s.%s.0-0", lo, p->c[1], n1);
	}
	return dupn(buf, strlen(buf));
}

/* replaceXRange: groups gtlt=1 M=2 m=3 p=4 pr=5. */
static char *
xrange_fn(const struct rctx *x, const char *tok, struct parts *p)
{
	const char *gtlt = p->c[1];
	char M[600], m[600], pt[600];
	const char *pr;
	int xM, xm, xp;
	char buf[2000];

	if (strlen(p->c[2]) >= sizeof(M) || strlen(p->c[3]) >= sizeof(m) ||
	    strlen(p->c[4]) >= sizeof(pt))
		return NULL;
	strcpy(M, p->c[2]);
	strcpy(m, p->c[3]);
	strcpy(pt, p->c[4]);
	/* invalidXRangeOrder: keep the token as it is */
	if ((is_x(M) && !is_x(m)) || (is_x(m) && pt[0] != '\0' && !is_x(pt)))
		return dupn(tok, strlen(tok));
	xM = is_x(M);
	xm = xM || is_x(m);
	xp = xm || is_x(pt);
	if (strcmp(gtlt, "=") == 0 && xp)
		gtlt = "";
	pr = x->incpre ? "-0" : "";
	if (xM) {
		if (strcmp(gtlt, ">") == 0 || strcmp(gtlt, "<") == 0)
			strcpy(buf, "<0.0.0-0");
		else
			strcpy(buf, "*");
	} else if (gtlt[0] != '\0' && xp) {
		if (xm)
			strcpy(m, "0");
		strcpy(pt, "0");
		if (strcmp(gtlt, ">") == 0) {
			gtlt = ">=";
			if (xm) {
				js_plus1(M, M, sizeof(M));
				strcpy(m, "0");
			} else
				js_plus1(m, m, sizeof(m));
			strcpy(pt, "0");
		} else if (strcmp(gtlt, "<=") == 0) {
			gtlt = "<";
			if (xm)
				js_plus1(M, M, sizeof(M));
			else
				js_plus1(m, m, sizeof(m));
		}
		if (strcmp(gtlt, "<") == 0)
			pr = "-0";
		snprintf(buf, sizeof(buf), "%s%s.%s.%s%s", gtlt, M, m, pt, pr);
	} else if (xm)
		span_major(buf, sizeof(buf), M, pr);
	else if (xp)
		span_minor(buf, sizeof(buf), M, m, pr);
	else
		return dupn(tok, strlen(tok));
	return dupn(buf, strlen(buf));
}

/* hyphenReplace: from=1 fM=2 fm=3 fp=4 fpr=5, to=7 tM=8 tm=9 tp=10 tpr=11. */
static char *
hyphen_fn(const struct rctx *x, const char *tok, struct parts *p)
{
	const char *z = x->incpre ? "-0" : "";
	const char *from = p->c[1], *fM = p->c[2], *fm = p->c[3], *fp = p->c[4], *fpr = p->c[5];
	const char *to = p->c[7], *tM = p->c[8], *tm = p->c[9], *tp = p->c[10], *tpr = p->c[11];
	struct sb b = { 0 };
	char n1[40];
	char *t;

	(void)tok;
	if (is_x(fM))
		;
	else if (is_x(fm)) {
		sb_adds(&b, ">=");
		sb_adds(&b, fM);
		sb_adds(&b, ".0.0");
		sb_adds(&b, z);
	} else if (is_x(fp)) {
		sb_adds(&b, ">=");
		sb_adds(&b, fM);
		sb_adds(&b, ".");
		sb_adds(&b, fm);
		sb_adds(&b, ".0");
		sb_adds(&b, z);
	} else {
		sb_adds(&b, ">=");
		sb_adds(&b, from);
		if (fpr[0] == '\0')
			sb_adds(&b, z);
	}
	sb_adds(&b, " ");
	if (is_x(tM))
		;
	else if (is_x(tm)) {
		js_plus1(tM, n1, sizeof(n1));
		sb_adds(&b, "<");
		sb_adds(&b, n1);
		sb_adds(&b, ".0.0-0");
	} else if (is_x(tp)) {
		js_plus1(tm, n1, sizeof(n1));
		sb_adds(&b, "<");
		sb_adds(&b, tM);
		sb_adds(&b, ".");
		sb_adds(&b, n1);
		sb_adds(&b, ".0-0");
	} else if (tpr[0] != '\0') {
		sb_adds(&b, "<=");
		sb_adds(&b, tM);
		sb_adds(&b, ".");
		sb_adds(&b, tm);
		sb_adds(&b, ".");
		sb_adds(&b, tp);
		sb_adds(&b, "-");
		sb_adds(&b, tpr);
	} else if (x->incpre) {
		js_plus1(tp, n1, sizeof(n1));
		sb_adds(&b, "<");
		sb_adds(&b, tM);
		sb_adds(&b, ".");
		sb_adds(&b, tm);
		sb_adds(&b, ".");
		sb_adds(&b, n1);
		sb_adds(&b, "-0");
	} else {
		sb_adds(&b, "<=");
		sb_adds(&b, to);
	}
	if ((t = sb_take(&b)) == NULL)
		return NULL;
	{
		char *r = trim_dup(t);
		free(t);
		return r;
	}
}

/* Applies fn to every /\s+/-separated word of s (optionally trimmed first). */
static char *
map_words(const struct rctx *x, const char *s, int trim_first,
          char *(*word)(const struct rctx *, const char *))
{
	struct strv in = { 0 }, out = { 0 };
	char *t = trim_first ? trim_dup(s) : dupn(s, strlen(s));
	char *r = NULL;
	size_t i;

	if (t == NULL)
		return NULL;
	split_ws(&in, t);
	free(t);
	for (i = 0; !in.err && !out.err && i < in.n; i++)
		strv_push(&out, word(x, in.v[i]));
	if (!in.err && !out.err)
		r = join(&out, " ");
	strv_free(&in);
	strv_free(&out);
	return r;
}

static char *
caret_word(const struct rctx *x, const char *w)
{
	return rewrite(x, &x->caret, 5, w, caret_fn);
}

static char *
tilde_word(const struct rctx *x, const char *w)
{
	return rewrite(x, &x->tilde, 5, w, tilde_fn);
}

static char *
xrange_word(const struct rctx *x, const char *w)
{
	char *t = trim_dup(w), *r;

	if (t == NULL)
		return NULL;
	r = rewrite(x, &x->xrange, 6, t, xrange_fn);
	free(t);
	return r;
}

/* parseComparator: caret, tilde, x-range and star rewriting of one token. */
static char *
parse_comparator_text(const struct rctx *x, const char *tok)
{
	char *a, *b, *c, *d;

	if ((a = map_words(x, tok, 1, caret_word)) == NULL)
		return NULL;
	b = map_words(x, a, 1, tilde_word);
	free(a);
	if (b == NULL)
		return NULL;
	c = map_words(x, b, 0, xrange_word);
	free(b);
	if (c == NULL)
		return NULL;
	d = trim_dup(c);
	free(c);
	if (d == NULL)
		return NULL;
	c = replace(&x->star, d, "", 0);
	free(d);
	return c;
}

static int
make_comparator(const struct rctx *x, const char *tok, struct comparator *out)
{
	struct sre_match m;
	char *ver;
	int rc;
	static const char *const opname[] = { "", "<", "<=", ">", ">=" };

	memset(out, 0, sizeof(*out));
	if (sre_search(&x->comparator, tok, strlen(tok), 0, &m) != 1)
		return -1;
	if (!sre_has(&m, 2)) {
		out->any = 1;
		return 0;
	}
	if (sre_has(&m, 1)) {
		const char *o = tok + m.caps[2];
		size_t n = (size_t)(m.caps[3] - m.caps[2]);

		if (n == 1 && o[0] == '<')
			out->op = OP_LT;
		else if (n == 1 && o[0] == '>')
			out->op = OP_GT;
		else if (n == 2 && o[0] == '<')
			out->op = OP_LE;
		else if (n == 2 && o[0] == '>')
			out->op = OP_GE;
		else
			out->op = OP_EQ;
	}
	if ((ver = cap(tok, &m, 2)) == NULL)
		return -1;
	rc = ns_semver_parse(&out->v, ver, x->loose ? NS_SEMVER_LOOSE : 0);
	free(ver);
	if (rc < 0)
		return -1;
	snprintf(out->value, sizeof(out->value), "%s%s", opname[out->op], out->v.version);
	return 0;
}

static int
is_null_set(const struct comparator *c)
{
	return !c->any && strcmp(c->value, "<0.0.0-0") == 0;
}

/* Range.parseRange for one "||" branch (already trimmed). -1 = invalid. */
static int
parse_branch(const struct rctx *x, const char *branch, struct cset *set)
{
	struct strv toks = { 0 }, rewritten = { 0 }, list = { 0 };
	char *s, *t, *joined = NULL;
	size_t i, j, n;
	struct sre_match m;
	int rc = -1, r;

	memset(set, 0, sizeof(*set));
	if ((s = replace(&x->buildstrip, branch, "", 1)) == NULL)
		return -1;
	if ((r = sre_search(&x->hyphen, s, strlen(s), 0, &m)) < 0)
		goto out;
	if (r == 1) {
		t = rewrite(x, &x->hyphen, 12, s, hyphen_fn);
		free(s);
		if ((s = t) == NULL)
			goto out;
	}
	t = replace(&x->comptrim, s, "$1$2$3", 1);
	free(s);
	if ((s = t) == NULL)
		goto out;
	t = replace(&x->tildetrim, s, "$1~", 1);
	free(s);
	if ((s = t) == NULL)
		goto out;
	t = replace(&x->carettrim, s, "$1^", 1);
	free(s);
	if ((s = t) == NULL)
		goto out;

	split_lit(&toks, s, " ");
	for (i = 0; !toks.err && !rewritten.err && i < toks.n; i++)
		strv_push(&rewritten, parse_comparator_text(x, toks.v[i]));
	if (toks.err || rewritten.err || (joined = join(&rewritten, " ")) == NULL)
		goto out;
	split_ws(&list, joined);
	if (list.err)
		goto out;
	for (i = 0; i < list.n; i++) {
		char *w = trim_dup(list.v[i]);

		if (w == NULL)
			goto out;
		t = replace(&x->gte0, w, "", 0);
		free(w);
		if (t == NULL)
			goto out;
		free(list.v[i]);
		list.v[i] = t;
	}
	if (x->loose) {
		for (i = j = 0; i < list.n; i++) {
			r = sre_search(&x->comparator, list.v[i], strlen(list.v[i]), 0, &m);
			if (r < 0)
				goto out;
			if (r == 1)
				list.v[j++] = list.v[i];
			else
				free(list.v[i]);
		}
		list.n = j;
	}
	if (list.n == 0) {
		rc = 0;
		goto out;
	}
	if ((set->c = calloc(list.n, sizeof(*set->c))) == NULL)
		goto out;
	for (i = 0; i < list.n; i++)
		if (make_comparator(x, list.v[i], &set->c[i]) < 0)
			goto out;
	for (i = 0; i < list.n; i++) {
		if (is_null_set(&set->c[i])) {
			set->c[0] = set->c[i];
			set->n = 1;
			rc = 0;
			goto out;
		}
	}
	/* Map keyed by value: first position kept, duplicates dropped. */
	for (i = n = 0; i < list.n; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(set->c[j].value, set->c[i].value) == 0)
				break;
		if (j == n)
			set->c[n++] = set->c[i];
	}
	if (n > 1) {
		for (i = j = 0; i < n; i++)
			if (!set->c[i].any)
				set->c[j++] = set->c[i];
		n = j;
	}
	set->n = n;
	rc = 0;
out:
	free(s);
	free(joined);
	strv_free(&toks);
	strv_free(&rewritten);
	strv_free(&list);
	if (rc < 0) {
		free(set->c);
		memset(set, 0, sizeof(*set));
	}
	return rc;
}

static int
rctx_init(struct rctx *x, int flags)
{
	x->loose = (flags & NS_SEMVER_LOOSE) != 0;
	x->incpre = (flags & NS_SEMVER_INCLUDE_PRERELEASE) != 0;
	if (sre_compile(&x->buildstrip, SP_BUILDSTRIP) < 0 ||
	    sre_compile(&x->hyphen, x->loose ? SP_HYPHENRANGELOOSE : SP_HYPHENRANGE) < 0 ||
	    sre_compile(&x->comptrim, SP_COMPARATORTRIM) < 0 ||
	    sre_compile(&x->tildetrim, SP_TILDETRIM) < 0 ||
	    sre_compile(&x->carettrim, SP_CARETTRIM) < 0 ||
	    sre_compile(&x->caret, x->loose ? SP_CARETLOOSE : SP_CARET) < 0 ||
	    sre_compile(&x->tilde, x->loose ? SP_TILDELOOSE : SP_TILDE) < 0 ||
	    sre_compile(&x->xrange, x->loose ? SP_XRANGELOOSE : SP_XRANGE) < 0 ||
	    sre_compile(&x->star, SP_STAR) < 0 ||
	    sre_compile(&x->gte0, x->incpre ? SP_GTE0PRE : SP_GTE0) < 0 ||
	    sre_compile(&x->comparator, x->loose ? SP_COMPARATORLOOSE : SP_COMPARATOR) < 0)
		return -1;
	return 0;
}

void
ns_semver_range_free(struct ns_semver_range *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsets; i++)
		free(r->sets[i].c);
	free(r->sets);
	free(r->text);
	free(r);
}

static char *
format_range(const struct ns_semver_range *r)
{
	struct sb b = { 0 };
	size_t i, k;

	for (i = 0; i < r->nsets; i++) {
		if (i > 0)
			sb_adds(&b, "||");
		for (k = 0; k < r->sets[i].n; k++) {
			if (k > 0)
				sb_adds(&b, " ");
			if (!r->sets[i].c[k].any)
				sb_adds(&b, r->sets[i].c[k].value);
		}
	}
	return sb_take(&b);
}

/* The Range constructor's treatment of null sets and "any" branches. */
static void
simplify_sets(struct ns_semver_range *r)
{
	size_t i, j;

	if (r->nsets <= 1)
		return;
	for (i = j = 0; i < r->nsets; i++)
		if (!is_null_set(&r->sets[i].c[0]))
			j++;
	if (j == 0) {
		/* every branch is a null set: keep the first */
		for (i = 1; i < r->nsets; i++)
			free(r->sets[i].c);
		r->nsets = 1;
		return;
	}
	for (i = j = 0; i < r->nsets; i++) {
		if (is_null_set(&r->sets[i].c[0]))
			free(r->sets[i].c);
		else
			r->sets[j++] = r->sets[i];
	}
	r->nsets = j;
	if (r->nsets <= 1)
		return;
	for (i = 0; i < r->nsets; i++) {
		if (r->sets[i].n == 1 && r->sets[i].c[0].any) {
			struct cset keep = r->sets[i];

			for (j = 0; j < r->nsets; j++)
				if (j != i)
					free(r->sets[j].c);
			r->sets[0] = keep;
			r->nsets = 1;
			break;
		}
	}
}

struct ns_semver_range *
ns_semver_range_parse(const char *s, int flags)
{
	struct ns_semver_range *r = NULL;
	struct rctx *x = NULL;
	struct strv parts = { 0 };
	char *buf = NULL, *raw = NULL;
	size_t len, i, j;

	if (s == NULL || strlen(s) > NS_SEMVER_RANGE_MAX)
		return NULL;
	if ((buf = malloc(NS_SEMVER_RANGE_MAX + 1)) == NULL ||
	    (len = ns_semver_js_spaces(s, buf, NS_SEMVER_RANGE_MAX + 1, NULL)) == (size_t)-1)
		goto fail;
	/* range.trim().replace(/\s+/g, ' ') */
	if ((raw = malloc(len + 1)) == NULL)
		goto fail;
	for (i = j = 0; i < len; i++) {
		if (is_sp(buf[i])) {
			if (j > 0 && raw[j - 1] != ' ')
				raw[j++] = ' ';
		} else
			raw[j++] = buf[i];
	}
	if (j > 0 && raw[j - 1] == ' ')
		j--;
	raw[j] = '\0';
	if ((x = malloc(sizeof(*x))) == NULL || rctx_init(x, flags) < 0)
		goto fail;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->flags = flags;
	split_lit(&parts, raw, "||");
	if (parts.err || (r->sets = calloc(parts.n, sizeof(*r->sets))) == NULL)
		goto fail;
	for (i = 0; i < parts.n; i++) {
		char *b = trim_dup(parts.v[i]);
		struct cset set;
		int rc;

		if (b == NULL)
			goto fail;
		rc = parse_branch(x, b, &set);
		free(b);
		if (rc < 0)
			goto fail;
		if (set.n > 0)
			r->sets[r->nsets++] = set;
	}
	if (r->nsets == 0)
		goto fail;
	simplify_sets(r);
	if ((r->text = format_range(r)) == NULL)
		goto fail;
	strv_free(&parts);
	free(buf);
	free(raw);
	free(x);
	return r;
fail:
	strv_free(&parts);
	free(buf);
	free(raw);
	free(x);
	ns_semver_range_free(r);
	return NULL;
}

const char *
ns_semver_range_text(const struct ns_semver_range *r)
{
	return r->text;
}

static int
comparator_test(const struct comparator *c, const struct ns_semver *v)
{
	int d;

	if (c->any)
		return 1;
	d = ns_semver_compare(v, &c->v);
	switch (c->op) {
	case OP_LT:
		return d < 0;
	case OP_LE:
		return d <= 0;
	case OP_GT:
		return d > 0;
	case OP_GE:
		return d >= 0;
	default:
		return d == 0;
	}
}

static int
test_set(const struct cset *set, const struct ns_semver *v, int incpre)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!comparator_test(&set->c[i], v))
			return 0;
	if (v->npre > 0 && !incpre) {
		/* a prerelease only matches a branch naming a prerelease of its tuple */
		for (i = 0; i < set->n; i++) {
			const struct comparator *c = &set->c[i];

			if (c->any || c->v.npre == 0)
				continue;
			if (c->v.major == v->major && c->v.minor == v->minor &&
			    c->v.patch == v->patch)
				return 1;
		}
		return 0;
	}
	return 1;
}

int
ns_semver_range_test(const struct ns_semver_range *r, const struct ns_semver *v)
{
	size_t i;

	for (i = 0; i < r->nsets; i++)
		if (test_set(&r->sets[i], v, (r->flags & NS_SEMVER_INCLUDE_PRERELEASE) != 0))
			return 1;
	return 0;
}

int
ns_semver_satisfies(const char *version, const char *range, int flags)
{
	struct ns_semver_range *r;
	struct ns_semver v;
	int ok = 0;

	if ((r = ns_semver_range_parse(range, flags)) == NULL)
		return 0;
	if (version != NULL && version[0] != '\0' &&
	    ns_semver_parse(&v, version, flags & NS_SEMVER_LOOSE) == 0)
		ok = ns_semver_range_test(r, &v);
	ns_semver_range_free(r);
	return ok;
}

char *
ns_semver_valid_range(const char *range, int flags)
{
	struct ns_semver_range *r = ns_semver_range_parse(range, flags);
	char *t;

	if (r == NULL)
		return NULL;
	t = strdup(r->text[0] != '\0' ? r->text : "*");
	ns_semver_range_free(r);
	return t;
}
