/* The ledger-wide log in the `log` database: each block's new nodes in one value,
 * keyed by its first log index, so a block writes one append and a node read is one
 * cursor seek (the block whose append made it) and an offset. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_ledger_log.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_store_internal.h"

#define HEADER_BYTES 16	/* piece 0: u64 height, u32 tx count, u32 zero */

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
	if (rc == 0)
		rc = ll_store_put_pieces(s, txn, LL_STORE_DB_LOG, first_log, 1, nodes,
					 node_count * 32, nodes_per_piece(s) * 32, MDB_APPEND,
					 height);
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

int ll_store_log_read_node(struct ll_store *s, MDB_txn *txn, unsigned level, uint64_t index,
			   uint8_t out[32])
{
	struct log_block b;
	MDB_cursor *cur;
	size_t slot;
	int rc;

	if (level >= LL_LEDGER_LOG_MAX_LEVELS || index >= UINT64_MAX >> level)
		return -EINVAL;
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_LOG], &cur)))
		return ll_store_mdb_errno(rc);
	/* the node is made by the append of its last leaf */
	rc = find_block(s, cur, ((index + 1) << level) - 1, &b);
	if (rc == 0)
		rc = ll_ledger_log_node_slot(b.first_log, b.n, level, index, &slot);
	if (rc == 0) {
		uint8_t key[LL_STORE_PIECE_KEY_BYTES];
		size_t per = nodes_per_piece(s);
		ll_store_piece_key(key, b.first_log, (uint32_t)(1 + slot / per));
		MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
		if (rc == 0 && v.mv_size >= (slot % per + 1) * 32) {
			memcpy(out, (const uint8_t *)v.mv_data + slot % per * 32, 32);
		} else {
			LL_ERROR("store", "%s: log node %u/%" PRIu64 " missing from its block's "
				 "pieces: ledger damaged", s->path, level, index);
			rc = -EIO;
		}
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
