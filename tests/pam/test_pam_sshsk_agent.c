/* The ssh-sk factor when the agent fails or is not the approver's: a refusal, a
 * hang, garbage and oversized frames, a socket of another uid, no agent at all
 * (test_pam_sshsk.h). A failed ssh-sk factor never falls back to TOTP. */
#include "config.h"

#include <security/pam_appl.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"
#include "sshsk_cred.h"
#include "test_pam_sshsk.h"

/* A refusal is a denial, not a way to TOTP, even with TOTP allowed and enrolled. */
void
test_agent_refuses(void **state)
{
	struct soft_agent a = agent(&ed, UP, 1);

	(void)state;
	write_config("ssh-sk totp", "no");
	enrol(&ed, 0, 1);
	a.mode = SOFT_REFUSE;
	denied(&a, "refused to sign");
	assert_int_equal(a.signs, 1);
	assert_int_equal(pamfix_totp_reset(&fx, approver), 0);
}

void
test_agent_hangs(void **state)
{
	struct soft_agent a = agent(&ed, UP, 1);
	struct timespec t0, t1;
	double s;

	(void)state;
	enrol(&ed, 0, 0);
	/* at the touch: [ssh-sk] touch_timeout = 5; at the listing: 5 s (NS_AGENT_LIST_MS) */
	for (int at = 0; at < 2; at++) {
		if (at == 0) {
			a.mode = SOFT_HANG;
		} else {
			a.mode = SOFT_RAW; /* nothing at all */
			a.raw_len = 0;
			a.raw_to = 11;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		denied(&a, "no answer in time");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(a.signs, at == 0 ? 1 : 0);
		s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (s < 4.5 || s > 10)
			fail_msg("an agent hanging at the %s took %.1f s (5 s allowed)",
			         at == 0 ? "touch" : "listing", s);
	}
}

void
test_agent_garbage(void **state)
{
	/* frames: length, then body */
	static const unsigned char not_sig[] = { 0, 0, 0, 5, 12, 0, 0, 0, 0 };
	static const unsigned char short_str[] = { 0, 0, 0, 9, 14, 0, 0, 0, 200, 's', 'k', 0, 1 };
	static const unsigned char junk_sig[] = { 0, 0, 0, 13, 14, 0, 0, 0, 8, 'g', 'a', 'r', 'b',
		                                  'a', 'g', 'e', '!' };
	static const unsigned char trailing[] = { 0, 0, 0, 10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char huge_count[] = { 0, 0, 0, 5, 12, 0xff, 0xff, 0xff, 0xff };
	static const unsigned char big[] = { 0, 4, 0, 1, 14, 0, 0 }; /* 256 KiB + 1 */
	static const unsigned char empty[] = { 0, 0, 0, 0 };
	static const struct {
		const unsigned char *raw;
		size_t len;
		int to;
		const char *why;
	} cases[] = {
		{ not_sig, sizeof(not_sig), 13, "not a signature" },
		{ short_str, sizeof(short_str), 13, "ssh-agent signature" },
		{ junk_sig, sizeof(junk_sig), 13, "verification failed" },
		{ trailing, sizeof(trailing), 13, "not a signature (message 5)" },
		{ huge_count, sizeof(huge_count), 11, "bad count" },
		{ empty, sizeof(empty), 11, "a reply of 0 bytes refused" },
		{ big, sizeof(big), 13, "refused (at most 262144)" },
		{ big, sizeof(big), 11, "refused (at most 262144)" },
	};
	struct soft_agent a = agent(&ed, UP, 1);
	struct timespec t0, t1;

	(void)state;
	enrol(&ed, 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a.mode = SOFT_RAW;
		a.raw = cases[i].raw;
		a.raw_len = cases[i].len;
		a.raw_to = cases[i].to;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		denied(&a, cases[i].why);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* refused on sight, not after waiting for the announced bytes */
		if (t1.tv_sec - t0.tv_sec > 3)
			fail_msg("garbage case %zu took %lld s", i, (long long)(t1.tv_sec - t0.tv_sec));
	}
}

/* Stack the module will use next holds printable junk, not zeros: a message
 * read before it was written shows (valgrind sees it too). */
static void __attribute__((noinline))
poison_stack(void)
{
	volatile char junk[256 * 1024];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 'J';
}

/* pamfix_authenticate(SVC, user, cs) with the module's syslog lines (pam_wrapper
 * writes them to stderr) in log. */
static int
authenticate_logged(const char *user, struct pamfix_conv *cs, char *log, size_t cap)
{
	char path[700];
	int fd, saved, rc;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr.log", fx.work);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	poison_stack();
	rc = pamfix_authenticate(SVC, user, cs);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, log, cap - 1, 0);
	close(fd);
	assert_true(n >= 0);
	log[n] = '\0';
	return rc;
}

/* A socket whose peer is another uid (nobody): refused before anything is asked. */
void
test_other_uid(void **state)
{
	struct soft_agent a = agent(&ed, UP | UV, 1);
	struct sockaddr_un sa;
	struct pamfix_conv cs;
	char id[65], seen[2] = { 9, 9 };
	int p[2], fd, status;
	pid_t pid;

	(void)state;
	if (getuid() != 0)
		skip();
	enrol(&ed, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	/* abstract: nobody needs no writable folder */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "npmstage-test-agent-%ld",
	         (long)getpid());
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s, c;
		char ok = 1;

		close(p[0]);
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0 ||
		    (s = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 1) != 0 ||
		    write(p[1], &ok, 1) != 1 || (c = accept(s, NULL, NULL)) < 0)
			_exit(2);
		soft_agent_serve(&a, c); /* a good agent, only not the approver's */
		seen[0] = (char)a.lists;
		seen[1] = (char)a.signs;
		_exit(write(p[1], seen, 2) == 2 ? 0 : 3);
	}
	close(p[1]);
	assert_int_equal(read(p[0], seen, 1), 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 3);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(pamfix_approval(&fx, approver, "demo-pkg", id), 0);
	cs.approval_id = id;
	cs.agent_fd = fd;
	assert_int_equal(pamfix_service(&fx, SVC), 0);
	assert_int_equal(pamfix_authenticate(SVC, approver, &cs), PAM_AUTH_ERR);
	close(fd);
	assert_int_equal(read(p[0], seen, 2), 2);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(cs.text, "the ssh-agent is not"));
	assert_null(strstr(cs.text, "Touch"));
	assert_int_equal(seen[0], 0); /* not even listed */
	assert_int_equal(seen[1], 0);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	assert_false(have_proof(id));
	/* an approver the system does not know owns no socket at all */
	{
		char ghost_line[NS_SSHSK_LINE_MAX + 8], log[8192];
		struct ns_err err;
		int client;

		assert_int_equal(ns_sshsk_cred_format(&ed.key, 0, ghost_line, sizeof(ghost_line),
		                                      &err), 0);
		strcat(ghost_line, "\n");
		assert_int_equal(pamfix_enrol(&fx, GHOST, ghost_line), 0);
		memset(&cs, 0, sizeof(cs));
		assert_int_equal(pamfix_approval(&fx, GHOST, "demo-pkg", id), 0);
		cs.approval_id = id;
		assert_int_equal(soft_agent_start(&a, &client), 0);
		cs.agent_fd = client;
		assert_int_equal(authenticate_logged(GHOST, &cs, log, sizeof(log)), PAM_AUTH_ERR);
		soft_agent_stop(&a, client);
		assert_non_null(strstr(cs.text, "the ssh-agent is not " GHOST "'s: refused"));
		/* the log names the reason (it once printed an unset error message) */
		if (strstr(log, "user " GHOST ": ssh-agent refused: no such user\n") == NULL)
			fail_msg("log: %s", log);
		assert_int_equal(a.lists, 0);
		assert_int_equal(cs.tokens, 0);
		assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	}
	/* control: the same agent on a socket of the approver's passes */
	approved(&a, id);
}

/* A descriptor that is no unix stream socket: refused, whoever holds it. */
void
test_not_a_stream_socket(void **state)
{
	struct pamfix_conv cs;
	char id[65], log[8192];
	int sv[2], null;

	(void)state;
	enrol(&ed, 0, 0);
	for (int i = 0; i < 2; i++) {
		memset(&cs, 0, sizeof(cs));
		assert_int_equal(pamfix_approval(&fx, approver, "demo-pkg", id), 0);
		cs.approval_id = id;
		if (i == 0) {
			null = open("/dev/null", O_RDWR | O_CLOEXEC);
			assert_true(null >= 3);
			cs.agent_fd = null;
		} else {
			assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
			cs.agent_fd = sv[1];
		}
		assert_int_equal(authenticate_logged(approver, &cs, log, sizeof(log)), PAM_AUTH_ERR);
		close(cs.agent_fd);
		if (i == 1)
			close(sv[0]);
		if (strstr(log, i == 0 ? "the ssh-agent descriptor is not a socket" :
		                         "the ssh-agent descriptor is not a unix stream socket") == NULL)
			fail_msg("log: %s", log);
		assert_non_null(strstr(cs.text, "the ssh-agent is not"));
		assert_int_equal(cs.tokens, 0);
		assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
		assert_false(have_proof(id));
	}
}

/* No agent handed over ("none"): ssh-sk alone denies and says why; with TOTP
 * allowed and enrolled, TOTP is the factor chosen. */
void
test_no_agent(void **state)
{
	struct pamfix_conv cs;
	char id[65], code[16], factor[16];

	(void)state;
	write_config("ssh-sk", "no");
	enrol(&ed, 0, 1);
	denied(NULL, "needs your security key through your ssh-agent, and none was found: "
	             "connect with ssh -A");
	/* only ssh-sk enrolled, TOTP allowed: no TOTP prompt that could never pass,
	 * the same "connect with ssh -A" denial (the approver is enrolled: nothing to
	 * hide from them) */
	write_config("ssh-sk totp", "no");
	enrol(&ed, 0, 0);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(pamfix_approval(&fx, approver, "demo-pkg", id), 0);
	cs.approval_id = id;
	cs.code = "000000";
	assert_int_equal(pamfix_service(&fx, SVC), 0);
	assert_int_equal(pamfix_authenticate(SVC, approver, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.prompts, 0);
	assert_non_null(strstr(cs.text, "connect with ssh -A"));
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	/* ssh-sk and TOTP enrolled and allowed: the code prompt */
	enrol(&ed, 0, 1);
	assert_int_equal(pamfix_totp_reset(&fx, approver), 0);
	assert_int_equal(nstest_oathtool(TOTP_HEX, 6, "sha1", time(NULL), code, sizeof(code)), 0);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(pamfix_approval(&fx, approver, "demo-pkg", id), 0);
	cs.approval_id = id;
	cs.code = code;
	assert_int_equal(pamfix_service(&fx, SVC), 0);
	assert_int_equal(pamfix_authenticate(SVC, approver, &cs), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 1);
	assert_null(strstr(cs.text, "Touch"));
	assert_int_equal(cs.tokens, 1);
	assert_int_equal(pamfix_consumed(&fx, id, factor), 1);
	assert_string_equal(factor, "totp");
	assert_int_equal(pamfix_totp_reset(&fx, approver), 0);
}
