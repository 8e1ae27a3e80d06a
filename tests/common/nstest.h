/* Helpers for the C tests: an independent TOTP implementation (oathtool) and
 * small fixtures. Test code only. */
#ifndef NSTEST_H
#define NSTEST_H

#include <stddef.h>
#include <time.h>

/* Runs oathtool --totp [-N @t] with a hex key; writes the code into out. 0 on success. */
int nstest_oathtool(const char *hexkey, unsigned digits, const char *algo, time_t t,
                    char *out, size_t cap);

/* Writes a file (mode) atomically enough for tests; 0 on success. */
int nstest_write(const char *path, const char *text, unsigned mode);

/* mkdtemp under /tmp with mode 0755; returns a malloc'd path. */
char *nstest_tmpdir(void);

/* rm -rf without a shell. */
void nstest_rmtree(const char *path);

#endif
