/* LD_PRELOAD shim: makes unmodified libfido2 users see softfido2 as the one
 * attached device. fido_dev_info_manifest() reports it at SOFTFIDO2_PATH;
 * fido_dev_open() on that path attaches the hooks and then calls libfido2's own
 * fido_dev_open(). SOFTFIDO2_ABSENT=1 empties the manifest. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "softfido2.h"

typedef int open_fn(fido_dev_t *, const char *);

int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	int r;

	if (olen == NULL)
		return FIDO_ERR_INVALID_ARGUMENT;
	*olen = 0;
	if (devlist == NULL || ilen == 0 || !softfido2_present())
		return FIDO_OK;
	if ((r = fido_dev_info_set(devlist, 0, SOFTFIDO2_PATH, "softfido2",
	    "software authenticator", &softfido2_io, &softfido2_transport)) != FIDO_OK)
		return r;
	*olen = 1;
	return FIDO_OK;
}

int
fido_dev_open(fido_dev_t *dev, const char *path)
{
	open_fn *real = (open_fn *)dlsym(RTLD_NEXT, "fido_dev_open");
	int r;

	if (real == NULL) {
		fprintf(stderr, "softfido2_preload: no real fido_dev_open: %s\n", dlerror());
		return FIDO_ERR_INTERNAL;
	}
	if (dev != NULL && path != NULL && strcmp(path, SOFTFIDO2_PATH) == 0 &&
	    (r = softfido2_attach(dev)) != FIDO_OK)
		return r;
	return real(dev, path);
}
