/* The chain over the store: a hashed batch is prepared into the next block (log
 * append, header, body), then committed in one transaction; reads and proofs come
 * back out of the store, and verify recomputes everything from the bodies alone. */
#include "ll_chain.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ll_hash.h"
#include "ll_ledger_log.h"
#include "ll_log.h"
#include "ll_err.h"
#include "ll_merkle.h"
#include "ll_time.h"

/* A block's position: its header, hash and the log's frontier after it. */
struct head {
	struct ll_block_header h;
	uint8_t hash[32];
	struct ll_ledger_log_frontier frontier;
};

struct ll_chain {
	ll_store_t *store;
	uint8_t alg;
	uint32_t chain_id;
	uint64_t proposer;
	struct ll_ledger_log_source log;	/* the store's log database */
	/* tip: the newest committed block; prepared: the newest block prepared
	 * (the tip when none waits). Both under lock: one thread prepares while
	 * another commits. */
	pthread_mutex_t lock;
	struct head tip, prepared;
	struct ll_chain_prepared own;		/* ll_chain_commit's block */
};

/* Grows *buf to at least want bytes: reused, block after block. */
static int scratch(uint8_t **buf, size_t *room, size_t want)
{
	if (want <= *room)
		return 0;
	uint8_t *p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*room = want;
	return 0;
}

/* Header and hash of the block at height, straight from the store. */
static int read_header(ll_chain_t *c, uint64_t height, struct ll_block_header *h)
{
	uint8_t *buf;
	size_t len;
	int rc = ll_store_header(c->store, height, &buf, &len);
	if (rc < 0)
		return rc;
	rc = ll_block_header_decode(buf, len, h);
	free(buf);
	if (rc < 0)
		LL_ERROR("chain", "header at height %" PRIu64 " does not decode: ledger damaged",
			 height);
	return rc < 0 ? -EIO : 0;
}

/* Commits a block to the store: header, body, txids and log nodes in one transaction. */
static int store_block(ll_chain_t *c, const struct ll_block_header *h, const uint8_t *hash,
		       const uint8_t *body, const uint8_t *txids, const uint8_t *nodes,
		       size_t node_count, const struct ll_store_client_state *states,
		       size_t state_count)
{
	uint8_t header[LL_BLOCK_HEADER_BYTES];
	ll_block_header_encode(h, header);
	struct ll_store_block b = {
		.height = h->height, .hash = hash,
		.header = header, .header_len = sizeof header,
		.body = body, .body_len = h->body_bytes,
		.txids = txids, .tx_count = h->tx_count,
		.first_log_index = h->log_size - h->tx_count,
		.log_nodes = nodes, .log_node_count = node_count,
		.client_states = states, .client_state_count = state_count,
	};
	return ll_store_commit(c->store, &b);
}

static int write_genesis(ll_chain_t *c, uint64_t time_ns)
{
	struct ll_block_header g;
	uint8_t body[8];
	uint32_t offsets[1] = { 0 };
	int rc = ll_block_genesis(c->chain_id, c->alg, time_ns ? time_ns : ll_time_wall_ns(), &g);
	if (rc < 0)
		return rc;
	g.proposer = c->proposer;
	if (ll_block_body_encode(offsets, 0, body, body, sizeof body) < 0)
		return -EINVAL;
	struct head *t = &c->tip;
	t->h = g;
	if ((rc = ll_block_hash(&g, t->hash)) < 0)
		return rc;
	t->frontier = (struct ll_ledger_log_frontier){ .size = 0 };
	return store_block(c, &g, t->hash, body, NULL, NULL, 0, NULL, 0);
}

int ll_chain_open(const struct ll_chain_cfg *cfg, ll_chain_t **out)
{
	ll_chain_t *c;
	uint64_t height;
	int rc = -ENOMEM;

	if (!cfg || !out)
		return -EINVAL;
	if (!(c = calloc(1, sizeof *c)))
		goto err;
	c->alg = cfg->store.hash_alg;
	c->chain_id = cfg->store.chain_id;
	c->proposer = cfg->proposer;
	if ((rc = ll_store_open(&cfg->store, &c->store)) < 0)
		goto err_free;
	c->log.read_node = ll_store_log_node;
	c->log.ctx = c->store;

	rc = ll_store_tip(c->store, &height, c->tip.hash);
	if (rc == -ENOENT)
		rc = write_genesis(c, cfg->genesis_time_ns);
	else if (rc == 0 && (rc = read_header(c, height, &c->tip.h)) == 0)
		rc = ll_ledger_log_frontier_load(&c->log, c->tip.h.log_size, &c->tip.frontier);
	if (rc < 0)
		goto err_close;
	c->prepared = c->tip;
	if ((rc = -pthread_mutex_init(&c->lock, NULL)) < 0)
		goto err_close;
	*out = c;
	return 0;

err_close:
	ll_store_close(c->store);
err_free:
	free(c);
err:
	return rc;
}

void ll_chain_close(ll_chain_t *c)
{
	if (!c)
		return;
	ll_store_close(c->store);
	ll_chain_prepared_free(&c->own);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int ll_chain_tip(ll_chain_t *c, struct ll_block_header *tip)
{
	if (!c || !tip)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	*tip = c->tip.h;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

ll_store_t *ll_chain_store(ll_chain_t *c)
{
	return c ? c->store : NULL;
}

uint8_t ll_chain_hash_alg(const ll_chain_t *c)
{
	return c->alg;
}

int ll_chain_index_stats(ll_chain_t *c, struct ll_store_index_stats *out)
{
	return c ? ll_store_index_stats(c->store, out) : -EINVAL;
}

int ll_chain_snapshot(ll_chain_t *c, const char *dest)
{
	return c ? ll_store_snapshot(c->store, dest) : -EINVAL;
}

int ll_chain_sync(ll_chain_t *c)
{
	return c ? ll_store_sync(c->store) : -EINVAL;
}

int ll_chain_hash_batch(uint8_t hash_alg, struct ll_chain_batch *b)
{
	if (!b || !b->offsets || (b->n > 0 && (!b->data || !b->leaves)))
		return -EINVAL;
	if (b->scratch)
		return ll_merkle_root_records_into((enum ll_hash_alg)hash_alg, b->offsets, b->n,
						   b->data, b->leaves, b->scratch, b->root);
	return ll_merkle_root_records((enum ll_hash_alg)hash_alg, b->offsets, b->n, b->data,
				      b->leaves, b->root);
}

void ll_chain_prepared_free(struct ll_chain_prepared *p)
{
	if (!p)
		return;
	free(p->body);
	free(p->nodes);
	memset(p, 0, sizeof *p);
}

int ll_chain_prepare(ll_chain_t *c, const struct ll_chain_batch *b, uint64_t timestamp_ns,
		     struct ll_chain_prepared *p)
{
	int rc;

	if (!c || !b || !p || !b->offsets || (b->n > 0 && (!b->data || !b->leaves)))
		return -EINVAL;
	uint64_t data_bytes = (uint64_t)b->offsets[b->n] - b->offsets[0];
	size_t body_len = ll_block_body_bytes(b->n, (uint32_t)data_bytes);
	if (b->offsets[b->n] < b->offsets[0] || body_len > UINT32_MAX)
		return -EINVAL;

	pthread_mutex_lock(&c->lock);
	const struct head *prev = &c->prepared;
	struct ll_block_header *h = &p->header;
	*h = (struct ll_block_header){
		.version = LL_BLOCK_VERSION,
		.hash_alg = c->alg,
		.chain_id = c->chain_id,
		.height = prev->h.height + 1,
		.timestamp_ns = timestamp_ns,
		.tx_count = b->n,
		.body_bytes = (uint32_t)body_len,
		.log_size = prev->h.log_size + b->n,
		.proposer = c->proposer,
	};
	memcpy(h->prev_hash, prev->hash, 32);
	memcpy(h->merkle_root, b->root, 32);
	p->frontier = prev->frontier;
	p->leaves = b->leaves;
	p->client_states = NULL;
	p->client_state_count = 0;
	p->node_count = ll_ledger_log_append_nodes(prev->h.log_size, b->n);
	if ((rc = scratch(&p->nodes, &p->nodes_room, p->node_count * 32 + 1)) < 0 ||
	    (rc = scratch(&p->body, &p->body_room, body_len)) < 0)
		goto out;
	if ((rc = (int)ll_block_body_encode(b->offsets, b->n, b->data, p->body, body_len)) < 0)
		goto out;
	/* the log's new nodes: the hashing half of the ledger-wide log */
	if ((rc = ll_ledger_log_append(c->alg, &p->frontier, b->leaves, b->n, p->nodes,
				       h->log_root)) < 0 ||
	    (rc = ll_block_hash(h, p->hash)) < 0)
		goto out;
	c->prepared.h = *h;
	memcpy(c->prepared.hash, p->hash, 32);
	c->prepared.frontier = p->frontier;
out:
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

int ll_chain_commit_prepared(ll_chain_t *c, const struct ll_chain_prepared *p)
{
	if (!c || !p)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	bool next = p->header.height == c->tip.h.height + 1 &&
		    memcmp(p->header.prev_hash, c->tip.hash, 32) == 0;
	pthread_mutex_unlock(&c->lock);
	if (!next)
		return -ESTALE;
	/* only this thread moves the tip: no lock held over the store */
	int rc = store_block(c, &p->header, p->hash, p->body, p->leaves, p->nodes,
			     p->node_count, p->client_states, p->client_state_count);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&c->lock);
	c->tip.h = p->header;
	memcpy(c->tip.hash, p->hash, 32);
	c->tip.frontier = p->frontier;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void ll_chain_unprepare(ll_chain_t *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->prepared = c->tip;
	pthread_mutex_unlock(&c->lock);
}

int ll_chain_commit(ll_chain_t *c, const struct ll_chain_batch *b, uint64_t timestamp_ns,
		    struct ll_block_header *out)
{
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	bool waiting = c->prepared.h.height != c->tip.h.height;
	pthread_mutex_unlock(&c->lock);
	if (waiting)
		return -EBUSY;
	int rc = ll_chain_prepare(c, b, timestamp_ns, &c->own);
	if (rc == 0)
		rc = ll_chain_commit_prepared(c, &c->own);
	if (rc < 0) {
		ll_chain_unprepare(c);
		return rc;
	}
	if (out)
		*out = c->own.header;
	return 0;
}

int ll_chain_append(ll_chain_t *c, struct ll_chain_batch *b, uint64_t timestamp_ns,
		    struct ll_block_header *out)
{
	if (!c)
		return -EINVAL;
	int rc = ll_chain_hash_batch(c->alg, b);
	return rc < 0 ? rc : ll_chain_commit(c, b, timestamp_ns, out);
}

int ll_chain_block(ll_chain_t *c, uint64_t height, struct ll_block_header *h,
		   uint8_t **body, size_t *body_len)
{
	if (!c || !h || (body && !body_len))
		return -EINVAL;
	int rc = read_header(c, height, h);
	if (rc < 0 || !body)
		return rc;
	return ll_store_body(c->store, height, body, body_len);
}

/* A block's body decoded, with its offsets as a plain array for the hash APIs. */
struct body_view {
	uint8_t *raw;
	struct ll_block_body body;
	uint32_t *offsets;
};

static void body_view_free(struct body_view *v)
{
	free(v->raw);
	free(v->offsets);
}

static int body_view_read(ll_chain_t *c, uint64_t height, struct body_view *v)
{
	size_t len;
	memset(v, 0, sizeof *v);
	int rc = ll_store_body(c->store, height, &v->raw, &len);
	if (rc < 0)
		return rc;
	if (ll_block_body_decode(v->raw, len, &v->body) < 0) {
		LL_ERROR("chain", "body at height %" PRIu64 " does not decode", height);
		body_view_free(v);
		return -EBADMSG;
	}
	if (!(v->offsets = malloc(((size_t)v->body.n + 1) * sizeof *v->offsets))) {
		body_view_free(v);
		return -ENOMEM;
	}
	v->offsets[0] = 0;
	for (uint32_t i = 0; i < v->body.n; i++) {
		const uint8_t *rec;
		uint32_t rec_len;
		ll_block_body_record(&v->body, i, &rec, &rec_len);
		v->offsets[i + 1] = v->offsets[i] + rec_len;
	}
	return 0;
}

int ll_chain_tx(ll_chain_t *c, const uint8_t txid[32], struct ll_chain_tx *tx)
{
	struct ll_store_tx_location loc;
	struct body_view v;
	if (!c || !txid || !tx)
		return -EINVAL;
	int rc = ll_store_tx(c->store, txid, &loc);
	if (rc < 0)
		return rc;
	if ((rc = body_view_read(c, loc.height, &v)) < 0)
		return rc;
	if (loc.index >= v.body.n) {
		body_view_free(&v);
		return -EBADMSG;
	}
	const uint8_t *rec;
	ll_block_body_record(&v.body, loc.index, &rec, &tx->record_len);
	tx->record = malloc(tx->record_len ? tx->record_len : 1);
	if (tx->record)
		memcpy(tx->record, rec, tx->record_len);
	body_view_free(&v);
	tx->height = loc.height;
	tx->index = loc.index;
	tx->log_index = loc.log_index;
	return tx->record ? 0 : -ENOMEM;
}

int ll_chain_tx_proof(ll_chain_t *c, const uint8_t txid[32], uint8_t *proof, size_t *nodes)
{
	struct ll_store_tx_location loc;
	struct body_view v;
	if (!c || !txid || !proof || !nodes)
		return -EINVAL;
	int rc = ll_store_tx(c->store, txid, &loc);
	if (rc < 0 || (rc = body_view_read(c, loc.height, &v)) < 0)
		return rc;
	uint8_t *leaves = malloc((size_t)v.body.n * 32 + 1);
	rc = leaves ? ll_hash_leaves((enum ll_hash_alg)c->alg, LL_HASH_IMPL_AUTO, v.offsets,
				     v.body.n, v.body.data, leaves)
		    : -ENOMEM;
	if (rc == 0)
		rc = ll_merkle_inclusion_proof((enum ll_hash_alg)c->alg, v.body.n, leaves,
					       loc.index, proof, nodes);
	free(leaves);
	body_view_free(&v);
	return rc;
}

int ll_chain_log_proof(ll_chain_t *c, const uint8_t txid[32], uint64_t height,
		       uint8_t *proof, size_t *nodes)
{
	struct ll_store_tx_location loc;
	struct ll_block_header h;
	if (!c || !txid || !proof || !nodes)
		return -EINVAL;
	int rc = ll_store_tx(c->store, txid, &loc);
	if (rc < 0)
		return rc;
	struct ll_block_header tip;
	ll_chain_tip(c, &tip);
	if (height < loc.height || height > tip.height)
		return -EINVAL;
	if ((rc = read_header(c, height, &h)) < 0)
		return rc;
	return ll_ledger_log_inclusion(c->alg, &c->log, loc.log_index, h.log_size, proof, nodes);
}

int ll_chain_consistency(ll_chain_t *c, uint64_t from, uint64_t to, uint8_t *proof,
			 size_t *nodes)
{
	struct ll_block_header hf, ht;
	struct ll_block_header tip;
	if (!c || !proof || !nodes || from > to || ll_chain_tip(c, &tip) < 0 || to > tip.height)
		return -EINVAL;
	int rc = read_header(c, from, &hf);
	if (rc < 0 || (rc = read_header(c, to, &ht)) < 0)
		return rc;
	return ll_ledger_log_consistency(c->alg, &c->log, hf.log_size, ht.log_size, proof, nodes);
}

/*
 * verify keeps its own frontier of the log, rebuilt from the bodies, so the log
 * roots it checks owe nothing to the stored log nodes.
 */
/*
 * The txindex must lead txid to where it sits, or, for a txid committed twice,
 * to an earlier log index that holds the same leaf.
 */
static int verify_txindex(ll_chain_t *c, const uint8_t *txid, uint64_t height, uint32_t index,
			  uint64_t log_index)
{
	struct ll_store_tx_location loc;
	uint8_t leaf[32];
	int rc = ll_store_tx(c->store, txid, &loc);
	if (rc == -ENOENT)
		return -EBADMSG;
	if (rc < 0)
		return rc;
	if (loc.height == height && loc.index == index && loc.log_index == log_index)
		return 0;
	if (loc.log_index >= log_index)
		return -EBADMSG;
	rc = ll_store_log_node(c->store, 0, loc.log_index, leaf);
	if (rc < 0)
		return rc == -ENOENT ? -EBADMSG : rc;
	return memcmp(leaf, txid, 32) ? -EBADMSG : 0;
}

/* Checks one block against the previous one; -EBADMSG for anything that does not hold. */
static int verify_block(ll_chain_t *c, const struct ll_block_header *prev,
			const uint8_t *prev_hash, const struct ll_block_header *h,
			struct ll_ledger_log_frontier *f)
{
	struct body_view v;
	uint8_t root[32], log_root[32];
	int rc;

	if (h->hash_alg != c->alg || h->chain_id != c->chain_id ||
	    (prev && (h->height != prev->height + 1 || memcmp(h->prev_hash, prev_hash, 32) ||
		      h->log_size != prev->log_size + h->tx_count)) ||
	    (!prev && (h->height != 0 || h->log_size != h->tx_count)))
		return -EBADMSG;
	if ((rc = body_view_read(c, h->height, &v)) < 0)
		return rc;
	rc = -EBADMSG;
	if (v.body.n != h->tx_count || ll_block_body_bytes(v.body.n, v.body.data_bytes) !=
						       h->body_bytes)
		goto out;

	uint64_t old_size = h->log_size - h->tx_count;
	uint8_t *leaves = malloc((size_t)v.body.n * 32 + 1);
	uint8_t *made = malloc(ll_ledger_log_append_nodes(old_size, v.body.n) * 32 + 1);
	if (!leaves || !made) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = ll_merkle_root_records((enum ll_hash_alg)c->alg, v.offsets, v.body.n, v.body.data,
				    leaves, root);
	if (rc < 0)
		goto out_free;
	if (f->size != old_size)
		rc = -EBADMSG;
	else
		rc = ll_ledger_log_append(c->alg, f, leaves, v.body.n, made, log_root);
	if (rc < 0 || memcmp(root, h->merkle_root, 32) || memcmp(log_root, h->log_root, 32)) {
		rc = rc == -ENOMEM ? rc : -EBADMSG;
		goto out_free;
	}
	for (uint32_t i = 0; i < v.body.n; i++) {
		if ((rc = verify_txindex(c, leaves + (size_t)i * 32, h->height, i,
					 old_size + i)) < 0)
			goto out_free;
	}
	rc = 0;
out_free:
	free(leaves);
	free(made);
out:
	body_view_free(&v);
	return rc;
}

int ll_chain_verify(ll_chain_t *c, uint64_t *bad_height)
{
	struct ll_block_header prev, h;
	uint8_t prev_hash[32];
	struct ll_ledger_log_frontier f = { .size = 0 };
	uint64_t tip_height;
	uint8_t tip_hash[32];

	if (!c || !bad_height)
		return -EINVAL;
	int rc = ll_store_tip(c->store, &tip_height, tip_hash);
	if (rc < 0)
		return rc;
	for (uint64_t height = 0; height <= tip_height; height++) {
		rc = read_header(c, height, &h);
		if (rc == 0)
			rc = verify_block(c, height ? &prev : NULL, prev_hash, &h, &f);
		if (rc == -ENOENT || rc == -EIO || rc == -EBADMSG) {
			LL_ERROR("chain", "verify: block %" PRIu64 " is bad (%s)", height,
				 ll_strerror(rc));
			*bad_height = height;
			return -EBADMSG;
		}
		if (rc < 0)
			return rc;
		prev = h;
		if ((rc = ll_block_hash(&h, prev_hash)) < 0)
			return rc;
	}
	/* the tip the store names must be the last block's hash */
	if (memcmp(prev_hash, tip_hash, 32) != 0) {
		*bad_height = tip_height;
		return -EBADMSG;
	}
	/* and the txindex runs must cover the whole log, no more */
	struct ll_store_index_stats st;
	if ((rc = ll_store_index_stats(c->store, &st)) < 0)
		return rc;
	if (st.entries != st.log_size) {
		LL_ERROR("chain", "verify: the txindex covers %" PRIu64 " transactions, the log "
			 "%" PRIu64, st.entries, st.log_size);
		*bad_height = tip_height;
		return -EBADMSG;
	}
	return 0;
}
