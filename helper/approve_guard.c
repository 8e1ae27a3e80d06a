/* What refuses an approve of one release before it is locked or checked,
 * because of another approval in flight (approve_member.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "approve_member.h"
#include "session.h"
#include "state.h"
#include "train.h"
#include "train_resume.h"

/* A single approve of a member of an interrupted train that its approver can
 * still resume: refused before any lock or request (it would reconcile the
 * member back to "checked" and break the resumption). 0, or -1 (printed). */
int
approve_guard_train(struct session *s, struct approve_member *m)
{
	struct ns_release r;
	struct ns_train t;
	struct ns_err err;
	int k;

	if (m->in_train || ns_release_get(s->st, m->id, &r, &err) != 0)
		return 0;
	k = strcmp(r.status, "publishing") == 0 ? train_resumable_of(s, m->id, &t) : 0;
	ns_release_clear(&r);
	if (k < 0)
		return approve_member_refuse(m, "%s: cannot tell whether an interrupted train "
		                             "holds it; nothing done", m->id);
	if (k == 1) {
		approve_member_refuse(m, "%s is a member of train %s, interrupted while it "
		                      "published; %s resumes it with approve and every member's "
		                      "id until its approval expires; nothing done", m->id, t.id,
		                      t.approver);
		ns_train_clear(&t);
		return -1;
	}
	return 0;
}

struct version_elsewhere {
	const struct ns_release *r;
	char other[NS_ID_MAX];
};

static int
publishing_same_version(const struct ns_release *o, void *p)
{
	struct version_elsewhere *v = p;

	if (strcmp(o->id, v->r->id) != 0 && strcmp(o->name, v->r->name) == 0 &&
	    strcmp(o->version, v->r->version) == 0 && strcmp(o->status, "publishing") == 0)
		snprintf(v->other, sizeof(v->other), "%s", o->id);
	return 0;
}

/* Another release of the same name@version was approved and its publish was
 * interrupted: its approve (or train) rerun decides it; approving other bytes for
 * that version meanwhile would only make the rerun find them live (an incident). */
int
approve_guard_version(struct session *s, struct approve_member *m)
{
	struct version_elsewhere v = { &m->r, "" };
	struct ns_err err;

	if (ns_release_each(s->st, publishing_same_version, &v, &err) != 0)
		return approve_member_refuse(m, "%s", err.msg);
	if (v.other[0] != '\0')
		return approve_member_refuse(m, "another release of %s@%s (%s) was approved and "
		                             "its publish was interrupted: rerun its approve "
		                             "first; nothing done", m->r.name, m->r.version,
		                             v.other);
	return 0;
}

