/* Backtracking matcher with ECMAScript semantics; see semver_re.h. */
#include "config.h"

#include <string.h>

#include "semver_re.h"

enum { SRE_CLASS, SRE_SPLIT, SRE_JMP, SRE_SAVE, SRE_BOL, SRE_EOL, SRE_MATCH };

#define SRE_INF 0xffffffffu
#define SRE_MAX_DEPTH 20000
#define SRE_MAX_STEPS 4000000L

struct sre_comp {
	struct sre *re;
	const char *p;
	int err;
	int nest;
};

static int
emit(struct sre_comp *c, uint8_t op, uint16_t x, uint16_t y)
{
	struct sre_inst *in;

	if (c->re->ninst >= SRE_MAX_INST) {
		c->err = 1;
		return -1;
	}
	in = &c->re->inst[c->re->ninst];
	memset(in, 0, sizeof(*in));
	in->op = op;
	in->x = x;
	in->y = y;
	return (int)c->re->ninst++;
}

/* Inserts a SPLIT at pos, shifting later instructions and jump targets. */
static void
insert_split(struct sre_comp *c, size_t pos)
{
	struct sre *re = c->re;
	size_t i;

	if (re->ninst >= SRE_MAX_INST) {
		c->err = 1;
		return;
	}
	memmove(&re->inst[pos + 1], &re->inst[pos], (re->ninst - pos) * sizeof(re->inst[0]));
	re->ninst++;
	for (i = 0; i < re->ninst; i++) {
		struct sre_inst *in = &re->inst[i];
		if (i == pos || (in->op != SRE_SPLIT && in->op != SRE_JMP))
			continue;
		/* a jump from before pos to pos now lands on the new SPLIT, which
		 * starts the same construct; back edges from inside it move along */
		if (in->x > pos || (in->x == pos && i > pos))
			in->x++;
		if (in->op == SRE_SPLIT && (in->y > pos || (in->y == pos && i > pos)))
			in->y++;
	}
	memset(&re->inst[pos], 0, sizeof(re->inst[pos]));
	re->inst[pos].op = SRE_SPLIT;
	re->inst[pos].x = (uint16_t)(pos + 1);
}

static int
new_class(struct sre_comp *c)
{
	if (c->re->ncls >= SRE_MAX_CLASS) {
		c->err = 1;
		return -1;
	}
	memset(c->re->cls[c->re->ncls], 0, 32);
	return (int)c->re->ncls++;
}

/* Classes repeat a lot (\\d, [a-zA-Z0-9-]): share identical ones. */
static int
reuse_class(struct sre_comp *c, int k)
{
	int j;

	for (j = 0; j < k; j++) {
		if (memcmp(c->re->cls[j], c->re->cls[k], 32) == 0) {
			c->re->ncls--;
			return j;
		}
	}
	return k;
}

static void
cls_set(uint8_t *bits, unsigned ch)
{
	bits[ch >> 3] |= (uint8_t)(1u << (ch & 7));
}

static void
cls_escape(uint8_t *bits, char e)
{
	unsigned ch;

	switch (e) {
	case 'd':
		for (ch = '0'; ch <= '9'; ch++)
			cls_set(bits, ch);
		break;
	case 's':
		cls_set(bits, ' ');
		for (ch = '\t'; ch <= '\r'; ch++)
			cls_set(bits, ch);
		break;
	default:
		cls_set(bits, (unsigned char)e);
	}
}

/* Parses "[...]" (c->p just past '['). */
static void
parse_class(struct sre_comp *c, uint8_t *bits)
{
	while (*c->p != '\0' && *c->p != ']') {
		unsigned lo, hi, ch;

		if (*c->p == '\\') {
			if (c->p[1] == '\0') {
				c->err = 1;
				return;
			}
			cls_escape(bits, c->p[1]);
			c->p += 2;
			continue;
		}
		lo = (unsigned char)*c->p++;
		if (*c->p == '-' && c->p[1] != ']' && c->p[1] != '\0') {
			hi = (unsigned char)c->p[1];
			c->p += 2;
			for (ch = lo; ch <= hi; ch++)
				cls_set(bits, ch);
		} else
			cls_set(bits, lo);
	}
	if (*c->p != ']')
		c->err = 1;
	else
		c->p++;
}

static unsigned
parse_uint(struct sre_comp *c)
{
	unsigned v = 0;

	if (*c->p < '0' || *c->p > '9')
		c->err = 1;
	while (*c->p >= '0' && *c->p <= '9' && v < 100000)
		v = v * 10 + (unsigned)(*c->p++ - '0');
	return v;
}

static void compile_alt(struct sre_comp *c);

static void
compile_group(struct sre_comp *c)
{
	size_t start = c->re->ninst;
	int cap = -1;

	if (++c->nest > 32) {
		c->err = 1;
		return;
	}
	if (c->p[0] == '?' && c->p[1] == ':')
		c->p += 2;
	else if (c->re->ncaps >= SRE_MAX_CAPS)
		c->err = 1;
	else
		cap = c->re->ncaps++;
	if (cap >= 0)
		emit(c, SRE_SAVE, (uint16_t)(2 * cap), 0);
	compile_alt(c);
	if (*c->p != ')') {
		c->err = 1;
		return;
	}
	c->p++;
	c->nest--;
	if (cap >= 0)
		emit(c, SRE_SAVE, (uint16_t)(2 * cap + 1), 0);
	if (*c->p == '?') {
		c->p++;
		insert_split(c, start);
		if (!c->err)
			c->re->inst[start].y = (uint16_t)c->re->ninst;
	} else if (*c->p == '*') {
		c->p++;
		insert_split(c, start);
		emit(c, SRE_JMP, (uint16_t)start, 0);
		if (!c->err)
			c->re->inst[start].y = (uint16_t)c->re->ninst;
	} else if (*c->p == '+' || *c->p == '{')
		c->err = 1; /* not used by node-semver's expressions */
}

static void
compile_atom_class(struct sre_comp *c, int k)
{
	struct sre_inst *in;
	int i;
	uint32_t min = 1, max = 1;

	switch (*c->p) {
	case '?':
		min = 0, c->p++;
		break;
	case '*':
		min = 0, max = SRE_INF, c->p++;
		break;
	case '+':
		max = SRE_INF, c->p++;
		break;
	case '{':
		c->p++;
		min = parse_uint(c);
		max = min;
		if (*c->p == ',') {
			c->p++;
			max = parse_uint(c);
		}
		if (*c->p != '}' || max < min)
			c->err = 1;
		else
			c->p++;
		break;
	default:
		break;
	}
	if ((i = emit(c, SRE_CLASS, 0, 0)) < 0)
		return;
	in = &c->re->inst[i];
	in->cls = (uint8_t)k;
	in->min = min;
	in->max = max;
}

static void
compile_seq(struct sre_comp *c)
{
	int k;

	while (!c->err && *c->p != '\0' && *c->p != '|' && *c->p != ')') {
		char ch = *c->p++;

		switch (ch) {
		case '(':
			compile_group(c);
			continue;
		case '^':
			emit(c, SRE_BOL, 0, 0);
			continue;
		case '$':
			emit(c, SRE_EOL, 0, 0);
			continue;
		case '*': case '+': case '?': case '{': case '.':
			c->err = 1;
			return;
		default:
			break;
		}
		if ((k = new_class(c)) < 0)
			return;
		if (ch == '[')
			parse_class(c, c->re->cls[k]);
		else if (ch == '\\') {
			if (*c->p == '\0') {
				c->err = 1;
				return;
			}
			cls_escape(c->re->cls[k], *c->p++);
		} else
			cls_set(c->re->cls[k], (unsigned char)ch);
		compile_atom_class(c, reuse_class(c, k));
	}
}

static void
compile_alt(struct sre_comp *c)
{
	size_t start = c->re->ninst;
	size_t jmps[16];
	size_t njmp = 0, i;

	compile_seq(c);
	while (!c->err && *c->p == '|') {
		size_t split_at = start;
		int j;

		c->p++;
		insert_split(c, split_at);
		if (njmp >= sizeof(jmps) / sizeof(jmps[0]) || (j = emit(c, SRE_JMP, 0, 0)) < 0) {
			c->err = 1;
			return;
		}
		jmps[njmp++] = (size_t)j;
		start = c->re->ninst;
		c->re->inst[split_at].y = (uint16_t)start;
		compile_seq(c);
	}
	for (i = 0; i < njmp; i++)
		c->re->inst[jmps[i]].x = (uint16_t)c->re->ninst;
}

int
sre_compile(struct sre *re, const char *pattern)
{
	struct sre_comp c;

	re->ninst = re->ncls = 0;
	re->ncaps = 0;
	memset(&c, 0, sizeof(c));
	c.re = re;
	c.p = pattern;
	re->ncaps = 1;
	emit(&c, SRE_SAVE, 0, 0);
	compile_alt(&c);
	if (*c.p != '\0')
		c.err = 1;
	emit(&c, SRE_SAVE, 1, 0);
	emit(&c, SRE_MATCH, 0, 0);
	return c.err ? -1 : 0;
}

struct sre_run {
	const struct sre *re;
	const unsigned char *s;
	size_t len;
	long *caps;
	long steps;
	int depth;
	int overflow;
};

static int
in_class(const struct sre *re, uint8_t k, unsigned char ch)
{
	return (re->cls[k][ch >> 3] >> (ch & 7)) & 1;
}

static int
run(struct sre_run *r, size_t pc, size_t pos)
{
	int ok = 0;

	if (++r->depth > SRE_MAX_DEPTH || ++r->steps > SRE_MAX_STEPS) {
		r->overflow = 1;
		r->depth--;
		return 0;
	}
	for (;;) {
		const struct sre_inst *in = &r->re->inst[pc];
		size_t n, j;
		long old;

		if (r->overflow)
			break;
		switch (in->op) {
		case SRE_CLASS:
			n = 0;
			while (n < in->max && pos + n < r->len && in_class(r->re, in->cls, r->s[pos + n]))
				n++;
			if (n < in->min)
				goto out;
			if (in->min == in->max) {
				pos += n;
				pc++;
				continue;
			}
			for (j = n + 1; j-- > in->min;) {
				if (run(r, pc + 1, pos + j)) {
					ok = 1;
					goto out;
				}
				if (r->overflow)
					break;
			}
			goto out;
		case SRE_SPLIT:
			if (run(r, in->x, pos)) {
				ok = 1;
				goto out;
			}
			pc = in->y;
			continue;
		case SRE_JMP:
			pc = in->x;
			continue;
		case SRE_SAVE:
			old = r->caps[in->x];
			r->caps[in->x] = (long)pos;
			if (run(r, pc + 1, pos)) {
				ok = 1;
				goto out;
			}
			r->caps[in->x] = old;
			goto out;
		case SRE_BOL:
			if (pos != 0)
				goto out;
			pc++;
			continue;
		case SRE_EOL:
			if (pos != r->len)
				goto out;
			pc++;
			continue;
		case SRE_MATCH:
			ok = 1;
			goto out;
		default:
			goto out;
		}
	}
out:
	r->depth--;
	return ok;
}

int
sre_search(const struct sre *re, const char *s, size_t len, size_t start,
           struct sre_match *m)
{
	struct sre_run r;
	size_t i, k;

	memset(&r, 0, sizeof(r));
	r.re = re;
	r.s = (const unsigned char *)s;
	r.len = len;
	r.caps = m->caps;
	for (i = start; i <= len; i++) {
		for (k = 0; k < 2 * SRE_MAX_CAPS; k++)
			m->caps[k] = -1;
		if (run(&r, 0, i))
			return 1;
		if (r.overflow)
			return -1;
	}
	return 0;
}

int
sre_has(const struct sre_match *m, int k)
{
	return k >= 0 && k < SRE_MAX_CAPS && m->caps[2 * k] >= 0 && m->caps[2 * k + 1] >= 0;
}
