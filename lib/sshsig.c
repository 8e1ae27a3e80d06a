/* The SSHSIG envelope of an approval signature (OpenSSH PROTOCOL.sshsig): the bytes
 * a signer signs, and the armored file `ssh-keygen -Y verify` reads. We write what
 * `ssh-keygen -Y sign` writes (hash sha512, empty reserved field, base64 broken every
 * 70 characters as sshbuf_dtob64 does) and read back only that shape. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sshsk.h"
#include "sshwire.h"

#define SSHSIG_MAGIC	"SSHSIG"
#define SSHSIG_VERSION	1
#define SSHSIG_HASH	"sha512"
#define SSHSIG_BEGIN	"-----BEGIN SSH SIGNATURE-----\n"
#define SSHSIG_END	"-----END SSH SIGNATURE-----"
#define SSHSIG_LINE	70
#define NS_MAX		64	/* bytes of a namespace */
/* The binary envelope: magic, version, and five strings of bounded size. */
#define SSHSIG_BIN_MAX	(6 + 4 + 5 * 4 + NS_SSHSK_BLOB_MAX + NS_MAX + 6 + NS_SSHSK_SIG_MAX)
#define SSHSIG_B64_MAX	((SSHSIG_BIN_MAX + 2) / 3 * 4)
#define SSHSIG_TEXT_MAX	(sizeof(SSHSIG_BEGIN) + SSHSIG_B64_MAX + SSHSIG_B64_MAX / SSHSIG_LINE + \
	sizeof(SSHSIG_END) + 2)

static int
ns_valid(const char *ns, struct ns_err *err)
{
	size_t n = strnlen(ns, NS_MAX + 1);

	if (n == 0 || n > NS_MAX)
		return ns_fail(err, "SSHSIG namespace: empty or longer than %d bytes", NS_MAX);
	return 0;
}

int
ns_sshsk_sshsig_data(const char *ns, const unsigned char *msg, size_t msg_len,
                     unsigned char **out, size_t *out_len, struct ns_err *err)
{
	unsigned char h[64];
	unsigned int hl = 0;
	struct ns_sshbuf b;

	*out = NULL;
	*out_len = 0;
	if (ns_valid(ns, err) < 0)
		return -1;
	if (EVP_Digest(msg, msg_len, h, &hl, EVP_sha512(), NULL) != 1 || hl != sizeof(h))
		return ns_fail(err, "SSHSIG: SHA-512 failed");
	ns_sshbuf_writer(&b, 6 + 4 * 4 + NS_MAX + 6 + sizeof(h));
	ns_sshbuf_put_raw(&b, SSHSIG_MAGIC, 6);
	ns_sshbuf_put_cstring(&b, ns);
	ns_sshbuf_put_string(&b, NULL, 0); /* reserved */
	ns_sshbuf_put_cstring(&b, SSHSIG_HASH);
	ns_sshbuf_put_string(&b, h, sizeof(h));
	if ((*out = ns_sshbuf_steal(&b, out_len)) == NULL) {
		ns_sshbuf_free(&b);
		return ns_fail(err, "SSHSIG: out of memory");
	}
	return 0;
}

int
ns_sshsk_sshsig_armor(const struct ns_sshsk_key *k, const char *ns,
                      const unsigned char *sig_blob, size_t sig_len, char **out,
                      struct ns_err *err)
{
	struct ns_sshbuf b;
	unsigned char *bin;
	char *b64, *text, *p;
	size_t bin_len, b64_len;

	*out = NULL;
	if (ns_valid(ns, err) < 0)
		return -1;
	if (k->blob_len == 0 || k->blob_len > NS_SSHSK_BLOB_MAX || sig_len == 0 ||
	    sig_len > NS_SSHSK_SIG_MAX)
		return ns_fail(err, "SSHSIG: key or signature blob empty or too long");
	ns_sshbuf_writer(&b, SSHSIG_BIN_MAX);
	ns_sshbuf_put_raw(&b, SSHSIG_MAGIC, 6);
	ns_sshbuf_put_u32(&b, SSHSIG_VERSION);
	ns_sshbuf_put_string(&b, k->blob, k->blob_len);
	ns_sshbuf_put_cstring(&b, ns);
	ns_sshbuf_put_string(&b, NULL, 0); /* reserved */
	ns_sshbuf_put_cstring(&b, SSHSIG_HASH);
	ns_sshbuf_put_string(&b, sig_blob, sig_len);
	if ((bin = ns_sshbuf_steal(&b, &bin_len)) == NULL) {
		ns_sshbuf_free(&b);
		return ns_fail(err, "SSHSIG: out of memory");
	}
	b64_len = (bin_len + 2) / 3 * 4;
	b64 = malloc(b64_len + 1);
	text = malloc(sizeof(SSHSIG_BEGIN) + b64_len + b64_len / SSHSIG_LINE + 1 +
	    sizeof(SSHSIG_END) + 1);
	if (b64 == NULL || text == NULL || ns_ssh_b64_encode(bin, bin_len, b64, b64_len + 1) < 0) {
		free(bin);
		free(b64);
		free(text);
		return ns_fail(err, "SSHSIG: out of memory");
	}
	free(bin);
	p = text;
	memcpy(p, SSHSIG_BEGIN, sizeof(SSHSIG_BEGIN) - 1);
	p += sizeof(SSHSIG_BEGIN) - 1;
	for (size_t i = 0; i < b64_len; i += SSHSIG_LINE) {
		size_t n = b64_len - i < SSHSIG_LINE ? b64_len - i : SSHSIG_LINE;

		memcpy(p, b64 + i, n);
		p += n;
		*p++ = '\n';
	}
	memcpy(p, SSHSIG_END "\n", sizeof(SSHSIG_END "\n"));
	free(b64);
	*out = text;
	return 0;
}

/* The base64 text between the armor lines, newlines taken out; nothing but base64
 * characters and line breaks is accepted between them. */
static int
armor_body(const char *armored, char **b64, size_t *b64_len, struct ns_err *err)
{
	const char *body, *end;
	size_t n = strnlen(armored, SSHSIG_TEXT_MAX + 1), o = 0;

	if (n > SSHSIG_TEXT_MAX)
		return ns_fail(err, "SSHSIG: longer than %zu bytes", (size_t)SSHSIG_TEXT_MAX);
	if (strncmp(armored, SSHSIG_BEGIN, sizeof(SSHSIG_BEGIN) - 1) != 0)
		return ns_fail(err, "SSHSIG: missing the BEGIN SSH SIGNATURE line");
	body = armored + sizeof(SSHSIG_BEGIN) - 1;
	if ((end = strstr(body - 1, "\n" SSHSIG_END)) == NULL)
		return ns_fail(err, "SSHSIG: missing the END SSH SIGNATURE line");
	if (strcmp(end + 1 + strlen(SSHSIG_END), "") != 0 &&
	    strcmp(end + 1 + strlen(SSHSIG_END), "\n") != 0)
		return ns_fail(err, "SSHSIG: bytes after the END SSH SIGNATURE line");
	if (end < body)
		return ns_fail(err, "SSHSIG: no signature between the armor lines");
	if ((*b64 = malloc((size_t)(end - body) + 1)) == NULL)
		return ns_fail(err, "SSHSIG: out of memory");
	for (const char *c = body; c < end; c++) {
		if (*c == '\n')
			continue;
		if (*c == '=' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '+' || *c == '/') {
			(*b64)[o++] = *c;
			continue;
		}
		free(*b64);
		*b64 = NULL;
		return ns_fail(err, "SSHSIG: a byte that is not base64 inside the armor");
	}
	(*b64)[o] = '\0';
	*b64_len = o;
	return 0;
}

static int
dup_bytes(const unsigned char *p, size_t n, unsigned char **out, size_t *out_len)
{
	if ((*out = malloc(n > 0 ? n : 1)) == NULL)
		return -1;
	memcpy(*out, p, n);
	*out_len = n;
	return 0;
}

static int
parse_envelope(const unsigned char *bin, size_t bin_len, const char *ns,
               unsigned char **key_blob, size_t *key_len, unsigned char **sig_blob,
               size_t *sig_len, struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *magic, *key, *reserved, *sig;
	size_t klen, rlen, slen;
	char got_ns[NS_MAX + 1], hash[16];
	uint32_t version;

	ns_sshbuf_reader(&b, bin, bin_len);
	if (ns_sshbuf_get_raw(&b, 6, &magic, "SSHSIG magic", err) < 0)
		return -1;
	if (memcmp(magic, SSHSIG_MAGIC, 6) != 0)
		return ns_fail(err, "SSHSIG: bad magic");
	if (ns_sshbuf_get_u32(&b, &version, "SSHSIG version", err) < 0)
		return -1;
	if (version != SSHSIG_VERSION)
		return ns_fail(err, "SSHSIG: version %lu, not %d", (unsigned long)version,
		    SSHSIG_VERSION);
	if (ns_sshbuf_get_string(&b, NS_SSHSK_BLOB_MAX, &key, &klen, "SSHSIG public key",
	    err) < 0 ||
	    ns_sshbuf_get_cstring(&b, got_ns, sizeof(got_ns), "SSHSIG namespace", err) < 0)
		return -1;
	if (strcmp(got_ns, ns) != 0)
		return ns_fail(err, "SSHSIG: namespace is not \"%s\"", ns);
	if (ns_sshbuf_get_string(&b, 0, &reserved, &rlen, "SSHSIG reserved field", err) < 0 ||
	    ns_sshbuf_get_cstring(&b, hash, sizeof(hash), "SSHSIG hash algorithm", err) < 0)
		return -1;
	if (strcmp(hash, SSHSIG_HASH) != 0)
		return ns_fail(err, "SSHSIG: hash algorithm is not %s", SSHSIG_HASH);
	if (ns_sshbuf_get_string(&b, NS_SSHSK_SIG_MAX, &sig, &slen, "SSHSIG signature",
	    err) < 0 || ns_sshbuf_get_end(&b, "SSHSIG", err) < 0)
		return -1;
	if (dup_bytes(key, klen, key_blob, key_len) < 0)
		return ns_fail(err, "SSHSIG: out of memory");
	if (dup_bytes(sig, slen, sig_blob, sig_len) < 0) {
		free(*key_blob);
		*key_blob = NULL;
		return ns_fail(err, "SSHSIG: out of memory");
	}
	return 0;
}

int
ns_sshsk_sshsig_dearmor(const char *armored, const char *ns, unsigned char **key_blob,
                        size_t *key_len, unsigned char **sig_blob, size_t *sig_len,
                        struct ns_err *err)
{
	unsigned char *bin;
	size_t b64_len = 0, bin_len = 0;
	char *b64;
	int r;

	*key_blob = *sig_blob = NULL;
	*key_len = *sig_len = 0;
	if (ns_valid(ns, err) < 0 || armor_body(armored, &b64, &b64_len, err) < 0)
		return -1;
	r = ns_ssh_b64_decode(b64, b64_len, SSHSIG_BIN_MAX, &bin, &bin_len);
	free(b64);
	if (r < 0)
		return ns_fail(err, "SSHSIG: the armored text is not valid base64 (or too long)");
	r = parse_envelope(bin, bin_len, ns, key_blob, key_len, sig_blob, sig_len, err);
	free(bin);
	return r;
}
