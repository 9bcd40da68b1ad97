/* The solo loop: a ring of preallocated block slots. The submitter fills one,
 * the hash thread cuts (on age), hashes and prepares (header, body, log nodes),
 * the commit thread commits in ring order and fires the durable callbacks; a
 * full ring is backpressure. */
#include "ll_solo.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ll_accel.h"
#include "ll_block.h"
#include "ll_chain.h"
#include "ll_err.h"
#include "ll_log.h"
#include "ll_merkle.h"
#include "ll_time.h"

#define MAX_IN_FLIGHT 8

/*
 * A slot moves FREE -> FILLING (submit) -> CUT (submit or age) -> HASHING (on
 * the accelerator) -> HASHED (hash thread) -> COMMITTED (commit thread) -> FREE
 * (after its durable callback).
 */
enum slot_state {
	SLOT_FREE, SLOT_FILLING, SLOT_CUT, SLOT_HASHING, SLOT_HASHED, SLOT_COMMITTED
};

struct slot {
	enum slot_state state;
	uint32_t n;
	uint32_t bytes;
	uint64_t first_ns;		/* when the first record arrived */
	uint32_t *offsets;		/* max_records + 1 */
	uint64_t *cookies;		/* max_records */
	uint8_t *data;			/* max_bytes */
	struct ll_chain_batch batch;
	struct ll_accel_job job;	/* the batch on the accelerator */
	struct ll_chain_prepared prep;	/* the block, once hashed */
	bool prepared;			/* prep follows the slot before it (prep_mu) */
	bool dropped;			/* the commit failed: nothing to report */
	int hash_rc;			/* hashing or preparing failed: never committed */
};

struct ll_solo {
	ll_chain_t *chain;
	struct ll_solo_cfg cfg;
	uint8_t alg;
	pthread_mutex_t mu;
	pthread_cond_t changed;		/* any slot changed state, or stop began */
	pthread_mutex_t prep_mu;	/* blocks are prepared one at a time, in order */
	struct slot slots[MAX_IN_FLIGHT];
	unsigned fill;			/* the slot submit writes into */
	unsigned commit;		/* the next slot to commit */
	unsigned durable;		/* the oldest committed, not yet reported */
	unsigned unreported;		/* slots from durable up to commit */
	bool stopping, hash_done;
	bool drained;			/* ll_solo_drain joined the threads */
	unsigned hashing, max_hashing;	/* slots on the accelerator, and its bound */
	int last_error;
	uint64_t last_sync_ns;
	struct ll_solo_stats stats;
	pthread_t hash_thread, commit_thread;
	struct ll_log_ratelimit full_disk_log;
};

static unsigned next(const ll_solo_t *s, unsigned i)
{
	return (i + 1) % s->cfg.blocks_in_flight;
}

/* Under mu: the filling slot becomes a block. */
static void cut(ll_solo_t *s)
{
	struct slot *sl = &s->slots[s->fill];
	sl->state = SLOT_CUT;
	s->fill = next(s, s->fill);
	s->stats.blocks_in_flight++;
	pthread_cond_broadcast(&s->changed);
}

/* Under mu: one record into the open block; 0 or the error ll_solo_submit gives. */
static int submit_locked(ll_solo_t *s, const uint8_t *record, uint32_t len, uint64_t cookie)
{
	struct slot *sl = &s->slots[s->fill];
	if (s->stopping)
		return -ESHUTDOWN;
	if (len > s->cfg.max_bytes)
		return -EMSGSIZE;
	if (sl->state == SLOT_FILLING && sl->bytes + len > s->cfg.max_bytes) {
		cut(s);
		sl = &s->slots[s->fill];
	}
	if (sl->state == SLOT_FREE) {
		sl->state = SLOT_FILLING;
		sl->n = 0;
		sl->dropped = false;
		sl->bytes = 0;
		sl->first_ns = ll_time_mono_ns();
		pthread_cond_broadcast(&s->changed);	/* the hash thread starts the age clock */
	} else if (sl->state != SLOT_FILLING) {
		s->stats.records_refused_full++;
		return -EAGAIN;
	}
	memcpy(sl->data + sl->bytes, record, len);
	sl->bytes += len;
	sl->cookies[sl->n] = cookie;
	sl->offsets[++sl->n] = sl->bytes;
	s->stats.records_submitted++;
	if (sl->n == s->cfg.max_records)
		cut(s);
	return 0;
}

int ll_solo_submit(ll_solo_t *s, const uint8_t *record, uint32_t len, uint64_t cookie)
{
	if (!s || (!record && len))
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	int rc = submit_locked(s, record, len, cookie);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int ll_solo_submit_many(ll_solo_t *s, const struct ll_solo_record *recs, uint32_t n,
			uint32_t *taken)
{
	int rc = 0;
	uint32_t i = 0;
	if (!s || (!recs && n) || !taken)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	for (; i < n && rc == 0; i++)
		if ((rc = submit_locked(s, recs[i].bytes, recs[i].len, recs[i].cookie)) < 0)
			break;
	pthread_mutex_unlock(&s->mu);
	*taken = i;
	return rc;
}

/* The oldest slot in `state`, in ring order from the commit point; -1 if none. */
static int find_state(const ll_solo_t *s, enum slot_state state)
{
	unsigned i = s->commit;
	for (unsigned k = 0; k < s->cfg.blocks_in_flight; k++, i = next(s, i))
		if (s->slots[i].state == state)
			return (int)i;
	return -1;
}

/* Builds the slot's block on the newest prepared one. */
static int prepare_slot(ll_solo_t *s, struct slot *sl)
{
	pthread_mutex_lock(&s->prep_mu);
	int rc = ll_chain_prepare(s->chain, &sl->batch, ll_time_wall_ns(), &sl->prep);
	sl->prepared = rc == 0;
	pthread_mutex_unlock(&s->prep_mu);
	return rc;
}

/*
 * After the block in `dropped` failed to commit, the blocks prepared on it are
 * stale: builds them again, in ring order, on the tip.
 */
static void prepare_again_after(ll_solo_t *s, unsigned dropped)
{
	pthread_mutex_lock(&s->prep_mu);
	ll_chain_unprepare(s->chain);
	for (unsigned k = 1, i = next(s, dropped); k < s->cfg.blocks_in_flight;
	     k++, i = next(s, i)) {
		struct slot *sl = &s->slots[i];
		if (!sl->prepared)
			continue;
		/* one that fails now is dropped when its turn comes (-ESTALE) */
		sl->prepared = ll_chain_prepare(s->chain, &sl->batch, ll_time_wall_ns(),
						&sl->prep) == 0;
	}
	pthread_mutex_unlock(&s->prep_mu);
}

/*
 * Starts hashing a CUT slot (unlocked: the slot is the hash thread's until it is
 * HASHED). With an accelerator the job is submitted and 1 returned; without,
 * the batch is hashed here and 0 returned; or -errno.
 */
static int start_hash(ll_solo_t *s, struct slot *sl)
{
	sl->batch.n = sl->n;
	if (!s->cfg.accel)
		return ll_chain_hash_batch(s->alg, &sl->batch);
	sl->job = (struct ll_accel_job){ .alg = s->alg, .offsets = sl->batch.offsets, .n = sl->n,
					 .data = sl->batch.data, .leaves = sl->batch.leaves,
					 .user = sl };
	int rc = ll_accel_submit(s->cfg.accel, &sl->job);
	return rc < 0 ? rc : 1;
}

/* The oldest slot on the accelerator back, its leaves and root in its batch; NULL and *rc on failure. */
static struct slot *wait_hash(ll_solo_t *s, int *rc)
{
	struct ll_accel_job *job;
	if ((*rc = ll_accel_wait(s->cfg.accel, &job)) < 0)
		return NULL;	/* not while s->hashing > 0, unless ll_accel is broken */
	struct slot *sl = job->user;
	memcpy(sl->batch.root, job->root, sizeof sl->batch.root);
	*rc = job->status;
	return sl;
}

/*
 * A hashed slot is prepared (in ring order: jobs come back as submitted) and
 * made HASHED. Returns with mu held.
 */
static void finish_hash(ll_solo_t *s, struct slot *sl, int rc)
{
	if (rc == 0)
		rc = prepare_slot(s, sl);
	pthread_mutex_lock(&s->mu);
	sl->hash_rc = rc;	/* the commit thread drops the block */
	if (rc < 0)
		LL_ERROR("solo", "hash block: %s", ll_strerror(rc));
	sl->state = SLOT_HASHED;
	pthread_cond_broadcast(&s->changed);
}

/*
 * Cut blocks go to the accelerator as they come, up to its bound, so the next
 * block's transfer overlaps this one's compute; they come back in order.
 */
static void *hash_main(void *arg)
{
	ll_solo_t *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		int i = find_state(s, SLOT_CUT);
		if (i >= 0 && s->hashing < s->max_hashing) {
			struct slot *sl = &s->slots[i];
			sl->state = SLOT_HASHING;
			pthread_mutex_unlock(&s->mu);
			int rc = start_hash(s, sl);
			if (rc == 1) {
				pthread_mutex_lock(&s->mu);
				s->hashing++;
			} else {
				finish_hash(s, sl, rc);
			}
			continue;
		}
		if (s->hashing > 0) {
			pthread_mutex_unlock(&s->mu);
			int rc;
			struct slot *sl = wait_hash(s, &rc);
			if (sl) {
				finish_hash(s, sl, rc);
				s->hashing--;
				continue;
			}
			/* the accelerator lost its jobs: drop their blocks rather than wait forever */
			LL_ERROR("solo", "accelerator: %s", ll_strerror(rc));
			pthread_mutex_lock(&s->mu);
			for (unsigned k = 0; k < s->cfg.blocks_in_flight; k++)
				if (s->slots[k].state == SLOT_HASHING) {
					s->slots[k].hash_rc = rc;
					s->slots[k].state = SLOT_HASHED;
				}
			s->hashing = 0;
			pthread_cond_broadcast(&s->changed);
			continue;
		}
		struct slot *open = &s->slots[s->fill];
		bool has_open = open->state == SLOT_FILLING && open->n > 0;
		uint64_t wait_us = __atomic_load_n(&s->cfg.max_wait_us, __ATOMIC_RELAXED);
		uint64_t due = has_open ? open->first_ns + wait_us * 1000 : 0;
		if (has_open && (s->stopping || ll_time_mono_ns() >= due)) {
			cut(s);
			continue;
		}
		if (s->stopping && !has_open)
			break;
		if (has_open) {
			/* CLOCK_MONOTONIC: the condition variable was made with it */
			struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
					       .tv_nsec = (long)(due % 1000000000u) };
			pthread_cond_timedwait(&s->changed, &s->mu, &ts);
		} else {
			pthread_cond_wait(&s->changed, &s->mu);
		}
	}
	s->hash_done = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Under mu: report every committed slot durable, in order, and free it. */
static void report_durable(ll_solo_t *s)
{
	for (; s->unreported > 0; s->unreported--) {
		struct slot *sl = &s->slots[s->durable];
		if (!sl->dropped && s->cfg.durable) {
			pthread_mutex_unlock(&s->mu);
			s->cfg.durable(s->cfg.arg, &sl->prep.header, sl->batch.leaves, sl->cookies,
				       sl->n);
			pthread_mutex_lock(&s->mu);
		}
		if (!sl->dropped) {
			s->stats.blocks_committed++;
			s->stats.records_committed += sl->n;
		}
		s->stats.blocks_in_flight--;
		sl->state = SLOT_FREE;
		s->durable = next(s, s->durable);
		pthread_cond_broadcast(&s->changed);
	}
}

/* One attempt: the block with the client states its records leave behind. */
static int commit_once(ll_solo_t *s, struct slot *sl)
{
	if (!s->cfg.states)
		return ll_chain_commit_prepared(s->chain, &sl->prep);
	int rc = s->cfg.states(s->cfg.arg, sl->offsets, sl->data, sl->n, &sl->prep.client_states,
			       &sl->prep.client_state_count);
	if (rc == 0)
		rc = ll_chain_commit_prepared(s->chain, &sl->prep);
	s->cfg.states_done(s->cfg.arg, rc == 0);
	sl->prep.client_states = NULL;
	sl->prep.client_state_count = 0;
	return rc;
}

/* Commits one hashed block, waiting out a full disk; 0 or the error that dropped it. */
static int commit_slot(ll_solo_t *s, struct slot *sl)
{
	for (;;) {
		int rc = commit_once(s, sl);
		if (rc != -ENOSPC) {
			pthread_mutex_lock(&s->mu);
			s->stats.stalled = false;
			pthread_mutex_unlock(&s->mu);
			return rc;
		}
		pthread_mutex_lock(&s->mu);
		s->stats.commit_retries++;
		s->stats.stalled = true;
		uint64_t dropped;
		if (ll_log_ratelimit_allow(&s->full_disk_log, ll_time_mono_ns(), &dropped))
			LL_ERROR("solo", "disk full: ordering waits for space (%" PRIu64
				 " more retries since the last message)", dropped);
		pthread_mutex_unlock(&s->mu);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
}

static void *commit_main(void *arg)
{
	ll_solo_t *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct slot *sl = &s->slots[s->commit];
		if (sl->state != SLOT_HASHED) {
			if (s->hash_done)
				break;
			pthread_cond_wait(&s->changed, &s->mu);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_lock(&s->prep_mu);
		bool ready = sl->prepared;
		sl->prepared = false;
		pthread_mutex_unlock(&s->prep_mu);
		int rc = sl->hash_rc < 0 ? sl->hash_rc : !ready ? -ESTALE : commit_slot(s, sl);
		if (rc < 0 && ready)
			prepare_again_after(s, s->commit);
		pthread_mutex_lock(&s->mu);
		s->commit = next(s, s->commit);
		s->unreported++;
		sl->state = SLOT_COMMITTED;
		sl->dropped = rc < 0;
		if (rc < 0) {
			/* never acknowledged, so nothing is lost that a client was told of */
			LL_ERROR("solo", "block of %" PRIu32 " records dropped: %s", sl->n,
				 ll_strerror(rc));
			s->stats.commit_failures++;
			s->last_error = rc;
		}
		if (s->cfg.periodic_sync) {
			uint64_t now = ll_time_mono_ns();
			bool idle = s->slots[s->commit].state != SLOT_HASHED;
			uint64_t interval_ms = __atomic_load_n(&s->cfg.sync_interval_ms,
							       __ATOMIC_RELAXED);
			if (!idle && now - s->last_sync_ns < interval_ms * 1000000)
				continue;
			pthread_mutex_unlock(&s->mu);
			rc = ll_chain_sync(s->chain);
			pthread_mutex_lock(&s->mu);
			s->last_sync_ns = now;
			if (rc < 0) {
				LL_ERROR("solo", "sync: %s", ll_strerror(rc));
				s->last_error = rc;
				continue;	/* not durable yet: report after a sync that works */
			}
		}
		report_durable(s);
	}
	pthread_mutex_unlock(&s->mu);
	if (s->cfg.periodic_sync && ll_chain_sync(s->chain) == 0) {
		pthread_mutex_lock(&s->mu);
		report_durable(s);
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

static void free_slots(ll_solo_t *s)
{
	for (unsigned i = 0; i < MAX_IN_FLIGHT; i++) {
		free(s->slots[i].offsets);
		free(s->slots[i].cookies);
		free(s->slots[i].data);
		free(s->slots[i].batch.leaves);
		free(s->slots[i].batch.scratch);
		ll_chain_prepared_free(&s->slots[i].prep);
	}
}

int ll_solo_start(ll_chain_t *chain, const struct ll_solo_cfg *cfg, ll_solo_t **out)
{
	ll_solo_t *s;
	pthread_condattr_t attr;
	int rc = -EINVAL;

	if (!chain || !cfg || !out || cfg->max_records == 0 || cfg->max_bytes == 0 ||
	    cfg->blocks_in_flight < 2 || cfg->blocks_in_flight > MAX_IN_FLIGHT ||
	    (cfg->periodic_sync && cfg->sync_interval_ms == 0) || !cfg->states != !cfg->states_done)
		goto err;
	rc = -ENOMEM;
	if (!(s = calloc(1, sizeof *s)))
		goto err;
	s->chain = chain;
	s->cfg = *cfg;
	s->alg = ll_chain_hash_alg(chain);
	s->max_hashing = 1;
	if (cfg->accel) {
		struct ll_accel_info info;
		ll_accel_info(cfg->accel, &info);
		s->max_hashing = info.max_jobs_in_flight;
	}
	s->full_disk_log = (struct ll_log_ratelimit)LL_LOG_RATELIMIT_INIT(10000000000ULL, 1);
	/* every buffer a block needs, made now: nothing is allocated per record */
	for (unsigned i = 0; i < cfg->blocks_in_flight; i++) {
		struct slot *sl = &s->slots[i];
		sl->offsets = calloc((size_t)cfg->max_records + 1, sizeof *sl->offsets);
		sl->cookies = calloc(cfg->max_records, sizeof *sl->cookies);
		sl->data = malloc(cfg->max_bytes);
		sl->batch.leaves = malloc((size_t)cfg->max_records * 32);
		sl->batch.scratch = malloc(LL_MERKLE_ROOT_SCRATCH_BYTES(cfg->max_records));
		if (!sl->offsets || !sl->cookies || !sl->data || !sl->batch.leaves ||
		    !sl->batch.scratch)
			goto err_free;
		sl->batch.offsets = sl->offsets;
		sl->batch.data = sl->data;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->prep_mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &attr);
	pthread_condattr_destroy(&attr);
	s->last_sync_ns = ll_time_mono_ns();

	if ((rc = -pthread_create(&s->hash_thread, NULL, hash_main, s)) < 0)
		goto err_sync;
	if ((rc = -pthread_create(&s->commit_thread, NULL, commit_main, s)) < 0) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->hash_thread, NULL);
		goto err_sync;
	}
	*out = s;
	return 0;

err_sync:
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->prep_mu);
	pthread_mutex_destroy(&s->mu);
err_free:
	free_slots(s);
	free(s);
err:
	return rc;
}

void ll_solo_stats(ll_solo_t *s, struct ll_solo_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	pthread_mutex_unlock(&s->mu);
}

void ll_solo_set_timing(ll_solo_t *s, uint32_t max_wait_us, uint32_t sync_interval_ms)
{
	__atomic_store_n(&s->cfg.max_wait_us, max_wait_us, __ATOMIC_RELAXED);
	if (sync_interval_ms)
		__atomic_store_n(&s->cfg.sync_interval_ms, sync_interval_ms, __ATOMIC_RELAXED);
	/* the hash thread may be waiting out the old cut time */
	pthread_mutex_lock(&s->mu);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
}

int ll_solo_drain(ll_solo_t *s)
{
	if (!s)
		return 0;
	if (!s->drained) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->hash_thread, NULL);
		pthread_join(s->commit_thread, NULL);
		s->drained = true;
	}
	return s->last_error;
}

int ll_solo_stop(ll_solo_t *s, struct ll_solo_stats *final)
{
	if (!s)
		return 0;
	int rc = ll_solo_drain(s);
	if (final)
		*final = s->stats;
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->prep_mu);
	pthread_mutex_destroy(&s->mu);
	free_slots(s);
	free(s);
	return rc;
}
