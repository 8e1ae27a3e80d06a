/* OpenSSH security keys (sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com)
 * as an approval factor: their public key blobs and text lines, the SSHSIG signed-data
 * layout (namespace "npmstage-approval", so that stock `ssh-keygen -Y verify` can check
 * a recorded approval), the sk signature blob, and its verification with libcrypto.
 *
 * Everything here parses bytes that came from an ssh-agent the caller controls or
 * from an enrolment line: every length is bounded, every parser refuses trailing
 * bytes, and nothing here decides policy beyond what a signature says (UP, UV and
 * the counter are returned; the caller applies the scope's policy). */
#ifndef NS_SSHSK_H
#define NS_SSHSK_H

#include <stddef.h>
#include <stdint.h>

#include "nserr.h"

#define NS_SSHSK_NAMESPACE	"npmstage-approval"
#define NS_SSHSK_APP_MAX	128	/* bytes of an application string ("ssh:...") */
#define NS_SSHSK_BLOB_MAX	1024	/* bytes of a public key blob */
#define NS_SSHSK_SIG_MAX	1024	/* bytes of a signature blob */
#define NS_SSHSK_LINE_MAX	2048	/* bytes of a public key text line */

#define NS_SSHSK_FLAG_UP	0x01
#define NS_SSHSK_FLAG_UV	0x04

enum ns_sshsk_type {
	NS_SSHSK_ED25519 = 1,	/* sk-ssh-ed25519@openssh.com */
	NS_SSHSK_ECDSA = 2,	/* sk-ecdsa-sha2-nistp256@openssh.com */
};

struct ns_sshsk_key {
	enum ns_sshsk_type type;
	unsigned char pk[65];		/* Ed25519: 32 bytes; ECDSA: 65-byte uncompressed point */
	size_t pk_len;
	char application[NS_SSHSK_APP_MAX + 1]; /* NUL-terminated, begins "ssh:" */
	unsigned char blob[NS_SSHSK_BLOB_MAX];	/* the wire form, as the agent lists it */
	size_t blob_len;
};

struct ns_sshsk_sig {
	enum ns_sshsk_type type;
	unsigned char sig[72];		/* Ed25519: 64 bytes; ECDSA: DER of (r, s) */
	size_t sig_len;
	unsigned flags;			/* the authenticator's flags byte */
	uint32_t counter;
};

/* Key type names as they appear in blobs and text lines. */
const char *ns_sshsk_type_name(enum ns_sshsk_type t);

/* A public key blob (string type || key || string application). Any other type
 * (plain ssh-ed25519, ssh-rsa, webauthn-*, ...) is refused by name; trailing bytes,
 * an application not beginning "ssh:" or holding a byte outside printable ASCII,
 * and an invalid curve point are refused. 0, or -1 with err set. */
int ns_sshsk_key_from_blob(const unsigned char *blob, size_t len, struct ns_sshsk_key *k,
                           struct ns_err *err);
/* A text line "TYPE BASE64 [COMMENT]" as ssh-keygen writes .pub files; the type word
 * must equal the blob's, the base64 must be canonical; one final newline is allowed,
 * other control characters are refused. */
int ns_sshsk_key_from_line(const char *line, struct ns_sshsk_key *k, struct ns_err *err);
/* "TYPE BASE64" (no comment) into out; -1 when it does not fit. */
int ns_sshsk_key_to_line(const struct ns_sshsk_key *k, char *out, size_t cap);
/* "SHA256:<unpadded base64 of SHA-256(blob)>", as `ssh-keygen -l` prints it. */
int ns_sshsk_fingerprint(const struct ns_sshsk_key *k, char *out, size_t cap);

/* The bytes an SSHSIG signer signs for message msg under namespace ns:
 * "SSHSIG" || string ns || string "" || string "sha512" || string SHA-512(msg).
 * *out is malloc'd. */
int ns_sshsk_sshsig_data(const char *ns, const unsigned char *msg, size_t msg_len,
                         unsigned char **out, size_t *out_len, struct ns_err *err);

/* A signature blob from the agent: string type || string sig || byte flags ||
 * uint32 counter. A type other than the key's (webauthn-sk-*, another key type) is
 * refused; trailing bytes are refused. */
int ns_sshsk_sig_parse(const unsigned char *blob, size_t len, enum ns_sshsk_type want,
                       struct ns_sshsk_sig *s, struct ns_err *err);
/* Verifies s over data with k: the authenticator signed SHA-256(application) ||
 * flags || be32(counter) || SHA-256(data). 0 valid, -1 invalid or error (err set).
 * UP/UV/counter policy is the caller's. */
int ns_sshsk_verify(const struct ns_sshsk_key *k, const struct ns_sshsk_sig *s,
                    const unsigned char *data, size_t data_len, struct ns_err *err);

/* The armored SSHSIG file `ssh-keygen -Y verify -n NS -s FILE` reads:
 * "-----BEGIN SSH SIGNATURE-----\n" base64 (70 a line, as ssh-keygen -Y sign writes it)
 * "-----END SSH SIGNATURE-----\n"
 * over the binary "SSHSIG" || uint32 1 || string pubkey blob || string ns ||
 * string "" || string "sha512" || string sig_blob. *out is malloc'd and NUL-terminated. */
int ns_sshsk_sshsig_armor(const struct ns_sshsk_key *k, const char *ns,
                          const unsigned char *sig_blob, size_t sig_len, char **out,
                          struct ns_err *err);
/* The reverse: the key blob and signature blob of an armored SSHSIG for namespace ns
 * (any other namespace, version or hash, a non-empty reserved field, trailing bytes,
 * and anything but base64 and newlines between the armor lines are refused); both
 * malloc'd. The blobs still need ns_sshsk_key_from_blob and ns_sshsk_sig_parse. */
int ns_sshsk_sshsig_dearmor(const char *armored, const char *ns, unsigned char **key_blob,
                            size_t *key_len, unsigned char **sig_blob, size_t *sig_len,
                            struct ns_err *err);

#endif
