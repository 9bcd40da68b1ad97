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

#define VALUE_HEADER_BYTES 16	/* u64 height, u32 tx count, u32 zero */

int ll_store_log_put(struct ll_store *s, MDB_txn *txn, uint64_t height, uint64_t first_log,
		     uint32_t n, const uint8_t *nodes, size_t node_count)
{
	uint8_t key[8];
	if (n == 0)
		return 0;	/* an empty block adds nothing to the log */
	if (node_count != ll_ledger_log_append_nodes(first_log, n)) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: %zu log nodes for %" PRIu32
			 " transactions at log index %" PRIu64 " (want %zu)", s->path, height,
			 node_count, n, first_log, ll_ledger_log_append_nodes(first_log, n));
		return -EINVAL;
	}
	ll_put_be64(key, first_log);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };
	MDB_val v = { .mv_size = VALUE_HEADER_BYTES + node_count * 32 };
	int rc = ll_store_put(s, txn, LL_STORE_DB_LOG, &k, &v, MDB_APPEND | MDB_RESERVE, height);
	if (rc == LL_STORE_KEY_EXISTS) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: the log already holds index %"
			 PRIu64, s->path, height, first_log);
		return -EINVAL;
	}
	if (rc)
		return rc;
	uint8_t *p = v.mv_data;
	ll_put_le(p, height, 8);
	ll_put_le(p + 8, n, 4);
	ll_put_le(p + 12, 0, 4);
	memcpy(p + VALUE_HEADER_BYTES, nodes, node_count * 32);
	return 0;
}

/* The value of the block holding log index i: height, first index, tx count, nodes. */
struct log_block {
	uint64_t height;
	uint64_t first_log;
	uint32_t n;
	const uint8_t *nodes;
	size_t node_count;
};

static int find_block(struct ll_store *s, MDB_txn *txn, uint64_t i, struct log_block *b)
{
	MDB_cursor *cur;
	uint8_t key[8];
	int rc;

	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_LOG], &cur)))
		return ll_store_mdb_errno(rc);
	ll_put_be64(key, i);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	/* the entry with the largest key at or below i */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && ll_get_be64(k.mv_data) != i)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc) {
		LL_ERROR("store", "%s: read log: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	if (k.mv_size != 8 || v.mv_size < VALUE_HEADER_BYTES) {
		LL_ERROR("store", "%s: log entry of %zu + %zu bytes: ledger damaged", s->path,
			 k.mv_size, v.mv_size);
		return -EIO;
	}
	const uint8_t *p = v.mv_data;
	b->first_log = ll_get_be64(k.mv_data);
	b->height = ll_get_le(p, 8);
	b->n = (uint32_t)ll_get_le(p + 8, 4);
	b->nodes = p + VALUE_HEADER_BYTES;
	b->node_count = (v.mv_size - VALUE_HEADER_BYTES) / 32;
	if (b->node_count * 32 + VALUE_HEADER_BYTES != v.mv_size ||
	    b->node_count != ll_ledger_log_append_nodes(b->first_log, b->n)) {
		LL_ERROR("store", "%s: log entry at index %" PRIu64 " has %zu bytes for %" PRIu32
			 " transactions: ledger damaged", s->path, b->first_log, v.mv_size, b->n);
		return -EIO;
	}
	return i < b->first_log + b->n ? 0 : -ENOENT;
}

int ll_store_log_block(struct ll_store *s, MDB_txn *txn, uint64_t i, uint64_t *height,
		       uint64_t *first_log)
{
	struct log_block b;
	int rc = find_block(s, txn, i, &b);
	if (rc == 0) {
		*height = b.height;
		*first_log = b.first_log;
	}
	return rc;
}

int ll_store_log_node(void *store, unsigned level, uint64_t index, uint8_t out[32])
{
	struct ll_store *s = store;
	struct log_block b;
	MDB_txn *txn;
	size_t slot;
	int rc;

	if (!s || !out || level >= LL_LEDGER_LOG_MAX_LEVELS || index >= UINT64_MAX >> level)
		return -EINVAL;
	/* the node is made by the append of its last leaf */
	uint64_t last = ((index + 1) << level) - 1;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = find_block(s, txn, last, &b);
	if (rc == 0 && (rc = ll_ledger_log_node_slot(b.first_log, b.n, level, index, &slot)) == 0)
		memcpy(out, b.nodes + slot * 32, 32);
	ll_store_end_read(s, txn);
	return rc;
}
