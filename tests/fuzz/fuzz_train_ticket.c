/* Fuzz harness: the train ticket (ns_train_parse), which the module reads on every
 * authentication of a release train. Two properties on every input:
 *  - whatever parses formats back to exactly the same bytes (one spelling per
 *    value, nothing ignored, nothing added), and a failed parse holds no memory;
 *  - a train built from the input's bytes (id, approver, times, members,
 *    statement) that ns_train_format accepts parses back to the same train:
 *    parse(format(t)) == t. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The id every corpus ticket is written for (a ticket names its own id). */
#define FUZZ_ID "0123456789abcdef0123456789abcdef"

static void
same_train(const struct ns_train *a, const struct ns_train *b)
{
	size_t i;

	if (strcmp(a->id, b->id) != 0 || strcmp(a->approver, b->approver) != 0 ||
	    a->created != b->created || a->expires != b->expires || a->n != b->n ||
	    strcmp(a->statement, b->statement) != 0 ||
	    strcmp(a->statement_sha256, b->statement_sha256) != 0)
		abort();
	for (i = 0; i < a->n; i++)
		if (strcmp(a->members[i], b->members[i]) != 0)
			abort();
}

/* parse, then format(parse(b)) == b and parse(format(parse(b))) == parse(b) */
static void
parsed_input(const uint8_t *data, size_t size)
{
	struct ns_train t, again;
	struct ns_err err;
	char *out;
	size_t len;

	if (ns_train_parse((const char *)data, size, FUZZ_ID, &t) != 0) {
		/* nothing to free: the module refuses the ticket and reads no field */
		if (t.statement != NULL)
			abort();
		return;
	}
	if (strcmp(t.id, FUZZ_ID) != 0 || t.statement == NULL || t.n < 1 ||
	    t.n > NS_TRAIN_MEMBERS_MAX || t.consumed)
		abort();
	if (ns_train_format(&t, &out, &len, &err) != 0)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	if (ns_train_parse(out, len, FUZZ_ID, &again) != 0)
		abort();
	same_train(&t, &again);
	free(out);
	ns_train_clear(&again);
	ns_train_clear(&t);
}

/* Takes the next byte of the input (0 once it is used up). */
static unsigned
take(const uint8_t *data, size_t size, size_t *pos)
{
	return *pos < size ? data[(*pos)++] : 0;
}

/* A train whose every field comes from the input: any text without NUL, any
 * non-negative time (train times are seconds since the epoch), member ids that
 * may or may not be nonces; format refuses what a ticket cannot hold. */
static void
built_train(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	struct ns_train t, back;
	struct ns_err err;
	size_t pos = 0, i, j, k, n;
	char *out;
	size_t len;

	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "%s", FUZZ_ID);
	n = take(data, size, &pos) % sizeof(t.approver);
	for (i = 0; i < n; i++)
		t.approver[i] = (char)(take(data, size, &pos) | 1); /* never NUL */
	for (i = 0; i < 8; i++) {
		t.created = (t.created << 8) | take(data, size, &pos);
		t.expires = (t.expires << 8) | take(data, size, &pos);
	}
	t.created &= LLONG_MAX;
	t.expires &= LLONG_MAX;
	t.n = take(data, size, &pos) % (NS_TRAIN_MEMBERS_MAX + 2);
	for (i = 0; i < t.n && i < NS_TRAIN_MEMBERS_MAX; i++) {
		k = take(data, size, &pos);
		for (j = 0; j < 32; j++)
			t.members[i][j] = hex[(k + j * 7 + i) % 16];
		if (k == 255) /* now and then, not a nonce */
			t.members[i][j / 2] = ' ';
	}
	for (i = 0; i < 64; i++)
		t.statement_sha256[i] = hex[take(data, size, &pos) % 16];
	n = pos < size ? size - pos : 0;
	if ((t.statement = malloc(n + 1)) == NULL)
		return;
	for (i = 0; i < n; i++)
		t.statement[i] = (char)(data[pos + i] ? data[pos + i] : '\n');
	t.statement[n] = '\0';
	if (ns_train_format(&t, &out, &len, &err) != 0) {
		if (out != NULL || len != 0)
			abort();
		ns_train_clear(&t);
		return;
	}
	if (t.n < 1 || t.n > NS_TRAIN_MEMBERS_MAX)
		abort(); /* format took a train no ticket may hold */
	if (ns_train_parse(out, len, FUZZ_ID, &back) != 0)
		abort();
	same_train(&t, &back);
	free(out);
	ns_train_clear(&back);
	ns_train_clear(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	parsed_input(data, size);
	built_train(data, size);
	return 0;
}
