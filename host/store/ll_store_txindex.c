/* The txindex (txid -> log index) as sorted runs, so a block's index entries go in
 * with its transaction as one sequential append, not one random B+tree insert each.
 *
 * Every block with transactions adds a run: its txids sorted, written as chunks
 * keyed run id || last txid || chunk number (one overflow page each), so a
 * lookup is one cursor seek and a binary search per run. The `txruns` meta value
 * lists the live runs in log order. A merge thread folds FANOUT adjacent runs of
 * one level into one run of the next level, working in memory from a read
 * transaction; the commit thread writes its output a bounded number of chunks per
 * block, in the blocks' own transactions, and swaps it in for its inputs in one
 * of them. Replaced runs are deleted the same way, a bounded number per block.
 * A merge that did not finish before a crash is only garbage: `txmerge_out`
 * names it, and recovery queues it for deletion.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_store_internal.h"

#define ENTRY_BYTES	40		/* txid[32], u64 LE log index */
#define KEY_BYTES	44		/* u64 BE run id, last txid[32], u32 BE chunk number */
#define DIR_BYTES	32		/* u64 run id, first log index, entries; u8 level; pad */
#define FANOUT		8
#define FROZEN		255		/* level of a run too large to merge again */
/* Largest merge in entries: the merge thread holds its inputs and output in memory. */
#define MERGE_MAX_ENTRIES	(UINT64_C(1) << 21)
/* Unfrozen runs beyond which a commit waits for the merge thread and writes all
 * the merge output it has: bounds the runs a lookup searches. */
#define STALL_RUNS	(16 * FANOUT)
/* Chunks of merge output written, or of replaced runs deleted, per block. */
#define BUDGET_BASE_CHUNKS	32
#define BUDGET_PER_CHUNK	4

struct run {
	uint64_t id;
	uint64_t first_log;
	uint64_t entries;
	uint8_t level;
};

enum merge_phase { MERGE_IDLE, MERGE_BUSY, MERGE_READY };

/* A merge between the merge thread (which fills it) and the commit thread (which lands it). */
struct merge {
	uint64_t in_ids[FANOUT];
	struct run out;			/* out.id is 0 until a committed txn allocated it */
	uint8_t *entries;		/* out.entries * ENTRY_BYTES, sorted */
	uint64_t chunks_done;		/* output chunks committed so far */
};

/* What the block's transaction did to the merge, applied once it is committed. */
struct txn_effect {
	bool valid;
	uint64_t out_id;
	uint64_t chunks_done;
	bool landed;
	uint64_t unfrozen_runs;
};

struct sort_item {
	uint64_t key;		/* the txid's first 8 bytes, big-endian */
	uint32_t index;		/* within the block */
};

struct ll_store_txindex {
	size_t chunk_entries;		/* entries per chunk: one overflow page */
	/* the commit thread's scratch and state */
	struct sort_item *items, *tmp;
	size_t item_room;
	struct run *dir;
	size_t dir_room;
	uint64_t *garbage;
	size_t garbage_room;
	struct txn_effect effect;
	uint64_t unfrozen_runs;
	/* shared with the merge thread, under lock */
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	enum merge_phase phase;
	bool kick, stop, started;
	struct merge merge;
	pthread_t thread;
	uint64_t merges, stalls;
};

/* --- keys, the run directory, the garbage list --- */

static void chunk_key(uint8_t key[KEY_BYTES], uint64_t id, const uint8_t *last, uint32_t chunk)
{
	ll_put_be64(key, id);
	memcpy(key + 8, last, 32);
	key[40] = (uint8_t)(chunk >> 24);
	key[41] = (uint8_t)(chunk >> 16);
	key[42] = (uint8_t)(chunk >> 8);
	key[43] = (uint8_t)chunk;
}

static int grow(void **buf, size_t *room, size_t want, size_t elem)
{
	if (want <= *room)
		return 0;
	size_t next = *room ? *room : 64;
	while (next < want)
		next *= 2;
	void *p = realloc(*buf, next * elem);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*room = next;
	return 0;
}

static int read_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t *v, uint64_t dflt)
{
	MDB_val val;
	int rc = ll_store_meta_get(s, txn, key, &val);
	if (rc == -ENOENT) {
		*v = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (val.mv_size != 8) {
		LL_ERROR("store", "%s: meta %s is %zu bytes, not 8: ledger damaged", s->path, key,
			 val.mv_size);
		return -EIO;
	}
	*v = ll_get_le(val.mv_data, 8);
	return 0;
}

static int write_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t v)
{
	uint8_t buf[8];
	ll_put_le(buf, v, 8);
	return ll_store_meta_put(s, txn, key, buf, sizeof buf);
}

/* The live runs, oldest first, into *dir (grown as needed); *count their number. */
static int dir_read(struct ll_store *s, MDB_txn *txn, struct run **dir, size_t *room,
		    size_t *count)
{
	MDB_val v = { .mv_size = 0 };
	int rc = ll_store_meta_get(s, txn, "txruns", &v);
	*count = 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (v.mv_size % DIR_BYTES) {
		LL_ERROR("store", "%s: meta txruns is %zu bytes: ledger damaged", s->path, v.mv_size);
		return -EIO;
	}
	/* room for one more: the block's own run */
	size_t n = v.mv_size / DIR_BYTES;
	if ((rc = grow((void **)dir, room, n + 1, sizeof **dir)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)v.mv_data + i * DIR_BYTES;
		(*dir)[i] = (struct run){ .id = ll_get_le(p, 8), .first_log = ll_get_le(p + 8, 8),
					  .entries = ll_get_le(p + 16, 8), .level = p[24] };
	}
	*count = n;
	return 0;
}

static int dir_write(struct ll_store *s, MDB_txn *txn, const struct run *dir, size_t count)
{
	MDB_val k = { .mv_size = 6, .mv_data = "txruns" }, v = { .mv_size = count * DIR_BYTES };
	int rc = mdb_put(txn, s->dbi[LL_STORE_DB_META], &k, &v, MDB_RESERVE);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc) {
		LL_ERROR("store", "%s: write meta txruns: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	uint8_t *p = v.mv_data;
	memset(p, 0, v.mv_size);
	for (size_t i = 0; i < count; i++, p += DIR_BYTES) {
		ll_put_le(p, dir[i].id, 8);
		ll_put_le(p + 8, dir[i].first_log, 8);
		ll_put_le(p + 16, dir[i].entries, 8);
		p[24] = dir[i].level;
	}
	return 0;
}

static int garbage_read(struct ll_store *s, MDB_txn *txn, struct ll_store_txindex *t,
			size_t *count)
{
	MDB_val v = { .mv_size = 0 };
	int rc = ll_store_meta_get(s, txn, "txgarbage", &v);
	*count = 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (v.mv_size % 8) {
		LL_ERROR("store", "%s: meta txgarbage is %zu bytes: ledger damaged", s->path,
			 v.mv_size);
		return -EIO;
	}
	/* room for a landing merge's inputs */
	if ((rc = grow((void **)&t->garbage, &t->garbage_room, v.mv_size / 8 + FANOUT + 1,
		       sizeof *t->garbage)) < 0)
		return rc;
	for (size_t i = 0; i < v.mv_size / 8; i++)
		t->garbage[i] = ll_get_le((const uint8_t *)v.mv_data + i * 8, 8);
	*count = v.mv_size / 8;
	return 0;
}

static int garbage_write(struct ll_store *s, MDB_txn *txn, const uint64_t *ids, size_t count)
{
	if (count == 0) {
		int rc = ll_store_meta_del(s, txn, "txgarbage");
		return rc == -ENOENT ? 0 : rc;
	}
	MDB_val k = { .mv_size = 9, .mv_data = "txgarbage" }, v = { .mv_size = count * 8 };
	int rc = mdb_put(txn, s->dbi[LL_STORE_DB_META], &k, &v, MDB_RESERVE);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc) {
		LL_ERROR("store", "%s: write meta txgarbage: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	for (size_t i = 0; i < count; i++)
		ll_put_le((uint8_t *)v.mv_data + i * 8, ids[i], 8);
	return 0;
}

/* --- writing runs --- */

/* Orders a block's txids: LSD radix on the top 32 bits, then insertion fixes ties. */
static void sort_txids(const uint8_t *txids, uint32_t n, struct sort_item *a,
		       struct sort_item *tmp)
{
	for (uint32_t i = 0; i < n; i++)
		a[i] = (struct sort_item){ .key = ll_get_be64(txids + (size_t)i * 32), .index = i };
	for (unsigned shift = 32; shift < 64; shift += 8) {
		uint32_t count[257] = { 0 };
		for (uint32_t i = 0; i < n; i++)
			count[((a[i].key >> shift) & 255) + 1]++;
		for (unsigned b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(a[i].key >> shift) & 255]++] = a[i];
		struct sort_item *swap = a;
		a = tmp;
		tmp = swap;
	}
	/* four passes: the result is back in the caller's `a` */
	for (uint32_t i = 1; i < n; i++) {
		struct sort_item x = a[i];
		uint32_t j = i;
		while (j > 0 && (a[j - 1].key > x.key ||
				 (a[j - 1].key == x.key &&
				  memcmp(txids + (size_t)a[j - 1].index * 32,
					 txids + (size_t)x.index * 32, 32) > 0))) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* A block's run: its txids sorted, each chunk filled straight into LMDB's page. */
static int write_block_run(struct ll_store *s, MDB_txn *txn, uint64_t id, uint64_t height,
			   const uint8_t *txids, uint32_t n, uint64_t first_log)
{
	struct ll_store_txindex *t = s->txindex;
	uint8_t key[KEY_BYTES];
	int rc;

	if ((rc = grow((void **)&t->items, &t->item_room, n, sizeof *t->items)) < 0)
		return rc;
	/* tmp grows with items: one room for both */
	struct sort_item *tmp = realloc(t->tmp, t->item_room * sizeof *tmp);
	if (!tmp)
		return -ENOMEM;
	t->tmp = tmp;
	sort_txids(txids, n, t->items, t->tmp);

	uint32_t chunk = 0;
	for (uint32_t at = 0; at < n; at += (uint32_t)t->chunk_entries, chunk++) {
		uint32_t count = n - at < t->chunk_entries ? n - at : (uint32_t)t->chunk_entries;
		const struct sort_item *it = t->items + at;
		chunk_key(key, id, txids + (size_t)it[count - 1].index * 32, chunk);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key };
		MDB_val v = { .mv_size = (size_t)count * ENTRY_BYTES };
		/* the newest run has the largest id: every chunk is an append */
		rc = ll_store_put(s, txn, LL_STORE_DB_TXINDEX, &k, &v, MDB_APPEND | MDB_RESERVE,
				  height);
		if (rc == LL_STORE_KEY_EXISTS) {
			LL_ERROR("store", "%s: txindex run %" PRIu64 " is not the newest: ledger "
				 "damaged", s->path, id);
			return -EIO;
		}
		if (rc)
			return rc;
		uint8_t *p = v.mv_data;
		for (uint32_t i = 0; i < count; i++, p += ENTRY_BYTES) {
			memcpy(p, txids + (size_t)it[i].index * 32, 32);
			ll_put_le(p + 32, first_log + it[i].index, 8);
		}
	}
	return 0;
}

/* Writes merge output chunks [from, to). */
static int write_merge_chunks(struct ll_store *s, MDB_txn *txn, const struct merge *m,
			      uint64_t id, uint64_t from, uint64_t to, uint64_t height)
{
	struct ll_store_txindex *t = s->txindex;
	uint8_t key[KEY_BYTES];

	for (uint64_t c = from; c < to; c++) {
		uint64_t at = c * t->chunk_entries;
		uint64_t count = m->out.entries - at < t->chunk_entries ? m->out.entries - at
								       : t->chunk_entries;
		const uint8_t *first = m->entries + at * ENTRY_BYTES;
		chunk_key(key, id, first + (count - 1) * ENTRY_BYTES, (uint32_t)c);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key };
		MDB_val v = { .mv_size = count * ENTRY_BYTES, .mv_data = (void *)first };
		int rc = ll_store_put(s, txn, LL_STORE_DB_TXINDEX, &k, &v, MDB_NOOVERWRITE, height);
		if (rc == LL_STORE_KEY_EXISTS) {
			LL_ERROR("store", "%s: txindex run %" PRIu64 " chunk %" PRIu64 " written "
				 "twice: ledger damaged", s->path, id, c);
			return -EIO;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Deletes up to *budget chunks of the oldest garbage runs; drops finished ones from the list. */
static int delete_garbage(struct ll_store *s, MDB_txn *txn, uint64_t *ids, size_t *count,
			  uint64_t *budget)
{
	MDB_cursor *cur;
	uint8_t key[KEY_BYTES];
	int rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_TXINDEX], &cur);
	if (rc)
		return ll_store_mdb_errno(rc);
	while (*count > 0 && *budget > 0) {
		MDB_val k, v;
		for (;;) {
			/* seek afresh after each delete: the run's first chunk left */
			memset(key, 0, sizeof key);
			ll_put_be64(key, ids[0]);
			k = (MDB_val){ .mv_size = sizeof key, .mv_data = key };
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (rc || *budget == 0 || ll_get_be64(k.mv_data) != ids[0])
				break;
			if ((rc = mdb_cursor_del(cur, 0)))
				break;
			(*budget)--;
		}
		if (rc == MDB_MAP_FULL) {
			mdb_cursor_close(cur);
			return LL_STORE_RETRY_MAP_FULL;
		}
		if (rc && rc != MDB_NOTFOUND) {
			LL_ERROR("store", "%s: delete txindex run %" PRIu64 ": %s", s->path, ids[0],
				 mdb_strerror(rc));
			mdb_cursor_close(cur);
			return ll_store_mdb_errno(rc);
		}
		if (rc == 0 && ll_get_be64(k.mv_data) == ids[0])
			break;			/* budget spent mid-run */
		memmove(ids, ids + 1, (*count - 1) * sizeof *ids);
		(*count)--;
	}
	mdb_cursor_close(cur);
	return 0;
}

static uint64_t chunks_of(const struct ll_store_txindex *t, uint64_t entries)
{
	return (entries + t->chunk_entries - 1) / t->chunk_entries;
}

/* Puts the merge's output in place of its inputs, which become garbage. */
static int land_merge(struct ll_store *s, const struct merge *m, uint64_t out_id, size_t *dir_n,
		      uint64_t *garbage, size_t *garbage_n)
{
	struct ll_store_txindex *t = s->txindex;
	size_t at = 0;
	while (at < *dir_n && t->dir[at].id != m->in_ids[0])
		at++;
	for (size_t i = 0; i < FANOUT; i++) {
		if (at + i >= *dir_n || t->dir[at + i].id != m->in_ids[i]) {
			LL_ERROR("store", "%s: merge inputs are no longer runs in a row: ledger "
				 "damaged", s->path);
			return -EIO;
		}
		garbage[(*garbage_n)++] = m->in_ids[i];
	}
	t->dir[at] = m->out;
	t->dir[at].id = out_id;
	memmove(t->dir + at + 1, t->dir + at + FANOUT, (*dir_n - at - FANOUT) * sizeof *t->dir);
	*dir_n -= FANOUT - 1;
	return 0;
}

int ll_store_txindex_commit(struct ll_store *s, MDB_txn *txn, uint64_t height,
			    const uint8_t *txids, uint32_t n, uint64_t first_log)
{
	struct ll_store_txindex *t = s->txindex;
	struct txn_effect *e = &t->effect;
	uint64_t next_id;
	size_t dir_n, garbage_n;
	int rc;

	memset(e, 0, sizeof *e);
	if ((rc = dir_read(s, txn, &t->dir, &t->dir_room, &dir_n)) < 0 ||
	    (rc = garbage_read(s, txn, t, &garbage_n)) < 0 ||
	    (rc = read_u64(s, txn, "txrun_next", &next_id, 1)) < 0)
		return rc;
	if (n > 0) {
		uint64_t id = next_id++;
		if ((rc = write_block_run(s, txn, id, height, txids, n, first_log)))
			return rc;
		t->dir[dir_n++] = (struct run){ .id = id, .first_log = first_log, .entries = n };
	}

	uint64_t unfrozen = 0;
	for (size_t i = 0; i < dir_n; i++)
		unfrozen += t->dir[i].level != FROZEN;
	uint64_t budget = unfrozen > STALL_RUNS ? UINT64_MAX
			: BUDGET_BASE_CHUNKS + BUDGET_PER_CHUNK * chunks_of(t, n);

	pthread_mutex_lock(&t->lock);
	bool ready = t->phase == MERGE_READY;
	pthread_mutex_unlock(&t->lock);
	if (ready) {
		/* the commit thread alone touches a READY merge */
		const struct merge *m = &t->merge;
		uint64_t out_id = m->out.id, total = chunks_of(t, m->out.entries);
		if (!out_id) {
			out_id = next_id++;
			if ((rc = write_u64(s, txn, "txmerge_out", out_id)))
				return rc;
		}
		uint64_t to = total - m->chunks_done <= budget ? total : m->chunks_done + budget;
		if ((rc = write_merge_chunks(s, txn, m, out_id, m->chunks_done, to, height)))
			return rc;
		budget -= to - m->chunks_done;
		e->out_id = out_id;
		e->chunks_done = to;
		if (to == total) {
			if ((rc = land_merge(s, m, out_id, &dir_n, t->garbage, &garbage_n)) < 0)
				return rc;
			if ((rc = ll_store_meta_del(s, txn, "txmerge_out")))
				return rc;
			e->landed = true;
			unfrozen -= FANOUT;
			unfrozen += m->out.level != FROZEN;
		}
	}
	if (garbage_n && budget &&
	    (rc = delete_garbage(s, txn, t->garbage, &garbage_n, &budget)))
		return rc;
	if ((rc = dir_write(s, txn, t->dir, dir_n)) || (rc = garbage_write(s, txn, t->garbage,
									      garbage_n)) ||
	    (rc = write_u64(s, txn, "txrun_next", next_id)))
		return rc;
	e->unfrozen_runs = unfrozen;
	e->valid = true;
	return 0;
}

void ll_store_txindex_committed(struct ll_store *s)
{
	struct ll_store_txindex *t = s->txindex;
	struct txn_effect *e = &t->effect;
	if (!e->valid)
		return;
	e->valid = false;
	t->unfrozen_runs = e->unfrozen_runs;
	pthread_mutex_lock(&t->lock);
	if (t->phase == MERGE_READY) {
		t->merge.out.id = e->out_id;
		t->merge.chunks_done = e->chunks_done;
		if (e->landed) {
			free(t->merge.entries);
			memset(&t->merge, 0, sizeof t->merge);
			t->phase = MERGE_IDLE;
			t->merges++;
		}
	}
	if (t->phase == MERGE_IDLE) {
		t->kick = true;
		pthread_cond_signal(&t->wake);
	}
	pthread_mutex_unlock(&t->lock);
}

void ll_store_txindex_prepare(struct ll_store *s)
{
	struct ll_store_txindex *t = s->txindex;
	if (t->unfrozen_runs <= STALL_RUNS)
		return;
	/* merging lags: wait for the merge being worked out, so this block lands it */
	pthread_mutex_lock(&t->lock);
	if (t->phase == MERGE_BUSY)
		t->stalls++;
	while (t->phase == MERGE_BUSY)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

/* --- the merge thread --- */

/* Appends run `r`'s entries to buf (room for them); -EIO when they are not all there. */
static int read_run(struct ll_store *s, MDB_txn *txn, MDB_cursor *cur, const struct run *r,
		    uint8_t *buf)
{
	uint8_t key[KEY_BYTES] = { 0 };
	uint64_t got = 0;
	ll_put_be64(key, r->id);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	(void)txn;
	while (rc == 0 && k.mv_size == KEY_BYTES && ll_get_be64(k.mv_data) == r->id) {
		if (v.mv_size % ENTRY_BYTES || got + v.mv_size / ENTRY_BYTES > r->entries)
			break;
		memcpy(buf + got * ENTRY_BYTES, v.mv_data, v.mv_size);
		got += v.mv_size / ENTRY_BYTES;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc && rc != MDB_NOTFOUND)
		return ll_store_mdb_errno(rc);
	if (got != r->entries) {
		LL_ERROR("store", "%s: txindex run %" PRIu64 " holds %" PRIu64 " of its %" PRIu64
			 " entries: ledger damaged", s->path, r->id, got, r->entries);
		return -EIO;
	}
	return 0;
}

/* FANOUT sorted runs, back to back in `in`, into one sorted run; older first on ties. */
static void merge_runs(const uint8_t *in, const uint64_t *counts, uint8_t *out)
{
	const uint8_t *head[FANOUT], *end[FANOUT];
	uint64_t key[FANOUT];
	const uint8_t *p = in;
	for (int i = 0; i < FANOUT; i++) {
		head[i] = p;
		p += counts[i] * ENTRY_BYTES;
		end[i] = p;
		key[i] = head[i] < end[i] ? ll_get_be64(head[i]) : UINT64_MAX;
	}
	for (;;) {
		int best = -1;
		for (int i = 0; i < FANOUT; i++) {
			if (head[i] == end[i])
				continue;
			if (best < 0 || key[i] < key[best] ||
			    (key[i] == key[best] && memcmp(head[i], head[best], 32) < 0))
				best = i;
		}
		if (best < 0)
			return;
		memcpy(out, head[best], ENTRY_BYTES);
		out += ENTRY_BYTES;
		head[best] += ENTRY_BYTES;
		key[best] = head[best] < end[best] ? ll_get_be64(head[best]) : UINT64_MAX;
	}
}

/*
 * Picks the oldest FANOUT adjacent runs of the lowest level that has them and
 * merges them into *m. Returns 1 with *m filled, 0 when there is nothing to
 * merge, or -errno.
 */
static int plan_merge(struct ll_store *s, struct merge *m)
{
	struct run *dir = NULL;
	size_t room = 0, n, pick = SIZE_MAX;
	uint64_t total = 0, counts[FANOUT];
	uint8_t *in = NULL;
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	int rc;

	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	if ((rc = dir_read(s, txn, &dir, &room, &n)) < 0)
		goto out;
	for (unsigned level = 0; level < FROZEN && pick == SIZE_MAX; level++) {
		for (size_t i = 0; i + FANOUT <= n; i++) {
			size_t j = 0;
			total = 0;
			while (j < FANOUT && dir[i + j].level == level)
				total += dir[i + j++].entries;
			if (j == FANOUT && total <= MERGE_MAX_ENTRIES) {
				pick = i;
				break;
			}
		}
	}
	rc = 0;
	if (pick == SIZE_MAX)
		goto out;
	rc = -ENOMEM;
	if (!(in = malloc(total * ENTRY_BYTES)) || !(m->entries = malloc(total * ENTRY_BYTES)))
		goto out;
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_TXINDEX], &cur))) {
		rc = ll_store_mdb_errno(rc);
		goto out;
	}
	uint64_t at = 0;
	for (size_t i = 0; i < FANOUT; i++) {
		const struct run *r = &dir[pick + i];
		if ((rc = read_run(s, txn, cur, r, in + at * ENTRY_BYTES)) < 0)
			goto out;
		m->in_ids[i] = r->id;
		counts[i] = r->entries;
		at += r->entries;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	uint8_t level = dir[pick].level;
	m->out = (struct run){ .first_log = dir[pick].first_log, .entries = total,
			       .level = total > MERGE_MAX_ENTRIES / FANOUT ? FROZEN : level + 1 };
	m->chunks_done = 0;
	ll_store_end_read(s, txn);
	txn = NULL;
	merge_runs(in, counts, m->entries);	/* outside the read: the map may grow meanwhile */
	rc = 1;
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		ll_store_end_read(s, txn);
	if (rc != 1) {
		free(m->entries);
		m->entries = NULL;
	}
	free(in);
	free(dir);
	return rc;
}

static void *merge_thread(void *arg)
{
	struct ll_store *s = arg;
	struct ll_store_txindex *t = s->txindex;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->stop && !(t->phase == MERGE_IDLE && t->kick))
			pthread_cond_wait(&t->wake, &t->lock);
		if (t->stop)
			break;
		t->kick = false;
		t->phase = MERGE_BUSY;
		pthread_mutex_unlock(&t->lock);

		struct merge m = { 0 };
		int rc = plan_merge(s, &m);
		if (rc < 0)
			LL_ERROR("store", "%s: txindex merge: %s (lookups search more runs until "
				 "it succeeds)", s->path, strerror(-rc));

		pthread_mutex_lock(&t->lock);
		if (rc == 1) {
			t->merge = m;
			t->phase = MERGE_READY;
		} else {
			t->phase = MERGE_IDLE;
		}
		pthread_cond_broadcast(&t->done);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* --- open, close, recovery, lookup --- */

int ll_store_txindex_open(struct ll_store *s)
{
	struct ll_store_txindex *t = calloc(1, sizeof *t);
	MDB_stat st;
	int rc;

	if (!t)
		return -ENOMEM;
	if ((rc = mdb_env_stat(s->env, &st))) {
		free(t);
		return ll_store_mdb_errno(rc);
	}
	/* an overflow page holds its value after a 16-byte page header */
	t->chunk_entries = (st.ms_psize - 16) / ENTRY_BYTES;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	pthread_cond_init(&t->done, NULL);
	s->txindex = t;
	if ((rc = -pthread_create(&t->thread, NULL, merge_thread, s)) < 0) {
		LL_ERROR("store", "%s: start the txindex merge thread: %s", s->path, strerror(-rc));
		ll_store_txindex_close(s);
		return rc;
	}
	t->started = true;
	/* runs left from before may be ready to merge */
	pthread_mutex_lock(&t->lock);
	t->kick = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void ll_store_txindex_close(struct ll_store *s)
{
	struct ll_store_txindex *t = s->txindex;
	if (!t)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	pthread_cond_destroy(&t->wake);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
	free(t->merge.entries);
	free(t->items);
	free(t->tmp);
	free(t->dir);
	free(t->garbage);
	free(t);
	s->txindex = NULL;
}

int ll_store_txindex_recover(struct ll_store *s, MDB_txn *txn)
{
	uint64_t out_id;
	MDB_val old = { .mv_size = 0 };
	int rc;

	if ((rc = read_u64(s, txn, "txmerge_out", &out_id, 0)) < 0 || out_id == 0)
		return rc;
	/* a merge's output, cut short: never in the directory, so only garbage */
	if ((rc = ll_store_meta_get(s, txn, "txgarbage", &old)) < 0 && rc != -ENOENT)
		return rc;
	uint8_t *ids = malloc(old.mv_size + 8);
	if (!ids)
		return -ENOMEM;
	memcpy(ids, old.mv_data, old.mv_size);
	ll_put_le(ids + old.mv_size, out_id, 8);
	LL_INFO("store", "%s: txindex merge into run %" PRIu64 " was cut short; deleting it",
		s->path, out_id);
	rc = ll_store_meta_put(s, txn, "txgarbage", ids, old.mv_size + 8);
	free(ids);
	return rc ? rc : ll_store_meta_del(s, txn, "txmerge_out");
}

/* The first entry for txid in a run's chunk: 0 and *log_index, or -ENOENT. */
static int chunk_find(const MDB_val *v, const uint8_t *txid, uint64_t *log_index)
{
	const uint8_t *e = v->mv_data;
	size_t lo = 0, hi = v->mv_size / ENTRY_BYTES;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(e + mid * ENTRY_BYTES, txid, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == v->mv_size / ENTRY_BYTES || memcmp(e + lo * ENTRY_BYTES, txid, 32))
		return -ENOENT;
	*log_index = ll_get_le(e + lo * ENTRY_BYTES + 32, 8);
	return 0;
}

int ll_store_txindex_lookup(struct ll_store *s, MDB_txn *txn, const uint8_t *txid,
			    uint64_t *log_index)
{
	struct run *dir = NULL;
	size_t room = 0, n;
	MDB_cursor *cur;
	int rc;

	if ((rc = dir_read(s, txn, &dir, &room, &n)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_TXINDEX], &cur))) {
		free(dir);
		return ll_store_mdb_errno(rc);
	}
	rc = -ENOENT;
	/* oldest run first: a txid committed twice is found where it was first */
	for (size_t i = 0; i < n && rc == -ENOENT; i++) {
		uint8_t key[KEY_BYTES];
		chunk_key(key, dir[i].id, txid, 0);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
		int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (mrc == MDB_NOTFOUND)
			continue;
		if (mrc) {
			rc = ll_store_mdb_errno(mrc);
			break;
		}
		if (k.mv_size != KEY_BYTES || ll_get_be64(k.mv_data) != dir[i].id)
			continue;
		if (v.mv_size % ENTRY_BYTES) {
			LL_ERROR("store", "%s: txindex chunk of %zu bytes: ledger damaged", s->path,
				 v.mv_size);
			rc = -EIO;
			break;
		}
		rc = chunk_find(&v, txid, log_index);
	}
	mdb_cursor_close(cur);
	free(dir);
	return rc;
}

int ll_store_index_stats(ll_store_t *s, struct ll_store_index_stats *out)
{
	struct run *dir = NULL;
	size_t room = 0, n, garbage_n = 0;
	MDB_txn *txn;
	MDB_val v;
	int rc;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = dir_read(s, txn, &dir, &room, &n);
	if (rc == 0 && ll_store_meta_get(s, txn, "txgarbage", &v) == 0)
		garbage_n = v.mv_size / 8;
	if (rc == 0)
		rc = read_u64(s, txn, "log_size", &out->log_size, 0);
	ll_store_end_read(s, txn);
	if (rc < 0)
		return rc;
	out->contiguous = true;
	for (size_t i = 0; i < n; i++) {
		out->contiguous &= dir[i].first_log == out->entries;
		out->entries += dir[i].entries;
		out->frozen_runs += dir[i].level == FROZEN;
	}
	out->runs = n;
	out->garbage_runs = garbage_n;
	free(dir);
	pthread_mutex_lock(&s->txindex->lock);
	out->merges = s->txindex->merges;
	out->merge_stalls = s->txindex->stalls;
	pthread_mutex_unlock(&s->txindex->lock);
	return 0;
}
