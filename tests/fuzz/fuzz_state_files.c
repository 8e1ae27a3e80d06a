/* Fuzz harness: the two state files the module parses on every authentication,
 * the approval ticket (ns_ticket_parse) and the TOTP record (ns_totp_record_parse),
 * both on every input. Whatever parses must format back to exactly the same bytes:
 * one spelling per value, nothing ignored, nothing added. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"
#include "totp_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The id every corpus ticket is written for (a ticket names its own id). */
#define FUZZ_ID "0123456789abcdef0123456789abcdef"

static void
ticket(const uint8_t *data, size_t size)
{
	struct ns_approval a;
	struct ns_release r;
	struct ns_err err;
	char *out;
	size_t len;

	if (ns_ticket_parse((const char *)data, size, FUZZ_ID, &a, &r) != 0) {
		/* a failed parse keeps nothing */
		if (a.statement != NULL || r.report != NULL || a.id[0] != '\0')
			abort();
		return;
	}
	if (strcmp(a.id, FUZZ_ID) != 0 || strcmp(a.release_id, r.id) != 0 || a.statement == NULL)
		abort();
	if (ns_ticket_format(&a, &r, &out, &len, &err) != 0)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	ns_approval_clear(&a);
	ns_release_clear(&r);
}

static void
totp_record(const uint8_t *data, size_t size)
{
	struct ns_totp_record rec;
	char out[128];
	int n;

	if (ns_totp_record_parse((const char *)data, size, &rec) != 0)
		return;
	if (rec.failures < 0 || rec.last_step < -1)
		abort();
	if (size == 0) {
		if (rec.last_step != -1 || rec.failures != 0 || rec.locked_until != 0)
			abort();
		return;
	}
	n = ns_totp_record_format(&rec, out, sizeof(out));
	if (n < 0)
		abort();
	/* a version 1 record is read, and written back as version 2 */
	if (size > 15 && memcmp(data, "npmstage-totp 1", 15) == 0)
		return;
	if ((size_t)n != size || memcmp(out, data, size) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	ticket(data, size);
	totp_record(data, size);
	return 0;
}
