#include "config.h"

#include <security/pam_ext.h>
#include <string.h>
#include <syslog.h>

#include "factor.h"
#include "module.h"

int
module_args_parse(pam_handle_t *pamh, int argc, const char **argv, struct module_args *a)
{
	struct ns_err err;
	int i;

	memset(a, 0, sizeof(*a));
	a->config = NS_DEFAULT_CONFIG;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/') {
			a->config = argv[i] + 7;
		} else if (strncmp(argv[i], "factors=", 8) == 0) {
			a->factors = ns_factor_parse_list(argv[i] + 8, &err);
			if (a->factors == 0) {
				mod_log(pamh, LOG_ERR, "module argument %s: %s", argv[i], err.msg);
				conv_error(pamh, "npm-release: %s", err.msg);
				return -1;
			}
		} else if (strcmp(argv[i], "debug") == 0) {
			a->debug = 1;
		} else if (strcmp(argv[i], "cue") == 0) {
			a->cue = 1;
		} else if (strcmp(argv[i], "ignore_outside_helper") == 0) {
			a->ignore_other_services = 1;
		} else {
			mod_log(pamh, LOG_ERR, "unknown module argument '%s'", argv[i]);
			return -1;
		}
	}
	return 0;
}
