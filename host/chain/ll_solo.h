/* The solo consensus loop: one appliance orders records into blocks. It cuts a
 * block on size, bytes or age, hashes block N + 1 while block N commits, and
 * reports each block durable only once its transaction is on disk. */
#ifndef LL_SOLO_H
#define LL_SOLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_block_header;
struct ll_store_client_state;
typedef struct ll_accel ll_accel_t;
typedef struct ll_chain ll_chain_t;
typedef struct ll_solo ll_solo_t;

/*
 * Called on the loop's commit thread for each block, in height order, after
 * its transaction is on disk (sync = full: when the commit returns; periodic:
 * after the next sync). txids are the block's n leaf hashes and cookies what
 * each record was submitted with. Keep it short: the next commit waits for it.
 */
typedef void ll_solo_durable_fn(void *arg, const struct ll_block_header *h,
				const uint8_t *txids, const uint64_t *cookies, uint32_t n);

/*
 * Optional, on the commit thread before each attempt to commit a block (so
 * again after a full disk): the client states (replay windows) the block's
 * transaction writes with it, from its n records (offsets[n + 1] into data).
 * *states stays valid until states_done, which says whether that attempt
 * committed. Returns 0, or -errno to drop the block.
 */
typedef int ll_solo_states_fn(void *arg, const uint32_t *offsets, const uint8_t *data,
			      uint32_t n, const struct ll_store_client_state **states,
			      size_t *count);
typedef void ll_solo_states_done_fn(void *arg, bool committed);

struct ll_solo_cfg {
	uint32_t max_records;		/* block.max_records: cut at this many; >= 1 */
	uint32_t max_bytes;		/* block.max_bytes: cut before exceeding this */
	uint32_t max_wait_us;		/* block.max_wait_us: cut this long after the
					 * block's first record */
	uint32_t blocks_in_flight;	/* cut blocks waiting or committing, 2..8: the
					 * bound behind backpressure */
	bool periodic_sync;		/* the store runs with sync = periodic */
	uint32_t sync_interval_ms;	/* periodic: at most this long to durable */
	ll_accel_t *accel;		/* hashes each block (leaves and root); NULL: the
					 * CPU, in the hash thread. Used only by that thread */
	ll_solo_durable_fn *durable;
	ll_solo_states_fn *states;		/* with states_done, or neither */
	ll_solo_states_done_fn *states_done;
	void *arg;
};

struct ll_solo_stats {
	uint64_t records_submitted;
	uint64_t records_refused_full;	/* backpressure: -EAGAIN to the caller */
	uint64_t records_committed;
	uint64_t blocks_committed;
	uint64_t commit_retries;	/* disk full (-ENOSPC): the block waits */
	uint64_t commit_failures;	/* a block dropped for another error */
	uint64_t blocks_in_flight;	/* now */
	bool stalled;			/* now: ordering waits for disk space */
};

/*
 * ll_solo_start - starts the loop's threads over an open chain (which the loop
 * then owns for writing until ll_solo_stop). Returns 0, -EINVAL for a bad cfg,
 * -ENOMEM, -errno from pthread_create.
 */
int ll_solo_start(ll_chain_t *chain, const struct ll_solo_cfg *cfg, ll_solo_t **out);

/*
 * ll_solo_submit - copies one record into the open block, with a cookie the
 * durable callback gets back beside it. Returns 0; -EAGAIN
 * when the loop is full (counted: the caller drops or retries); -EMSGSIZE for
 * a record larger than max_bytes; -ESHUTDOWN after stop began. One submitting
 * thread at a time.
 */
int ll_solo_submit(ll_solo_t *s, const uint8_t *record, uint32_t len, uint64_t cookie);

/* One record for ll_solo_submit_many. */
struct ll_solo_record {
	const uint8_t *bytes;
	uint32_t len;
	uint64_t cookie;
};

/*
 * ll_solo_submit_many - ll_solo_submit for n records in order under one lock
 * (a frame's records): *taken says how many went in before the first error,
 * which is returned (-EAGAIN: the loop is full, submit the rest later); 0 when
 * all did.
 */
int ll_solo_submit_many(ll_solo_t *s, const struct ll_solo_record *recs, uint32_t n,
			uint32_t *taken);

/* ll_solo_stats - a snapshot of the counters; any thread. */
void ll_solo_stats(ll_solo_t *s, struct ll_solo_stats *out);

/*
 * ll_solo_set_timing - the runtime tunables: max_wait_us, and sync_interval_ms
 * (0: unchanged); the loop takes them at its next cut or sync. Any thread.
 */
void ll_solo_set_timing(ll_solo_t *s, uint32_t max_wait_us, uint32_t sync_interval_ms);

/*
 * ll_solo_drain - refuses new records, cuts the open block, commits everything
 * cut (waiting out a full disk), fires the durable callbacks and joins the
 * threads; ll_solo_stats still answers after. Returns 0, or the last commit
 * error. Once; by the thread that will call ll_solo_stop.
 */
int ll_solo_drain(ll_solo_t *s);

/*
 * ll_solo_stop - ll_solo_drain (when not done yet), then frees the loop; the
 * counters as it stopped go to *final (may be NULL). Returns 0, or the last
 * commit error. NULL is a no-op.
 */
int ll_solo_stop(ll_solo_t *s, struct ll_solo_stats *final);

#endif /* LL_SOLO_H */
