/* The ledger-wide log in the `log` database: each block's new nodes as pieces
 * keyed by its first log index, so a block writes appends only and a node read is
 * one cursor seek (the block whose append made it) and an offset. Levels 1 to
 * SKIP_LEVELS are not kept: they are three quarters of the nodes above the leaves,
 * and a proof that needs one hashes it again from at most 2^SKIP_LEVELS leaves. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_hash.h"
#include "ll_ledger_log.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_store_internal.h"

#define HEADER_BYTES 16	/* piece 0: u64 height, u32 tx count, u32 zero */
#define SKIP_LEVELS 3	/* levels 1..3 are hashed again when read */

/* Nodes to a piece: a node never straddles two. */
static size_t nodes_per_piece(const struct ll_store *s)
{
	return s->piece_bytes / 32;
}

int ll_store_log_put(struct ll_store *s, MDB_txn *txn, uint64_t height, uint64_t first_log,
		     uint32_t n, const uint8_t *nodes, size_t node_count)
{
	uint8_t header[HEADER_BYTES];
	if (n == 0)
		return 0;	/* an empty block adds nothing to the log */
	if (node_count != ll_ledger_log_append_nodes(first_log, n)) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: %zu log nodes for %" PRIu32
			 " transactions at log index %" PRIu64 " (want %zu)", s->path, height,
			 node_count, n, first_log, ll_ledger_log_append_nodes(first_log, n));
		return -EINVAL;
	}
	ll_put_le(header, height, 8);
	ll_put_le(header + 8, n, 4);
	ll_put_le(header + 12, 0, 4);
	/* first log indices only grow: appends */
	int rc = ll_store_put_pieces(s, txn, LL_STORE_DB_LOG, first_log, 0, header, sizeof header,
				     sizeof header, MDB_APPEND, height);
	/* the leaves, then the levels above SKIP_LEVELS (they follow them, packed) */
	size_t per = nodes_per_piece(s), skipped = 0, upper_piece = 1 + (n + per - 1) / per;
	for (unsigned level = 1; level <= SKIP_LEVELS; level++)
		skipped += ((first_log + n) >> level) - (first_log >> level);
	if (rc == 0)
		rc = ll_store_put_pieces(s, txn, LL_STORE_DB_LOG, first_log, 1, nodes, (size_t)n * 32,
					 per * 32, MDB_APPEND, height);
	if (rc == 0 && node_count > n + skipped)
		rc = ll_store_put_pieces(s, txn, LL_STORE_DB_LOG, first_log, (uint32_t)upper_piece,
					 nodes + (n + skipped) * 32, (node_count - n - skipped) * 32,
					 per * 32, MDB_APPEND, height);
	if (rc == LL_STORE_KEY_EXISTS) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: the log already holds index %"
			 PRIu64, s->path, height, first_log);
		return -EINVAL;
	}
	return rc;
}

/* The block holding log index i: its height, first index and tx count. */
struct log_block {
	uint64_t height;
	uint64_t first_log;
	uint32_t n;
};

static int find_block(struct ll_store *s, MDB_cursor *cur, uint64_t i, struct log_block *b)
{
	uint8_t key[LL_STORE_PIECE_KEY_BYTES];
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	int rc;

	/* the last block starting at or below i: a piece of it sits just below (i, 0) */
	ll_store_piece_key(key, i, 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != sizeof key || ll_get_be64(k.mv_data) != i))
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == sizeof key && memcmp((uint8_t *)k.mv_data + 8, "\0\0\0\0", 4)) {
		ll_store_piece_key(key, ll_get_be64(k.mv_data), 0);
		k = (MDB_val){ .mv_size = sizeof key, .mv_data = key };
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	}
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc) {
		LL_ERROR("store", "%s: read log: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	if (k.mv_size != sizeof key || v.mv_size != HEADER_BYTES) {
		LL_ERROR("store", "%s: log entry of %zu + %zu bytes: ledger damaged", s->path,
			 k.mv_size, v.mv_size);
		return -EIO;
	}
	b->first_log = ll_get_be64(k.mv_data);
	b->height = ll_get_le(v.mv_data, 8);
	b->n = (uint32_t)ll_get_le((const uint8_t *)v.mv_data + 8, 4);
	return i < b->first_log + b->n ? 0 : -ENOENT;
}

int ll_store_log_block(struct ll_store *s, MDB_txn *txn, uint64_t i, uint64_t *height,
		       uint64_t *first_log)
{
	struct log_block b;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_LOG], &cur);
	if (rc)
		return ll_store_mdb_errno(rc);
	rc = find_block(s, cur, i, &b);
	mdb_cursor_close(cur);
	if (rc == 0) {
		*height = b.height;
		*first_log = b.first_log;
	}
	return rc;
}

/* A kept node: a leaf, or a node above SKIP_LEVELS. */
static int read_kept_node(struct ll_store *s, MDB_cursor *cur, unsigned level, uint64_t index,
			  uint8_t out[32])
{
	struct log_block b;
	size_t slot;
	/* the node is made by the append of its last leaf */
	int rc = find_block(s, cur, ((index + 1) << level) - 1, &b);
	if (rc == 0)
		rc = ll_ledger_log_node_slot(b.first_log, b.n, level, index, &slot);
	if (rc < 0)
		return rc;
	size_t per = nodes_per_piece(s), piece = 1 + slot / per;
	if (level > 0) {
		size_t skipped = 0;
		for (unsigned k = 1; k <= SKIP_LEVELS; k++)
			skipped += ((b.first_log + b.n) >> k) - (b.first_log >> k);
		slot -= b.n + skipped;
		piece = 1 + (b.n + per - 1) / per + slot / per;
	}
	uint8_t key[LL_STORE_PIECE_KEY_BYTES];
	ll_store_piece_key(key, b.first_log, (uint32_t)piece);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc || v.mv_size < (slot % per + 1) * 32) {
		LL_ERROR("store", "%s: log node %u/%" PRIu64 " missing from its block's pieces: "
			 "ledger damaged", s->path, level, index);
		return -EIO;
	}
	memcpy(out, (const uint8_t *)v.mv_data + slot % per * 32, 32);
	return 0;
}

int ll_store_log_read_node(struct ll_store *s, MDB_txn *txn, unsigned level, uint64_t index,
			   uint8_t out[32])
{
	uint8_t row[(1u << SKIP_LEVELS) * 32], up[(1u << SKIP_LEVELS) * 16];
	MDB_cursor *cur;
	int rc;

	if (level >= LL_LEDGER_LOG_MAX_LEVELS || index >= UINT64_MAX >> level)
		return -EINVAL;
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_LOG], &cur)))
		return ll_store_mdb_errno(rc);
	if (level == 0 || level > SKIP_LEVELS) {
		rc = read_kept_node(s, cur, level, index, out);
	} else {
		/* its leaves, folded a level at a time (the last leaf first: is it there?) */
		uint64_t width = UINT64_C(1) << level, first = index << level;
		for (uint64_t i = width; i > 0 && rc == 0; i--)
			rc = read_kept_node(s, cur, 0, first + i - 1, row + (i - 1) * 32);
		for (; width > 1 && rc == 0; width /= 2) {
			rc = ll_hash_nodes((enum ll_hash_alg)s->hash_alg, LL_HASH_IMPL_AUTO, row,
					   (uint32_t)(width / 2), up);
			memcpy(row, up, width / 2 * 32);
		}
		if (rc == 0)
			memcpy(out, row, 32);
	}
	mdb_cursor_close(cur);
	return rc;
}

int ll_store_log_node(void *store, unsigned level, uint64_t index, uint8_t out[32])
{
	struct ll_store *s = store;
	MDB_txn *txn;
	int rc;

	if (!s || !out)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = ll_store_log_read_node(s, txn, level, index, out);
	ll_store_end_read(s, txn);
	return rc;
}

/*
 * Walks the leaves of the block whose log entry starts at first_log (n of
 * them): calls fn(ctx, i, leaf) for each until it returns non-zero (that is
 * returned), or 0 after the last; -EIO when pieces are missing.
 */
static int walk_leaves(struct ll_store *s, MDB_txn *txn, uint64_t first_log, uint32_t n,
		       int (*fn)(void *ctx, uint32_t i, const uint8_t *leaf), void *ctx)
{
	uint8_t key[LL_STORE_PIECE_KEY_BYTES];
	MDB_cursor *cur;
	size_t per = nodes_per_piece(s);
	uint32_t i = 0;
	int rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_LOG], &cur);
	if (rc)
		return ll_store_mdb_errno(rc);
	for (uint32_t piece = 1; i < n; piece++) {
		ll_store_piece_key(key, first_log, piece);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
		uint32_t want = n - i < per ? n - i : (uint32_t)per;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY)) || v.mv_size < (size_t)want * 32) {
			LL_ERROR("store", "%s: leaves of the block at log index %" PRIu64 " missing: "
				 "ledger damaged", s->path, first_log);
			rc = -EIO;
			break;
		}
		for (uint32_t j = 0; j < want && rc == 0; j++, i++)
			rc = fn(ctx, i, (const uint8_t *)v.mv_data + (size_t)j * 32);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}

struct leaf_copy {
	uint8_t *out;
};

static int copy_leaf(void *ctx, uint32_t i, const uint8_t *leaf)
{
	memcpy(((struct leaf_copy *)ctx)->out + (size_t)i * 32, leaf, 32);
	return 0;
}

int ll_store_log_leaves(struct ll_store *s, MDB_txn *txn, uint64_t first_log, uint32_t n,
			uint8_t *out)
{
	struct leaf_copy c = { .out = out };
	return walk_leaves(s, txn, first_log, n, copy_leaf, &c);
}

struct leaf_find {
	const uint8_t *txid;
	uint32_t index;
};

static int match_leaf(void *ctx, uint32_t i, const uint8_t *leaf)
{
	struct leaf_find *f = ctx;
	if (memcmp(leaf, f->txid, 32))
		return 0;
	f->index = i;
	return 1;
}

int ll_store_log_find_leaf(struct ll_store *s, MDB_txn *txn, uint64_t first_log, uint32_t n,
			   const uint8_t *txid, uint32_t *index)
{
	struct leaf_find f = { .txid = txid };
	int rc = walk_leaves(s, txn, first_log, n, match_leaf, &f);
	if (rc == 1) {
		*index = f.index;
		return 0;
	}
	return rc < 0 ? rc : -ENOENT;
}
