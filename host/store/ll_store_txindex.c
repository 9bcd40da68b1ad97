/* The txindex (txid -> log index) as sorted runs, so a block's index entries go in
 * with its transaction as one sequential append, not one random B+tree insert each.
 *
 * Every block with transactions adds a level-0 run: its txids, which the log
 * already holds as its leaves, so the block writes only the run's directory key
 * and a lookup scans them. Merged runs are (txid prefix, log index) entries in
 * order, written as chunks keyed run id || last prefix || chunk number (one
 * overflow page each): a lookup is one cursor seek and a binary search, and a
 * prefix match is confirmed against the leaf the log holds at that index. Meta
 * keys "txrun" || first log index (big-endian) list the live runs, oldest first.
 * A merge thread folds the oldest FANOUT runs (not necessarily neighbours) of
 * one level into one run of the next level, working in memory from a read
 * transaction; the commit thread writes its output a bounded number of chunks per
 * block, in the blocks' own transactions, and swaps it in for its inputs in one
 * of them. Replaced runs are deleted the same way, a bounded number per block.
 * Two merges may be in flight, so small ones keep landing while a big one does.
 * A merge that did not finish before a crash is only garbage: a "txmout" key
 * names its output, and recovery queues it for deletion.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_err.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_store_internal.h"

#define ENTRY_BYTES	14		/* txid's first 8 bytes, u48 LE log index */
#define KEY_BYTES	20		/* u64 BE run id, last prefix, u32 BE chunk number */
#define DIR_KEY		"txrun"		/* + u64 BE first log index -> u64 id, u64 entries, u8 level */
#define DIR_KEY_BYTES	13
#define DIR_VALUE_BYTES	17
#define GARBAGE_KEY	"txgarb"	/* + u64 BE run id -> nothing */
#define GARBAGE_KEY_BYTES 14
#define OUTPUT_KEY	"txmout"	/* + u64 BE run id: a merge output being written */
/* Two merges in flight, each worked out by its own thread; slot 0 takes only
 * small ones, so level-0 runs keep being folded while a big merge is worked out
 * and landed. */
#define MERGE_SLOTS	2
#define SMALL_MERGE_ENTRIES	(UINT64_C(1) << 17)
#define FANOUT		16
#define FROZEN		255		/* level of a run too large to merge again */
/* Largest merge in entries: the merge thread holds its inputs and output in memory. */
#define MERGE_MAX_ENTRIES	(UINT64_C(1) << 22)
/* Unfrozen runs beyond which a commit waits for the merge thread and writes
 * STALL_BUDGET_FACTOR times more merge output: bounds the runs a lookup searches
 * without one block's transaction ever landing a whole big merge. */
#define STALL_RUNS	(8 * FANOUT)
#define STALL_BUDGET_FACTOR	16
/* Chunks of merge output written, or of replaced runs deleted, per block. */
#define BUDGET_BASE_CHUNKS	32
#define BUDGET_PER_CHUNK	4

#define MAX_LOG_INDEX	(UINT64_C(1) << 48)	/* entries keep 6 bytes of it */

struct run {
	uint64_t id;			/* 0: a level-0 run, the block's leaves in the log */
	uint64_t first_log;
	uint64_t entries;
	uint8_t level;
};

enum merge_phase { MERGE_IDLE, MERGE_BUSY, MERGE_READY };

/* A merge between the merge thread (which fills it) and the commit thread (which lands it). */
struct merge {
	bool picked;			/* in[] is published: the other slot keeps off it */
	struct run in[FANOUT];
	struct run out;			/* out.id is 0 until a committed txn allocated it */
	uint8_t *entries;		/* out.entries * ENTRY_BYTES, in order */
	uint64_t chunks_done;		/* output chunks committed so far */
};

/* What the block's transaction did to the merges, applied once it is committed. */
struct txn_effect {
	bool valid;
	bool mergeable;			/* the runs hold a window the merge thread would take */
	struct {
		uint64_t out_id;
		uint64_t chunks_done;
		bool landed;
	} slot[MERGE_SLOTS];
	uint64_t unfrozen_runs;
};

struct sort_item {
	uint64_t key;		/* the txid's first 8 bytes, big-endian */
	uint32_t index;		/* within the block */
};

struct ll_store_txindex {
	size_t chunk_entries;		/* entries per chunk: one overflow page */
	/* the commit thread's scratch and state */
	struct run *dir;
	size_t dir_room;
	struct txn_effect effect;
	uint64_t unfrozen_runs;
	/* shared with the merge thread, under lock */
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	enum merge_phase phase[MERGE_SLOTS];
	bool kick[MERGE_SLOTS], stop;
	/* a BUSY slot's in[] is published when its thread picks the window */
	struct merge merge[MERGE_SLOTS];
	struct merge_thread_arg {
		struct ll_store *s;
		int slot;
	} arg[MERGE_SLOTS];
	pthread_t thread[MERGE_SLOTS];
	int threads;			/* started */
	uint64_t merges, stalls;
};

/* --- keys and meta --- */

static void chunk_key(uint8_t key[KEY_BYTES], uint64_t id, const uint8_t *last_prefix,
		      uint32_t chunk)
{
	ll_put_be64(key, id);
	memcpy(key + 8, last_prefix, 8);
	ll_put_be32(key + 16, chunk);
}

static void entry_put(uint8_t *e, const uint8_t *txid, uint64_t log_index)
{
	memcpy(e, txid, 8);
	ll_put_le(e + 8, log_index, 6);
}

static uint64_t entry_prefix(const uint8_t *e)
{
	return ll_get_be64(e);
}

static uint64_t entry_log_index(const uint8_t *e)
{
	return ll_get_le(e + 8, 6);
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

/* A meta key: name || u64 big-endian. */
static MDB_val named_key(uint8_t *buf, const char *name, uint64_t number)
{
	size_t len = strlen(name);
	memcpy(buf, name, len);
	ll_put_be64(buf + len, number);
	return (MDB_val){ .mv_size = len + 8, .mv_data = buf };
}

/* mdb_put / mdb_del in meta: 0, LL_STORE_RETRY_MAP_FULL or -errno (logged). */
static int meta_op(struct ll_store *s, MDB_txn *txn, MDB_val *k, MDB_val *v, bool del)
{
	int rc = del ? mdb_del(txn, s->dbi[LL_STORE_DB_META], k, NULL)
		     : mdb_put(txn, s->dbi[LL_STORE_DB_META], k, v, 0);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc) {
		LL_ERROR("store", "%s: %s meta %.*s: %s", s->path, del ? "delete" : "write",
			 (int)k->mv_size - 8, (const char *)k->mv_data, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

static int dir_put(struct ll_store *s, MDB_txn *txn, const struct run *r)
{
	uint8_t key[DIR_KEY_BYTES], val[DIR_VALUE_BYTES];
	MDB_val k = named_key(key, DIR_KEY, r->first_log);
	MDB_val v = { .mv_size = sizeof val, .mv_data = val };
	ll_put_le(val, r->id, 8);
	ll_put_le(val + 8, r->entries, 8);
	val[16] = r->level;
	return meta_op(s, txn, &k, &v, false);
}

static int dir_del(struct ll_store *s, MDB_txn *txn, uint64_t first_log)
{
	uint8_t key[DIR_KEY_BYTES];
	MDB_val k = named_key(key, DIR_KEY, first_log);
	return meta_op(s, txn, &k, NULL, true);
}

static int garbage_put(struct ll_store *s, MDB_txn *txn, uint64_t id)
{
	uint8_t key[GARBAGE_KEY_BYTES];
	MDB_val k = named_key(key, GARBAGE_KEY, id), v = { .mv_size = 0, .mv_data = key };
	return meta_op(s, txn, &k, &v, false);
}

/*
 * Walks the meta keys name || u64: calls fn(ctx, number, value) for each in
 * order until fn returns non-zero (that is returned) or they end (0).
 */
static int meta_walk(struct ll_store *s, MDB_txn *txn, const char *name,
		     int (*fn)(void *ctx, uint64_t number, const MDB_val *v), void *ctx)
{
	uint8_t key[32];
	MDB_cursor *cur;
	size_t len = strlen(name);
	int rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_META], &cur);
	if (rc)
		return ll_store_mdb_errno(rc);
	MDB_val k = named_key(key, name, 0), v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != len + 8 || memcmp(k.mv_data, name, len))
			break;
		int stop = fn(ctx, ll_get_be64((const uint8_t *)k.mv_data + len), &v);
		if (stop) {
			mdb_cursor_close(cur);
			return stop;
		}
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND) {
		LL_ERROR("store", "%s: read meta %s: %s", s->path, name, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

struct dir_walk {
	struct run **dir;
	size_t *room, count;
};

static int dir_add(void *ctx, uint64_t first_log, const MDB_val *v)
{
	struct dir_walk *w = ctx;
	if (v->mv_size != DIR_VALUE_BYTES)
		return -EIO;
	if (grow((void **)w->dir, w->room, w->count + 2, sizeof **w->dir) < 0)
		return -ENOMEM;
	const uint8_t *p = v->mv_data;
	(*w->dir)[w->count++] = (struct run){ .id = ll_get_le(p, 8), .first_log = first_log,
					      .entries = ll_get_le(p + 8, 8), .level = p[16] };
	return 0;
}

/* The live runs, oldest first, into *dir (grown, with room for one more); *count. */
static int dir_read(struct ll_store *s, MDB_txn *txn, struct run **dir, size_t *room,
		    size_t *count)
{
	struct dir_walk w = { .dir = dir, .room = room };
	int rc = grow((void **)dir, room, 2, sizeof **dir);
	if (rc == 0)
		rc = meta_walk(s, txn, DIR_KEY, dir_add, &w);
	if (rc == -EIO)
		LL_ERROR("store", "%s: a txindex run entry of the wrong size: ledger damaged",
			 s->path);
	*count = w.count;
	return rc;
}

/* --- writing runs --- */

/* Orders n txids by prefix, then index: LSD radix on the top 32 bits, then
 * insertion fixes the (rare) equal top halves. */
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
	/* four passes: the result is back in the caller's `a`; radix kept index order */
	for (uint32_t i = 1; i < n; i++) {
		struct sort_item x = a[i];
		uint32_t j = i;
		while (j > 0 && a[j - 1].key > x.key) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

static uint64_t chunks_of(const struct ll_store_txindex *t, uint64_t entries)
{
	return (entries + t->chunk_entries - 1) / t->chunk_entries;
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

struct garbage_walk {
	struct ll_store *s;
	MDB_txn *txn;
	MDB_cursor *cur;
	uint64_t *budget;
	uint64_t done[4 * FANOUT];	/* runs emptied, to drop from the list after the walk */
	size_t done_count;
	int rc;
};

/* Deletes chunks of one garbage run while the budget lasts; 1 stops the walk. */
static int delete_run_chunks(void *ctx, uint64_t id, const MDB_val *unused)
{
	struct garbage_walk *w = ctx;
	uint8_t key[KEY_BYTES];
	int rc;
	(void)unused;
	for (;;) {
		/* seek afresh after each delete: the run's first chunk left */
		memset(key, 0, sizeof key);
		ll_put_be64(key, id);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
		rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || (rc == 0 && ll_get_be64(k.mv_data) != id)) {
			w->done[w->done_count++] = id;
			return w->done_count == LL_ARRAY_LEN(w->done) || *w->budget == 0;
		}
		if (rc == 0 && *w->budget == 0)
			return 1;
		if (rc == 0)
			rc = mdb_cursor_del(w->cur, 0);
		if (rc) {
			w->rc = rc;
			return 1;
		}
		(*w->budget)--;
	}
}

/* Deletes up to *budget chunks of the oldest garbage runs; drops emptied ones from the list. */
static int delete_garbage(struct ll_store *s, MDB_txn *txn, uint64_t *budget)
{
	struct garbage_walk w = { .s = s, .txn = txn, .budget = budget };
	int rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_TXINDEX], &w.cur);
	if (rc)
		return ll_store_mdb_errno(rc);
	rc = meta_walk(s, txn, GARBAGE_KEY, delete_run_chunks, &w);
	mdb_cursor_close(w.cur);
	if (w.rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (w.rc) {
		LL_ERROR("store", "%s: delete replaced txindex runs: %s", s->path,
			 mdb_strerror(w.rc));
		return ll_store_mdb_errno(w.rc);
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < w.done_count; i++) {
		uint8_t key[GARBAGE_KEY_BYTES];
		MDB_val k = named_key(key, GARBAGE_KEY, w.done[i]);
		if ((rc = meta_op(s, txn, &k, NULL, true)))
			return rc;
	}
	return 0;
}

/* Puts the merge's output in place of its inputs, which become garbage. */
static int land_merge(struct ll_store *s, MDB_txn *txn, const struct merge *m, uint64_t out_id,
		      const struct run *dir, size_t dir_n)
{
	int rc;
	for (size_t i = 0; i < FANOUT; i++) {
		const struct run *in = &m->in[i];
		size_t at = 0;
		while (at < dir_n && dir[at].first_log != in->first_log)
			at++;
		if (at == dir_n || dir[at].id != in->id || dir[at].entries != in->entries) {
			LL_ERROR("store", "%s: a merge input is no longer a run: ledger damaged",
				 s->path);
			return -EIO;
		}
		/* a level-0 run is the log's leaves: nothing of its own to delete */
		if (in->id && (rc = garbage_put(s, txn, in->id)))
			return rc;
		/* the output takes the oldest input's key: its first log index */
		if (i > 0 && (rc = dir_del(s, txn, in->first_log)))
			return rc;
	}
	struct run out = m->out;
	out.id = out_id;
	return dir_put(s, txn, &out);
}

static bool excluded(const struct run *r, const uint64_t *excl, size_t excl_n)
{
	for (size_t i = 0; i < excl_n; i++)
		if (excl[i] == r->first_log)
			return true;
	return false;
}

/*
 * The oldest FANOUT runs of the lowest level that has that many, none an input
 * of a merge in flight (excl: their first log indices), into pick[] (indices
 * into dir); true with *total their entries. A level whose oldest FANOUT hold
 * more than max_total is left to the other slot, never skipped over: runs are
 * merged oldest first or not at all. Neighbours need not be: a run's place in
 * the log says nothing a lookup needs.
 */
static bool find_window(const struct run *dir, size_t n, uint64_t max_total, uint64_t *total,
			size_t pick[FANOUT], const uint64_t *excl, size_t excl_n)
{
	unsigned top = 0;
	for (size_t i = 0; i < n; i++)
		if (dir[i].level != FROZEN && dir[i].level > top)
			top = dir[i].level;
	for (unsigned level = 0; level <= top; level++) {
		uint64_t sum = 0;
		size_t j = 0;
		for (size_t i = 0; i < n && j < FANOUT; i++) {
			if (dir[i].level != level || excluded(&dir[i], excl, excl_n))
				continue;
			pick[j++] = i;
			sum += dir[i].entries;
		}
		if (j == FANOUT && sum <= max_total) {
			if (total)
				*total = sum;
			return true;
		}
	}
	return false;
}

int ll_store_txindex_commit(struct ll_store *s, MDB_txn *txn, uint64_t height,
			    const uint8_t *txids, uint32_t n, uint64_t first_log)
{
	struct ll_store_txindex *t = s->txindex;
	struct txn_effect *e = &t->effect;
	uint64_t next_id;
	size_t dir_n;
	int rc;

	memset(e, 0, sizeof *e);
	if (first_log + n > MAX_LOG_INDEX) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: the log would pass 2^48 "
			 "transactions", s->path, height);
		return -EOVERFLOW;
	}
	if ((rc = dir_read(s, txn, &t->dir, &t->dir_room, &dir_n)) < 0 ||
	    (rc = ll_store_meta_get_u64(s, txn, "txrun_next", &next_id, 1)) < 0)
		return rc;
	(void)txids;	/* the log holds them: the run is its leaves */
	if (n > 0) {
		/* a block too big to merge is frozen from the start: merges stay in memory */
		struct run r = { .id = 0, .first_log = first_log, .entries = n,
				 .level = n > MERGE_MAX_ENTRIES / FANOUT ? FROZEN : 0 };
		if ((rc = dir_put(s, txn, &r)))
			return rc;
		t->dir[dir_n++] = r;
	}

	/* READY merges are the commit thread's alone */
	bool ready[MERGE_SLOTS];
	uint64_t excl[MERGE_SLOTS * FANOUT];
	size_t excl_n = 0;
	pthread_mutex_lock(&t->lock);
	for (int k = 0; k < MERGE_SLOTS; k++) {
		ready[k] = t->phase[k] == MERGE_READY;
		for (int i = 0; t->merge[k].picked && i < FANOUT; i++)
			excl[excl_n++] = t->merge[k].in[i].first_log;
	}
	pthread_mutex_unlock(&t->lock);

	uint64_t unfrozen = 0;
	for (size_t i = 0; i < dir_n; i++)
		unfrozen += t->dir[i].level != FROZEN;
	size_t pick[FANOUT];
	e->mergeable = find_window(t->dir, dir_n, MERGE_MAX_ENTRIES, NULL, pick, excl, excl_n);
	uint64_t budget = (BUDGET_BASE_CHUNKS + BUDGET_PER_CHUNK * chunks_of(t, n)) *
			  (unfrozen > STALL_RUNS ? STALL_BUDGET_FACTOR : 1);

	/* the smaller merge first: it frees the most runs per page written */
	int first = ready[0] && ready[1] && t->merge[1].out.entries < t->merge[0].out.entries;
	for (int j = 0; j < MERGE_SLOTS; j++) {
		int k = (first + j) % MERGE_SLOTS;
		if (!ready[k])
			continue;
		const struct merge *m = &t->merge[k];
		uint64_t out_id = m->out.id, total = chunks_of(t, m->out.entries);
		uint8_t key[GARBAGE_KEY_BYTES];
		if (!out_id) {
			out_id = next_id++;
			MDB_val ok = named_key(key, OUTPUT_KEY, out_id), ov = { 0, key };
			if ((rc = meta_op(s, txn, &ok, &ov, false)))
				return rc;
		}
		uint64_t to = total - m->chunks_done <= budget ? total : m->chunks_done + budget;
		if ((rc = write_merge_chunks(s, txn, m, out_id, m->chunks_done, to, height)))
			return rc;
		budget -= to - m->chunks_done;
		e->slot[k].out_id = out_id;
		e->slot[k].chunks_done = to;
		if (to == total) {
			MDB_val ok = named_key(key, OUTPUT_KEY, out_id);
			if ((rc = land_merge(s, txn, m, out_id, t->dir, dir_n)) ||
			    (rc = meta_op(s, txn, &ok, NULL, true)))
				return rc;
			e->slot[k].landed = true;
			unfrozen -= FANOUT;
			unfrozen += m->out.level != FROZEN;
		}
	}
	if (budget && (rc = delete_garbage(s, txn, &budget)))
		return rc;
	if ((rc = ll_store_meta_put_u64(s, txn, "txrun_next", next_id)))
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
	bool idle = false, landed = false;
	for (int k = 0; k < MERGE_SLOTS; k++) {
		struct merge *m = &t->merge[k];
		if (t->phase[k] == MERGE_READY) {
			m->out.id = e->slot[k].out_id;
			m->chunks_done = e->slot[k].chunks_done;
			if (e->slot[k].landed) {
				free(m->entries);
				memset(m, 0, sizeof *m);
				t->phase[k] = MERGE_IDLE;
				t->merges++;
				landed = true;
			}
		}
		idle |= t->phase[k] == MERGE_IDLE;
	}
	/* a wake-up costs a merge thread a read of the directory: only when it pays */
	if (idle && (e->mergeable || landed)) {
		for (int k = 0; k < MERGE_SLOTS; k++)
			t->kick[k] = true;
		pthread_cond_broadcast(&t->wake);
	}
	pthread_mutex_unlock(&t->lock);
}


uint64_t ll_store_txindex_need(struct ll_store *s, uint32_t n)
{
	uint64_t chunks = BUDGET_BASE_CHUNKS + BUDGET_PER_CHUNK * chunks_of(s->txindex, n);
	return chunks * STALL_BUDGET_FACTOR * (s->piece_bytes + 16);
}

void ll_store_txindex_prepare(struct ll_store *s)
{
	struct ll_store_txindex *t = s->txindex;
	if (t->unfrozen_runs <= STALL_RUNS)
		return;
	/* merging lags: wait for the small merge being worked out, so this block
	 * lands it (a big one may take seconds; the small slot is the relief) */
	pthread_mutex_lock(&t->lock);
	if (t->phase[0] == MERGE_BUSY)
		t->stalls++;
	while (t->phase[0] == MERGE_BUSY && !t->stop)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

/* --- the merge thread --- */

/* A level-0 run's entries, from the block's leaves, sorted, into buf. */
static int read_leaf_run(struct ll_store *s, MDB_txn *txn, const struct run *r, uint8_t *buf)
{
	uint8_t *leaves = malloc(r->entries * 32);
	struct sort_item *a = malloc(r->entries * sizeof *a), *tmp = malloc(r->entries * sizeof *a);
	int rc = -ENOMEM;
	if (leaves && a && tmp &&
	    (rc = ll_store_log_leaves(s, txn, r->first_log, (uint32_t)r->entries, leaves)) == 0) {
		sort_txids(leaves, (uint32_t)r->entries, a, tmp);
		for (uint64_t i = 0; i < r->entries; i++)
			entry_put(buf + i * ENTRY_BYTES, leaves + (size_t)a[i].index * 32,
				  r->first_log + a[i].index);
	}
	free(leaves);
	free(a);
	free(tmp);
	return rc;
}

/* Copies run r's entries to buf (room for them); -EIO when they are not all there. */
static int read_run(struct ll_store *s, MDB_txn *txn, MDB_cursor *cur, const struct run *r,
		    uint8_t *buf)
{
	if (r->id == 0)
		return read_leaf_run(s, txn, r, buf);
	uint8_t key[KEY_BYTES] = { 0 };
	uint64_t got = 0;
	ll_put_be64(key, r->id);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
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

/* Two runs into one, by prefix, then log index. */
static uint8_t *merge_two(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb,
			  uint8_t *out)
{
	const uint8_t *a_end = a + na * ENTRY_BYTES, *b_end = b + nb * ENTRY_BYTES;
	while (a < a_end && b < b_end) {
		/* no branch on the comparison: random keys would mispredict half the time;
		 * equal prefixes go by log index, as runs need not be log neighbours */
		uint64_t pa = entry_prefix(a), pb = entry_prefix(b);
		bool take_b = pb < pa || (pb == pa && entry_log_index(b) < entry_log_index(a));
		memcpy(out, take_b ? b : a, ENTRY_BYTES);
		out += ENTRY_BYTES;
		a += take_b ? 0 : ENTRY_BYTES;
		b += take_b ? ENTRY_BYTES : 0;
	}
	memcpy(out, a, (size_t)(a_end - a));
	out += a_end - a;
	memcpy(out, b, (size_t)(b_end - b));
	return out + (b_end - b);
}

/*
 * FANOUT runs, back to back in `in`, into one: rounds of pairwise merges
 * between `in` and `out`. Returns the buffer the result ended in; the other is
 * scratch.
 */
static uint8_t *merge_runs(uint8_t *in, const uint64_t *counts, uint8_t *out)
{
	uint64_t count[FANOUT];
	uint8_t *src = in, *dst = out;
	memcpy(count, counts, sizeof count);
	for (unsigned runs = FANOUT; runs > 1; runs /= 2) {
		const uint8_t *a = src;
		uint8_t *to = dst;
		for (unsigned i = 0; i < runs; i += 2) {
			const uint8_t *b = a + count[i] * ENTRY_BYTES;
			to = merge_two(a, count[i], b, count[i + 1], to);
			a = b + count[i + 1] * ENTRY_BYTES;
			count[i / 2] = count[i] + count[i + 1];
		}
		uint8_t *swap = src;
		src = dst;
		dst = swap;
	}
	_Static_assert((FANOUT & (FANOUT - 1)) == 0, "pairwise rounds need a power of two");
	return src;
}

/*
 * Picks the oldest FANOUT runs of the lowest level that has them and
 * merges them into *m. Returns 1 with *m filled, 0 when there is nothing to
 * merge, or -errno.
 */
static int plan_merge(struct ll_store *s, int slot, struct merge *m)
{
	struct ll_store_txindex *t = s->txindex;
	uint64_t max_total = slot == 0 ? SMALL_MERGE_ENTRIES : MERGE_MAX_ENTRIES;
	uint64_t excl[MERGE_SLOTS * FANOUT];
	size_t excl_n = 0;
	struct run *dir = NULL;
	size_t room = 0, n, pick[FANOUT];
	bool found = false;
	uint64_t total = 0, counts[FANOUT];
	uint8_t *in = NULL;
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	int rc;

	/*
	 * Pick and publish under the lock, in a read begun under it: a merge that
	 * landed is IDLE only after its transaction committed, so this snapshot
	 * holds every run a merge in flight has not taken.
	 */
	pthread_mutex_lock(&t->lock);
	if ((rc = ll_store_begin_read(s, &txn)) < 0) {
		pthread_mutex_unlock(&t->lock);
		return rc;
	}
	for (int o = 0; o < MERGE_SLOTS; o++)
		for (int i = 0; o != slot && t->merge[o].picked && i < FANOUT; i++)
			excl[excl_n++] = t->merge[o].in[i].first_log;
	if ((rc = dir_read(s, txn, &dir, &room, &n)) == 0 &&
	    (found = find_window(dir, n, max_total, &total, pick, excl, excl_n))) {
		for (size_t i = 0; i < FANOUT; i++)
			t->merge[slot].in[i] = dir[pick[i]];
		t->merge[slot].picked = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (rc < 0 || !found)
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
		const struct run *r = &dir[pick[i]];
		if ((rc = read_run(s, txn, cur, r, in + at * ENTRY_BYTES)) < 0)
			goto out;
		m->in[i] = *r;
		counts[i] = r->entries;
		at += r->entries;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	uint8_t level = dir[pick[0]].level;
	m->picked = true;
	m->out = (struct run){ .first_log = dir[pick[0]].first_log, .entries = total,
			       .level = total > MERGE_MAX_ENTRIES / FANOUT ? FROZEN : level + 1 };
	m->chunks_done = 0;
	ll_store_end_read(s, txn);
	txn = NULL;
	/* outside the read: the map may grow meanwhile */
	if (merge_runs(in, counts, m->entries) == in) {
		uint8_t *swap = in;
		in = m->entries;
		m->entries = swap;
	}
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
	const struct merge_thread_arg *a = arg;
	struct ll_store *s = a->s;
	struct ll_store_txindex *t = s->txindex;
	int k = a->slot;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->stop && !(t->kick[k] && t->phase[k] == MERGE_IDLE))
			pthread_cond_wait(&t->wake, &t->lock);
		if (t->stop)
			break;
		t->kick[k] = false;
		t->phase[k] = MERGE_BUSY;
		pthread_mutex_unlock(&t->lock);

		struct merge m = { 0 };
		int rc = plan_merge(s, k, &m);
		if (rc < 0)
			LL_ERROR("store", "%s: txindex merge: %s (lookups search more runs until "
				 "one succeeds)", s->path, strerror(-rc));

		pthread_mutex_lock(&t->lock);
		if (rc == 1) {
			t->merge[k] = m;
			t->phase[k] = MERGE_READY;
		} else {
			memset(&t->merge[k], 0, sizeof t->merge[k]);
			t->phase[k] = MERGE_IDLE;
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
	int rc;

	if (!t)
		return -ENOMEM;
	t->chunk_entries = s->piece_bytes / ENTRY_BYTES;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	pthread_cond_init(&t->done, NULL);
	s->txindex = t;
	for (int k = 0; k < MERGE_SLOTS; k++) {
		t->arg[k] = (struct merge_thread_arg){ .s = s, .slot = k };
		/* runs left from before may be ready to merge */
		t->kick[k] = true;
		if ((rc = -pthread_create(&t->thread[k], NULL, merge_thread, &t->arg[k])) < 0) {
			LL_ERROR("store", "%s: start a txindex merge thread: %s", s->path,
				 strerror(-rc));
			ll_store_txindex_close(s);
			return rc;
		}
		t->threads++;
	}
	return 0;
}

void ll_store_txindex_close(struct ll_store *s)
{
	struct ll_store_txindex *t = s->txindex;
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
	for (int k = 0; k < t->threads; k++)
		pthread_join(t->thread[k], NULL);
	pthread_cond_destroy(&t->wake);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
	for (int k = 0; k < MERGE_SLOTS; k++)
		free(t->merge[k].entries);
	free(t->dir);
	free(t);
	s->txindex = NULL;
}

static int collect_id(void *ctx, uint64_t id, const MDB_val *v)
{
	uint64_t *ids = ctx;
	(void)v;
	if (ids[0] == MERGE_SLOTS)
		return -EIO;	/* more outputs than merges can be in flight */
	ids[1 + ids[0]++] = id;
	return 0;
}

int ll_store_txindex_recover(struct ll_store *s, MDB_txn *txn)
{
	uint64_t ids[1 + MERGE_SLOTS] = { 0 };
	int rc = meta_walk(s, txn, OUTPUT_KEY, collect_id, ids);
	if (rc == -EIO)
		LL_ERROR("store", "%s: more than %d txindex merge outputs: ledger damaged", s->path,
			 MERGE_SLOTS);
	for (uint64_t i = 0; rc == 0 && i < ids[0]; i++) {
		/* a merge's output, cut short: never a run, so only garbage */
		uint8_t key[GARBAGE_KEY_BYTES];
		MDB_val k = named_key(key, OUTPUT_KEY, ids[1 + i]);
		LL_INFO("store", "%s: txindex merge into run %" PRIu64 " was cut short; deleting it",
			s->path, ids[1 + i]);
		if ((rc = garbage_put(s, txn, ids[1 + i])) == 0)
			rc = meta_op(s, txn, &k, NULL, true);
	}
	return rc;
}

/*
 * Looks txid up in run `id` from where the cursor's seek landed: each entry with
 * its prefix is checked against the leaf the log holds at its index. 0 and
 * *log_index, -ENOENT, or -errno.
 */
static int run_find(struct ll_store *s, MDB_txn *txn, MDB_cursor *cur, uint64_t id,
		    const uint8_t *txid, uint64_t *log_index)
{
	uint8_t key[KEY_BYTES];
	uint64_t want = ll_get_be64(txid);
	chunk_key(key, id, txid, 0);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* equal prefixes may run on into the next chunk of the run */
	while (rc == 0 && k.mv_size == KEY_BYTES && ll_get_be64(k.mv_data) == id) {
		const uint8_t *e = v.mv_data;
		size_t count = v.mv_size / ENTRY_BYTES, lo = 0, hi = count;
		if (v.mv_size % ENTRY_BYTES) {
			LL_ERROR("store", "%s: txindex chunk of %zu bytes: ledger damaged", s->path,
				 v.mv_size);
			return -EIO;
		}
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (entry_prefix(e + mid * ENTRY_BYTES) < want)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < count; lo++) {
			const uint8_t *at = e + lo * ENTRY_BYTES;
			uint8_t leaf[32];
			if (entry_prefix(at) != want)
				return -ENOENT;
			rc = ll_store_log_read_node(s, txn, 0, entry_log_index(at), leaf);
			if (rc < 0) {
				LL_ERROR("store", "%s: txindex names log index %" PRIu64 ", which "
					 "the log does not hold: ledger damaged", s->path,
					 entry_log_index(at));
				return -EIO;
			}
			if (memcmp(leaf, txid, 32) == 0) {
				*log_index = entry_log_index(at);
				return 0;
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc && rc != MDB_NOTFOUND)
		return ll_store_mdb_errno(rc);
	return -ENOENT;
}

int ll_store_txindex_lookup(struct ll_store *s, MDB_txn *txn, const uint8_t *txid,
			    uint64_t *log_index)
{
	struct run *dir = NULL;
	size_t room = 0, n;
	MDB_cursor *cur;
	int rc;

	if ((rc = dir_read(s, txn, &dir, &room, &n)) < 0) {
		free(dir);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_TXINDEX], &cur))) {
		free(dir);
		return ll_store_mdb_errno(rc);
	}
	/* every run: a txid committed twice is found where it was first */
	int found = -ENOENT;
	for (size_t i = 0; i < n && (rc == 0 || rc == -ENOENT); i++) {
		uint32_t index;
		uint64_t at = 0;
		if (dir[i].id != 0) {
			rc = run_find(s, txn, cur, dir[i].id, txid, &at);
		} else if ((rc = ll_store_log_find_leaf(s, txn, dir[i].first_log,
						       (uint32_t)dir[i].entries, txid,
						       &index)) == 0) {
			at = dir[i].first_log + index;
		}
		if (rc == 0 && (found == -ENOENT || at < *log_index)) {
			*log_index = at;
			found = 0;
		}
	}
	if (rc == 0 || rc == -ENOENT)
		rc = found;
	mdb_cursor_close(cur);
	free(dir);
	return rc;
}

static int count_one(void *ctx, uint64_t number, const MDB_val *v)
{
	(void)number;
	(void)v;
	(*(uint64_t *)ctx)++;
	return 0;
}

int ll_store_index_stats(ll_store_t *s, struct ll_store_index_stats *out)
{
	struct run *dir = NULL;
	size_t room = 0, n = 0;
	MDB_txn *txn;
	int rc;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = dir_read(s, txn, &dir, &room, &n);
	if (rc == 0)
		rc = meta_walk(s, txn, GARBAGE_KEY, count_one, &out->garbage_runs);
	if (rc == 0)
		rc = ll_store_meta_get_u64(s, txn, "log_size", &out->log_size, 0);
	ll_store_end_read(s, txn);
	uint64_t per_level[FROZEN] = { 0 };
	for (size_t i = 0; i < n; i++) {
		out->entries += dir[i].entries;
		out->frozen_runs += dir[i].level == FROZEN;
		if (dir[i].level != FROZEN && ++per_level[dir[i].level] > out->widest_level)
			out->widest_level = per_level[dir[i].level];
	}
	out->runs = n;
	free(dir);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&s->txindex->lock);
	out->merges = s->txindex->merges;
	out->merge_stalls = s->txindex->stalls;
	pthread_mutex_unlock(&s->txindex->lock);
	return 0;
}
