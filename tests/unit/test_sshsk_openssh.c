/* test_sshsk, second part: the SSHSIG armor (and its refusals), the wire helpers,
 * signatures made fresh with libcrypto, and real OpenSSH: `ssh-keygen -Y verify`
 * must accept what ns_sshsk_sshsig_armor writes (and refuse it for another message),
 * and `ssh-keygen -l` must print ns_sshsk_fingerprint. Those two run ssh-keygen
 * (fork/exec, no shell) and are skipped only when it is not installed; what
 * `ssh-keygen -Y sign` writes must dearmor, and re-armor to the same bytes. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "nstest.h"
#include "sshsk.h"
#include "sshwire.h"
#include "sshsk_vectors.h"
#include "test_sshsk.h"

/* ---- armor */

/* An armored SSHSIG of our own making, with the fields given (to test refusals). */
static char *
armored(uint32_t version, const char *ns, const char *reserved, const char *hash,
        size_t extra, size_t width)
{
	struct ns_sshbuf b;
	unsigned char *bin;
	char b64[4096], *text, *p;
	size_t n, len;

	ns_sshbuf_writer(&b, 4096);
	ns_sshbuf_put_raw(&b, "SSHSIG", 6);
	ns_sshbuf_put_u32(&b, version);
	ns_sshbuf_put_string(&b, VEC_EC_BLOB, sizeof(VEC_EC_BLOB));
	ns_sshbuf_put_cstring(&b, ns);
	ns_sshbuf_put_cstring(&b, reserved);
	ns_sshbuf_put_cstring(&b, hash);
	ns_sshbuf_put_string(&b, VEC_EC_SIG, sizeof(VEC_EC_SIG));
	for (size_t i = 0; i < extra; i++)
		ns_sshbuf_put_u8(&b, 0);
	bin = ns_sshbuf_steal(&b, &n);
	assert_non_null(bin);
	assert_int_equal(ns_ssh_b64_encode(bin, n, b64, sizeof(b64)), 0);
	free(bin);
	len = strlen(b64);
	text = malloc(len * 2 + 128);
	assert_non_null(text);
	p = text + sprintf(text, "-----BEGIN SSH SIGNATURE-----\n");
	for (size_t i = 0; i < len; i += width)
		p += sprintf(p, "%.*s\n", (int)width, b64 + i);
	sprintf(p, "-----END SSH SIGNATURE-----\n");
	return text;
}

static void
expect_dearmor(const char *text, const char *ns, const char *why)
{
	unsigned char *kb, *sb;
	size_t kl, sl;
	struct ns_err err;
	int r = ns_sshsk_sshsig_dearmor(text, ns, &kb, &kl, &sb, &sl, &err);

	if (why == NULL) {
		assert_int_equal(r, 0);
		assert_int_equal(kl, sizeof(VEC_EC_BLOB));
		assert_memory_equal(kb, VEC_EC_BLOB, kl);
		assert_int_equal(sl, sizeof(VEC_EC_SIG));
		free(kb);
		free(sb);
		return;
	}
	assert_int_equal(r, -1);
	assert_null(kb);
	assert_null(sb);
	if (strstr(err.msg, why) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
}

void
test_armor(void **state)
{
	struct ns_sshsk_key k;
	struct ns_err err;
	char *t, *out, *line;
	size_t n;

	(void)state;
	t = armored(1, NS_SSHSK_NAMESPACE, "", "sha512", 0, 70);
	assert_string_equal(t, VEC_EC_ARMOR);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, NULL);
	expect_dearmor(t, "file", "namespace is not \"file\"");
	t[strlen(t) - 1] = '\0'; /* without the final newline */
	expect_dearmor(t, NS_SSHSK_NAMESPACE, NULL);
	free(t);
	t = armored(1, NS_SSHSK_NAMESPACE, "", "sha512", 0, 76); /* other wrapping */
	expect_dearmor(t, NS_SSHSK_NAMESPACE, NULL);
	t[40] = '\r';
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "not base64 inside");
	t[40] = '=';
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "not valid base64");
	free(t);
	t = armored(2, NS_SSHSK_NAMESPACE, "", "sha512", 0, 70);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "version 2");
	free(t);
	t = armored(1, NS_SSHSK_NAMESPACE, "tag", "sha512", 0, 70);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "reserved field: length 3 exceeds 0");
	free(t);
	t = armored(1, NS_SSHSK_NAMESPACE, "", "sha256", 0, 70);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "hash algorithm is not sha512");
	free(t);
	t = armored(1, NS_SSHSK_NAMESPACE, "", "sha512", 1, 70);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "SSHSIG: 1 trailing bytes");
	free(t);
	t = armored(1, "npmstage-approval\nx", "", "sha512", 0, 70);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "namespace is not");
	t[5] = 'X';
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "missing the BEGIN");
	free(t);
	t = strdup(VEC_ED_ARMOR);
	assert_non_null(t);
	t[strlen(t) - 3] = 'X';
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "missing the END");
	t[strlen(t) - 3] = '-';
	expect_dearmor(t, "", "namespace: empty");
	free(t);
	assert_non_null(t = malloc(strlen(VEC_ED_ARMOR) + 2));
	snprintf(t, strlen(VEC_ED_ARMOR) + 2, "%sX", VEC_ED_ARMOR);
	expect_dearmor(t, NS_SSHSK_NAMESPACE, "bytes after the END");
	free(t);
	expect_dearmor("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
	    NS_SSHSK_NAMESPACE, "no signature between");
	expect_dearmor("-----BEGIN SSH SIGNATURE-----\n\n-----END SSH SIGNATURE-----\n",
	    NS_SSHSK_NAMESPACE, "not valid base64");
	/* what we write: 70 characters a line, the last one shorter */
	assert_int_equal(ns_sshsk_key_from_blob(VEC_ED_BLOB, sizeof(VEC_ED_BLOB), &k, &err), 0);
	assert_string_equal(k.application, VEC_ED_APP);
	assert_int_equal(ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, VEC_ED_SIG,
	    sizeof(VEC_ED_SIG), &out, &err), 0);
	n = 0;
	for (line = strchr(out, '\n') + 1; strncmp(line, "-----END", 8) != 0;
	    line = strchr(line, '\n') + 1, n++)
		assert_true(strcspn(line, "\n") == 70 || strncmp(line +
		    strcspn(line, "\n") + 1, "-----END", 8) == 0);
	assert_true(n > 2);
	free(out);
	assert_int_equal(ns_sshsk_sshsig_armor(&k, "", VEC_ED_SIG, sizeof(VEC_ED_SIG), &out,
	    &err), -1);
	assert_int_equal(ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, VEC_ED_SIG, 0, &out,
	    &err), -1);
	assert_int_equal(ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, VEC_ED_SIG,
	    NS_SSHSK_SIG_MAX + 1, &out, &err), -1);
	assert_null(out);
}

/* ---- wire helpers */

void
test_wire(void **state)
{
	static const unsigned char in[] = { 0, 0, 0, 3, 'a', 'b', 'c', 7, 0, 0, 0, 2, 'x' };
	const unsigned char *p;
	unsigned char *out;
	struct ns_sshbuf b;
	struct ns_err err;
	size_t n;
	uint32_t u;
	uint8_t c;
	char s[8];

	(void)state;
	ns_sshbuf_reader(&b, in, sizeof(in));
	assert_int_equal(ns_sshbuf_get_string(&b, 2, &p, &n, "f", &err), -1);
	assert_string_equal(err.msg, "f: length 3 exceeds 2");
	assert_int_equal(ns_sshbuf_left(&b), sizeof(in)); /* a refusal does not move */
	assert_int_equal(ns_sshbuf_get_cstring(&b, s, 3, "f", &err), -1);
	assert_int_equal(ns_sshbuf_get_cstring(&b, s, sizeof(s), "f", &err), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(ns_sshbuf_get_end(&b, "m", &err), -1);
	assert_string_equal(err.msg, "m: 6 trailing bytes");
	assert_int_equal(ns_sshbuf_get_u8(&b, &c, "b", &err), 0);
	assert_int_equal(c, 7);
	assert_int_equal(ns_sshbuf_get_string(&b, 10, &p, &n, "g", &err), -1);
	assert_string_equal(err.msg, "g: truncated (6 bytes needed, 5 left)");
	assert_int_equal(ns_sshbuf_get_u32(&b, &u, "u", &err), 0);
	assert_int_equal(u, 2);
	assert_int_equal(ns_sshbuf_get_u32(&b, &u, "u", &err), -1);
	assert_int_equal(ns_sshbuf_get_raw(&b, 1, &p, "r", &err), 0);
	assert_int_equal(ns_sshbuf_get_end(&b, "m", &err), 0);
	/* a writer stops at its limit, and stays failed */
	ns_sshbuf_writer(&b, 13);
	assert_int_equal(ns_sshbuf_put_cstring(&b, "abcd"), 0);
	assert_int_equal(ns_sshbuf_put_string(&b, "x", 1), 0);
	assert_int_equal(ns_sshbuf_put_u8(&b, 1), -1);
	assert_null(ns_sshbuf_steal(&b, &n));
	ns_sshbuf_free(&b);
	ns_sshbuf_writer(&b, 100000);
	for (unsigned i = 0; i < 10000; i++)
		assert_int_equal(ns_sshbuf_put_u32(&b, i), 0);
	out = ns_sshbuf_steal(&b, &n);
	assert_int_equal(n, 40000);
	assert_int_equal(out[39999], 9999 & 0xff);
	free(out);
	ns_sshbuf_writer(&b, 0);
	out = ns_sshbuf_steal(&b, &n);
	assert_non_null(out);
	assert_int_equal(n, 0);
	free(out);
	/* strict base64 */
	assert_int_equal(ns_ssh_b64_decode("AA==", 4, 8, &out, &n), 0);
	assert_int_equal(n, 1);
	free(out);
	assert_int_equal(ns_ssh_b64_decode("AAA=", 4, 8, &out, &n), 0);
	assert_int_equal(n, 2);
	free(out);
	assert_int_equal(ns_ssh_b64_decode("AB==", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AAB=", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("A===", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("====", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AA=A", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AAA", 3, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("", 0, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AA-_", 4, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AAAA AAA", 8, 8, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AAAAAAAA", 8, 5, &out, &n), -1);
	assert_int_equal(ns_ssh_b64_decode("AAAAAAAA", 8, 6, &out, &n), 0);
	free(out);
	assert_int_equal(ns_ssh_b64_encode((const unsigned char *)"ab", 2, s, 4), -1);
	assert_int_equal(ns_ssh_b64_encode((const unsigned char *)"ab", 2, s, 5), 0);
	assert_string_equal(s, "YWI=");
}

/* ---- fresh signatures from libcrypto */

struct fresh {
	EVP_PKEY *priv;
	struct ns_sshsk_key key;
};

static void
fresh_key(struct fresh *f, enum ns_sshsk_type type, const char *app)
{
	unsigned char pk[65];
	size_t pk_len = 0, n;
	struct ns_sshbuf b;
	unsigned char *p;
	struct ns_err err;

	if (type == NS_SSHSK_ECDSA) {
		f->priv = EVP_EC_gen("P-256");
		assert_non_null(f->priv);
		assert_int_equal(EVP_PKEY_get_octet_string_param(f->priv,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pk, sizeof(pk), &pk_len), 1);
	} else {
		f->priv = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		assert_non_null(f->priv);
		pk_len = 32;
		assert_int_equal(EVP_PKEY_get_raw_public_key(f->priv, pk, &pk_len), 1);
	}
	ns_sshbuf_writer(&b, 256);
	ns_sshbuf_put_cstring(&b, ns_sshsk_type_name(type));
	if (type == NS_SSHSK_ECDSA)
		ns_sshbuf_put_cstring(&b, "nistp256");
	ns_sshbuf_put_string(&b, pk, pk_len);
	ns_sshbuf_put_cstring(&b, app);
	p = ns_sshbuf_steal(&b, &n);
	assert_non_null(p);
	assert_int_equal(ns_sshsk_key_from_blob(p, n, &f->key, &err), 0);
	free(p);
}

static void
put_mpint(struct ns_sshbuf *b, const BIGNUM *v)
{
	unsigned char buf[33] = { 0 };
	int n = BN_num_bytes(v);

	assert_true(n > 0 && n <= 32);
	BN_bn2bin(v, buf + 1);
	ns_sshbuf_put_string(b, buf[1] & 0x80 ? buf : buf + 1, (size_t)n + (buf[1] & 0x80 ? 1 : 0));
}

/* The agent's signature blob over data, as an authenticator would make it. */
static unsigned char *
fresh_sign(const struct fresh *f, const unsigned char *data, size_t data_len, unsigned flags,
           uint32_t counter, size_t *sig_len)
{
	unsigned char msg[69], sig[80], *p;
	const unsigned char *q = sig;
	size_t n = sizeof(sig);
	unsigned int hl;
	struct ns_sshbuf b, inner;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es;

	assert_int_equal(EVP_Digest(f->key.application, strlen(f->key.application), msg, &hl,
	    EVP_sha256(), NULL), 1);
	msg[32] = (unsigned char)flags;
	msg[33] = (unsigned char)(counter >> 24);
	msg[34] = (unsigned char)(counter >> 16);
	msg[35] = (unsigned char)(counter >> 8);
	msg[36] = (unsigned char)counter;
	assert_int_equal(EVP_Digest(data, data_len, msg + 37, &hl, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, f->key.type == NS_SSHSK_ECDSA ?
	    EVP_sha256() : NULL, NULL, f->priv), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &n, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(ctx);
	ns_sshbuf_writer(&b, NS_SSHSK_SIG_MAX);
	ns_sshbuf_put_cstring(&b, ns_sshsk_type_name(f->key.type));
	if (f->key.type == NS_SSHSK_ECDSA) {
		assert_non_null(es = d2i_ECDSA_SIG(NULL, &q, (long)n));
		ns_sshbuf_writer(&inner, 80);
		put_mpint(&inner, ECDSA_SIG_get0_r(es));
		put_mpint(&inner, ECDSA_SIG_get0_s(es));
		ECDSA_SIG_free(es);
		assert_non_null(p = ns_sshbuf_steal(&inner, &n));
		ns_sshbuf_put_string(&b, p, n);
		free(p);
	} else
		ns_sshbuf_put_string(&b, sig, n);
	ns_sshbuf_put_u8(&b, (uint8_t)flags);
	ns_sshbuf_put_u32(&b, counter);
	assert_non_null(p = ns_sshbuf_steal(&b, sig_len));
	return p;
}

void
test_fresh_signatures(void **state)
{
	struct fresh f;
	struct ns_sshsk_sig s;
	struct ns_err err;
	unsigned char *data, *sig;
	size_t data_len, sig_len, short_scalars = 0;

	(void)state;
	for (int t = NS_SSHSK_ED25519; t <= NS_SSHSK_ECDSA; t++) {
		fresh_key(&f, (enum ns_sshsk_type)t, "ssh:fresh");
		for (uint32_t i = 0; i < 300; i++) {
			assert_int_equal(ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (void *)&i,
			    sizeof(i), &data, &data_len, &err), 0);
			sig = fresh_sign(&f, data, data_len, i & 0xff, i * 7919u, &sig_len);
			assert_int_equal(ns_sshsk_sig_parse(sig, sig_len, f.key.type, &s, &err), 0);
			assert_int_equal(s.flags, i & 0xff);
			assert_int_equal(s.counter, i * 7919u);
			short_scalars += s.sig_len < 72;
			if (ns_sshsk_verify(&f.key, &s, data, data_len, &err) != 0)
				fail_msg("%s signature %u: %s", ns_sshsk_type_name(f.key.type), i,
				    err.msg);
			data[data_len - 1] ^= 1;
			assert_int_equal(ns_sshsk_verify(&f.key, &s, data, data_len, &err), -1);
			free(sig);
			free(data);
		}
		EVP_PKEY_free(f.priv);
	}
	assert_true(short_scalars > 0); /* P-256 scalars without the leading zero occur */
}

/* ---- real OpenSSH */

static int
have_ssh_keygen(void)
{
	const char *path = getenv("PATH");
	char buf[4096], *dir, *save = NULL;
	int found = 0;

	if (path == NULL || strlen(path) >= sizeof(buf))
		return 0;
	strcpy(buf, path);
	for (dir = strtok_r(buf, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		char exe[4200];

		snprintf(exe, sizeof(exe), "%s/ssh-keygen", dir);
		found = access(exe, X_OK) == 0;
	}
	return found;
}

/* Runs ssh-keygen with args (stdin from a file), its output into out; the exit status. */
static int
ssh_keygen(const char *const args[], const char *stdin_path, char *out, size_t cap)
{
	char *argv[16];
	int pfd[2], status, in;
	size_t n = 0, i = 0;
	ssize_t r;
	pid_t pid;

	argv[i++] = (char *)"ssh-keygen";
	for (; args[i - 1] != NULL && i < 15; i++)
		argv[i] = (char *)args[i - 1];
	argv[i] = NULL;
	assert_int_equal(pipe(pfd), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		in = open(stdin_path != NULL ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0 || dup2(in, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ssh-keygen verifies our armor of sig by key over msg; another message fails. */
static void
openssh_verifies(const char *dir, const struct ns_sshsk_key *k, const unsigned char *sig,
                 size_t sig_len, const char *msg, const char *pub_line, const char *want_fp)
{
	char path[3][512], line[NS_SSHSK_LINE_MAX + 64], fp[64], out[4096], *arm;
	struct ns_err err;
	const char *const fp_args[] = { "-l", "-E", "sha256", "-f", path[0], NULL };
	const char *const verify[] = { "-Y", "verify", "-f", path[1], "-I", "approver@test",
		"-n", NS_SSHSK_NAMESPACE, "-s", path[2], NULL };

	snprintf(path[0], sizeof(path[0]), "%s/key.pub", dir);
	snprintf(path[1], sizeof(path[1]), "%s/allowed_signers", dir);
	snprintf(path[2], sizeof(path[2]), "%s/msg.sig", dir);
	assert_int_equal(ns_sshsk_key_to_line(k, line, sizeof(line)), 0);
	assert_int_equal(ns_sshsk_fingerprint(k, fp, sizeof(fp)), 0);
	/* the fingerprint ssh-keygen -l prints, of our line and of the vector's */
	assert_int_equal(nstest_write(path[0], pub_line != NULL ? pub_line : line, 0644), 0);
	assert_int_equal(ssh_keygen(fp_args, NULL, out, sizeof(out)), 0);
	if (strncmp(out, "256 ", 4) != 0 || strncmp(out + 4, fp, strlen(fp)) != 0 ||
	    out[4 + strlen(fp)] != ' ')
		fail_msg("ssh-keygen -l: \"%s\", we say %s", out, fp);
	if (want_fp != NULL)
		assert_string_equal(fp, want_fp); /* and the vector recorded at generation */
	assert_int_equal(ns_sshsk_sshsig_armor(k, NS_SSHSK_NAMESPACE, sig, sig_len, &arm, &err), 0);
	assert_int_equal(nstest_write(path[2], arm, 0644), 0);
	free(arm);
	snprintf(out, sizeof(out), "approver@test %s\n", line);
	assert_int_equal(nstest_write(path[1], out, 0644), 0);
	snprintf(path[0], sizeof(path[0]), "%s/msg", dir);
	assert_int_equal(nstest_write(path[0], msg, 0644), 0);
	if (ssh_keygen(verify, path[0], out, sizeof(out)) != 0 || strstr(out, "Good") == NULL)
		fail_msg("ssh-keygen -Y verify refused our SSHSIG: %s", out);
	assert_int_equal(nstest_write(path[0], "another message\n", 0644), 0);
	assert_int_not_equal(ssh_keygen(verify, path[0], out, sizeof(out)), 0);
}

static char *
slurp(const char *path)
{
	char *buf = malloc(8192);
	ssize_t n;
	int fd;

	assert_non_null(buf);
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_true((n = read(fd, buf, 8191)) > 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* What `ssh-keygen -Y sign` writes (with a plain Ed25519 key: no sk provider here)
 * dearmors to its key and signature, and our armor of those is the same file byte
 * for byte; the plain key itself is refused as not a security key. */
static void
openssh_signs(const char *dir)
{
	char key[512], msg[512], sig[512], out[4096], *text, *pub, *ours;
	const char *const gen[] = { "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key, NULL };
	const char *const sign[] = { "-Y", "sign", "-f", key, "-n", NS_SSHSK_NAMESPACE, msg,
		NULL };
	unsigned char *kb, *sb, *pb;
	size_t kl, sl, pl;
	struct ns_sshsk_key k;
	struct ns_err err;

	snprintf(key, sizeof(key), "%s/plain", dir);
	snprintf(msg, sizeof(msg), "%s/signed-by-openssh", dir);
	snprintf(sig, sizeof(sig), "%s/signed-by-openssh.sig", dir);
	assert_int_equal(ssh_keygen(gen, NULL, out, sizeof(out)), 0);
	assert_int_equal(nstest_write(msg, VEC_MESSAGE, 0644), 0);
	if (ssh_keygen(sign, NULL, out, sizeof(out)) != 0)
		fail_msg("ssh-keygen -Y sign: %s", out);
	text = slurp(sig);
	assert_int_equal(ns_sshsk_sshsig_dearmor(text, NS_SSHSK_NAMESPACE, &kb, &kl, &sb, &sl,
	    &err), 0);
	snprintf(key, sizeof(key), "%s/plain.pub", dir);
	pub = slurp(key);
	assert_int_equal(strncmp(pub, "ssh-ed25519 ", 12), 0);
	pub[12 + strcspn(pub + 12, " \n")] = '\0';
	assert_int_equal(ns_ssh_b64_decode(pub + 12, strlen(pub + 12), 1024, &pb, &pl), 0);
	assert_int_equal(kl, pl);
	assert_memory_equal(kb, pb, kl);
	assert_int_equal(ns_sshsk_key_from_blob(kb, kl, &k, &err), -1);
	assert_non_null(strstr(err.msg, "\"ssh-ed25519\" is not an OpenSSH security key"));
	memset(&k, 0, sizeof(k));
	memcpy(k.blob, kb, kl);
	k.blob_len = kl;
	assert_int_equal(ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, sb, sl, &ours, &err), 0);
	assert_string_equal(ours, text);
	free(ours);
	free(pb);
	free(pub);
	free(kb);
	free(sb);
	free(text);
}

void
test_openssh_accepts(void **state)
{
	struct ns_sshsk_key k;
	struct ns_err err;
	struct fresh f;
	unsigned char *data, *sig;
	size_t data_len, sig_len;
	char *dir;

	(void)state;
	if (!have_ssh_keygen())
		skip();
	assert_non_null(dir = nstest_tmpdir());
	assert_int_equal(ns_sshsk_key_from_blob(VEC_ED_BLOB, sizeof(VEC_ED_BLOB), &k, &err), 0);
	openssh_verifies(dir, &k, VEC_ED_SIG, sizeof(VEC_ED_SIG), VEC_MESSAGE, VEC_ED_LINE,
	    VEC_ED_FP);
	assert_int_equal(ns_sshsk_key_from_blob(VEC_EC_BLOB, sizeof(VEC_EC_BLOB), &k, &err), 0);
	openssh_verifies(dir, &k, VEC_EC_SIG, sizeof(VEC_EC_SIG), VEC_MESSAGE, VEC_EC_LINE,
	    VEC_EC_FP);
	assert_string_equal(k.application, VEC_EC_APP);
	for (int t = NS_SSHSK_ED25519; t <= NS_SSHSK_ECDSA; t++) {
		fresh_key(&f, (enum ns_sshsk_type)t, "ssh:");
		assert_int_equal(ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE,
		    (const unsigned char *)"fresh\n", 6, &data, &data_len, &err), 0);
		sig = fresh_sign(&f, data, data_len, NS_SSHSK_FLAG_UP | NS_SSHSK_FLAG_UV, 1,
		    &sig_len);
		openssh_verifies(dir, &f.key, sig, sig_len, "fresh\n", NULL, NULL);
		free(sig);
		free(data);
		EVP_PKEY_free(f.priv);
	}
	openssh_signs(dir);
	nstest_rmtree(dir);
	free(dir);
}
