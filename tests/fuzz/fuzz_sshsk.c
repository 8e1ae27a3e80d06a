/* Fuzz harness: the OpenSSH security-key parsers (lib/sshsk.c, lib/sshsig.c). The
 * first input byte picks the parser, the rest is its input:
 *   'k' key blob, 'l' public key line, 'e'/'c' signature blob for an Ed25519/ECDSA
 *   key (then verified against a fixed key of that type), 'a' armored SSHSIG.
 * Any input must parse or fail cleanly with a reason and nothing left behind;
 * whatever parses must re-encode to what parses to the same thing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshsk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The known-answer keys of tests/unit/sshsk_vectors.h, as lines. */
static const char *const KEY_LINES[] = {
	"sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAILd16X03tER"
	"mqKF0xExBqB/A4fluGRygxPCZNC8tG/4OAAAABHNzaDo=",
	"sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5j"
	"b20AAAAIbmlzdHAyNTYAAABBBJ39Qnl4Uvpyw3yGtLEhDxH3YlqCgstc8YV1ru4lpirpMEE5jun+D8FUKE7"
	"Q5WIiMzy/D9UHxG92b6tgpC6EkIkAAAAMc3NoOm5wbXN0YWdl",
};

static void
key_roundtrip(const struct ns_sshsk_key *k)
{
	struct ns_sshsk_key again;
	struct ns_err err;
	char line[NS_SSHSK_LINE_MAX], fp[64];

	if (ns_sshsk_key_to_line(k, line, sizeof(line)) != 0 ||
	    ns_sshsk_key_from_line(line, &again, &err) != 0 ||
	    memcmp(k, &again, sizeof(again)) != 0 || ns_sshsk_fingerprint(k, fp, sizeof(fp)) != 0 ||
	    strncmp(fp, "SHA256:", 7) != 0 || strlen(fp) != 7 + 43)
		abort();
}

static void
fuzz_sig(const uint8_t *data, size_t size, enum ns_sshsk_type type)
{
	static const unsigned char signed_data[] = "SSHSIG fuzz";
	struct ns_sshsk_key k;
	struct ns_sshsk_sig s;
	struct ns_err err;

	if (ns_sshsk_sig_parse(data, size, type, &s, &err) != 0) {
		if (err.msg[0] == '\0' || s.sig_len != 0)
			abort();
		return;
	}
	if (s.type != type || s.sig_len == 0 || s.sig_len > sizeof(s.sig) ||
	    (type == NS_SSHSK_ED25519 && s.sig_len != 64) ||
	    ns_sshsk_key_from_line(KEY_LINES[type == NS_SSHSK_ED25519 ? 0 : 1], &k, &err) != 0)
		abort();
	err.msg[0] = '\0';
	if (ns_sshsk_verify(&k, &s, signed_data, sizeof(signed_data) - 1, &err) != 0 &&
	    err.msg[0] == '\0')
		abort(); /* (a forged signature verifying is what the unit test's vectors catch) */
}

static void
fuzz_armor(const char *text)
{
	struct ns_sshsk_key k;
	struct ns_sshsk_sig s;
	struct ns_err err;
	unsigned char *kb, *sb, *kb2, *sb2;
	size_t kl, sl, kl2, sl2;
	char *again;

	if (ns_sshsk_sshsig_dearmor(text, NS_SSHSK_NAMESPACE, &kb, &kl, &sb, &sl, &err) != 0) {
		if (err.msg[0] == '\0' || kb != NULL || sb != NULL)
			abort();
		return;
	}
	if (kl > NS_SSHSK_BLOB_MAX || sl > NS_SSHSK_SIG_MAX)
		abort();
	if (ns_sshsk_key_from_blob(kb, kl, &k, &err) == 0 && sl > 0) {
		/* what we armor, we read back unchanged */
		if (ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, sb, sl, &again, &err) != 0 ||
		    ns_sshsk_sshsig_dearmor(again, NS_SSHSK_NAMESPACE, &kb2, &kl2, &sb2, &sl2,
		    &err) != 0 || kl2 != kl || sl2 != sl || memcmp(kb, kb2, kl) != 0 ||
		    memcmp(sb, sb2, sl) != 0)
			abort();
		(void)ns_sshsk_sig_parse(sb, sl, k.type, &s, &err);
		free(again);
		free(kb2);
		free(sb2);
	}
	free(kb);
	free(sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_sshsk_key k;
	struct ns_err err;
	char *text;

	if (size < 1 || size > 16384)
		return 0;
	err.msg[0] = '\0';
	switch (data[0]) {
	case 'k':
		if (ns_sshsk_key_from_blob(data + 1, size - 1, &k, &err) == 0) {
			if (k.blob_len != size - 1 || strncmp(k.application, "ssh:", 4) != 0)
				abort();
			key_roundtrip(&k);
		} else if (err.msg[0] == '\0' || k.blob_len != 0)
			abort();
		break;
	case 'e':
	case 'c':
		fuzz_sig(data + 1, size - 1, data[0] == 'e' ? NS_SSHSK_ED25519 : NS_SSHSK_ECDSA);
		break;
	case 'l':
	case 'a':
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (data[0] == 'a')
			fuzz_armor(text);
		else if (ns_sshsk_key_from_line(text, &k, &err) == 0)
			key_roundtrip(&k);
		else if (err.msg[0] == '\0' || k.blob_len != 0)
			abort();
		free(text);
		break;
	default:
		break;
	}
	return 0;
}
