/* The ledger-wide log: one RFC 9162 tree over every transaction leaf ever committed,
 * kept as its perfect subtree hashes, so each block appends in O(records) hashes and
 * any inclusion or consistency proof costs O(log n) node reads. Storage-agnostic. */
#ifndef LL_LEDGER_LOG_H
#define LL_LEDGER_LOG_H

#include <stddef.h>
#include <stdint.h>

#define LL_LEDGER_LOG_MAX_LEVELS 64

/*
 * A perfect subtree: node (level, index) is the RFC 9162 hash of leaves
 * [index << level, (index + 1) << level). Level 0 nodes are the leaves.
 */
struct ll_ledger_log_node {
	uint8_t level;
	uint64_t index;
	uint8_t hash[32];
};

/*
 * Where the nodes live (the store's `log` database, or memory in tests):
 * read_node writes the hash of node (level, index) to out and returns 0, or
 * -ENOENT / another -errno.
 */
struct ll_ledger_log_source {
	int (*read_node)(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);
	void *ctx;
};

/*
 * The frontier: the perfect subtrees that make up a log of `size` leaves, one
 * per set bit of size, largest (leftmost) first. It is all an append needs, so
 * the appender keeps it in memory and reads nothing.
 */
struct ll_ledger_log_frontier {
	uint64_t size;
	unsigned count;
	struct ll_ledger_log_node node[LL_LEDGER_LOG_MAX_LEVELS];
};

/* ll_ledger_log_frontier_load - the frontier of the first `size` leaves, from src. */
int ll_ledger_log_frontier_load(const struct ll_ledger_log_source *src, uint64_t size,
				struct ll_ledger_log_frontier *f);

/*
 * What one append creates: at each level k the nodes (k, j) for j from
 * old_size >> k up to (old_size + n) >> k, exclusive. ll_ledger_log_append
 * writes them packed, level 0 (the leaves) first, then level 1, and so on, each
 * level in index order: that packed order is how the store keeps a block's
 * share of the log in one value.
 *
 * ll_ledger_log_append_nodes - how many nodes appending n leaves to a log of
 * old_size creates (room, in 32-byte digests, to give ll_ledger_log_append).
 */
size_t ll_ledger_log_append_nodes(uint64_t old_size, uint32_t n);

/*
 * ll_ledger_log_node_slot - where node (level, index) sits in the packed nodes
 * of the append of n leaves to old_size: 0 and *slot, or -ENOENT when that
 * append did not create it.
 */
int ll_ledger_log_node_slot(uint64_t old_size, uint32_t n, unsigned level, uint64_t index,
			    size_t *slot);

/*
 * ll_ledger_log_append - appends n leaf hashes (n * 32 bytes) to the log whose
 * frontier is *f: writes every node it creates to nodes
 * (ll_ledger_log_append_nodes(f->size, n) digests, packed as above), the tree
 * head of the f->size + n leaves to root, and advances *f. The caller stores
 * the nodes with the block, in the same transaction (and keeps a copy of *f to
 * go back to if that fails). alg is enum ll_hash_alg. Reads and allocates
 * nothing. Returns 0 or -EINVAL.
 */
int ll_ledger_log_append(uint8_t alg, struct ll_ledger_log_frontier *f, const uint8_t *leaves,
			 uint32_t n, uint8_t *nodes, uint8_t root[32]);

/* ll_ledger_log_root - the tree head of the first `size` leaves (H() for 0). */
int ll_ledger_log_root(uint8_t alg, const struct ll_ledger_log_source *src,
		       uint64_t size, uint8_t root[32]);

/*
 * ll_ledger_log_inclusion - the RFC 9162 audit path of leaf `index` in the tree
 * of the first `size` leaves, into proof (room for 64 * 32 bytes), leaf to
 * root; *proof_nodes its length. -EINVAL for index >= size.
 */
int ll_ledger_log_inclusion(uint8_t alg, const struct ll_ledger_log_source *src,
			    uint64_t index, uint64_t size, uint8_t *proof,
			    size_t *proof_nodes);

/*
 * ll_ledger_log_consistency - the RFC 9162 consistency proof from the first
 * old_size leaves to the first new_size, into proof (room for 65 * 32 bytes).
 * -EINVAL for old_size of 0 or above new_size; old_size == new_size is empty.
 */
int ll_ledger_log_consistency(uint8_t alg, const struct ll_ledger_log_source *src,
			      uint64_t old_size, uint64_t new_size, uint8_t *proof,
			      size_t *proof_nodes);

#endif /* LL_LEDGER_LOG_H */
