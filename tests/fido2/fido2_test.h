/* Shared by the nsfido2 tests (include after cmocka.h). */
#ifndef FIDO2_TEST_H
#define FIDO2_TEST_H

#include <string.h>

#include "nserr.h"

/* r must be -1 and the error must name what went wrong. */
static inline void
assert_fails_with(int r, const struct ns_err *err, const char *what)
{
	assert_int_equal(r, -1);
	if (strstr(err->msg, what) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err->msg, what);
}

#endif
