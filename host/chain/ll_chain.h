/* The chain: batches of records become hash-linked blocks in the store, with the
 * ledger-wide log kept in step; reads, proofs and a full verification of it all. */
#ifndef LL_CHAIN_H
#define LL_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "ll_block.h"
#include "ll_ledger_log.h"
#include "ll_store.h"

typedef struct ll_chain ll_chain_t;

struct ll_chain_cfg {
	struct ll_store_cfg store;	/* path, chain id, hash algorithm, sync, map */
	uint64_t proposer;		/* this node's id, written into each header */
	uint64_t genesis_time_ns;	/* for a new ledger; 0 = now */
};

/*
 * A batch on its way into a block. ll_chain_hash_batch fills leaves (n * 32
 * bytes the caller owns: the transaction ids) and root; it touches no chain
 * state, so block N + 1 can be hashed while block N commits.
 */
struct ll_chain_batch {
	const uint32_t *offsets;	/* n + 1 */
	uint32_t n;
	const uint8_t *data;
	uint8_t *leaves;
	uint8_t *scratch;		/* optional: LL_MERKLE_ROOT_SCRATCH_BYTES(n)
					 * for the tree, so hashing allocates nothing */
	uint8_t root[32];
};

/*
 * ll_chain_open - opens the ledger (ll_store_open's refusals apply) and writes
 * the genesis block when it is empty. Returns 0 or -errno.
 */
int ll_chain_open(const struct ll_chain_cfg *cfg, ll_chain_t **out);

/* ll_chain_close - closes the store. NULL is a no-op. */
void ll_chain_close(ll_chain_t *c);

/* ll_chain_tip - the newest block's header. */
int ll_chain_tip(ll_chain_t *c, struct ll_block_header *tip);

/* ll_chain_store - the store under the chain, for its clients registry. */
ll_store_t *ll_chain_store(ll_chain_t *c);

/* ll_chain_hash_alg - the chain's hash algorithm (enum ll_hash_alg). */
uint8_t ll_chain_hash_alg(const ll_chain_t *c);

/*
 * ll_chain_hash_batch - leaves and Merkle root of a batch (any thread).
 * Returns 0, -EINVAL for bad offsets, -ENOMEM.
 */
int ll_chain_hash_batch(uint8_t hash_alg, struct ll_chain_batch *b);

/*
 * A block made ready to commit: its header linked to the block before it, its
 * body encoded, and the ledger-wide log nodes it adds (the hashing half of the
 * log). The buffers are the caller's to reuse from block to block; free them
 * with ll_chain_prepared_free.
 */
struct ll_chain_prepared {
	struct ll_block_header header;
	uint8_t hash[32];
	const uint8_t *leaves;		/* the batch's: keep them until committed */
	uint8_t *body;
	size_t body_room;
	uint8_t *nodes;			/* node_count packed log nodes */
	size_t nodes_room, node_count;
	struct ll_ledger_log_frontier frontier;	/* the log's, after this block */
	/* set by the committer: the clients' replay windows after this block,
	 * written in its transaction (none: NULL, 0) */
	const struct ll_store_client_state *client_states;
	size_t client_state_count;
};

/*
 * ll_chain_prepare - the next block from a hashed batch, built on the newest
 * prepared block (the tip when none waits), into p; nothing is committed.
 * Blocks are prepared on one thread (the solo loop's hash thread) while
 * another commits earlier ones. Returns 0, -EINVAL, -ENOMEM.
 */
int ll_chain_prepare(ll_chain_t *c, const struct ll_chain_batch *b, uint64_t timestamp_ns,
		     struct ll_chain_prepared *p);

/*
 * ll_chain_commit_prepared - commits p, which must follow the tip: header,
 * body, txindex and log nodes in one store transaction, durable on return in
 * sync=full mode. Returns 0; -ESTALE when p does not follow the tip (prepared
 * on a block that never committed); -ENOSPC (disk full: nothing committed, the
 * tip unchanged, call again later); -EIO. One committing thread.
 */
int ll_chain_commit_prepared(ll_chain_t *c, const struct ll_chain_prepared *p);

/*
 * ll_chain_unprepare - forgets every prepared block that is not committed: the
 * next ll_chain_prepare builds on the tip again (after a block was dropped).
 */
void ll_chain_unprepare(ll_chain_t *c);

/* ll_chain_prepared_free - frees p's buffers. */
void ll_chain_prepared_free(struct ll_chain_prepared *p);

/*
 * ll_chain_commit - ll_chain_prepare and ll_chain_commit_prepared in one call,
 * for a caller with no prepared blocks waiting (-EBUSY otherwise). out
 * (optional) gets the new header. Returns as those do.
 */
int ll_chain_commit(ll_chain_t *c, const struct ll_chain_batch *b, uint64_t timestamp_ns,
		    struct ll_block_header *out);

/* ll_chain_index_stats - ll_store_index_stats of the chain's txindex. */
int ll_chain_index_stats(ll_chain_t *c, struct ll_store_index_stats *out);

/* ll_chain_snapshot - ll_store_snapshot of the chain's ledger, while it commits. */
int ll_chain_snapshot(ll_chain_t *c, const char *dest);

/* ll_chain_sync - forces committed blocks to disk (sync = periodic). */
int ll_chain_sync(ll_chain_t *c);

/* ll_chain_append - ll_chain_hash_batch then ll_chain_commit. */
int ll_chain_append(ll_chain_t *c, struct ll_chain_batch *b, uint64_t timestamp_ns,
		    struct ll_block_header *out);

/*
 * ll_chain_block - the header at `height` and, when body is non-NULL, a
 * malloc'd copy of its encoded body. -ENOENT past the tip.
 */
int ll_chain_block(ll_chain_t *c, uint64_t height, struct ll_block_header *h,
		   uint8_t **body, size_t *body_len);

/* A committed transaction: where it is, and a malloc'd copy of its record. */
struct ll_chain_tx {
	uint64_t height;
	uint32_t index;
	uint64_t log_index;
	uint8_t *record;
	uint32_t record_len;
};

/* ll_chain_tx - looks a txid up; -ENOENT when it was never committed. */
int ll_chain_tx(ll_chain_t *c, const uint8_t txid[32], struct ll_chain_tx *tx);

/*
 * ll_chain_tx_proof - RFC 9162 inclusion proof of txid in its block's tree
 * (against that header's merkle_root): *nodes digests into proof (room for 64).
 */
int ll_chain_tx_proof(ll_chain_t *c, const uint8_t txid[32], uint8_t *proof, size_t *nodes);

/*
 * ll_chain_log_proof - inclusion of txid in the ledger-wide log as of the
 * header at `height` (its log_size and log_root), which must be at or after
 * the tx's block: -EINVAL otherwise.
 */
int ll_chain_log_proof(ll_chain_t *c, const uint8_t txid[32], uint64_t height,
		       uint8_t *proof, size_t *nodes);

/*
 * ll_chain_consistency - consistency proof of the ledger-wide log from the head
 * at height `from` to the head at `to` (from <= to; room for 65 digests).
 * An empty log at `from` (no transactions yet) gives -EINVAL.
 */
int ll_chain_consistency(ll_chain_t *c, uint64_t from, uint64_t to, uint8_t *proof,
			 size_t *nodes);

/*
 * ll_chain_verify - recomputes every block from genesis to the tip: header
 * fields, the link to the previous hash, the body's shape, its Merkle root, the
 * ledger-wide log size and root, and every txindex entry. Returns 0 when all
 * hold; -EBADMSG with *bad_height the first height that does not; -errno for a
 * read error.
 */
int ll_chain_verify(ll_chain_t *c, uint64_t *bad_height);

#endif /* LL_CHAIN_H */
