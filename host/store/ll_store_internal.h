/* host/store's private contract between its three files: ll_store.c (environment,
 * blocks, reads), ll_store_log.c (the ledger-wide log) and ll_store_txindex.c. */
#ifndef LL_STORE_INTERNAL_H
#define LL_STORE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <lmdb.h>

#include "ll_log.h"

/* Results beside 0 and -errno: the map is full (grow, run the txn again); a key exists. */
#define LL_STORE_RETRY_MAP_FULL	1
#define LL_STORE_KEY_EXISTS	2

enum ll_store_db { LL_STORE_DB_META, LL_STORE_DB_HEADERS, LL_STORE_DB_BODIES,
		   LL_STORE_DB_TXINDEX, LL_STORE_DB_LOG, LL_STORE_DB_HEADS,
		   LL_STORE_DB_CLIENTS, LL_STORE_DB_COUNT };

struct ll_store_txindex;

struct ll_store {
	MDB_env *env;
	MDB_dbi dbi[LL_STORE_DB_COUNT];
	char *path;
	int lock_fd;
	uint64_t map_bytes;		/* the map's current size */
	uint64_t max_map_bytes;
	size_t piece_bytes;		/* the most one overflow page holds */
	uint32_t chain_id;
	uint8_t hash_alg;
	/*
	 * mdb_env_set_mapsize needs no transaction open in this process: readers
	 * hold map_lock shared for the life of their transaction, the map grows
	 * under it exclusive, and write_lock keeps a second writer out meanwhile.
	 */
	pthread_rwlock_t map_lock;
	pthread_mutex_t write_lock;
	struct ll_store_txindex *txindex;
	struct ll_log_ratelimit full_log;	/* "disk full", once per 10 s while it lasts */
};

/* ll_store.c: LMDB codes to -errno, meta keys, puts, read transactions. */
int ll_store_mdb_errno(int rc);
const char *ll_store_db_name(enum ll_store_db db);
int ll_store_meta_get(struct ll_store *s, MDB_txn *txn, const char *key, MDB_val *val);
int ll_store_meta_put(struct ll_store *s, MDB_txn *txn, const char *key, const void *data,
		      size_t len);
int ll_store_meta_del(struct ll_store *s, MDB_txn *txn, const char *key);
/* A u64 meta value (8 bytes LE): absent gives `absent`; another size is -EIO. */
int ll_store_meta_get_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t *v,
			  uint64_t absent);
int ll_store_meta_put_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t v);
/* mdb_put: 0, LL_STORE_RETRY_MAP_FULL, LL_STORE_KEY_EXISTS or -errno (logged). */
int ll_store_put(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, MDB_val *key,
		 MDB_val *val, unsigned flags, uint64_t height);
/*
 * Values bigger than a page go in as pieces of at most piece_bytes, one
 * overflow page each, keyed by an 8-byte big-endian prefix and a 4-byte
 * big-endian piece number: LMDB finds a run of free pages only by scanning its
 * whole free list, which grows with the ledger; single pages it takes at once.
 * put_pieces writes len bytes (at least one piece, even when empty) as pieces
 * first, first + 1, ... of piece_len bytes; get_pieces reads pieces from
 * `first` on back into one malloc'd buffer (-ENOENT when there are none).
 */
#define LL_STORE_PIECE_KEY_BYTES 12
void ll_store_piece_key(uint8_t key[LL_STORE_PIECE_KEY_BYTES], uint64_t prefix, uint32_t piece);
int ll_store_put_pieces(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, uint64_t prefix,
			uint32_t first, const uint8_t *data, size_t len, size_t piece_len,
			unsigned flags, uint64_t height);
int ll_store_get_pieces(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, uint64_t prefix,
			uint32_t first, uint8_t **out, size_t *len);
int ll_store_begin_read(struct ll_store *s, MDB_txn **txn);
/*
 * Runs body in one write transaction and commits it, growing the map and
 * running body again when it fills; 0 or -errno (logged). Call with write_lock.
 */
int ll_store_write_txn(struct ll_store *s, int (*body)(struct ll_store *, MDB_txn *, void *),
		       void *arg, uint64_t need, const char *what);
void ll_store_end_read(struct ll_store *s, MDB_txn *txn);

/*
 * ll_store_log.c: the `log` database keeps, per block with transactions, pieces
 * keyed by the block's first log index: piece 0 is u64 height, u32 tx count,
 * u32 zero; pieces 1.. the nodes its append created, packed as
 * ll_ledger_log_append writes them (level 0, the txids, first), a whole number
 * of nodes to a piece.
 */
int ll_store_log_put(struct ll_store *s, MDB_txn *txn, uint64_t height, uint64_t first_log,
		     uint32_t n, const uint8_t *nodes, size_t node_count);
/* The block holding log index i: its height and first log index; -ENOENT past the end. */
int ll_store_log_block(struct ll_store *s, MDB_txn *txn, uint64_t i, uint64_t *height,
		       uint64_t *first_log);
/* The n leaves of the block whose log entry starts at first_log, into out. */
int ll_store_log_leaves(struct ll_store *s, MDB_txn *txn, uint64_t first_log, uint32_t n,
			uint8_t *out);
/* The first of that block's leaves equal to txid: 0 and *index, or -ENOENT. */
int ll_store_log_find_leaf(struct ll_store *s, MDB_txn *txn, uint64_t first_log, uint32_t n,
			   const uint8_t *txid, uint32_t *index);
/* ll_store_log_node inside txn. */
int ll_store_log_read_node(struct ll_store *s, MDB_txn *txn, unsigned level, uint64_t index,
			   uint8_t out[32]);

/*
 * ll_store_txindex.c: txid -> log index as sorted runs (see that file).
 * open/close start and stop the merge thread; recover runs in the opening
 * write transaction; prepare runs before a block's transaction (it may wait
 * for the merge thread when merging lags), commit inside it, committed after
 * it is on disk; lookup inside any transaction.
 */
int ll_store_txindex_open(struct ll_store *s);
void ll_store_txindex_close(struct ll_store *s);
int ll_store_txindex_recover(struct ll_store *s, MDB_txn *txn);
void ll_store_txindex_prepare(struct ll_store *s);
int ll_store_txindex_commit(struct ll_store *s, MDB_txn *txn, uint64_t height,
			    const uint8_t *txids, uint32_t n, uint64_t first_log);
void ll_store_txindex_committed(struct ll_store *s);
/* The most bytes of merge output a block of n transactions may land. */
uint64_t ll_store_txindex_need(struct ll_store *s, uint32_t n);
int ll_store_txindex_lookup(struct ll_store *s, MDB_txn *txn, const uint8_t *txid,
			    uint64_t *log_index);

/* ll_store_clients.c: a client's state, inside the block's transaction. */
struct ll_store_client_state;
int ll_store_client_state_put(struct ll_store *s, MDB_txn *txn,
			      const struct ll_store_client_state *st, uint64_t height);

#endif /* LL_STORE_INTERNAL_H */
