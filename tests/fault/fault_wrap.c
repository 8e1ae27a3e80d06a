/* The wrappers (see fault.h). Each fails the way the real function reports an
 * error: NULL with ENOMEM, -1 with EIO, the library's own error codes. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <ini.h>
#include <jansson.h>
#include <liboath/oath.h>
#include <openssl/evp.h>
#include <security/pam_modules.h>
#include <sqlite3.h>

#include "fault.h"

extern struct ns_fault ns_fault_ctl __attribute__((weak));

/* Counts the call; 1 when it is the one to fail. The caller's offset in this
 * object goes with the name, for addr2line. */
static int
fail_at(const char *what, const void *caller)
{
	struct ns_fault *f = &ns_fault_ctl;
	Dl_info dl;

	if (f == NULL || f->at <= 0 || ++f->calls != f->at)
		return 0;
	f->hit = 1;
	if (dladdr(caller, &dl) != 0)
		snprintf(f->what, sizeof(f->what), "%s@%#lx", what,
		         (unsigned long)((const char *)caller - (const char *)dl.dli_fbase));
	else
		snprintf(f->what, sizeof(f->what), "%s", what);
	return 1;
}
#define fail_now(what) fail_at(what, __builtin_return_address(0))

/* Declares __real_F and __wrap_F with the given signature. */
#define WRAP(ret, name, params) \
	ret __real_##name params; \
	ret __wrap_##name params; \
	ret __wrap_##name params

WRAP(void *, malloc, (size_t n))
{
	if (fail_now("malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

WRAP(void *, calloc, (size_t n, size_t m))
{
	if (fail_now("calloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, m);
}

WRAP(char *, strdup, (const char *s))
{
	if (fail_now("strdup")) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

WRAP(char *, strndup, (const char *s, size_t n))
{
	if (fail_now("strndup")) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strndup(s, n);
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

WRAP(int, open, (const char *path, int flags, ...))
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (fail_now("open")) {
		errno = EIO;
		return -1;
	}
	return __real_open(path, flags, mode);
}

WRAP(int, openat, (int dirfd, const char *path, int flags, ...))
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (fail_now("openat")) {
		errno = EIO;
		return -1;
	}
	return __real_openat(dirfd, path, flags, mode);
}

#define WRAP_ERRNO(ret, name, params, args) \
	WRAP(ret, name, params) \
	{ \
		if (fail_now(#name)) { \
			errno = EIO; \
			return -1; \
		} \
		return __real_##name args; \
	}

WRAP_ERRNO(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
WRAP_ERRNO(int, fstat, (int fd, struct stat *st), (fd, st))
WRAP_ERRNO(int, fstatat, (int dirfd, const char *p, struct stat *st, int fl), (dirfd, p, st, fl))
WRAP_ERRNO(int, faccessat, (int dirfd, const char *p, int mode, int fl), (dirfd, p, mode, fl))
WRAP_ERRNO(int, fsync, (int fd), (fd))
WRAP_ERRNO(ssize_t, pread, (int fd, void *buf, size_t n, off_t o), (fd, buf, n, o))
WRAP_ERRNO(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t o), (fd, buf, n, o))
WRAP_ERRNO(int, flock, (int fd, int op), (fd, op))

/* Library calls that return a status code or NULL on failure. */
#define WRAP_CODE(ret, name, params, args, failed) \
	WRAP(ret, name, params) \
	{ \
		if (fail_now(#name)) \
			return failed; \
		return __real_##name args; \
	}

WRAP(int, sqlite3_open_v2, (const char *f, sqlite3 **db, int fl, const char *vfs))
{
	if (fail_now("sqlite3_open_v2")) {
		*db = NULL;
		return SQLITE_CANTOPEN;
	}
	return __real_sqlite3_open_v2(f, db, fl, vfs);
}

WRAP(int, sqlite3_prepare_v2, (sqlite3 *db, const char *sql, int n, sqlite3_stmt **s,
                               const char **tail))
{
	if (fail_now("sqlite3_prepare_v2")) {
		*s = NULL;
		return SQLITE_IOERR;
	}
	return __real_sqlite3_prepare_v2(db, sql, n, s, tail);
}

WRAP(int, sqlite3_exec, (sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
                         void *arg, char **errmsg))
{
	if (fail_now("sqlite3_exec")) {
		if (errmsg != NULL)
			*errmsg = NULL;
		return SQLITE_IOERR;
	}
	return __real_sqlite3_exec(db, sql, cb, arg, errmsg);
}

WRAP_CODE(int, sqlite3_step, (sqlite3_stmt *s), (s), SQLITE_IOERR)
WRAP_CODE(int, sqlite3_bind_text, (sqlite3_stmt *s, int i, const char *t, int n,
                                   void (*d)(void *)), (s, i, t, n, d), SQLITE_NOMEM)
WRAP_CODE(int, sqlite3_bind_int64, (sqlite3_stmt *s, int i, sqlite3_int64 v), (s, i, v),
          SQLITE_NOMEM)
WRAP_CODE(json_t *, json_loads, (const char *in, size_t fl, json_error_t *e), (in, fl, e), NULL)
WRAP_CODE(int, ini_parse_string, (const char *s, ini_handler h, void *u), (s, h, u), -1)
WRAP_CODE(int, oath_totp_generate2, (const char *k, size_t kl, time_t now, unsigned step,
                                     time_t off, unsigned digits, int fl, char *out),
          (k, kl, now, step, off, digits, fl, out), OATH_CRYPTO_ERROR)
WRAP_CODE(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)
WRAP_CODE(int, EVP_DigestInit_ex, (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e), (c, t, e), 0)
WRAP_CODE(int, EVP_DigestUpdate, (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n), 0)
WRAP_CODE(int, EVP_Digest, (const void *d, size_t n, unsigned char *md, unsigned int *len,
                            const EVP_MD *t, ENGINE *e), (d, n, md, len, t, e), 0)
WRAP_CODE(int, pam_get_item, (const pam_handle_t *h, int type, const void **item),
          (h, type, item), PAM_SYSTEM_ERR)
WRAP_CODE(fido_dev_t *, fido_dev_new, (void), (), NULL)
WRAP_CODE(fido_assert_t *, fido_assert_new, (void), (), NULL)
WRAP_CODE(fido_dev_info_t *, fido_dev_info_new, (size_t n), (n), NULL)
WRAP_CODE(int, fido_dev_info_manifest, (fido_dev_info_t *l, size_t n, size_t *o), (l, n, o),
          FIDO_ERR_INTERNAL)
WRAP_CODE(int, fido_dev_open, (fido_dev_t *d, const char *p), (d, p), FIDO_ERR_INTERNAL)
WRAP_CODE(int, fido_dev_get_assert, (fido_dev_t *d, fido_assert_t *a, const char *pin),
          (d, a, pin), FIDO_ERR_INTERNAL)
WRAP_CODE(int, fido_assert_set_clientdata_hash, (fido_assert_t *a, const unsigned char *h,
                                                 size_t n), (a, h, n), FIDO_ERR_INTERNAL)
WRAP_CODE(int, fido_assert_allow_cred, (fido_assert_t *a, const unsigned char *id, size_t n),
          (a, id, n), FIDO_ERR_INTERNAL)
WRAP_CODE(int, fido_assert_verify, (const fido_assert_t *a, size_t i, int alg, const void *pk),
          (a, i, alg, pk), FIDO_ERR_INVALID_SIG)
WRAP_CODE(int, es256_pk_from_ptr, (es256_pk_t *pk, const void *p, size_t n), (pk, p, n),
          FIDO_ERR_INVALID_ARGUMENT)
WRAP_CODE(int, eddsa_pk_from_ptr, (eddsa_pk_t *pk, const void *p, size_t n), (pk, p, n),
          FIDO_ERR_INVALID_ARGUMENT)
