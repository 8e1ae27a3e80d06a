/* npm-release log --verify --signatures (ledger_signatures.c). */
#ifndef NS_LEDGER_SIGNATURES_H
#define NS_LEDGER_SIGNATURES_H

#include "session.h"

/* Prints one line per approve entry by a factor that signs (ssh-sk, fido2) or that
 * keeps a proof; *checked of them were checked and *failed did not verify or had no
 * proof; *unproven were written before proofs were kept. -1 when the ledger cannot be
 * read. */
int ledger_verify_signatures(struct session *s, unsigned *checked, unsigned *failed,
                             unsigned *unproven, struct ns_err *err);

/* log --statement ID: the approval's statement, verbatim (the signed message);
 * log --proof ID: the SSHSIG armor the ledger keeps for it. */
int ledger_print_statement(struct session *s, const char *approval, struct ns_err *err);
int ledger_print_proof(struct session *s, const char *approval, struct ns_err *err);

#endif
