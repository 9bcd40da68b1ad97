/* RFC 9162 Merkle trees over SHA-256 or SM3: trees built bottom-up one level per
 * batch on the fast node path, audit and consistency proofs made and verified. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ll_merkle.h"

#define DIGEST LL_HASH_DIGEST_BYTES

/* ll_hash_nodes counts in u32; a wider level goes through in several batches. */
#define NODES_PER_BATCH (UINT32_C(1) << 30)

/* A tree of n leaves has at most 64 levels above them. */
#define MAX_LEVELS 65

/*
 * Every level of one tree. Node i of level k is the RFC 9162 MTH of leaves
 * [i << k, min((i + 1) << k, n)): an odd last node is promoted unchanged, which
 * gives the same hash as RFC 9162's split at the largest power of two below n.
 */
struct tree {
	unsigned depth;			/* levels above the leaves */
	uint64_t width[MAX_LEVELS];	/* nodes per level; width[0] = n */
	const uint8_t *level[MAX_LEVELS];	/* level[0] is the caller's leaves */
	uint8_t *storage;		/* levels 1..depth, back to back */
};

static bool alg_valid(enum ll_hash_alg alg)
{
	return alg == LL_HASH_SHA256 || alg == LL_HASH_SM3;
}

static unsigned bit_length(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/* Levels below the node where the paths from `index` and from the last leaf join. */
static unsigned inner_levels(uint64_t index, uint64_t size)
{
	return bit_length(index ^ (size - 1));
}

static unsigned popcount_above(uint64_t x, unsigned bits)
{
	return bits >= 64 ? 0 : (unsigned)__builtin_popcountll(x >> bits);
}

/*
 * The audit path of `index` in a tree of `size` has one node per level where the
 * path leaves a sibling: every level below the point where it parts from the
 * last leaf's path (inner), and above it only where index is a right child
 * (border; there the path runs along the right edge, whose nodes have left
 * siblings only).
 */
static uint64_t proof_len_inclusion(uint64_t index, uint64_t size)
{
	unsigned inner = inner_levels(index, size);
	return inner + popcount_above(index, inner);
}

/*
 * A consistency proof (0 < old < new) is the audit path of leaf old - 1 with its
 * lowest levels dropped: those that lie inside the largest perfect subtree ending
 * at old (ctz(old) levels), which the proof sends as one node instead, unless
 * that subtree is the whole old tree, whose head the verifier already has.
 * inner > ctz(old) always: old - 1 has its low ctz(old) bits set, so new - 1 >
 * old - 1 must differ from it above them.
 */
static uint64_t proof_len_consistency(uint64_t old_size, uint64_t new_size)
{
	unsigned inner = inner_levels(old_size - 1, new_size);
	unsigned border = popcount_above(old_size - 1, inner);
	unsigned shift = (unsigned)__builtin_ctzll(old_size);
	bool old_is_subtree = (old_size & (old_size - 1)) == 0;
	return (old_is_subtree ? 0 : 1) + (inner - shift) + border;
}

/* One level up: width_below / 2 pairs in batches, an odd last node promoted. */
static int hash_level(enum ll_hash_alg alg, const uint8_t *below, uint64_t width_below,
		      uint8_t *out)
{
	uint64_t pairs = width_below / 2;
	for (uint64_t done = 0; done < pairs;) {
		uint64_t batch = pairs - done;
		if (batch > NODES_PER_BATCH)
			batch = NODES_PER_BATCH;
		int rc = ll_hash_nodes(alg, LL_HASH_IMPL_AUTO, below + done * 2 * DIGEST,
				       (uint32_t)batch, out + done * DIGEST);
		if (rc < 0)
			return rc;
		done += batch;
	}
	if (width_below & 1)
		memcpy(out + pairs * DIGEST, below + (width_below - 1) * DIGEST, DIGEST);
	return 0;
}

static int tree_build(struct tree *t, enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves)
{
	uint64_t total = 0;

	memset(t, 0, sizeof *t);
	t->width[0] = n;
	t->level[0] = leaves;
	while (t->width[t->depth] > 1) {
		t->width[t->depth + 1] = t->width[t->depth] / 2 + (t->width[t->depth] & 1);
		t->depth++;
		total += t->width[t->depth];
	}
	if (total == 0)
		return 0;
	if (total > SIZE_MAX / DIGEST)
		return -ENOMEM;
	t->storage = malloc((size_t)total * DIGEST);
	if (!t->storage)
		return -ENOMEM;

	uint8_t *next = t->storage;
	for (unsigned k = 1; k <= t->depth; k++) {
		int rc = hash_level(alg, t->level[k - 1], t->width[k - 1], next);
		if (rc < 0) {
			free(t->storage);
			t->storage = NULL;
			return rc;
		}
		t->level[k] = next;
		next += t->width[k] * DIGEST;
	}
	return 0;
}

static void tree_free(struct tree *t)
{
	free(t->storage);
	t->storage = NULL;
}

/*
 * MTH(D[start : start + size]) straight from the stored levels. Every range the
 * consistency recursion asks for is a node: either a perfect subtree (a power of
 * two, aligned) or the tail [start, n) with start aligned to the next power of
 * two at or above size, the node at that level covering exactly the tail.
 */
static const uint8_t *subtree_hash(const struct tree *t, uint64_t start, uint64_t size)
{
	unsigned k = bit_length(size - 1);	/* ceil(log2(size)) */
	return t->level[k] + (start >> k) * DIGEST;
}

static void proof_append(uint8_t *proof, size_t *count, const uint8_t *node)
{
	/* Cannot overflow for any tree that fits in memory (n < 2^59). */
	if (*count < LL_MERKLE_MAX_PROOF_NODES)
		memcpy(proof + *count * DIGEST, node, DIGEST);
	(*count)++;
}

static uint64_t largest_pow2_below(uint64_t n)
{
	return UINT64_C(1) << (bit_length(n - 1) - 1);
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start : start + size], whole); depth <= 64. */
static void subproof(const struct tree *t, uint64_t m, uint64_t start, uint64_t size,
		     bool whole, uint8_t *proof, size_t *count)
{
	if (m == size) {
		/* The verifier has the old head when this is the whole old tree. */
		if (!whole)
			proof_append(proof, count, subtree_hash(t, start, size));
		return;
	}
	uint64_t k = largest_pow2_below(size);
	if (m <= k) {
		subproof(t, m, start, k, whole, proof, count);
		proof_append(proof, count, subtree_hash(t, start + k, size - k));
	} else {
		subproof(t, m - k, start + k, size - k, false, proof, count);
		proof_append(proof, count, subtree_hash(t, start, k));
	}
}

int ll_merkle_root_into(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
			uint8_t *scratch, uint8_t root[LL_HASH_DIGEST_BYTES])
{
	if (!alg_valid(alg) || !root || (n && !leaves) || (n > 1 && !scratch))
		return -EINVAL;
	if (n == 0)
		return ll_hash(alg, "", 0, root);
	if (n == 1) {
		memcpy(root, leaves, DIGEST);
		return 0;
	}

	/* Only the level below is needed: two halves of scratch, levels alternating. */
	uint64_t width = n / 2 + (n & 1);
	uint8_t *a = scratch, *b = scratch + (size_t)(width + 1) * DIGEST;
	int rc = hash_level(alg, leaves, n, a);
	while (rc == 0 && width > 1) {
		uint8_t *swap;
		if ((rc = hash_level(alg, a, width, b)) < 0)
			break;
		width = width / 2 + (width & 1);
		swap = a;
		a = b;
		b = swap;
	}
	if (rc == 0)
		memcpy(root, a, DIGEST);
	return rc;
}

int ll_merkle_root(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
		   uint8_t root[LL_HASH_DIGEST_BYTES])
{
	if (n > SIZE_MAX / DIGEST - 4)
		return -ENOMEM;
	uint8_t *scratch = n > 1 ? malloc(LL_MERKLE_ROOT_SCRATCH_BYTES(n)) : NULL;
	if (n > 1 && !scratch)
		return -ENOMEM;
	int rc = ll_merkle_root_into(alg, n, leaves, scratch, root);
	free(scratch);
	return rc;
}

int ll_merkle_root_records_into(enum ll_hash_alg alg, const uint32_t *offsets, uint32_t n,
				const uint8_t *data, uint8_t *leaves, uint8_t *scratch,
				uint8_t root[LL_HASH_DIGEST_BYTES])
{
	if (!alg_valid(alg) || !root || (n && (!offsets || !data || !leaves)))
		return -EINVAL;
	if (n == 0)
		return ll_hash(alg, "", 0, root);
	int rc = ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, offsets, n, data, leaves);
	return rc < 0 ? rc : ll_merkle_root_into(alg, n, leaves, scratch, root);
}

int ll_merkle_root_records(enum ll_hash_alg alg, const uint32_t *offsets, uint32_t n,
			   const uint8_t *data, uint8_t *leaves_out,
			   uint8_t root[LL_HASH_DIGEST_BYTES])
{
	if (!alg_valid(alg) || !root || (n && (!offsets || !data)))
		return -EINVAL;
	if (n == 0)
		return ll_hash(alg, "", 0, root);

	uint8_t *leaves = leaves_out;
	if (!leaves) {
		leaves = malloc((size_t)n * DIGEST);
		if (!leaves)
			return -ENOMEM;
	}
	int rc = ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, offsets, n, data, leaves);
	if (rc == 0)
		rc = ll_merkle_root(alg, n, leaves, root);
	if (leaves != leaves_out)
		free(leaves);
	return rc;
}

int ll_merkle_inclusion_proof(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
			      uint64_t index, uint8_t *proof, size_t *proof_nodes)
{
	if (!alg_valid(alg) || !leaves || !proof || !proof_nodes || index >= n)
		return -EINVAL;

	struct tree t;
	int rc = tree_build(&t, alg, n, leaves);
	if (rc < 0)
		return rc;
	size_t count = 0;
	for (unsigned k = 0; k < t.depth; k++) {
		/* No sibling: this node was promoted, nothing to prove at this level. */
		uint64_t sibling = (index >> k) ^ 1;
		if (sibling < t.width[k])
			proof_append(proof, &count, t.level[k] + sibling * DIGEST);
	}
	tree_free(&t);
	*proof_nodes = count;
	return 0;
}

int ll_merkle_consistency_proof(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
				uint64_t old_size, uint8_t *proof, size_t *proof_nodes)
{
	if (!alg_valid(alg) || !leaves || !proof || !proof_nodes || old_size == 0 ||
	    old_size > n)
		return -EINVAL;
	if (old_size == n) {
		*proof_nodes = 0;
		return 0;
	}

	struct tree t;
	int rc = tree_build(&t, alg, n, leaves);
	if (rc < 0)
		return rc;
	size_t count = 0;
	subproof(&t, old_size, 0, n, true, proof, &count);
	tree_free(&t);
	*proof_nodes = count;
	return 0;
}

/* r = H(0x01 || left || right); r may be either child (the hash goes via tmp). */
static int node(enum ll_hash_alg alg, const uint8_t *left, const uint8_t *right, uint8_t *r)
{
	uint8_t tmp[DIGEST];
	int rc = ll_hash_node(alg, left, right, tmp);
	if (rc == 0)
		memcpy(r, tmp, DIGEST);
	return rc;
}

int ll_merkle_verify_inclusion(enum ll_hash_alg alg, uint64_t index, uint64_t size,
			       const uint8_t leaf[LL_HASH_DIGEST_BYTES],
			       const uint8_t *proof, size_t proof_nodes,
			       const uint8_t root[LL_HASH_DIGEST_BYTES])
{
	if (!alg_valid(alg) || !leaf || !root || (proof_nodes && !proof))
		return -EINVAL;
	if (index >= size)
		return -EINVAL;
	/* Checked first so a wrong length is a shape error, not a hash mismatch. */
	if (proof_nodes != proof_len_inclusion(index, size))
		return -EINVAL;

	/* RFC 9162 2.1.3.2 */
	uint64_t fn = index, sn = size - 1;
	uint8_t r[DIGEST];
	int rc;
	memcpy(r, leaf, DIGEST);
	for (size_t i = 0; i < proof_nodes; i++) {
		const uint8_t *p = proof + i * DIGEST;
		if (sn == 0)
			return -EINVAL;
		if ((fn & 1) || fn == sn) {
			if ((rc = node(alg, p, r, r)) < 0)
				return rc;
			/* Skip the levels where the last node was promoted. */
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if ((rc = node(alg, r, p, r)) < 0)
				return rc;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return -EINVAL;
	return memcmp(r, root, DIGEST) == 0 ? 0 : -EBADMSG;
}

int ll_merkle_verify_consistency(enum ll_hash_alg alg, uint64_t old_size, uint64_t new_size,
				 const uint8_t old_root[LL_HASH_DIGEST_BYTES],
				 const uint8_t new_root[LL_HASH_DIGEST_BYTES],
				 const uint8_t *proof, size_t proof_nodes)
{
	if (!alg_valid(alg) || !old_root || !new_root || (proof_nodes && !proof))
		return -EINVAL;
	if (old_size > new_size)
		return -EINVAL;
	if (old_size == 0) {
		/*
		 * The empty tree is a prefix of every tree, so there is nothing to
		 * prove, but its head must be the one head it can have: H().
		 */
		uint8_t empty[DIGEST];
		int rc;
		if (proof_nodes)
			return -EINVAL;
		if ((rc = ll_hash(alg, "", 0, empty)) < 0)
			return rc;
		if (memcmp(old_root, empty, DIGEST) != 0)
			return -EBADMSG;
		if (new_size == 0 && memcmp(new_root, empty, DIGEST) != 0)
			return -EBADMSG;
		return 0;
	}
	if (old_size == new_size) {
		if (proof_nodes)
			return -EINVAL;
		return memcmp(old_root, new_root, DIGEST) == 0 ? 0 : -EBADMSG;
	}
	if (proof_nodes != proof_len_consistency(old_size, new_size))
		return -EINVAL;

	/*
	 * RFC 9162 2.1.4.2. When old_size is a power of two the old tree is a
	 * perfect subtree and its head is the path's first node (the RFC prepends
	 * it); otherwise the proof carries that first node itself.
	 */
	const uint8_t *first = old_root, *rest = proof;
	size_t rest_nodes = proof_nodes;
	if (old_size & (old_size - 1)) {
		first = proof;
		rest = proof + DIGEST;
		rest_nodes--;
	}
	uint64_t fn = old_size - 1, sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[DIGEST], sr[DIGEST];
	int rc;
	memcpy(fr, first, DIGEST);
	memcpy(sr, first, DIGEST);
	for (size_t i = 0; i < rest_nodes; i++) {
		const uint8_t *c = rest + i * DIGEST;
		if (sn == 0)
			return -EINVAL;
		if ((fn & 1) || fn == sn) {
			if ((rc = node(alg, c, fr, fr)) < 0 || (rc = node(alg, c, sr, sr)) < 0)
				return rc;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if ((rc = node(alg, sr, c, sr)) < 0)
				return rc;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return -EINVAL;
	if (memcmp(fr, old_root, DIGEST) != 0 || memcmp(sr, new_root, DIGEST) != 0)
		return -EBADMSG;
	return 0;
}
