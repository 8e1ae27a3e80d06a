/* npm-release approve <id>: fetch (or take from the spool) the exact bytes, check
 * them, bind an approval statement to them, pass the PAM gate, publish those
 * bytes with the token the gate released, confirm they are live, record it.
 * Several ids or a selector make a release train (approve_train.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approve_member.h"
#include "commands.h"
#include "pam_gate.h"
#include "session.h"
#include "stage_record.h"
#include "state.h"
#include "timings.h"

/* Reads the gate's outcome: the factor the module recorded and the proof it kept. */
static void
gate_outcome(struct session *s, const char *approval, char factor[16], char **proof)
{
	struct ns_approval used;
	struct ns_err err;

	factor[0] = '\0';
	if (ns_approval_get(s->st, approval, &used, &err) == 0) {
		snprintf(factor, 16, "%s", used.factor);
		ns_approval_clear(&used);
	}
	/* what the approver's hardware signed (ssh-sk: SSHSIG), kept in the ledger */
	if (ns_state_proof_read(s->st, approval, proof, &err) < 0)
		fprintf(stderr, "npm-release: warning: %s\n", err.msg);
}

int
cmd_approve(int argc, char **argv)
{
	struct session s;
	struct approve_member m;
	struct gate_token *tok = NULL;
	struct ns_err err;
	char *proof = NULL, id[NS_ID_MAX], factor[16];
	int rc = NS_EXIT_FAIL, k, timed = 0;

	if (argc >= 2 && strcmp(argv[1], "--timings") == 0) {
		timed = 1;
		argc--, argv++;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		if (timed) {
			/* its steps are per release; a train is timed from outside (bench/approve) */
			fprintf(stderr, "npm-release: --timings is for one release's approve, not a "
			                "train\n");
			return NS_EXIT_USAGE;
		}
		return cmd_approve_train(argc, argv);
	}
	if (timed)
		timings_start();
	if (argc != 2 || stage_id_normalize(argv[1], id) != 0) {
		fprintf(stderr, argc == 2 ? "npm-release: stage-id must be a valid UUID\n" :
		                            "usage: npm-release approve [--timings] STAGE-ID...\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE) != 0)
		return NS_EXIT_USAGE;
	approve_member_init(&m, id);
	tok = gate_token_new();
	if (tok == NULL) {
		fprintf(stderr, "npm-release: cannot allocate locked memory\n");
		goto out;
	}
	tok->answer_timeout = GATE_ANSWER_TIMEOUT(s.cfg->approval_ttl);
	k = approve_member_check(&s, &m);
	if (k != 0) {
		rc = k == 1 ? NS_EXIT_OK : NS_EXIT_FAIL;
		goto out;
	}
	if (approve_member_approval(&s, &m) != 0)
		goto out;
	if (gate_run(s.cfg->service, s.caller, m.a.id, tok, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		session_ledger(&s, "deny", "{\"id\":\"%s\",\"approval\":\"%s\",\"approver\":\"%s\"}",
		               id, m.a.id, s.caller);
		goto out;
	}
	session_step(&s, id, "consumed");
	gate_outcome(&s, m.a.id, factor, &proof);
	if (approve_member_record(&s, &m, factor, proof ? proof : "", tok) != 0)
		goto out;
	if (tok->recorded) {
		printf("= %s@%s (%s): approval %u of %u recorded; a different approver must approve "
		       "it before it is published\n", m.r.name, m.r.version, id, tok->approvers,
		       tok->needed);
		rc = NS_EXIT_OK;
		goto out;
	}
	if (approve_member_publish(&s, &m, tok) != 0)
		goto out;
	rc = NS_EXIT_OK;
out:
	gate_token_free(tok);
	free(proof);
	approve_member_free(&m);
	session_close(&s);
	timings_report();
	return rc;
}
