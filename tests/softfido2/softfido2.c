/* softfido2 device: libfido2 io + transport hooks. With transport hooks libfido2
 * hands over whole CTAPHID messages (no report framing): tx(cmd, payload) then
 * rx(cmd) for the reply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "softfido2.h"
#include "sf2.h"

#define CTAPHID_INIT	0x06
#define CTAPHID_CBOR	0x10
#define CTAPHID_CANCEL	0x11
#define CAP_CBOR	0x04
#define CAP_NMSG	0x08

int
softfido2_present(void)
{
	const char *v = getenv("SOFTFIDO2_ABSENT");

	return !(v != NULL && strcmp(v, "1") == 0);
}

static void *
sf2_open(const char *path)
{
	struct sf2_dev *d;

	if (!softfido2_present() || path == NULL || strcmp(path, SOFTFIDO2_PATH) != 0)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (sf2_config_load(&d->cfg) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static void
sf2_close(void *handle)
{
	if (handle != NULL) {
		OPENSSL_cleanse(handle, sizeof(struct sf2_dev));
		free(handle);
	}
}

/* HID report I/O is never used once transport hooks are set. */
static int
sf2_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	(void)handle; (void)buf; (void)len; (void)ms;
	return -1;
}

static int
sf2_write(void *handle, const unsigned char *buf, size_t len)
{
	(void)handle; (void)buf; (void)len;
	return -1;
}

static int
sf2_tx(fido_dev_t *dev, uint8_t cmd, const unsigned char *buf, size_t len)
{
	struct sf2_dev *d = fido_dev_io_handle(dev);

	if (d == NULL || len > SF2_REPLY_MAX)
		return -1;
	d->have_reply = 0;
	switch (cmd) {
	case CTAPHID_INIT:
		/* nonce(8) | cid(4) | protocol | major | minor | build | caps */
		if (len != 8)
			return -1;
		memcpy(d->reply, buf, 8);
		memcpy(d->reply + 8, "\x5f\x5f\x00\x01", 4);
		memcpy(d->reply + 12, "\x02\x01\x00\x00", 4);
		d->reply[16] = CAP_CBOR | CAP_NMSG;
		d->reply_len = 17;
		break;
	case CTAPHID_CBOR:
		sf2_ctap(d, buf, len);
		break;
	case CTAPHID_CANCEL:
		return 0;
	default:
		return -1;
	}
	d->reply_cmd = cmd;
	d->have_reply = 1;
	return (int)len;
}

static int
sf2_rx(fido_dev_t *dev, uint8_t cmd, unsigned char *buf, size_t len, int ms)
{
	struct sf2_dev *d = fido_dev_io_handle(dev);

	(void)ms;
	if (d == NULL || !d->have_reply || d->reply_cmd != cmd || d->reply_len > len)
		return -1;
	memcpy(buf, d->reply, d->reply_len);
	d->have_reply = 0;
	return (int)d->reply_len;
}

const fido_dev_io_t softfido2_io = { sf2_open, sf2_close, sf2_read, sf2_write };
const fido_dev_transport_t softfido2_transport = { sf2_rx, sf2_tx };

fido_dev_t *
softfido2_open(void)
{
	fido_dev_t *dev = fido_dev_new();
	int r = FIDO_ERR_INTERNAL;

	if (dev == NULL || (r = softfido2_attach(dev)) != FIDO_OK ||
	    (r = fido_dev_open(dev, SOFTFIDO2_PATH)) != FIDO_OK) {
		fprintf(stderr, "softfido2_open: %s\n", fido_strerr(r));
		fido_dev_free(&dev);
	}
	return dev;
}

void
softfido2_close(fido_dev_t **dev)
{
	if (*dev != NULL) {
		fido_dev_close(*dev);
		fido_dev_free(dev);
	}
}

int
softfido2_attach(fido_dev_t *dev)
{
	int r;

	if ((r = fido_dev_set_io_functions(dev, &softfido2_io)) != FIDO_OK)
		return r;
	return fido_dev_set_transport_functions(dev, &softfido2_transport);
}
