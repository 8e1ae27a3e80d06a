/* softfido2: a software CTAP2 authenticator for tests. libfido2 drives it through
 * its own I/O and transport hooks, so everything above the wire (CBOR encoding,
 * attestation and assertion verification) is libfido2's real code.
 *
 * Behaviour is set per fido_dev_open() from the environment (test code only):
 *   SOFTFIDO2_SEED     hex (>= 16 bytes), or the path of a file holding hex or
 *                      raw bytes; default: SHA-256("softfido2 default seed").
 *   SOFTFIDO2_UP       1 (default): the user touches; 0: the device answers
 *                      without the UP flag; timeout: CTAP2_ERR_USER_ACTION_TIMEOUT.
 *   SOFTFIDO2_UV       0 (default): no UV (getInfo has no "uv" option);
 *                      1: UV capable, sets the UV flag when asked;
 *                      lie: advertises UV but never sets the flag.
 *   SOFTFIDO2_COUNTER  a fixed signature counter to report (e.g. to simulate a
 *                      clone going backwards); otherwise a persistent counter
 *                      file, incremented under flock(2) at each signature:
 *   SOFTFIDO2_COUNTER_FILE  default ${TMPDIR:-/tmp}/softfido2-<uid>.counter.
 *   SOFTFIDO2_ATTEST   self (default: packed self attestation); x5c (packed,
 *                      signed by an attestation key from the seed, with a
 *                      self-signed certificate: what pamu2fcfg wants); none.
 *   SOFTFIDO2_TAMPER_CDH=1  sign a different clientDataHash than the one sent.
 *   SOFTFIDO2_ABSENT=1 no device: opening fails, the preload manifest is empty.
 *
 * Credentials are stateless: id = tag(1) | nonce(16) | HMAC-SHA256(seed, "id" |
 * tag | rpIdHash | nonce); the private key is HMAC-SHA256(seed, "key" | tag |
 * rpIdHash | nonce) (reduced into [1, n-1] for P-256). Enrolment and
 * authentication can therefore run in different processes with the same seed. */
#ifndef SOFTFIDO2_H
#define SOFTFIDO2_H

#include <fido.h>

#define SOFTFIDO2_PATH "softfido2"

/* Sets softfido2's io and transport hooks on dev (not yet open), so that
 * fido_dev_open(dev, SOFTFIDO2_PATH) talks to the soft authenticator.
 * Returns a FIDO_* code. */
int softfido2_attach(fido_dev_t *dev);

/* A new device with the hooks attached and opened; NULL (message on stderr) on
 * failure. softfido2_close() closes and frees it. For tests. */
fido_dev_t *softfido2_open(void);
void softfido2_close(fido_dev_t **dev);

/* The hooks themselves, e.g. for fido_dev_info_set(). */
extern const fido_dev_io_t softfido2_io;
extern const fido_dev_transport_t softfido2_transport;

/* 0 when SOFTFIDO2_ABSENT=1, else 1. */
int softfido2_present(void);

#endif
