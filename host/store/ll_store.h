/* The ledger's LMDB store: one environment with the named databases of
 * ../shared/DESIGN.md ("Ledger"); a block goes in with one write transaction. */
#ifndef LL_STORE_H
#define LL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2: the log as one value per block, the txindex as sorted runs (format 1 kept
 * one LMDB entry per log node and per txid). */
#define LL_STORE_FORMAT_VERSION 2

typedef struct ll_store ll_store_t;

enum ll_store_sync {
	LL_STORE_SYNC_FULL = 0,	/* fsync at every commit: nothing acknowledged is ever lost */
	LL_STORE_SYNC_PERIODIC,	/* commits reach disk at the next ll_store_sync: a crash
				 * loses the commits since then (the risk window) */
};

struct ll_store_cfg {
	const char *path;		/* directory, created if missing */
	uint32_t chain_id;
	uint8_t hash_alg;		/* enum ll_hash_alg: 1 sha256, 2 sm3 */
	enum ll_store_sync sync;
	uint64_t map_bytes;		/* initial LMDB map size; 0 = 64 MiB */
	uint64_t max_map_bytes;		/* the map grows up to this; 0 = 1 TiB */
};

/* One block as the store keeps it; the store does not interpret header or body. */
struct ll_store_block {
	uint64_t height;		/* must be the tip's height + 1 (0 for genesis) */
	const uint8_t *hash;		/* 32 bytes: H(header), becomes the tip */
	const uint8_t *header;		/* encoded header (host/chain/ll_block.h) */
	size_t header_len;
	const uint8_t *body;		/* encoded body: offsets + records as received */
	size_t body_len;
	const uint8_t *txids;		/* tx_count * 32 bytes: the leaf hashes, in order */
	uint32_t tx_count;
	uint64_t first_log_index;	/* ledger-wide log index of the block's first tx:
					 * must equal the log size after the tip */
	const uint8_t *log_nodes;	/* the nodes ll_ledger_log_append made for the */
	size_t log_node_count;		/* block, packed (32 bytes each), written in */
					/* the same transaction */
	const struct ll_store_client_state *client_states;	/* clients' state after */
	size_t client_state_count;				/* the block (replay) */
};

/* Where a transaction sits. */
struct ll_store_tx_location {
	uint64_t height;
	uint32_t index;			/* within the block */
	uint64_t log_index;		/* within the ledger-wide log */
};

/*
 * ll_store_open - opens (creating when empty) the ledger at cfg->path. A ledger
 * made for another chain id, hash algorithm or format version is refused with
 * -EINVAL and a log line naming both values. A ledger another process (or
 * handle) has open is refused with -EBUSY. Returns 0, -errno.
 */
int ll_store_open(const struct ll_store_cfg *cfg, ll_store_t **out);

/* ll_store_close - commits nothing further, syncs, releases the lock. NULL is a no-op. */
void ll_store_close(ll_store_t *s);

/* ll_store_tip - height and hash of the newest block; -ENOENT when there is none. */
int ll_store_tip(ll_store_t *s, uint64_t *height, uint8_t hash[32]);

/*
 * ll_store_commit - header, body, every txindex entry, the block's ledger-wide
 * log nodes and the new tip in ONE write transaction. When the map is full it
 * grows and the same block is tried again. The store does not refuse a txid
 * committed before: keeping a transaction from being committed twice is the
 * replay window's job (a repeated record repeats its client and nonce), and a
 * lookup finds a repeated txid where it was first committed. Returns 0;
 * -EINVAL for a height that does not follow the tip, a first_log_index that
 * does not continue the log, or a wrong number of log nodes; -ENOSPC when
 * max_map_bytes or the disk is full
 * (LMDB reports a short write as EIO: when free space is below what the
 * transaction needed, that is reported as -ENOSPC), with nothing of the block
 * written; -EIO. One writer thread at a time.
 */
int ll_store_commit(ll_store_t *s, const struct ll_store_block *b);

/*
 * ll_store_log_size - leaves in the ledger-wide log after the tip (0 when empty).
 * ll_store_log_node - the hash of log node (level, index); -ENOENT when absent.
 * Its signature fits struct ll_ledger_log_source's read_node, with the store as
 * ctx. Both read a snapshot; safe beside the writer.
 */
int ll_store_log_size(ll_store_t *s, uint64_t *size);
int ll_store_log_node(void *store, unsigned level, uint64_t index, uint8_t out[32]);

/*
 * ll_store_snapshot - a consistent, compacted copy of the whole ledger into the
 * directory dest (created; it must not exist yet), taken in one read
 * transaction while commits go on (mdb_env_copy2 with MDB_CP_COMPACT). The copy
 * opens as a ledger of its own. Returns 0, -EEXIST, -errno.
 */
int ll_store_snapshot(ll_store_t *s, const char *dest);

/* ll_store_sync - forces committed data to disk (the periodic mode's flush). */
int ll_store_sync(ll_store_t *s);

/*
 * ll_store_header / ll_store_body - copies of what was committed at `height`,
 * malloc'd into *out (caller frees), *len its size. -ENOENT when absent.
 */
int ll_store_header(ll_store_t *s, uint64_t height, uint8_t **out, size_t *len);
int ll_store_body(ll_store_t *s, uint64_t height, uint8_t **out, size_t *len);

/*
 * ll_store_tx - where txid (32 bytes) was first committed; -ENOENT when it
 * never was. Costs one seek per txindex run (see ll_store_index_stats).
 */
int ll_store_tx(ll_store_t *s, const uint8_t *txid, struct ll_store_tx_location *loc);

/*
 * Clients: the registry of who may send transactions, in the `clients`
 * database. Each client also has an opaque state (its anti-replay window),
 * written with the blocks that move it, in their transactions.
 */
#define LL_STORE_CLIENT_KEY_MAX 64
#define LL_STORE_CLIENT_STATE_MAX 512

struct ll_store_client {
	uint8_t id[32];			/* the key id records name the client by */
	uint8_t scheme;			/* the wire's: 0 none, 1 Ed25519, 2 SM2-SM3 */
	bool trusted;			/* may send scheme 0 (a gateway that verified) */
	uint8_t pub_len;
	uint8_t pub[LL_STORE_CLIENT_KEY_MAX];
	uint64_t rate;			/* records a second; 0: no limit */
	uint64_t burst;
};

struct ll_store_client_state {
	const uint8_t *id;		/* 32 bytes */
	const uint8_t *state;
	size_t len;			/* at most LL_STORE_CLIENT_STATE_MAX */
};

/*
 * ll_store_client_put - registers c, or replaces the registration with its id
 * (its state is kept). Its own durable transaction. Returns 0, -EINVAL, -ENOSPC.
 */
int ll_store_client_put(ll_store_t *s, const struct ll_store_client *c);

/* ll_store_client_get - the registration of id; -ENOENT when there is none. */
int ll_store_client_get(ll_store_t *s, const uint8_t id[32], struct ll_store_client *c);

/*
 * ll_store_client_del - removes the registration; its state (the replay
 * window) stays, so what the client sent stays a replay if it is registered
 * again. -ENOENT when it is not registered.
 */
int ll_store_client_del(ll_store_t *s, const uint8_t id[32]);

/*
 * ll_store_client_list - calls fn for every registered client, in id order,
 * until it returns non-zero (returned); 0 after the last, -errno.
 */
int ll_store_client_list(ll_store_t *s, int (*fn)(void *ctx, const struct ll_store_client *c),
			 void *ctx);

/* ll_store_client_list_after - the same, from the first id after `after` (32 bytes; NULL: all). */
int ll_store_client_list_after(ll_store_t *s, const uint8_t *after,
			       int (*fn)(void *ctx, const struct ll_store_client *c), void *ctx);

/*
 * ll_store_client_state - copies id's state as the last committed block left
 * it into out (room for cap); *len its size. -ENOENT when it has none yet.
 */
int ll_store_client_state(ll_store_t *s, const uint8_t id[32], uint8_t *out, size_t cap,
			  size_t *len);

/*
 * The txindex is kept as runs: each block's own (its leaves in the log), and
 * sorted runs that two merge threads fold from the oldest 16 runs of a level.
 * A run past 256 Ki entries is frozen: merging 16 of them would pass the 4 Mi
 * entries a merge holds in memory.
 */
struct ll_store_index_stats {
	uint64_t runs;			/* runs a lookup searches */
	uint64_t frozen_runs;		/* of those, runs too large to merge again */
	uint64_t widest_level;		/* the most unfrozen runs one level holds: below
					 * 16 once merging has caught up */
	uint64_t entries;		/* txids indexed: log_size when all is well */
	uint64_t log_size;		/* the log's size, in the same snapshot */
	uint64_t garbage_runs;		/* merged-away runs still being deleted */
	uint64_t merges;		/* merges landed since open */
	uint64_t merge_stalls;		/* commits that waited for the merge thread */
};

/* ll_store_index_stats - the txindex as of now; safe beside the writer. */
int ll_store_index_stats(ll_store_t *s, struct ll_store_index_stats *out);

#endif /* LL_STORE_H */
