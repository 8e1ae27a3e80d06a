/* Fuzz harness: the ssh-agent reply parsers (an identities answer, a signature
 * response). The agent is the caller's and may answer anything: every input must
 * parse or fail cleanly with a reason, and what parses must hold only bounded
 * blobs that lie inside the input. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshagent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_agent_keys keys;
	struct ns_err err;
	unsigned char *sig;
	size_t sig_len, total = 0;

	if (size > NS_AGENT_FRAME_MAX)
		return 0;
	err.msg[0] = '\0';
	if (ns_agent_parse_identities(data, size, &keys, &err) == 0) {
		if (keys.n > NS_AGENT_MAX_KEYS)
			abort();
		for (size_t i = 0; i < keys.n; i++) {
			if (keys.key[i].blob == NULL || keys.key[i].blob_len == 0 ||
			    keys.key[i].blob_len > NS_AGENT_BLOB_MAX ||
			    strlen(keys.key[i].comment) >= sizeof(keys.key[i].comment))
				abort();
			total += keys.key[i].blob_len;
		}
		if (total > size)
			abort();
		ns_agent_keys_free(&keys);
	} else if (err.msg[0] == '\0' || keys.n != 0) {
		abort(); /* a failure says why and keeps nothing */
	}
	err.msg[0] = '\0';
	if (ns_agent_parse_sign_response(data, size, &sig, &sig_len, &err) == 0) {
		if (sig == NULL || sig_len == 0 || sig_len > NS_AGENT_BLOB_MAX || sig_len + 5 != size)
			abort();
		free(sig);
	} else if (err.msg[0] == '\0' || sig != NULL) {
		abort();
	}
	return 0;
}
