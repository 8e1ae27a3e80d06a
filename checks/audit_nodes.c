/* The audited nodes of a tree: their unique (name, version) pairs, what the
 * advisories are asked about; and sorted by name and version, so that the report
 * finds each finding's nodes by binary search (over the whole advisory database a
 * report has hundreds of findings in a tree of thousands of nodes). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit_int.h"
#include "lockfile.h"

static int
key_cmp(const char *name, const char *version, const struct ns_audit_node_ref *r)
{
	int c = strcmp(name, r->name);

	return c != 0 ? c : strcmp(version, r->version);
}

/* By name, version, then tree order: a finding lists its nodes' paths in tree order. */
static int
ref_cmp(const void *pa, const void *pb)
{
	const struct ns_audit_node_ref *a = pa, *b = pb;
	int c = key_cmp(a->name, a->version, b);

	return c != 0 ? c : a->i < b->i ? -1 : a->i > b->i;
}

int
ns_audit_nodes_index(const struct ns_lock *lock, unsigned omit, struct ns_audit_node_ref **refs,
                     size_t *n, struct ns_err *err)
{
	size_t i;

	*refs = NULL;
	*n = 0;
	if (lock->n == 0)
		return 0;
	if ((*refs = calloc(lock->n, sizeof(**refs))) == NULL)
		return ns_fail(err, "out of memory");
	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *node = &lock->nodes[i];

		if (!ns_lock_audited(node, omit))
			continue;
		(*refs)[*n].name = node->name;
		(*refs)[*n].version = node->version;
		(*refs)[(*n)++].i = i;
	}
	qsort(*refs, *n, sizeof(**refs), ref_cmp);
	return 0;
}

size_t
ns_audit_node_first(const struct ns_audit_node_ref *refs, size_t n, const char *name,
                    const char *version)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(name, version, &refs[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
ns_audit_node_is(const struct ns_audit_node_ref *r, const char *name, const char *version)
{
	return key_cmp(name, version, r) == 0;
}

/* Unique (name, version) pairs of auditable nodes: {name: [versions]}. */
json_t *
ns_audit_installed_versions(const struct ns_lock *lock, unsigned omit)
{
	json_t *m = json_object();
	size_t i, k;

	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *n = &lock->nodes[i];
		json_t *arr;
		int seen = 0;

		if (!ns_lock_audited(n, omit))
			continue;
		if ((arr = json_object_get(m, n->name)) == NULL) {
			arr = json_array();
			json_object_set_new(m, n->name, arr);
		}
		for (k = 0; k < json_array_size(arr); k++)
			seen |= strcmp(json_string_value(json_array_get(arr, k)), n->version) == 0;
		if (!seen)
			json_array_append_new(arr, json_string(n->version));
	}
	return m;
}
