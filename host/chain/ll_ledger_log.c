/* The ledger-wide log over stored perfect subtrees: appends fold each new leaf into
 * the frontier (the perfect subtrees that make up the current size), and proofs
 * follow RFC 9162's recursion, reading each subtree hash instead of rebuilding it. */
#include "ll_ledger_log.h"

#include <errno.h>
#include <string.h>

#include "ll_hash.h"

#define D 32

static int alg_ok(uint8_t alg)
{
	return alg == LL_HASH_SHA256 || alg == LL_HASH_SM3;
}

static uint64_t largest_pow2_below(uint64_t n)	/* n >= 2 */
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* The perfect subtrees of a tree of `size` leaves, largest (leftmost) first. */
int ll_ledger_log_frontier_load(const struct ll_ledger_log_source *src, uint64_t size,
				struct ll_ledger_log_frontier *f)
{
	uint64_t start = 0;
	f->size = size;
	f->count = 0;
	for (int level = 63; level >= 0; level--) {
		if (!(size >> level & 1))
			continue;
		struct ll_ledger_log_node *n = &f->node[f->count++];
		n->level = (uint8_t)level;
		n->index = start >> level;
		int rc = src->read_node(src->ctx, (unsigned)level, n->index, n->hash);
		if (rc < 0)
			return rc;
		start += UINT64_C(1) << level;
	}
	return 0;
}

/* Folds the frontier right to left: RFC 9162's head of the whole tree. */
static int frontier_root(uint8_t alg, const struct ll_ledger_log_frontier *f, uint8_t root[D])
{
	if (f->count == 0)
		return ll_hash((enum ll_hash_alg)alg, "", 0, root);
	memcpy(root, f->node[f->count - 1].hash, D);
	for (unsigned i = f->count - 1; i > 0; i--) {
		int rc = ll_hash_node((enum ll_hash_alg)alg, f->node[i - 1].hash, root, root);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Nodes one append creates at `level`: indices [old_size >> level, new_size >> level). */
static uint64_t made_at(uint64_t old_size, uint64_t new_size, unsigned level)
{
	return (new_size >> level) - (old_size >> level);
}

size_t ll_ledger_log_append_nodes(uint64_t old_size, uint32_t n)
{
	size_t count = 0;
	for (unsigned level = 0; level < LL_LEDGER_LOG_MAX_LEVELS; level++)
		count += made_at(old_size, old_size + n, level);
	return count;
}

int ll_ledger_log_node_slot(uint64_t old_size, uint32_t n, unsigned level, uint64_t index,
			    size_t *slot)
{
	uint64_t new_size = old_size + n;
	size_t before = 0;

	if (level >= LL_LEDGER_LOG_MAX_LEVELS || new_size < old_size)
		return -ENOENT;
	if (index < old_size >> level || index >= new_size >> level)
		return -ENOENT;
	for (unsigned k = 0; k < level; k++)
		before += made_at(old_size, new_size, k);
	*slot = before + (size_t)(index - (old_size >> level));
	return 0;
}

/*
 * Works a level at a time, in place in `nodes`, so each level is one batch for
 * ll_hash_nodes (the multi-buffer lanes), not one hash call per node. Node j of
 * level k + 1 pairs nodes 2j and 2j + 1 of level k. The first node made at
 * level k + 1 has old_size >> (k + 1) as index; when old_size >> k is odd its
 * left child is the old frontier node of level k, so that first pair is hashed
 * alone and the rest pair off the nodes just made.
 */
int ll_ledger_log_append(uint8_t alg, struct ll_ledger_log_frontier *f, const uint8_t *leaves,
			 uint32_t n, uint8_t *nodes, uint8_t root[32])
{
	uint64_t old_size = f ? f->size : 0, new_size = old_size + n;
	struct ll_ledger_log_frontier next = { .size = new_size };
	int rc;

	if (!alg_ok(alg) || !f || (n > 0 && (!leaves || !nodes)) || new_size < old_size)
		return -EINVAL;

	if (n)
		memmove(nodes, leaves, (size_t)n * D);
	uint8_t *row = nodes;		/* the nodes made at `level` */
	for (unsigned level = 0; level + 1 < LL_LEDGER_LOG_MAX_LEVELS; level++) {
		uint64_t width = made_at(old_size, new_size, level);
		uint64_t pairs = made_at(old_size, new_size, level + 1);
		uint8_t *up = row + width * D;
		const uint8_t *pair_row = row;
		if (pairs == 0)
			break;
		if ((old_size >> level) & 1) {
			const struct ll_ledger_log_node *left = NULL;
			for (unsigned k = 0; k < f->count; k++)
				if (f->node[k].level == level)
					left = &f->node[k];
			if (!left)	/* not the frontier of old_size */
				return -EINVAL;
			if ((rc = ll_hash_node((enum ll_hash_alg)alg, left->hash, row, up)) < 0)
				return rc;
			pair_row = row + D;
		}
		uint64_t rest = pairs - (pair_row != row);
		if (rest && (rc = ll_hash_nodes((enum ll_hash_alg)alg, LL_HASH_IMPL_AUTO, pair_row,
						(uint32_t)rest, up + (pairs - rest) * D)) < 0)
			return rc;
		row = up;
	}

	/* the new frontier: each set bit of new_size, made now or kept from before */
	uint64_t start = 0;
	for (int level = 63; level >= 0; level--) {
		if (!(new_size >> level & 1))
			continue;
		struct ll_ledger_log_node *nd = &next.node[next.count++];
		size_t slot;
		nd->level = (uint8_t)level;
		nd->index = start >> level;
		start += UINT64_C(1) << level;
		if (ll_ledger_log_node_slot(old_size, n, (unsigned)level, nd->index, &slot) == 0) {
			memcpy(nd->hash, nodes + slot * D, D);
			continue;
		}
		const struct ll_ledger_log_node *kept = NULL;
		for (unsigned k = 0; k < f->count; k++)
			if (f->node[k].level == level && f->node[k].index == nd->index)
				kept = &f->node[k];
		if (!kept)
			return -EINVAL;
		memcpy(nd->hash, kept->hash, D);
	}
	if ((rc = frontier_root(alg, &next, root)) < 0)
		return rc;
	*f = next;
	return 0;
}

int ll_ledger_log_root(uint8_t alg, const struct ll_ledger_log_source *src, uint64_t size,
		       uint8_t root[32])
{
	struct ll_ledger_log_frontier f;
	if (!alg_ok(alg))
		return -EINVAL;
	int rc = ll_ledger_log_frontier_load(src, size, &f);
	return rc < 0 ? rc : frontier_root(alg, &f, root);
}

/*
 * MTH(D[start : start + size]). The proofs only ask for ranges that start on a
 * multiple of their own perfect subtrees, so a power-of-two size is one stored
 * node and any other is a right edge: its frontier, folded.
 */
static int subtree_hash(uint8_t alg, const struct ll_ledger_log_source *src, uint64_t start,
			uint64_t size, uint8_t out[D])
{
	if ((size & (size - 1)) == 0) {
		unsigned level = (unsigned)__builtin_ctzll(size);
		return src->read_node(src->ctx, level, start >> level, out);
	}
	struct ll_ledger_log_frontier f = { 0 };
	uint64_t pos = start;
	for (int level = 63; level >= 0; level--) {
		if (!(size >> level & 1))
			continue;
		struct ll_ledger_log_node *n = &f.node[f.count++];
		int rc = src->read_node(src->ctx, (unsigned)level, pos >> level, n->hash);
		if (rc < 0)
			return rc;
		pos += UINT64_C(1) << level;
	}
	return frontier_root(alg, &f, out);
}

struct proof {
	uint8_t *nodes;
	size_t count;
	size_t room;
};

static int proof_add(uint8_t alg, const struct ll_ledger_log_source *src, struct proof *p,
		     uint64_t start, uint64_t size)
{
	if (p->count == p->room)
		return -EOVERFLOW;	/* cannot happen for sizes below 2^64 */
	int rc = subtree_hash(alg, src, start, size, p->nodes + p->count * D);
	if (rc == 0)
		p->count++;
	return rc;
}

/* RFC 9162 2.1.3.1 PATH(m, D[start : start + size]). */
static int path(uint8_t alg, const struct ll_ledger_log_source *src, struct proof *p,
		uint64_t m, uint64_t start, uint64_t size)
{
	if (size <= 1)
		return 0;
	uint64_t k = largest_pow2_below(size);
	int rc = m < k ? path(alg, src, p, m, start, k)
		       : path(alg, src, p, m - k, start + k, size - k);
	if (rc < 0)
		return rc;
	return m < k ? proof_add(alg, src, p, start + k, size - k)
		     : proof_add(alg, src, p, start, k);
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start : start + size], whole). */
static int subproof(uint8_t alg, const struct ll_ledger_log_source *src, struct proof *p,
		    uint64_t m, uint64_t start, uint64_t size, int whole)
{
	if (m == size)
		return whole ? 0 : proof_add(alg, src, p, start, size);
	uint64_t k = largest_pow2_below(size);
	int rc = m <= k ? subproof(alg, src, p, m, start, k, whole)
			: subproof(alg, src, p, m - k, start + k, size - k, 0);
	if (rc < 0)
		return rc;
	return m <= k ? proof_add(alg, src, p, start + k, size - k)
		      : proof_add(alg, src, p, start, k);
}

int ll_ledger_log_inclusion(uint8_t alg, const struct ll_ledger_log_source *src,
			    uint64_t index, uint64_t size, uint8_t *proof,
			    size_t *proof_nodes)
{
	struct proof p = { .nodes = proof, .room = LL_LEDGER_LOG_MAX_LEVELS };
	if (!alg_ok(alg) || index >= size)
		return -EINVAL;
	int rc = path(alg, src, &p, index, 0, size);
	*proof_nodes = p.count;
	return rc;
}

int ll_ledger_log_consistency(uint8_t alg, const struct ll_ledger_log_source *src,
			      uint64_t old_size, uint64_t new_size, uint8_t *proof,
			      size_t *proof_nodes)
{
	struct proof p = { .nodes = proof, .room = LL_LEDGER_LOG_MAX_LEVELS + 1 };
	if (!alg_ok(alg) || old_size == 0 || old_size > new_size)
		return -EINVAL;
	int rc = subproof(alg, src, &p, old_size, 0, new_size, 1);
	*proof_nodes = p.count;
	return rc;
}
