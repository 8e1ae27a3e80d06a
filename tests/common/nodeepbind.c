/* Test-only LD_PRELOAD shim: drops RTLD_DEEPBIND from dlopen() flags. pam_wrapper
 * loads libpam with RTLD_DEEPBIND, which the sanitizer runtime refuses; its own
 * opt-out is an environment variable that npm-release (rightly) scrubs before PAM
 * is first used. Preloaded before libpam_wrapper.so by the e2e harness. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

void *dlopen(const char *file, int flags);

void *
dlopen(const char *file, int flags)
{
	static void *(*real)(const char *, int);

	if (real == NULL)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	return real(file, flags & ~RTLD_DEEPBIND);
}
