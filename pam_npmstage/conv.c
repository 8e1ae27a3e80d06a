#include "config.h"

#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "handoff.h"
#include "module.h"
#include "nslog.h"
#include "secure_file.h"

void
mod_log(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	char clean[1024];
	va_list ap;

	va_start(ap, fmt);
	ns_vformat_clean(clean, sizeof(clean), fmt, ap);
	va_end(ap);
	pam_syslog(pamh, prio, "%s", clean);
}

static int
converse(pam_handle_t *pamh, int style, const char *text, char **out)
{
	const struct pam_conv *conv = NULL;
	const struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	rc = conv->conv(1, &msgp, &resp, conv->appdata_ptr);
	if (rc != PAM_SUCCESS) {
		if (resp != NULL) {
			if (resp->resp != NULL)
				ns_free_secret(resp->resp, strlen(resp->resp));
			free(resp);
		}
		return PAM_CONV_ERR;
	}
	if (resp != NULL) {
		if (out != NULL)
			*out = resp->resp;
		else if (resp->resp != NULL)
			ns_free_secret(resp->resp, strlen(resp->resp));
		free(resp);
	}
	return PAM_SUCCESS;
}

static int
vmessage(pam_handle_t *pamh, int style, const char *fmt, va_list ap)
{
	char raw[4096], clean[4096];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Package names and paths come from the artifact: no control characters reach
	 * the approver's terminal. Newlines are ours and kept. */
	{
		char *line = raw, *nl;
		size_t off = 0;
		for (;;) {
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			ns_sanitize(clean + off, sizeof(clean) - off, line);
			off += strlen(clean + off);
			if (nl == NULL || off + 2 >= sizeof(clean))
				break;
			clean[off++] = '\n';
			clean[off] = '\0';
			line = nl + 1;
		}
	}
	return converse(pamh, style, clean, NULL);
}

int
conv_info(pam_handle_t *pamh, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vmessage(pamh, PAM_TEXT_INFO, fmt, ap);
	va_end(ap);
	return rc;
}

int
conv_error(pam_handle_t *pamh, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vmessage(pamh, PAM_ERROR_MSG, fmt, ap);
	va_end(ap);
	return rc;
}

int
conv_secret(pam_handle_t *pamh, const char *prompt, size_t max, char **out)
{
	char *answer = NULL;
	size_t n;
	int rc;

	*out = NULL;
	rc = converse(pamh, PAM_PROMPT_ECHO_OFF, prompt, &answer);
	if (rc != PAM_SUCCESS)
		return rc;
	if (answer == NULL)
		return PAM_CONV_ERR;
	n = strnlen(answer, max + 1);
	if (n == 0 || n > max) {
		ns_free_secret(answer, n);
		return PAM_AUTH_ERR;
	}
	*out = answer;
	return PAM_SUCCESS;
}

int
conv_binary(pam_handle_t *pamh, const unsigned char *msg, char **reply)
{
	return converse(pamh, PAM_BINARY_PROMPT, (const char *)msg, reply);
}

int
conv_ask(pam_handle_t *pamh, int type, const char *question, char **reply)
{
	unsigned char *msg;
	size_t len;
	int rc;

	*reply = NULL;
	msg = ns_bp_encode(type, question, strlen(question), &len);
	if (msg == NULL)
		return PAM_BUF_ERR;
	rc = conv_binary(pamh, msg, reply);
	ns_free_secret(msg, len);
	if (rc != PAM_SUCCESS || *reply == NULL) {
		free(*reply);
		*reply = NULL;
		return PAM_CONV_ERR;
	}
	return PAM_SUCCESS;
}
