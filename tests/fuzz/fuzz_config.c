/* Fuzz harness: npmstage.conf through ns_config_parse. Any input parses or
 * fails with a message; what parses holds the invariants the module relies on
 * (a state dir, bounded scopes, only fido2/totp, an rp id). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"
#include "nsconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_config *cfg;
	struct ns_err err;
	char *text;

	if (size > NS_CONFIG_MAX_SIZE || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&err, 0, sizeof(err));
	cfg = ns_config_parse(text, "fuzz.conf", &err);
	if (cfg == NULL) {
		if (err.msg[0] == '\0')
			abort(); /* a refusal must say why */
	} else {
		if (cfg->state_dir == NULL || cfg->state_dir[0] != '/' || cfg->fido2_rp_id == NULL ||
		    cfg->factors == 0 || (cfg->factors & ~(unsigned)NS_FACTOR_ALL) != 0 ||
		    cfg->n_scopes > NS_MAX_SCOPES || cfg->n_stagers > NS_MAX_NAMES)
			abort();
		for (size_t i = 0; i < cfg->n_scopes; i++) {
			const struct ns_scope *s = &cfg->scopes[i];
			if (s->pattern == NULL || s->n_approvers > NS_MAX_NAMES ||
			    (s->factors & ~(unsigned)NS_FACTOR_ALL) != 0)
				abort();
			/* lookups on what was parsed stay within the global factors */
			if ((ns_config_factors_for(cfg, s->pattern) & ~cfg->factors) != 0)
				abort();
		}
		ns_config_free(cfg);
	}
	free(text);
	return 0;
}
