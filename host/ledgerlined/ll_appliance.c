/* The appliance's stages and their hand-offs:
 *
 *   RX lcore i --ring i--> orderer --ll_solo_submit--> hash thread --> commit thread
 *                             ^                                            |
 *                             +-------- receipt ring (built packets) <-----+
 *
 * A record's cookie names the frame it came in (its origin: who gets the
 * receipt) in a table sized beyond what the solo loop can hold, so an origin
 * is never reused while its records are in flight. */
#include "ll_appliance.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ll_admit.h"
#include "ll_block.h"
#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_dp.h"
#include "ll_err.h"
#include "ll_hex.h"
#include "ll_log.h"
#include "ll_replay_book.h"
#include "ll_sig.h"
#include "ll_solo.h"
#include "ll_store.h"
#include "ll_time.h"
#include "ll_wire.h"
#include "ll_xdp.h"

#define NO_RECEIPT UINT64_MAX
#define ORDER_BURST 32
#define TX_BURST 32
#define RECEIPT_RING 4096
/* a receipt datagram fits a 1,500-byte MTU: 4 + 32 * 45 + 28 bytes of IPv4/UDP */
#define RECEIPT_MAX_ENTRIES 32
#define RECORD_NONCE_AT 4
#define RECORD_CLIENT_AT 12

struct origin {
	uint64_t seq;			/* the cookie it was written for */
	struct ll_dp_origin to;
};

/* The frame the orderer is part way through: the solo loop was full. */
struct pending {
	struct rte_mbuf *m;
	unsigned next;			/* the first record not yet submitted */
	uint64_t cookie;
	bool waited;			/* found the loop full (counted once) */
	struct ll_wire_frame f;
};

/* Counters of the stages after RX; each written by one thread. */
struct order_stats {
	uint64_t frames, records, replays, solo_full_waits, submit_errors;
};
struct receipt_stats {			/* the commit thread's */
	uint64_t built, records, no_mbuf, ring_full, origin_lost;
};

struct ll_appliance {
	struct ll_appliance_cfg cfg;
	ll_chain_t *chain;
	ll_accel_t *accel;
	ll_solo_t *solo;			/* NULL once stopped: solo_final holds its counters */
	struct ll_solo_stats solo_final;
	ll_dp_port_t *port;
	uint8_t mac[6];
	unsigned rx_count;
	struct ll_dp_rx *rx;		/* rx_count, cache aligned */
	volatile bool rx_stop;
	ll_replay_book_t *order_book, *commit_book;

	struct origin *origins;
	uint64_t origin_mask, next_cookie;
	struct pending pending;
	bool has_pending;
	struct rte_mbuf *backlog[ORDER_BURST];	/* taken from a ring, not yet ordered */
	unsigned backlog_count;
	struct order_stats order;

	struct rte_ring *receipts;	/* built receipt packets, commit thread -> orderer */
	struct rte_mbuf *tx_held[TX_BURST];
	unsigned tx_held_count;
	uint64_t receipts_sent;
	struct receipt_stats receipt;
	struct ll_wire_receipt_entry entries[RECEIPT_MAX_ENTRIES];

	uint64_t last_stats_ns;
};

/* --- clients --- */

/* One line: <scheme> <public key hex> <trusted 0|1> [rate [burst]]. */
static int parse_client_line(const char *line, struct ll_store_client *c)
{
	char hex[2 * LL_STORE_CLIENT_KEY_MAX + 3] = "";	/* %130s: one too many is refused */
	int scheme, trusted;
	unsigned long long rate = 0, burst = 0;
	int n = sscanf(line, "%d %130s %d %llu %llu", &scheme, hex, &trusted, &rate, &burst);
	size_t len = strlen(hex);
	if (n < 3 || scheme < 0 || scheme > 2 || (trusted != 0 && trusted != 1) ||
	    len % 2 || len / 2 > LL_STORE_CLIENT_KEY_MAX)
		return -EINVAL;
	memset(c, 0, sizeof *c);
	c->scheme = (uint8_t)scheme;
	c->trusted = trusted;
	c->pub_len = (uint8_t)(len / 2);
	c->rate = rate;
	c->burst = burst;
	if (ll_hex_decode(hex, len, c->pub) < 0)
		return -EINVAL;
	/* scheme 0 names its gateway by an Ed25519 key */
	return ll_sig_key_id(scheme == LL_WIRE_SCHEME_SM2_SM3 ? 2 : 1, c->pub, c->pub_len, c->id);
}

static int register_clients_file(ll_appliance_t *a, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned lineno = 0, added = 0;
	if (!f) {
		LL_ERROR("appliance", "clients file %s: %s", path, strerror(errno));
		return -errno;
	}
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		struct ll_store_client c;
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (parse_client_line(line, &c) < 0) {
			LL_ERROR("appliance", "%s:%u: want '<scheme 0|1|2> <public key hex> "
				 "<trusted 0|1> [rate [burst]]'", path, lineno);
			rc = -EINVAL;
		} else if ((rc = ll_store_client_put(ll_chain_store(a->chain), &c)) == 0) {
			added++;
		}
	}
	fclose(f);
	if (rc == 0)
		LL_INFO("appliance", "%s: %u clients registered", path, added);
	return rc;
}

/* Every registered client, with its committed window, into each table and book. */
static int load_client(void *ctx, const struct ll_store_client *c)
{
	ll_appliance_t *a = ctx;
	uint8_t state[LL_STORE_CLIENT_STATE_MAX];
	size_t len = 0;
	int rc = ll_store_client_state(ll_chain_store(a->chain), c->id, state, sizeof state, &len);
	const uint8_t *st = rc == 0 ? state : NULL;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	uint64_t now = ll_time_mono_ns();
	for (unsigned i = 0; i < a->rx_count; i++)
		if ((rc = ll_admit_add_client(a->rx[i].admit, c, st, len, now)) < 0)
			goto bad;
	if ((rc = ll_replay_book_add(a->order_book, c->id, st, len)) < 0 ||
	    (rc = ll_replay_book_add(a->commit_book, c->id, st, len)) < 0)
		goto bad;
	return 0;
bad:
	{
		char id[17];
		ll_hex_encode(c->id, 8, id);
		id[16] = '\0';
		LL_ERROR("appliance", "client %s...: %s", id, ll_strerror(rc));
	}
	return rc;
}

/* --- the commit thread's hooks --- */

static int on_block_states(void *arg, const uint32_t *offsets, const uint8_t *data, uint32_t n,
			   const struct ll_store_client_state **states, size_t *count)
{
	ll_appliance_t *a = arg;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *rec = data + offsets[i];
		uint64_t nonce = ll_get_le(rec + RECORD_NONCE_AT, 8);
		int rc = ll_replay_book_stage(a->commit_book, rec + RECORD_CLIENT_AT, nonce);
		if (rc == -ENOSPC)
			return rc;
	}
	return ll_replay_book_staged(a->commit_book, states, count);
}

static void on_block_states_done(void *arg, bool committed)
{
	ll_appliance_t *a = arg;
	ll_replay_book_settle(a->commit_book, committed);
}

/* One receipt datagram for records [first, first + n) of a durable block. */
static void build_receipt(ll_appliance_t *a, const struct ll_block_header *h,
			  const uint8_t *txids, uint64_t cookie, uint32_t first, uint32_t n)
{
	const struct origin *o = &a->origins[cookie & a->origin_mask];
	uint8_t buf[LL_WIRE_RECEIPT_HEADER_BYTES + RECEIPT_MAX_ENTRIES * LL_WIRE_RECEIPT_ENTRY_BYTES];
	if (o->seq != cookie) {
		a->receipt.origin_lost++;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct ll_wire_receipt_entry *e = &a->entries[i];
		memcpy(e->txid, txids + (size_t)(first + i) * 32, 32);
		e->height = h->height;
		e->index = first + i;
		e->status = LL_WIRE_RECEIPT_COMMITTED;
	}
	int len = ll_wire_receipt_encode(a->entries, n, buf, sizeof buf);
	struct rte_mbuf *m = len < 0 ? NULL :
		ll_dp_reply_packet(ll_dp_port_tx_pool(a->port), a->mac, &o->to, buf, (uint16_t)len);
	if (!m) {
		a->receipt.no_mbuf++;
		return;
	}
	if (rte_ring_enqueue(a->receipts, m) != 0) {
		rte_pktmbuf_free(m);
		a->receipt.ring_full++;
		return;
	}
	a->receipt.built++;
	a->receipt.records += n;
}

/* Each run of records from one frame that asked for receipts gets its receipts. */
static void on_durable(void *arg, const struct ll_block_header *h, const uint8_t *txids,
		       const uint64_t *cookies, uint32_t n)
{
	ll_appliance_t *a = arg;
	for (uint32_t i = 0; i < n;) {
		uint32_t run = 1;
		if (cookies[i] == NO_RECEIPT) {
			i++;
			continue;
		}
		while (i + run < n && cookies[i + run] == cookies[i] && run < RECEIPT_MAX_ENTRIES)
			run++;
		build_receipt(a, h, txids, cookies[i], i, run);
		i += run;
	}
}

/* --- the orderer --- */

/* Sends held and newly built receipts; what the port cannot take now waits. */
static unsigned send_receipts(ll_appliance_t *a)
{
	if (a->tx_held_count < TX_BURST)
		a->tx_held_count += rte_ring_dequeue_burst(a->receipts, (void **)a->tx_held +
							   a->tx_held_count,
							   TX_BURST - a->tx_held_count, NULL);
	if (a->tx_held_count == 0)
		return 0;
	uint16_t sent = rte_eth_tx_burst(ll_dp_port_id(a->port), 0, a->tx_held,
					 (uint16_t)a->tx_held_count);
	a->receipts_sent += sent;
	memmove(a->tx_held, a->tx_held + sent, (a->tx_held_count - sent) * sizeof *a->tx_held);
	a->tx_held_count -= sent;
	return sent;
}

/* The orderer's own replay check, across RX lcores: true when the frame may go on. */
static bool frame_is_new(ll_appliance_t *a, const struct ll_wire_frame *f)
{
	for (unsigned i = 0; i < f->count; i++)
		if (ll_replay_book_check(a->order_book, f->rec[i].client, f->rec[i].nonce) !=
		    LL_REPLAY_NEW)
			return false;
	for (unsigned i = 0; i < f->count; i++)
		ll_replay_book_mark(a->order_book, f->rec[i].client, f->rec[i].nonce);
	return true;
}

/* Takes a frame from an RX ring: checked, its origin noted; false to drop it. */
static bool take_frame(ll_appliance_t *a, struct rte_mbuf *m)
{
	struct pending *p = &a->pending;
	struct ll_dp_origin to;
	const uint8_t *payload;
	int len = ll_dp_frame_of(m, a->cfg.udp_port, &payload, &to);
	if (len < 0 || ll_wire_parse(payload, (size_t)len, a->cfg.chain_id, &p->f) != LL_WIRE_OK) {
		a->order.submit_errors++;	/* RX checked it: cannot happen */
		return false;
	}
	if (!frame_is_new(a, &p->f)) {
		a->order.replays++;
		return false;
	}
	p->m = m;
	p->next = 0;
	p->waited = false;
	p->cookie = NO_RECEIPT;
	for (unsigned i = 0; i < p->f.count; i++)
		if (p->f.rec[i].flags & LL_WIRE_FLAG_RECEIPT)
			p->cookie = a->next_cookie;
	if (p->cookie != NO_RECEIPT) {
		struct origin *o = &a->origins[a->next_cookie & a->origin_mask];
		o->seq = a->next_cookie++;
		o->to = to;
	}
	a->order.frames++;
	return true;
}

/* Submits the pending frame's records; false when the solo loop is full. */
static bool submit_pending(ll_appliance_t *a)
{
	struct pending *p = &a->pending;
	struct ll_solo_record recs[LL_WIRE_MAX_RECORDS];
	uint32_t n = 0, taken;
	for (unsigned i = p->next; i < p->f.count; i++, n++) {
		const struct ll_wire_record *r = &p->f.rec[i];
		recs[n] = (struct ll_solo_record){
			.bytes = r->bytes, .len = r->len,
			.cookie = r->flags & LL_WIRE_FLAG_RECEIPT ? p->cookie : NO_RECEIPT };
	}
	int rc = ll_solo_submit_many(a->solo, recs, n, &taken);
	p->next += taken;
	a->order.records += taken;
	if (rc == -EAGAIN) {
		a->order.solo_full_waits += !p->waited;
		p->waited = true;
		return false;
	}
	if (rc < 0)	/* -ESHUTDOWN, -EMSGSIZE: the rest of the frame cannot go in */
		a->order.submit_errors += p->f.count - p->next;
	rte_pktmbuf_free(p->m);
	a->has_pending = false;
	return true;
}

/* Orders frames in turn; the ones after a frame that found the loop full wait
 * in the backlog (an RX ring has one producer: they cannot go back). */
static void order_frames(ll_appliance_t *a, struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (a->has_pending) {
			memcpy(a->backlog, m + i, (n - i) * sizeof *m);
			a->backlog_count = n - i;
			return;
		}
		if (!take_frame(a, m[i])) {
			rte_pktmbuf_free(m[i]);
			continue;
		}
		a->has_pending = true;
		submit_pending(a);
	}
}

/* One pass: the frame in progress, the backlog, then each RX ring's burst.
 * Returns how many frames it took from the rings. */
static unsigned order_round(ll_appliance_t *a)
{
	struct rte_mbuf *burst[ORDER_BURST];
	unsigned taken = 0;
	if (a->has_pending && !submit_pending(a))
		return 0;
	if (a->backlog_count) {
		unsigned n = a->backlog_count;
		memcpy(burst, a->backlog, n * sizeof *burst);
		a->backlog_count = 0;
		order_frames(a, burst, n);
	}
	for (unsigned q = 0; q < a->rx_count && !a->has_pending; q++) {
		unsigned n = rte_ring_dequeue_burst(a->rx[q].to_order, (void **)burst, ORDER_BURST,
						    NULL);
		order_frames(a, burst, n);
		taken += n;
	}
	return taken;
}

/*
 * The orderer shares its core with the hash and commit threads: when a pass
 * found nothing to do (or the loop is full), it sleeps rather than spin them
 * off the CPU, twice as long each idle pass in a row, from 16 us up to 1 ms
 * (a 20 us sleep every pass cost most of a core in wake-ups).
 */
#define IDLE_MIN_NS 16000
#define IDLE_MAX_NS 1024000

static void idle(uint32_t *sleep_ns)
{
	nanosleep(&(struct timespec){ .tv_nsec = *sleep_ns }, NULL);
	if (*sleep_ns < IDLE_MAX_NS)
		*sleep_ns *= 2;
}

/* --- stats --- */

/* A JSON string of text the appliance did not write itself (paths, device names). */
static void json_text(FILE *f, const char *text)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void write_stats(ll_appliance_t *a)
{
	struct ll_dp_rx_stats rx = { 0 };
	struct ll_solo_stats solo;
	struct ll_block_header tip = { 0 };
	uint64_t xdp[LL_XDP_COUNTERS];
	unsigned ring_used = 0;
	char tmp[PATH_MAX];
	for (unsigned i = 0; i < a->rx_count; i++) {
		const struct ll_dp_rx_stats *s = &a->rx[i].stats;
		rx.packets += s->packets, rx.bytes += s->bytes, rx.not_ingest += s->not_ingest;
		rx.frames_admitted += s->frames_admitted, rx.records_admitted += s->records_admitted;
		for (int v = 0; v < LL_WIRE_VERDICT_COUNT; v++)
			rx.dropped[v] += s->dropped[v];
		ring_used += rte_ring_count(a->rx[i].to_order);
	}
	if (a->solo)
		ll_solo_stats(a->solo, &solo);
	else
		solo = a->solo_final;
	ll_chain_tip(a->chain, &tip);
	snprintf(tmp, sizeof tmp, "%s.tmp", a->cfg.stats_file);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"mono_ns\":%" PRIu64 ",\"height\":%" PRIu64 ",\"rx\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"not_ingest\":%" PRIu64 ",\"frames_admitted\":%" PRIu64
		",\"records_admitted\":%" PRIu64 "},\"dropped\":{",
		ll_time_mono_ns(), tip.height, rx.packets, rx.bytes, rx.not_ingest, rx.frames_admitted,
		rx.records_admitted);
	for (int v = 1; v < LL_WIRE_VERDICT_COUNT; v++)
		fprintf(f, "%s\"%s\":%" PRIu64, v > 1 ? "," : "",
			ll_wire_verdict_name((enum ll_wire_verdict)v),
			rx.dropped[v] + (v == LL_WIRE_REPLAY ? a->order.replays : 0));
	/* each RX lcore's own share: a queue that gets nothing shows here */
	fprintf(f, "},\"rx_lcores\":[");
	for (unsigned i = 0; i < a->rx_count; i++) {
		const struct ll_dp_rx_stats *q = &a->rx[i].stats;
		fprintf(f, "%s{\"queue\":%u,\"packets\":%" PRIu64 ",\"frames_admitted\":%" PRIu64
			",\"records_admitted\":%" PRIu64 ",\"idle_polls\":%" PRIu64 "}", i ? "," : "",
			a->rx[i].queue, q->packets, q->frames_admitted, q->records_admitted,
			q->idle_polls);
	}
	fprintf(f, "],\"order\":{\"frames\":%" PRIu64 ",\"records\":%" PRIu64
		",\"replays\":%" PRIu64 ",\"solo_full_waits\":%" PRIu64 ",\"errors\":%" PRIu64
		",\"ring_used\":%u,\"ring_capacity\":%u},",
		a->order.frames, a->order.records, a->order.replays, a->order.solo_full_waits,
		a->order.submit_errors, ring_used, a->cfg.ring_frames * a->rx_count);
	fprintf(f, "\"solo\":{\"records_submitted\":%" PRIu64 ",\"records_refused_full\":%" PRIu64
		",\"records_committed\":%" PRIu64 ",\"blocks_committed\":%" PRIu64
		",\"commit_retries\":%" PRIu64 ",\"commit_failures\":%" PRIu64
		",\"blocks_in_flight\":%" PRIu64 ",\"stalled\":%s},",
		solo.records_submitted, solo.records_refused_full, solo.records_committed,
		solo.blocks_committed, solo.commit_retries, solo.commit_failures,
		solo.blocks_in_flight, solo.stalled ? "true" : "false");
	fprintf(f, "\"receipts\":{\"built\":%" PRIu64 ",\"records\":%" PRIu64 ",\"sent\":%" PRIu64
		",\"no_mbuf\":%" PRIu64 ",\"ring_full\":%" PRIu64 ",\"origin_lost\":%" PRIu64 "}",
		a->receipt.built, a->receipt.records, a->receipts_sent, a->receipt.no_mbuf,
		a->receipt.ring_full, a->receipt.origin_lost);
	struct rte_eth_stats port;
	if (rte_eth_stats_get(ll_dp_port_id(a->port), &port) == 0)
		fprintf(f, ",\"port\":{\"ipackets\":%" PRIu64 ",\"imissed\":%" PRIu64
			",\"ierrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 ",\"opackets\":%" PRIu64
			",\"oerrors\":%" PRIu64 "}", port.ipackets, port.imissed, port.ierrors,
			port.rx_nombuf, port.opackets, port.oerrors);
	int ifindex = ll_dp_port_ifindex(a->port);
	if (ifindex > 0 && ll_xdp_read_counters(ifindex, xdp) == 0) {
		fprintf(f, ",\"xdp\":{");
		for (int c = 0; c < LL_XDP_COUNTERS; c++)
			fprintf(f, "%s\"%s\":%" PRIu64, c ? "," : "",
				ll_xdp_counter_name((enum ll_xdp_counter)c), xdp[c]);
		fprintf(f, "}");
	}
	struct ll_accel_info ai;
	ll_accel_info(a->accel, &ai);
	fprintf(f, ",\"accel\":{\"backend\":\"%s\",\"requested\":\"%s\",\"device\":", ai.backend,
		ai.requested);
	json_text(f, ai.device);
	fprintf(f, ",\"reason\":");
	json_text(f, ai.reason);
	fprintf(f, ",\"in_service\":%s,\"clock_mhz\":%u,\"jobs\":%" PRIu64 ",\"records\":%" PRIu64
		",\"checks\":%" PRIu64 ",\"mismatches\":%" PRIu64 ",\"device_errors\":%" PRIu64
		",\"cpu_jobs\":%" PRIu64 "}",
		ai.in_service ? "true" : "false", ai.clock_mhz, ai.jobs, ai.records, ai.checks,
		ai.mismatches, ai.device_errors, ai.cpu_jobs);
	fprintf(f, ",\"mbufs_free\":{\"rx\":%u,\"tx\":%u}", ll_dp_port_rx_free(a->port),
		rte_mempool_avail_count(ll_dp_port_tx_pool(a->port)));
	fprintf(f, "}\n");
	if (fclose(f) == 0)
		rename(tmp, a->cfg.stats_file);
}

static void maybe_write_stats(ll_appliance_t *a, bool now)
{
	uint64_t t = ll_time_mono_ns();
	if (!a->cfg.stats_file || (!now && t - a->last_stats_ns < a->cfg.stats_ms * 1000000ull))
		return;
	a->last_stats_ns = t;
	write_stats(a);
}

/* --- open, run, close --- */

static int open_rx(ll_appliance_t *a)
{
	a->rx_count = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 0;
	if (a->rx_count == 0) {
		LL_ERROR("appliance", "no lcore for RX: give at least two (-l 0-1)");
		return -EINVAL;
	}
	a->rx = rte_zmalloc("ll_rx", a->rx_count * sizeof *a->rx, RTE_CACHE_LINE_SIZE);
	if (!a->rx)
		return -ENOMEM;
	for (unsigned i = 0; i < a->rx_count; i++) {
		struct ll_dp_rx *rx = &a->rx[i];
		char name[32];
		int rc;
		snprintf(name, sizeof name, "ll_order%u", i);
		rx->queue = (uint16_t)i;
		rx->ingest_port = a->cfg.udp_port;
		rx->chain_id = a->cfg.chain_id;
		rx->stop = &a->rx_stop;
		rx->to_order = rte_ring_create(name, a->cfg.ring_frames, (int)rte_socket_id(),
					       RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (!rx->to_order)
			return -ENOMEM;
		if ((rc = ll_admit_open(&(struct ll_admit_cfg){ .chain_id = a->cfg.chain_id,
								 .max_clients = a->cfg.max_clients },
					&rx->admit)) < 0)
			return rc;
	}
	return 0;
}

int ll_appliance_open(const struct ll_appliance_cfg *cfg, ll_appliance_t **out)
{
	ll_appliance_t *a = calloc(1, sizeof *a);
	int rc = -ENOMEM;
	if (!a)
		return rc;
	a->cfg = *cfg;
	struct ll_chain_cfg chain_cfg = {
		.store = { .path = cfg->ledger, .chain_id = cfg->chain_id, .hash_alg = cfg->hash_alg,
			   .sync = cfg->periodic_sync ? LL_STORE_SYNC_PERIODIC : LL_STORE_SYNC_FULL },
	};
	if ((rc = ll_chain_open(&chain_cfg, &a->chain)) < 0) {
		LL_ERROR("appliance", "ledger %s: %s", cfg->ledger, ll_strerror(rc));
		goto err;
	}
	if (cfg->clients_file && (rc = register_clients_file(a, cfg->clients_file)) < 0)
		goto err;
	if ((rc = open_rx(a)) < 0 ||
	    (rc = ll_replay_book_open(cfg->max_clients, &a->order_book)) < 0 ||
	    (rc = ll_replay_book_open(cfg->max_clients, &a->commit_book)) < 0 ||
	    (rc = ll_store_client_list(ll_chain_store(a->chain), load_client, a)) < 0)
		goto err;

	/* every record the loop can hold, twice over: an origin outlives its records */
	uint64_t origins = 1;
	while (origins < 2ull * (cfg->blocks_in_flight + 1) * cfg->block_records)
		origins *= 2;
	a->origin_mask = origins - 1;
	rc = -ENOMEM;
	if (!(a->origins = calloc(origins, sizeof *a->origins)) ||
	    !(a->receipts = rte_ring_create("ll_receipts", RECEIPT_RING, (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ)))
		goto err;
	struct ll_dp_port_cfg port_cfg = {
		.name = cfg->port_name, .rx_queues = (uint16_t)a->rx_count,
		.rx_mbufs = cfg->rx_mbufs, .tx_mbufs = RECEIPT_RING + 1024,
	};
	if ((rc = ll_dp_port_open(&port_cfg, &a->port)) < 0)
		goto err;
	ll_dp_port_mac(a->port, a->mac);
	for (unsigned i = 0; i < a->rx_count; i++)
		a->rx[i].port = ll_dp_port_id(a->port);
	int ifindex = ll_dp_port_ifindex(a->port);
	if (ifindex > 0 && ll_xdp_set_port(ifindex, cfg->udp_port) == 0)
		LL_INFO("appliance", "XDP filter on ifindex %d: ingest port %u", ifindex,
			cfg->udp_port);

	if ((rc = ll_accel_open(&cfg->accel, &a->accel)) < 0) {
		LL_ERROR("appliance", "accelerator %s: %s",
			 cfg->accel.backend ? cfg->accel.backend : "auto", ll_strerror(rc));
		goto err;
	}
	struct ll_solo_cfg solo_cfg = {
		.accel = a->accel,
		.max_records = cfg->block_records, .max_bytes = cfg->block_bytes,
		.max_wait_us = cfg->block_wait_us, .blocks_in_flight = cfg->blocks_in_flight,
		.periodic_sync = cfg->periodic_sync, .sync_interval_ms = cfg->sync_interval_ms,
		.durable = on_durable, .states = on_block_states,
		.states_done = on_block_states_done, .arg = a,
	};
	if ((rc = ll_solo_start(a->chain, &solo_cfg, &a->solo)) < 0) {
		LL_ERROR("appliance", "solo loop: %s", ll_strerror(rc));
		goto err;
	}
	*out = a;
	return 0;
err:
	ll_appliance_close(a);
	return rc;
}

struct stopper {
	ll_solo_t *solo;
	struct ll_solo_stats *final;
	int rc;
	volatile bool done;
};

static void *stop_solo(void *arg)
{
	struct stopper *s = arg;
	s->rc = ll_solo_stop(s->solo, s->final);
	s->done = true;
	return NULL;
}

static bool rings_empty(const ll_appliance_t *a)
{
	for (unsigned i = 0; i < a->rx_count; i++)
		if (rte_ring_count(a->rx[i].to_order))
			return false;
	return !a->has_pending && a->backlog_count == 0;
}

int ll_appliance_run(ll_appliance_t *a, volatile bool *stop)
{
	unsigned lcore, i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i < a->rx_count)
			rte_eal_remote_launch(ll_dp_rx_main, &a->rx[i++], lcore);
	}
	LL_INFO("appliance", "running: %u RX lcores, chain %u, UDP port %u", a->rx_count,
		a->cfg.chain_id, a->cfg.udp_port);
	maybe_write_stats(a, true);	/* its first appearance says: running */
	uint32_t sleep_ns = IDLE_MIN_NS;
	while (!*stop) {
		unsigned work = order_round(a) + send_receipts(a);
		maybe_write_stats(a, false);
		if (work)
			sleep_ns = IDLE_MIN_NS;
		else
			idle(&sleep_ns);
	}

	/* drain: RX stops, what it admitted is ordered and committed, receipts go out */
	LL_INFO("appliance", "stopping: draining");
	a->rx_stop = true;
	rte_eal_mp_wait_lcore();
	sleep_ns = IDLE_MIN_NS;
	while (!rings_empty(a))
		if (!order_round(a) + send_receipts(a))
			idle(&sleep_ns);
	struct stopper st = { .solo = a->solo, .final = &a->solo_final };
	pthread_t t;
	if (pthread_create(&t, NULL, stop_solo, &st) != 0) {
		st.rc = ll_solo_stop(a->solo, &a->solo_final);
		st.done = true;
	} else {
		while (!st.done) {
			sleep_ns = IDLE_MIN_NS;
			if (!send_receipts(a))
				idle(&sleep_ns);
		}
		pthread_join(t, NULL);
	}
	a->solo = NULL;
	uint64_t deadline = ll_time_mono_ns() + 1000000000ull;
	while ((a->tx_held_count || rte_ring_count(a->receipts)) && ll_time_mono_ns() < deadline)
		send_receipts(a);
	maybe_write_stats(a, true);
	LL_INFO("appliance", "stopped: %" PRIu64 " records ordered, %" PRIu64 " receipts sent",
		a->order.records, a->receipts_sent);
	return st.rc;
}

void ll_appliance_close(ll_appliance_t *a)
{
	if (!a)
		return;
	ll_solo_stop(a->solo, NULL);
	for (unsigned i = 0; i < a->tx_held_count; i++)
		rte_pktmbuf_free(a->tx_held[i]);
	for (unsigned i = 0; i < a->backlog_count; i++)
		rte_pktmbuf_free(a->backlog[i]);
	if (a->has_pending)
		rte_pktmbuf_free(a->pending.m);
	if (a->receipts) {
		struct rte_mbuf *m;
		while (rte_ring_dequeue(a->receipts, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(a->receipts);
	}
	for (unsigned i = 0; a->rx && i < a->rx_count; i++) {
		struct rte_mbuf *m;
		while (a->rx[i].to_order && rte_ring_dequeue(a->rx[i].to_order, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(a->rx[i].to_order);
		ll_admit_close(a->rx[i].admit);
	}
	rte_free(a->rx);
	ll_dp_port_close(a->port);
	ll_replay_book_close(a->order_book);
	ll_replay_book_close(a->commit_book);
	free(a->origins);
	ll_accel_close(a->accel);	/* after solo: its hash thread used it */
	ll_chain_close(a->chain);
	free(a);
}
