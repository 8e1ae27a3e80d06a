/* bench/pam driver: times pam_start + pam_authenticate + pam_end, one approval
 * per iteration, for pam_npmstage (TOTP, FIDO2 and ssh-sk) and for pam_oath and
 * pam_u2f in the same process and harness (pam_wrapper, softfido2 via the preload
 * shim; for ssh-sk, a real ssh-agent with sk-soft that bench/pam.sh started).
 * Fixtures are made outside the timed region (the approvals before each series,
 * a reset replay store or usersfile before each run); each module's own
 * replay-store write is inside.
 * Run by bench/pam.sh, which writes the service files. Not a test. */
#include "config.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nsfido2.h"
#include "nstest.h"
#include "pamfix.h"
#include "sshagent.h"
#include "totp.h"

#define TOTP_LINE "totp sha1 6 30 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define OATH_HEX "3132333435363738393031323334353637383930"

static struct pamfix fx;
static char oath_file[700];
static int agent_fd = -1; /* handed to the module as npm-release would (ssh-sk) */

struct series {
	const char *name;
	double *us;
	int n;
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(struct series *s)
{
	qsort(s->us, (size_t)s->n, sizeof(double), cmp_double);
	return s->n % 2 ? s->us[s->n / 2] : (s->us[s->n / 2 - 1] + s->us[s->n / 2]) / 2;
}

static void
report(struct series *s)
{
	double sum = 0, med = median(s); /* sorts */

	for (int i = 0; i < s->n; i++)
		sum += s->us[i];
	printf("  %-22s n=%-4d median %8.0f us  mean %8.0f us  min %8.0f us\n", s->name, s->n,
	       med, sum / s->n, s->us[0]);
}

static int
totp_now(char *code)
{
	struct ns_totp_key k;
	struct ns_err err;
	int r = ns_totp_key_parse(TOTP_LINE, &k, &err);

	if (r == 0)
		r = ns_totp_generate(&k, time(NULL), code, 16, &err);
	ns_totp_key_wipe(&k);
	return r;
}

/* Approvals for one series, made before its timed loop: making one (SQLite
 * transactions, fsync'd ticket) between timed runs would evict the caches before
 * every pam_npmstage run while pam_oath's fixture is one small write. */
struct approvals {
	char (*id)[65];
	int n;
};

static int
make_approvals(struct approvals *ap, int n, const char *user)
{
	ap->n = n;
	if ((ap->id = calloc((size_t)n, sizeof(*ap->id))) == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (pamfix_approval(&fx, user, "bench-pkg", ap->id[i]) != 0)
			return -1;
	return 0;
}

/* One timed authentication. Untimed before it: the replay store is reset (the
 * same code is used again within its step), for pam_npmstage by rewriting the
 * approver's TOTP record, for pam_oath by rewriting its usersfile. */
static int
timed(struct series *s, int i, const char *service, const char *user, const char *approval_id,
      int totp)
{
	struct pamfix_conv cs;
	char code[16] = "";
	double t0;
	int rc;

	memset(&cs, 0, sizeof(cs));
	cs.agent_fd = agent_fd;
	if (approval_id != NULL) {
		if (totp && pamfix_totp_reset(&fx, user) != 0)
			return -1;
		cs.approval_id = approval_id;
	} else if (totp) {
		char line[200];
		snprintf(line, sizeof(line), "HOTP/T30 %s - %s\n", user, OATH_HEX);
		if (nstest_write(oath_file, line, 0600) != 0)
			return -1;
	}
	if (totp) {
		if (totp_now(code) != 0)
			return -1;
		cs.code = code;
	}
	t0 = now_us();
	rc = pamfix_authenticate(service, user, &cs);
	s->us[i] = now_us() - t0;
	if (rc != PAM_SUCCESS || (approval_id != NULL && cs.tokens != 1)) {
		fprintf(stderr, "%s: iteration %d: rc %d (%s)\n%s", s->name, i, rc,
		        rc >= 0 ? pam_strerror(NULL, rc) : "pam_start", cs.text);
		return -1;
	}
	return 0;
}

static int
run(struct series *s, int n, const char *service, const char *user, int npmstage, int totp)
{
	struct approvals ap = { NULL, 0 };
	int rc = -1;

	s->n = n;
	if ((s->us = calloc((size_t)n, sizeof(double))) == NULL ||
	    (npmstage && make_approvals(&ap, n + 1, user) != 0))
		goto out;
	/* one untimed warm-up: library loading and page cache */
	if (timed(s, 0, service, user, npmstage ? ap.id[n] : NULL, totp) != 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (timed(s, i, service, user, npmstage ? ap.id[i] : NULL, totp) != 0)
			goto out;
	report(s);
	rc = 0;
out:
	free(ap.id);
	return rc;
}

/* The ssh-agent at SSH_AUTH_SOCK, connected once as npm-release does before PAM. */
static int
agent_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("SSH_AUTH_SOCK");
	int fd;

	if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The floor under the ssh-sk row: the agent's signature alone (ssh-agent runs
 * ssh-sk-helper, which loads sk-soft), over a statement-sized message. */
static int
agent_sign_series(struct series *s, int n)
{
	struct ns_agent_keys keys;
	struct ns_err err;
	unsigned char data[300], *sig;
	size_t sig_len;
	int rc = -1;

	memset(data, 'a', sizeof(data));
	if (ns_agent_list(agent_fd, &keys, &err) != 0)
		return -1;
	s->n = n;
	if (keys.n != 1 || (s->us = calloc((size_t)n, sizeof(double))) == NULL)
		goto out;
	for (int i = -1; i < n; i++) { /* -1: the untimed warm-up */
		double t0 = now_us();
		if (ns_agent_sign(agent_fd, keys.key[0].blob, keys.key[0].blob_len, data,
		                  sizeof(data), NS_AGENT_SIGN_MS, &sig, &sig_len, &err) != 0) {
			fprintf(stderr, "%s: %s\n", s->name, err.msg);
			goto out;
		}
		if (i >= 0)
			s->us[i] = now_us() - t0;
		free(sig);
	}
	report(s);
	rc = 0;
out:
	ns_agent_keys_free(&keys);
	return rc;
}

int
main(int argc, char **argv)
{
	struct series st = { "pam_npmstage totp", NULL, 0 }, so = { "pam_oath", NULL, 0 },
		      sf = { "pam_npmstage fido2", NULL, 0 }, su = { "pam_u2f", NULL, 0 },
		      ss = { "pam_npmstage ssh-sk", NULL, 0 },
		      sa = { "ssh-agent sign alone", NULL, 0 };
	/* ssh-sk: the key's enrolment line ("ssh-sk TYPE BLOB uv=0") for root, the
	 * agent's owner (the module accepts only an agent served by the approver;
	 * hence root_may_approve below) */
	const char *sshsk_line = getenv("NPMSTAGE_BENCH_SSHSK");
	char body[512], line[700];
	int n_totp, n_fido2, n_sshsk;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: pam_bench WORK N_TOTP N_FIDO2 [N_SSHSK] (run by bench/pam.sh)\n");
		return 2;
	}
	n_totp = atoi(argv[2]);
	n_fido2 = atoi(argv[3]);
	n_sshsk = argc == 5 ? atoi(argv[4]) : 0;
	snprintf(line, sizeof(line), "%s/fix", argv[1]);
	snprintf(oath_file, sizeof(oath_file), "%s/oath/users.oath", argv[1]);
	snprintf(body, sizeof(body), "factors = totp fido2 ssh-sk\napproval_ttl = 600\n"
	         "root_may_approve = yes\n"
	         "[totp]\nwindow = 1\n[fido2]\nrp_id = npmstage.bench\n"
	         "[scope *]\napprovers = b1 k1 root");
	if (pamfix_init(&fx, line) != 0 || pamfix_config(&fx, body) != 0 ||
	    pamfix_service(&fx, "bench-npmstage") != 0 ||
	    pamfix_enrol(&fx, "b1", TOTP_LINE "\n") != 0) {
		fprintf(stderr, "pam_bench: fixture setup failed\n");
		return 1;
	}
	if (pamfix_enrol_fido2(&fx, "npmstage.bench", "k1", NS_FIDO2_ES256, NULL) != 0)
		return 1;
	if (n_sshsk > 0) {
		char enrol[1024];
		if (sshsk_line == NULL ||
		    snprintf(enrol, sizeof(enrol), "%s\n", sshsk_line) >= (int)sizeof(enrol) ||
		    pamfix_enrol(&fx, "root", enrol) != 0 || (agent_fd = agent_connect()) < 3) {
			fprintf(stderr, "pam_bench: ssh-sk needs NPMSTAGE_BENCH_SSHSK and SSH_AUTH_SOCK\n");
			return 1;
		}
	}

	printf("one pam_start + pam_authenticate + pam_end (pam_wrapper, this machine):\n");
	if (run(&st, n_totp, "bench-npmstage", "b1", 1, 1) != 0 ||
	    run(&so, n_totp, "bench-oath", "o1", 0, 1) != 0)
		return 1;
	printf("  TOTP ratio pam_npmstage / pam_oath (median): %.2f  (goal <= 0.50: %s)\n",
	       median(&st) / median(&so), median(&st) / median(&so) <= 0.5 ? "met" : "NOT met");
	if (n_fido2 > 0) {
		if (run(&sf, n_fido2, "bench-npmstage", "k1", 1, 0) != 0 ||
		    run(&su, n_fido2, "bench-u2f", "root", 0, 0) != 0)
			return 1;
		printf("  FIDO2 ratio pam_npmstage / pam_u2f (median, reference): %.2f\n",
		       median(&sf) / median(&su));
	}
	if (n_sshsk > 0) {
		/* each signature: the agent runs ssh-sk-helper, which loads the provider */
		if (run(&ss, n_sshsk, "bench-npmstage", "root", 1, 0) != 0 ||
		    agent_sign_series(&sa, n_sshsk) != 0)
			return 1;
		printf("  ssh-sk: pam_npmstage above the agent's signature alone (median): %.0f us\n",
		       median(&ss) - median(&sa));
		if (n_fido2 > 0)
			printf("  ssh-sk ratio pam_npmstage ssh-sk / pam_u2f (median, reference): %.2f\n",
			       median(&ss) / median(&su));
	}
	return 0;
}
