/* Admission: what an RX lcore decides about a parsed frame before it reaches a
 * block. Each record's client must be registered, may use scheme 0 only when
 * trusted, must not replay a nonce, must be within its rate, and must carry a good
 * signature; the frame is admitted or dropped whole, with the verdict's counter.
 * No DPDK in it. One admission table per RX lcore (its clients' windows and
 * buckets are that lcore's alone). */
#ifndef LL_ADMIT_H
#define LL_ADMIT_H

#include <stdint.h>

#include "ll_wire.h"

typedef struct ll_admit ll_admit_t;
struct ll_store_client;

struct ll_admit_cfg {
	uint32_t chain_id;
	uint32_t max_clients;		/* the table is sized for this many, made at open */
};

/* Per-lcore counters: frames and records admitted, frames dropped by verdict. */
struct ll_admit_stats {
	uint64_t frames_admitted;
	uint64_t records_admitted;
	uint64_t dropped[LL_WIRE_VERDICT_COUNT];
};

/* ll_admit_open - an empty table. Returns 0, -EINVAL (no room), -ENOMEM. */
int ll_admit_open(const struct ll_admit_cfg *cfg, ll_admit_t **out);

/* ll_admit_close - frees the table and the keys it decoded. NULL is a no-op. */
void ll_admit_close(ll_admit_t *a);

/*
 * ll_admit_add_client - adds (or replaces) a registration with its committed
 * replay window (state as ll_replay_encode wrote it; NULL for none yet). The
 * key is decoded here, once. Returns 0; -EINVAL for a key that does not decode
 * or a bad state; -ENOSPC when the table is full.
 */
int ll_admit_add_client(ll_admit_t *a, const struct ll_store_client *c, const uint8_t *state,
			size_t state_len, uint64_t now_ns);

/*
 * ll_admit_update_client - replaces a registered client's key, scheme and rate,
 * keeping its replay window (nonces in flight stay replays). Returns 0;
 * -ENOENT when it is not registered; -EINVAL as ll_admit_add_client.
 */
int ll_admit_update_client(ll_admit_t *a, const struct ll_store_client *c, uint64_t now_ns);

/* ll_admit_remove_client - forgets a client: its frames are unknown_client. 0 or -ENOENT. */
int ll_admit_remove_client(ll_admit_t *a, const uint8_t id[32]);

/*
 * ll_admit_frame - checks every record of f (parsed by ll_wire_parse against
 * this chain id) at now_ns: LL_WIRE_OK and the frame's nonces are now in
 * flight (a repeat is a replay) and its tokens taken, or the verdict that
 * dropped it whole (counted) with nothing marked. Cheap checks come first:
 * signatures are verified only for a frame that passed the others.
 */
enum ll_wire_verdict ll_admit_frame(ll_admit_t *a, const struct ll_wire_frame *f,
				    uint64_t now_ns);

/* ll_admit_stats - the counters. */
void ll_admit_stats(const ll_admit_t *a, struct ll_admit_stats *out);

#endif /* LL_ADMIT_H */
