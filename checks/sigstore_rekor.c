/* Rekor transparency log entries: the signed entry timestamp (SET), the RFC 6962
 * inclusion proof with its signed checkpoint, and the entry body against the DSSE
 * envelope (intoto 0.0.2, dsse 0.0.1). Every entry must verify; nothing is skipped. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "sigstore.h"

#define MAX_PROOF_HASHES 64
#define MAX_CHECKPOINT 4096

/* protobuf JSON int64: a decimal string, or (re-serialised) a JSON integer. */
static int
get_u64(const json_t *v, uint64_t *out)
{
	const char *s;
	uint64_t n = 0;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if ((s = json_string_value(v)) == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*out = n;
	return 0;
}

static const json_t *
present(const json_t *o, const char *k)  /* absent and null are the same */
{
	const json_t *v = json_object_get(o, k);

	return json_is_null(v) ? NULL : v;
}

static int
b64_field(const json_t *v, unsigned char **out, size_t *n)
{
	const char *s = json_string_value(v);

	*out = NULL;   /* callers free it on every path */
	*n = 0;
	return s == NULL ? -1 : ns_b64_decode(s, strlen(s), out, n);
}

static int
h2(const unsigned char *a, const unsigned char *b, unsigned char out[32])
{
	unsigned char buf[65];

	buf[0] = 1;
	memcpy(buf + 1, a, 32);
	memcpy(buf + 33, b, 32);
	return EVP_Digest(buf, sizeof(buf), out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

/* RFC 9162 §2.1.3.2. */
int
ns_merkle_inclusion_ok(uint64_t index, uint64_t size, const unsigned char leaf[32],
                       const unsigned char (*path)[32], size_t npath,
                       const unsigned char root[32])
{
	uint64_t fn = index, sn;
	unsigned char r[32];
	size_t i;

	if (size == 0 || index >= size)
		return 0;
	sn = size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < npath; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (h2(path[i], r, r) != 0)
				return 0;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (h2(r, path[i], r) != 0)
			return 0;
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, 32) == 0;
}

static int
verify_set(const json_t *e, const struct ns_trust_log *log, const char *body_b64,
           uint64_t itime, uint64_t index, struct ns_err *err)
{
	unsigned char *set;
	char hex[65], *msg;
	size_t setlen, mlen;
	int ok;

	if (b64_field(json_object_get(present(e, "inclusionPromise"), "signedEntryTimestamp"),
	              &set, &setlen) != 0)
		return ns_fail(err, "SET is missing or not base64");
	ns_hex(log->log_id, 32, hex);
	mlen = strlen(body_b64) + 160;
	if ((msg = malloc(mlen)) == NULL) {
		free(set);
		return ns_fail(err, "out of memory");
	}
	/* Canonical JSON: sorted keys, no whitespace. */
	snprintf(msg, mlen, "{\"body\":\"%s\",\"integratedTime\":%llu,\"logID\":\"%s\","
	         "\"logIndex\":%llu}", body_b64, (unsigned long long)itime, hex,
	         (unsigned long long)index);
	ok = ns_sig_ok(log->key, (const unsigned char *)msg, strlen(msg), set, setlen);
	free(msg);
	free(set);
	return ok ? 0 : ns_fail(err, "SET signature does not verify (body, integratedTime, "
	                        "logID or logIndex altered)");
}

/* The signed note: "origin\nsize\nbase64(root)\n[...]\n\n— name base64(hint‖sig)\n". */
static int
verify_checkpoint(const char *note, const struct ns_trust_log *log, uint64_t size,
                  const unsigned char root[32], struct ns_err *err)
{
	const char *sep, *line, *nl;
	size_t bodylen, good = 0;
	char sizebuf[24];
	unsigned char *r;
	size_t rlen;

	if (note == NULL || strlen(note) > MAX_CHECKPOINT || (sep = strstr(note, "\n\n")) == NULL)
		return ns_fail(err, "checkpoint is not a signed note");
	bodylen = (size_t)(sep - note) + 1;
	for (line = sep + 2; *line != '\0'; line = nl + 1) {
		const char *name, *sp;
		unsigned char *sig;
		size_t siglen;

		if ((nl = strchr(line, '\n')) == NULL)
			return ns_fail(err, "checkpoint: signature line not newline-terminated");
		if (strncmp(line, "\xe2\x80\x94 ", 4) != 0)
			return ns_fail(err, "checkpoint: malformed signature line");
		name = line + 4;
		if ((sp = memchr(name, ' ', (size_t)(nl - name))) == NULL || sp == name)
			return ns_fail(err, "checkpoint: malformed signature line");
		if (ns_b64_decode(sp + 1, (size_t)(nl - sp - 1), &sig, &siglen) != 0 || siglen < 5) {
			free(sig);
			return ns_fail(err, "checkpoint: signature is not base64");
		}
		/* the log's key: 4-byte hint = logID prefix, name part of the log's URL */
		if (memcmp(sig, log->log_id, 4) == 0 && (size_t)(sp - name) < 200) {
			char nm[200];

			memcpy(nm, name, (size_t)(sp - name));
			nm[sp - name] = '\0';
			if (strstr(log->base_url, nm) != NULL &&
			    ns_sig_ok(log->key, (const unsigned char *)note, bodylen, sig + 4, siglen - 4))
				good++;
		}
		free(sig);
	}
	if (good == 0)
		return ns_fail(err, "checkpoint signature does not verify with the log's key");
	/* header: origin, tree size, root hash */
	if ((line = strchr(note, '\n')) == NULL || line == note)
		return ns_fail(err, "checkpoint: no origin line");
	snprintf(sizebuf, sizeof(sizebuf), "%llu\n", (unsigned long long)size);
	if (strncmp(line + 1, sizebuf, strlen(sizebuf)) != 0)
		return ns_fail(err, "checkpoint tree size differs from the proof's treeSize");
	line += 1 + strlen(sizebuf);
	if ((nl = strchr(line, '\n')) == NULL || nl >= sep + 1 ||
	    ns_b64_decode(line, (size_t)(nl - line), &r, &rlen) != 0)
		return ns_fail(err, "checkpoint: root hash line is not base64");
	if (rlen != 32 || memcmp(r, root, 32) != 0) {
		free(r);
		return ns_fail(err, "checkpoint root hash differs from the proof's rootHash");
	}
	free(r);
	return 0;
}

static int
verify_proof(const json_t *p, const struct ns_trust_log *log, const unsigned char *body,
             size_t bodylen, struct ns_err *err)
{
	const json_t *hashes = json_object_get(p, "hashes");
	unsigned char leaf[32], root[32], (*path)[32] = NULL, *b, *lb;
	uint64_t index, size;
	size_t i, n = json_array_size(hashes), bl;
	int r = -1;

	if (get_u64(json_object_get(p, "logIndex"), &index) != 0 ||
	    get_u64(json_object_get(p, "treeSize"), &size) != 0)
		return ns_fail(err, "inclusion proof: logIndex or treeSize is not an integer");
	if (b64_field(json_object_get(p, "rootHash"), &b, &bl) != 0 || bl != 32) {
		free(b);
		return ns_fail(err, "inclusion proof: rootHash is not 32 bytes of base64");
	}
	memcpy(root, b, 32);
	free(b);
	if (!json_is_array(hashes) || n > MAX_PROOF_HASHES ||
	    (path = calloc(n + 1, 32)) == NULL)
		return ns_fail(err, "inclusion proof: hashes is not a list of at most %d",
		               MAX_PROOF_HASHES);
	for (i = 0; i < n; i++) {
		if (b64_field(json_array_get(hashes, i), &b, &bl) != 0 || bl != 32) {
			free(b);
			ns_fail(err, "inclusion proof: hash %zu is not 32 bytes of base64", i);
			goto out;
		}
		memcpy(path[i], b, 32);
		free(b);
	}
	if ((lb = malloc(bodylen + 1)) == NULL)
		goto out;
	lb[0] = 0;                             /* RFC 6962 leaf prefix */
	memcpy(lb + 1, body, bodylen);
	if (EVP_Digest(lb, bodylen + 1, leaf, NULL, EVP_sha256(), NULL) != 1) {
		free(lb);
		goto out;
	}
	free(lb);
	if (!ns_merkle_inclusion_ok(index, size, leaf, (const unsigned char (*)[32])path, n, root)) {
		ns_fail(err, "inclusion proof does not lead from the entry to the root hash");
		goto out;
	}
	r = verify_checkpoint(json_string_value(json_object_get(
	    present(p, "checkpoint"), "envelope")), log, size, root, err);
out:
	free(path);
	return r;
}

/* One signature in the body: the raw signature after `depth` base64 decodings. */
static int
body_sig_is(const json_t *v, int depth, const struct ns_rekor_expect *ex)
{
	unsigned char *a, *b;
	size_t al, bl;
	int ok;

	if (b64_field(v, &a, &al) != 0)
		return 0;
	if (depth == 2) {
		ok = ns_b64_decode((char *)a, al, &b, &bl) == 0;
		free(a);
		if (!ok)
			return 0;
		a = b;
		al = bl;
	}
	ok = al == ex->siglen && memcmp(a, ex->sig, al) == 0;
	free(a);
	return ok;
}

static int
hash_is(const json_t *h, const unsigned char want[32])
{
	char hex[65];
	const char *alg = json_string_value(json_object_get(h, "algorithm"));
	const char *val = json_string_value(json_object_get(h, "value"));

	ns_hex(want, 32, hex);
	return alg != NULL && val != NULL && strcmp(alg, "sha256") == 0 && strcmp(val, hex) == 0;
}

static int
verify_body(const unsigned char *body, size_t len, const json_t *kv,
            const struct ns_rekor_expect *ex, struct ns_err *err)
{
	json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL);
	const char *kind = json_string_value(json_object_get(kv, "kind"));
	const char *ver = json_string_value(json_object_get(kv, "version"));
	const json_t *spec = json_object_get(j, "spec"), *sigs;
	int r = -1;

	if (j == NULL || kind == NULL || ver == NULL)
		ns_fail(err, "entry body or kindVersion unreadable");
	else if (!json_equal(json_object_get(j, "kind"), json_object_get(kv, "kind")) ||
	    !json_equal(json_object_get(j, "apiVersion"), json_object_get(kv, "version")))
		ns_fail(err, "entry body kind/apiVersion differ from kindVersion");
	else if (strcmp(kind, "intoto") == 0 && strcmp(ver, "0.0.2") == 0) {
		const json_t *c = json_object_get(spec, "content");

		sigs = json_object_get(json_object_get(c, "envelope"), "signatures");
		if (json_array_size(sigs) != 1 ||
		    !body_sig_is(json_object_get(json_array_get(sigs, 0), "sig"), 2, ex))
			ns_fail(err, "entry body (intoto) signature differs from the envelope's");
		else if (!hash_is(json_object_get(c, "payloadHash"), ex->payload_sha256))
			ns_fail(err, "entry body (intoto) payloadHash differs from the payload");
		else
			r = 0;
	} else if (strcmp(kind, "dsse") == 0 && strcmp(ver, "0.0.1") == 0) {
		sigs = json_object_get(spec, "signatures");
		if (json_array_size(sigs) != 1 ||
		    !body_sig_is(json_object_get(json_array_get(sigs, 0), "signature"), 1, ex))
			ns_fail(err, "entry body (dsse) signature differs from the envelope's");
		else if (!hash_is(json_object_get(spec, "payloadHash"), ex->payload_sha256))
			ns_fail(err, "entry body (dsse) payloadHash differs from the payload");
		else
			r = 0;
	} else
		ns_fail(err, "entry kind %.20s %.20s is not supported (intoto 0.0.2, dsse 0.0.1)",
		        kind, ver);
	json_decref(j);
	return r;
}

int
ns_rekor_verify_entry(const json_t *e, const struct ns_trust *t,
                      const struct ns_rekor_expect *ex, int need_promise, int need_proof,
                      int64_t *signed_time, struct ns_err *err)
{
	const char *body_b64 = json_string_value(json_object_get(e, "canonicalizedBody"));
	const json_t *promise = present(e, "inclusionPromise"), *proof = present(e, "inclusionProof");
	const struct ns_trust_log *log = NULL;
	unsigned char *id = NULL, *body = NULL;
	size_t idlen, bodylen, i;
	uint64_t itime, index;
	int r = -1;

	*signed_time = 0;
	if (b64_field(json_object_get(json_object_get(e, "logId"), "keyId"), &id, &idlen) != 0 ||
	    idlen != 32) {
		free(id);
		return ns_fail(err, "logId is not 32 bytes of base64");
	}
	for (i = 0; i < t->ntlogs; i++)
		if (memcmp(t->tlogs[i].log_id, id, 32) == 0)
			log = &t->tlogs[i];
	free(id);
	if (log == NULL)
		return ns_fail(err, "the entry's log is not in the trusted root");
	if (get_u64(json_object_get(e, "integratedTime"), &itime) != 0 ||
	    get_u64(json_object_get(e, "logIndex"), &index) != 0 || itime > INT64_MAX / 2)
		return ns_fail(err, "integratedTime or logIndex is not an integer");
	if ((int64_t)itime < log->start || (int64_t)itime > log->end)
		return ns_fail(err, "the log's key was not valid at the integratedTime");
	if (body_b64 == NULL || ns_b64_decode(body_b64, strlen(body_b64), &body, &bodylen) != 0)
		return ns_fail(err, "canonicalizedBody is missing or not base64");
	if (promise == NULL && proof == NULL)
		ns_fail(err, "neither an inclusion promise (SET) nor an inclusion proof");
	else if (need_promise && promise == NULL)
		ns_fail(err, "no inclusion promise (SET), required by bundle v0.1");
	else if (need_proof && (proof == NULL || present(proof, "checkpoint") == NULL))
		ns_fail(err, "no inclusion proof with checkpoint, required by bundle v0.2+");
	else if (promise != NULL && verify_set(e, log, body_b64, itime, index, err) != 0)
		;
	else if (proof != NULL && verify_proof(proof, log, body, bodylen, err) != 0)
		;
	else if (verify_body(body, bodylen, json_object_get(e, "kindVersion"), ex, err) != 0)
		;
	else {
		*signed_time = promise != NULL ? (int64_t)itime : 0;
		r = 0;
	}
	free(body);
	return r;
}
