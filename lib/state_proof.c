/* The proof of an approval: what the approver's hardware signed (for ssh-sk, the
 * SSHSIG armor over the statement), written by the module before it consumes the
 * approval and read by the helper into the ledger's approve entry, so that the
 * signature outlives the approval. One root-owned 0600 file per approval id under
 * proofs/. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secure_file.h"
#include "state_internal.h"

static int
proof_name_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < NS_ID_MAX && strspn(id, "0123456789abcdef-") == n;
}

int
ns_state_proof_write(struct ns_state *st, const char *approval_id, const char *text,
                     struct ns_err *err)
{
	char shown[4200];
	int dfd, rc;

	if (!proof_name_ok(approval_id))
		return ns_fail(err, "bad approval id for a proof");
	if (strlen(text) > NS_PROOF_MAX)
		return ns_fail(err, "proof of approval %s too long", approval_id);
	snprintf(shown, sizeof(shown), "%s", st->path);
	dfd = sf_mkdirat(st->dirfd, shown, "proofs", 0700, err);
	if (dfd < 0)
		return -1;
	snprintf(shown, sizeof(shown), "%s/proofs", st->path);
	rc = sf_write_atomic(dfd, shown, approval_id, text, strlen(text), 0600, err);
	close(dfd);
	return rc;
}

int
ns_state_proof_read(struct ns_state *st, const char *approval_id, char **text,
                    struct ns_err *err)
{
	char shown[4200];
	struct stat sb;
	size_t off = 0;
	ssize_t n;
	int dfd, fd;

	*text = NULL;
	if (!proof_name_ok(approval_id))
		return ns_fail(err, "bad approval id for a proof");
	dfd = openat(st->dirfd, "proofs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 1 : ns_fail(err, "%s/proofs: %s", st->path, strerror(errno));
	snprintf(shown, sizeof(shown), "%s/proofs", st->path);
	fd = sf_openat_file(dfd, shown, approval_id, 077, NS_PROOF_MAX, &sb, err);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if ((*text = calloc(1, (size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return ns_fail(err, "out of memory");
	}
	while (off < (size_t)sb.st_size && (n = read(fd, *text + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != (size_t)sb.st_size || memchr(*text, '\0', off) != NULL) {
		free(*text);
		*text = NULL;
		return ns_fail(err, "%s/%s: unreadable or contains NUL", shown, approval_id);
	}
	return 0;
}
