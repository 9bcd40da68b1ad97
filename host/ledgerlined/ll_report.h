/* What the appliance reports about itself: one snapshot of every counter and
 * gauge, and its two renderings, JSON (the stats file, `ledgerctl stats`) and
 * Prometheus text (/metrics). Pure: no DPDK, no sockets. */
#ifndef LL_REPORT_H
#define LL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ll_accel.h"
#include "ll_admin.h"
#include "ll_solo.h"
#include "ll_wire.h"

struct json_t;

#define LL_REPORT_MAX_RX 16		/* RX lcores an appliance may have */
#define LL_REPORT_MAX_XDP 8		/* the XDP filter's counters */
/* commit latency buckets' upper bounds, in microseconds; then +Inf */
#define LL_REPORT_LATENCY_BOUNDS_US \
	{ 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, \
	  2500000 }
#define LL_REPORT_LATENCY_BUCKETS 14	/* the bounds above, and +Inf */

/* One RX lcore's counters (ll_dp_rx_stats, and its ring). */
struct ll_report_rx {
	unsigned lcore, queue;
	uint64_t packets, bytes, not_ingest, frames_admitted, records_admitted;
	uint64_t polls, idle_polls;
	uint64_t dropped[LL_WIRE_VERDICT_COUNT];	/* frames, by verdict */
	unsigned ring_used, ring_capacity;
};

/* Commit latency: a block's header made (hashed, linked) to its transaction durable. */
struct ll_report_latency {
	uint64_t buckets[LL_REPORT_LATENCY_BUCKETS];	/* counts, not cumulative */
	uint64_t count, sum_ns;
};

struct ll_report {
	uint64_t mono_ns, uptime_ns;
	const char *state;		/* "running", "paused", "stopping" */
	uint32_t chain_id;
	const char *hash;		/* "sha256" or "sm3" */
	uint64_t height;
	uint8_t tip_hash[32];
	uint64_t clients;		/* registered */

	unsigned rx_count;
	struct ll_report_rx rx[LL_REPORT_MAX_RX];
	uint64_t order_frames, order_records, order_replays, order_solo_full_waits, order_errors;
	struct ll_solo_stats solo;
	uint64_t receipts_built, receipts_records, receipts_sent, receipts_no_mbuf;
	uint64_t receipts_ring_full, receipts_origin_lost;
	unsigned receipt_ring_used, receipt_ring_capacity;

	bool has_port;
	uint64_t port_ipackets, port_imissed, port_ierrors, port_rx_nombuf, port_opackets,
		port_oerrors;
	unsigned xdp_count;		/* 0: no XDP filter on the port */
	const char *xdp_name[LL_REPORT_MAX_XDP];
	uint64_t xdp[LL_REPORT_MAX_XDP];
	unsigned mbufs_free_rx, mbufs_free_tx;

	struct ll_accel_info accel;
	struct ll_report_latency commit_latency;
	struct ll_admin_stats admin;
	bool live_ingest, live_consensus, live_store;
};

/*
 * ll_report_latency_add - counts one commit of ns nanoseconds. One writer
 * (the commit thread); readers copy the struct and may see a count one
 * ahead of the sum, which is harmless.
 */
void ll_report_latency_add(struct ll_report_latency *l, uint64_t ns);

/*
 * ll_report_latency_quantile - the upper bound (us) of the bucket holding
 * quantile q (0..1) of the commits in l; 0 when there are none, UINT64_MAX
 * when it is past the last bound.
 */
uint64_t ll_report_latency_quantile(const struct ll_report_latency *l, double q);

/*
 * ll_report_json - the report as a JSON object (the caller json_decref's it):
 * the stats file's and `stats` command's shape, documented in the README.
 * NULL on out of memory.
 */
struct json_t *ll_report_json(const struct ll_report *r);

/* ll_report_accel_json - the accelerator's part of ll_report_json (accel.info's reply). */
struct json_t *ll_report_accel_json(const struct ll_accel_info *a);

/*
 * ll_report_prometheus - the report in the Prometheus text exposition format
 * (version 0.0.4), every family with HELP and TYPE, to f.
 */
void ll_report_prometheus(const struct ll_report *r, FILE *f);

#endif /* LL_REPORT_H */
