/* The appliance's stages and their hand-offs:
 *
 *   RX lcore i --ring i--> orderer --ll_solo_submit--> hash thread --> commit thread
 *                             ^                                            |
 *                             +-------- receipt ring (built packets) <-----+
 *
 * A record's cookie names the frame it came in (its origin: who gets the
 * receipt) in a table sized beyond what the solo loop can hold, so an origin
 * is never reused while its records are in flight.
 *
 * The management plane (the admin socket's thread, the metrics thread) reads
 * counters as they are written (one writer each, summed on read) and changes
 * the data path only through flags and each RX lcore's control ring. */
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

#include <jansson.h>

#include "ll_admin.h"
#include "ll_admit.h"
#include "ll_block.h"
#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_dp.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_replay_book.h"
#include "ll_report.h"
#include "ll_settings.h"
#include "ll_sig.h"
#include "ll_solo.h"
#include "ll_store.h"
#include "ll_time.h"
#include "ll_wire.h"
#include "ll_xdp.h"
#include "ll_commands.h"

#define NO_RECEIPT UINT64_MAX
#define ORDER_BURST 32
#define TX_BURST 32
#define RECEIPT_RING 4096
/* a receipt datagram fits a 1,500-byte MTU: 4 + 32 * 45 + 28 bytes of IPv4/UDP */
#define RECEIPT_MAX_ENTRIES 32
#define CONTROL_RING 64
/* a component that shows no progress for this long is not live (/healthz) */
#define LIVE_NS 2000000000ull
/* a commit failure makes the store not live for this long */
#define STORE_FAILURE_NS 10000000000ull

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
	struct ll_settings cfg;		/* runtime keys change under settings_lock */
	pthread_mutex_t settings_lock;
	ll_chain_t *chain;
	ll_accel_t *accel;
	ll_solo_t *solo;			/* NULL once stopped: solo_final holds its counters */
	pthread_mutex_t solo_lock;	/* the report reads solo while run frees it */
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
	uint32_t stats_interval_ms;	/* atomic: a runtime tunable */

	/* the management plane */
	uint64_t start_ns;
	ll_admin_t *admin;
	ll_metrics_t *metrics;
	volatile bool stop_requested, stopping, paused;
	pthread_mutex_t control_lock;	/* one client change at a time */
	uint64_t control_seq;
	uint64_t clients;		/* registered now */
	/* every id registered since start, removed ones too (the replay books keep
	 * their windows, so they count against max_clients until a restart) */
	struct known_id *known;
	uint32_t known_slots, known_count;
	pthread_mutex_t report_lock;	/* the port's and the XDP filter's counters */
	struct ll_report_latency commit_latency;	/* the commit thread's */
	uint64_t order_rounds;		/* the orderer's heartbeat */
	/* liveness, sampled by the admin thread's tick */
	/* liveness: each heartbeat's last value and when it last moved, under
	 * live_lock; sampled by every report and the admin thread's tick */
	pthread_mutex_t live_lock;
	uint64_t seen_rx_polls[LL_REPORT_MAX_RX], rx_alive_ns[LL_REPORT_MAX_RX];
	uint64_t seen_order_rounds, order_alive_ns;
	uint64_t seen_commit_failures, store_failed_ns;
};

/* --- clients --- */

struct known_id {
	bool used;
	uint8_t id[32];
};

/* Notes id as seen this run: 1 when new, 0 when seen before, -ENOSPC when
 * max_clients ids were seen already. Under control_lock, or before run. */
static int known_add(ll_appliance_t *a, const uint8_t *id)
{
	uint32_t i = ll_key_id_slot(id, a->known_slots);
	while (a->known[i].used && !ll_key_id_equal(a->known[i].id, id))
		i = (i + 1) & (a->known_slots - 1);
	if (a->known[i].used)
		return 0;
	if (a->known_count == a->cfg.max_clients)
		return -ENOSPC;
	a->known[i].used = true;
	memcpy(a->known[i].id, id, 32);
	a->known_count++;
	return 1;
}

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

/* A client's committed window from the ledger, for a book that does not hold it yet. */
static int book_add_from_store(ll_appliance_t *a, ll_replay_book_t *book, const uint8_t *id)
{
	uint8_t state[LL_STORE_CLIENT_STATE_MAX];
	size_t len = 0;
	int rc = ll_store_client_state(ll_chain_store(a->chain), id, state, sizeof state, &len);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return ll_replay_book_add(book, id, rc == 0 ? state : NULL, len);
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
	a->clients++;
	if ((rc = known_add(a, c->id)) < 0)
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
		const uint8_t *rec = data + offsets[i], *client = rec + LL_WIRE_RECORD_CLIENT_AT;
		uint64_t nonce = ll_get_le(rec + LL_WIRE_RECORD_NONCE_AT, 8);
		int rc = ll_replay_book_stage(a->commit_book, client, nonce);
		/* a client registered while running: its window joins the book now */
		if (rc == -ENOENT && (rc = book_add_from_store(a, a->commit_book, client)) == 0)
			rc = ll_replay_book_stage(a->commit_book, client, nonce);
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
	uint64_t now = ll_time_wall_ns();
	ll_report_latency_add(&a->commit_latency, now > h->timestamp_ns ? now - h->timestamp_ns : 0);
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
	for (unsigned i = 0; i < f->count; i++) {
		int v = ll_replay_book_check(a->order_book, f->rec[i].client, f->rec[i].nonce);
		/* a client registered while running: its window joins the book now */
		if (v == -ENOENT && book_add_from_store(a, a->order_book, f->rec[i].client) == 0)
			v = ll_replay_book_check(a->order_book, f->rec[i].client, f->rec[i].nonce);
		if (v != LL_REPLAY_NEW)
			return false;
	}
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

/* --- the report --- */

/*
 * A component is live while its heartbeat counter moves: each RX lcore counts
 * polls (also paused or idle), the orderer counts rounds (sleeping at most
 * 1 ms); the store while no commit failed lately. Sampled by whoever looks (a
 * report, the admin thread's tick), so no one thread's stall fakes another's.
 */
static void sample_liveness(ll_appliance_t *a, uint64_t now, const struct ll_solo_stats *solo)
{
	pthread_mutex_lock(&a->live_lock);
	for (unsigned i = 0; i < a->rx_count; i++) {
		uint64_t polls = a->rx[i].stats.polls;
		if (polls != a->seen_rx_polls[i]) {
			a->seen_rx_polls[i] = polls;
			a->rx_alive_ns[i] = now;
		}
	}
	uint64_t rounds = __atomic_load_n(&a->order_rounds, __ATOMIC_RELAXED);
	if (rounds != a->seen_order_rounds) {
		a->seen_order_rounds = rounds;
		a->order_alive_ns = now;
	}
	if (solo->commit_failures > a->seen_commit_failures) {
		a->seen_commit_failures = solo->commit_failures;
		a->store_failed_ns = now;
	}
	pthread_mutex_unlock(&a->live_lock);
}

void ll_appliance_report(ll_appliance_t *a, struct ll_report *r)
{
	memset(r, 0, sizeof *r);
	r->mono_ns = ll_time_mono_ns();
	r->uptime_ns = r->mono_ns - a->start_ns;
	r->state = a->stopping ? "stopping" : a->paused ? "paused" : "running";
	r->chain_id = a->cfg.chain_id;
	r->hash = ll_settings_hash_alg(&a->cfg) == LL_HASH_SM3 ? "sm3" : "sha256";
	struct ll_block_header tip = { 0 };
	bool tip_readable = ll_chain_tip(a->chain, &tip) == 0;	/* also a sign the store lives */
	if (tip_readable) {
		r->height = tip.height;
		ll_block_hash(&tip, r->tip_hash);
	}
	r->clients = __atomic_load_n(&a->clients, __ATOMIC_RELAXED);
	r->rx_count = a->rx_count;
	for (unsigned i = 0; i < a->rx_count; i++) {
		const struct ll_dp_rx *rx = &a->rx[i];
		struct ll_report_rx *q = &r->rx[i];
		q->lcore = i + 1;
		q->queue = rx->queue;
		q->packets = rx->stats.packets, q->bytes = rx->stats.bytes;
		q->not_ingest = rx->stats.not_ingest;
		q->frames_admitted = rx->stats.frames_admitted;
		q->records_admitted = rx->stats.records_admitted;
		q->polls = rx->stats.polls, q->idle_polls = rx->stats.idle_polls;
		memcpy(q->dropped, rx->stats.dropped, sizeof q->dropped);
		q->ring_used = rte_ring_count(rx->to_order);
		q->ring_capacity = rte_ring_get_capacity(rx->to_order);
	}
	r->order_frames = a->order.frames, r->order_records = a->order.records;
	r->order_replays = a->order.replays, r->order_solo_full_waits = a->order.solo_full_waits;
	r->order_errors = a->order.submit_errors;
	pthread_mutex_lock(&a->solo_lock);
	if (a->solo)
		ll_solo_stats(a->solo, &r->solo);
	else
		r->solo = a->solo_final;
	pthread_mutex_unlock(&a->solo_lock);
	r->receipts_built = a->receipt.built, r->receipts_records = a->receipt.records;
	r->receipts_sent = a->receipts_sent, r->receipts_no_mbuf = a->receipt.no_mbuf;
	r->receipts_ring_full = a->receipt.ring_full;
	r->receipts_origin_lost = a->receipt.origin_lost;
	r->receipt_ring_used = rte_ring_count(a->receipts);
	r->receipt_ring_capacity = rte_ring_get_capacity(a->receipts);

	/* the device's counters are read by one thread at a time */
	pthread_mutex_lock(&a->report_lock);
	struct rte_eth_stats port;
	if (rte_eth_stats_get(ll_dp_port_id(a->port), &port) == 0) {
		r->has_port = true;
		r->port_ipackets = port.ipackets, r->port_imissed = port.imissed;
		r->port_ierrors = port.ierrors, r->port_rx_nombuf = port.rx_nombuf;
		r->port_opackets = port.opackets, r->port_oerrors = port.oerrors;
	}
	uint64_t xdp[LL_XDP_COUNTERS];
	int ifindex = ll_dp_port_ifindex(a->port);
	if (ifindex > 0 && ll_xdp_read_counters(ifindex, xdp) == 0) {
		r->xdp_count = LL_XDP_COUNTERS < LL_REPORT_MAX_XDP ? LL_XDP_COUNTERS : LL_REPORT_MAX_XDP;
		for (unsigned c = 0; c < r->xdp_count; c++) {
			r->xdp_name[c] = ll_xdp_counter_name((enum ll_xdp_counter)c);
			r->xdp[c] = xdp[c];
		}
	}
	pthread_mutex_unlock(&a->report_lock);
	r->mbufs_free_rx = ll_dp_port_rx_free(a->port);
	r->mbufs_free_tx = rte_mempool_avail_count(ll_dp_port_tx_pool(a->port));
	ll_accel_info(a->accel, &r->accel);
	r->commit_latency = a->commit_latency;
	if (a->admin)
		ll_admin_stats(a->admin, &r->admin);
	sample_liveness(a, r->mono_ns, &r->solo);
	pthread_mutex_lock(&a->live_lock);
	r->live_ingest = true;
	for (unsigned i = 0; i < a->rx_count; i++)
		r->live_ingest &= r->mono_ns - a->rx_alive_ns[i] < LIVE_NS;
	r->live_consensus = r->mono_ns - a->order_alive_ns < LIVE_NS && !a->stopping;
	r->live_store = tip_readable && !r->solo.stalled &&
			r->mono_ns - a->store_failed_ns >= STORE_FAILURE_NS;
	pthread_mutex_unlock(&a->live_lock);
}

bool ll_appliance_health(ll_appliance_t *a, char *why, size_t why_len)
{
	struct ll_report r;
	ll_appliance_report(a, &r);
	if (r.live_ingest && r.live_consensus && r.live_store) {
		snprintf(why, why_len, "ok");
		return true;
	}
	snprintf(why, why_len, "not live:%s%s%s", r.live_ingest ? "" : " ingest (an RX lcore stopped)",
		 r.live_consensus ? "" : " consensus (the orderer stopped)",
		 r.live_store ? "" : r.solo.stalled ? " store (disk full: ordering waits)" :
		 " store (a block failed to commit)");
	return false;
}

/* The admin thread's tick: liveness sampled every 100 ms, so a failure shows
 * within LIVE_NS even when nothing reads the report. */
static void tick(void *arg, uint64_t now)
{
	ll_appliance_t *a = arg;
	struct ll_solo_stats solo = { 0 };
	pthread_mutex_lock(&a->solo_lock);
	if (a->solo)
		ll_solo_stats(a->solo, &solo);
	pthread_mutex_unlock(&a->solo_lock);
	sample_liveness(a, now, &solo);
}

static void write_stats(ll_appliance_t *a)
{
	struct ll_report *r = malloc(sizeof *r);
	char tmp[PATH_MAX];
	if (!r)
		return;
	ll_appliance_report(a, r);
	json_t *o = ll_report_json(r);
	free(r);
	snprintf(tmp, sizeof tmp, "%s.tmp", a->cfg.stats_file);
	if (o && json_dump_file(o, tmp, JSON_COMPACT) == 0)
		rename(tmp, a->cfg.stats_file);
	json_decref(o);
}

static void maybe_write_stats(ll_appliance_t *a, bool now)
{
	uint64_t t = ll_time_mono_ns();
	uint64_t interval = __atomic_load_n(&a->stats_interval_ms, __ATOMIC_RELAXED) * 1000000ull;
	if (!a->cfg.stats_file[0] || (!now && t - a->last_stats_ns < interval))
		return;
	a->last_stats_ns = t;
	write_stats(a);
}

/* --- the management plane's levers --- */

ll_chain_t *ll_appliance_chain(ll_appliance_t *a)
{
	return a->chain;
}

void ll_appliance_accel_info(ll_appliance_t *a, struct ll_accel_info *out)
{
	ll_accel_info(a->accel, out);
}

void ll_appliance_settings(ll_appliance_t *a, struct ll_settings *out)
{
	pthread_mutex_lock(&a->settings_lock);
	*out = a->cfg;
	pthread_mutex_unlock(&a->settings_lock);
}

void ll_appliance_request_stop(ll_appliance_t *a)
{
	a->stop_requested = true;
}

int ll_appliance_pause(ll_appliance_t *a, bool paused)
{
	if (a->stopping)
		return -ESHUTDOWN;
	a->paused = paused;
	LL_INFO("appliance", "ingest %s", paused ? "paused" : "resumed");
	return 0;
}

/*
 * Sends one change to every RX lcore and waits (up to a second) until each has
 * applied it. A lcore's table only ever changes on that lcore. Returns the
 * first lcore's error, or -ETIMEDOUT.
 */
static int change_rx_tables(ll_appliance_t *a, const struct ll_store_client *c, bool remove)
{
	uint8_t state[LL_STORE_CLIENT_STATE_MAX];
	size_t state_len = 0;
	int rc = remove ? -ENOENT : ll_store_client_state(ll_chain_store(a->chain), c->id, state,
							  sizeof state, &state_len);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	bool has_state = rc == 0;
	uint64_t seq = ++a->control_seq;
	for (unsigned i = 0; i < a->rx_count; i++) {
		struct ll_dp_control *m = calloc(1, sizeof *m);
		if (!m || !(m->client = malloc(sizeof *c)) ||
		    (has_state && !(m->state = malloc(state_len)))) {
			if (m)
				free(m->client);
			free(m);
			return -ENOMEM;
		}
		m->seq = seq;
		m->remove = remove;
		*m->client = *c;
		if (has_state) {
			memcpy(m->state, state, state_len);
			m->state_len = state_len;
		}
		if (rte_ring_enqueue(a->rx[i].control, m) != 0) {
			free(m->client);
			free(m->state);
			free(m);
			return -EBUSY;
		}
	}
	uint64_t deadline = ll_time_mono_ns() + 1000000000ull;
	int first_rc = 0;
	for (unsigned i = 0; i < a->rx_count; i++) {
		while (__atomic_load_n(&a->rx[i].control_done, __ATOMIC_ACQUIRE) < seq) {
			if (ll_time_mono_ns() > deadline)
				return -ETIMEDOUT;
			usleep(200);
		}
		if (a->rx[i].control_rc < 0 && first_rc == 0)
			first_rc = a->rx[i].control_rc;
	}
	return first_rc;
}

int ll_appliance_client_put(ll_appliance_t *a, const struct ll_store_client *c, char *err,
			    size_t err_len)
{
	struct ll_store_client old;
	ll_store_t *store = ll_chain_store(a->chain);
	if (a->stopping) {
		snprintf(err, err_len, "the appliance is stopping");
		return -ESHUTDOWN;
	}
	pthread_mutex_lock(&a->control_lock);
	int rc = ll_store_client_get(store, c->id, &old);
	bool is_new = rc == -ENOENT;
	/* the key must decode before anything is written */
	ll_sig_key_t *key = NULL;
	if (c->scheme != LL_WIRE_SCHEME_NONE &&
	    ll_sig_key_open(c->scheme, LL_SIG_IMPL_AUTO, c->pub, c->pub_len, &key) < 0) {
		snprintf(err, err_len, "the public key does not decode for its scheme");
		rc = -EINVAL;
		goto out;
	}
	ll_sig_key_close(key);
	/* the books keep the window of every client seen this run, removed or not */
	if ((rc = known_add(a, c->id)) < 0) {
		snprintf(err, err_len, "no room: dataplane.max_clients (%u) clients were registered "
			 "since start (removed ones count until a restart)", a->cfg.max_clients);
		goto out;
	}
	if ((rc = ll_store_client_put(store, c)) < 0) {
		snprintf(err, err_len, "the ledger refused it: %s", ll_strerror(rc));
		goto out;
	}
	/* in the ledger now: counted, whatever the RX lcores say next */
	if (is_new)
		__atomic_add_fetch(&a->clients, 1, __ATOMIC_RELAXED);
	if ((rc = change_rx_tables(a, c, false)) < 0)
		snprintf(err, err_len, "registered in the ledger, but an RX lcore could not take it: "
			 "%s", ll_strerror(rc));
out:
	pthread_mutex_unlock(&a->control_lock);
	return rc;
}

int ll_appliance_client_remove(ll_appliance_t *a, const uint8_t id[32], char *err,
			       size_t err_len)
{
	struct ll_store_client c = { 0 };
	if (a->stopping) {
		snprintf(err, err_len, "the appliance is stopping");
		return -ESHUTDOWN;
	}
	pthread_mutex_lock(&a->control_lock);
	int rc = ll_store_client_del(ll_chain_store(a->chain), id);
	if (rc == -ENOENT) {
		snprintf(err, err_len, "no such client");
	} else if (rc < 0) {
		snprintf(err, err_len, "the ledger refused it: %s", ll_strerror(rc));
	} else {
		__atomic_sub_fetch(&a->clients, 1, __ATOMIC_RELAXED);
		memcpy(c.id, id, 32);
		if ((rc = change_rx_tables(a, &c, true)) < 0 && rc != -ENOENT)
			snprintf(err, err_len, "removed from the ledger, but an RX lcore could not "
				 "forget it: %s", ll_strerror(rc));
		else
			rc = 0;
	}
	pthread_mutex_unlock(&a->control_lock);
	return rc;
}

int ll_appliance_config_set(ll_appliance_t *a, const char *key, const char *value, char *err,
			    size_t err_len)
{
	const struct ll_config_table *t = ll_settings_table();
	const struct ll_config_key *k = ll_config_find(t, key);
	if (k && !k->runtime) {
		snprintf(err, err_len, "%s is not a runtime tunable: change it in the configuration "
			 "file and restart", key);
		return -EPERM;
	}
	pthread_mutex_lock(&a->settings_lock);
	/* only the key's own bytes change: other threads read the fixed keys unlocked */
	int rc = ll_config_set(t, &a->cfg, key, value, err, err_len);
	struct ll_settings next = a->cfg;
	if (rc == 0) {
		ll_log_set_level((enum ll_log_level)next.log_level);
		__atomic_store_n(&a->stats_interval_ms, next.stats_interval_ms, __ATOMIC_RELAXED);
		pthread_mutex_lock(&a->solo_lock);
		if (a->solo)
			ll_solo_set_timing(a->solo, next.block_wait_us, next.sync_interval_ms);
		pthread_mutex_unlock(&a->solo_lock);
		ll_accel_set_check_every(a->accel, next.accel_check_every);
		if (a->admin)
			ll_admin_set_idle_timeout(a->admin, next.admin_idle_timeout_ms);
	}
	pthread_mutex_unlock(&a->settings_lock);
	if (rc == 0)
		LL_INFO("appliance", "config: %s = %s", key, value);
	return rc;
}

/* --- open, run, close --- */

static int open_rx(ll_appliance_t *a)
{
	a->rx_count = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 0;
	if (a->rx_count == 0 || a->rx_count > LL_REPORT_MAX_RX) {
		LL_ERROR("appliance", "%u RX lcores: give from 2 to %d lcores (dataplane.lcores, -l)",
			 a->rx_count, LL_REPORT_MAX_RX + 1);
		return -EINVAL;
	}
	a->rx = rte_zmalloc("ll_rx", a->rx_count * sizeof *a->rx, RTE_CACHE_LINE_SIZE);
	if (!a->rx)
		return -ENOMEM;
	for (unsigned i = 0; i < a->rx_count; i++) {
		struct ll_dp_rx *rx = &a->rx[i];
		char name[32], control[32];
		int rc;
		snprintf(name, sizeof name, "ll_order%u", i);
		snprintf(control, sizeof control, "ll_control%u", i);
		rx->queue = (uint16_t)i;
		rx->ingest_port = (uint16_t)a->cfg.udp_port;
		rx->chain_id = a->cfg.chain_id;
		rx->stop = &a->rx_stop;
		rx->paused = &a->paused;
		rx->to_order = rte_ring_create(name, a->cfg.ring_frames, (int)rte_socket_id(),
					       RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		rx->control = rte_ring_create(control, CONTROL_RING, (int)rte_socket_id(),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!rx->to_order || !rx->control)
			return -ENOMEM;
		if ((rc = ll_admit_open(&(struct ll_admit_cfg){ .chain_id = a->cfg.chain_id,
								 .max_clients = a->cfg.max_clients },
					&rx->admit)) < 0)
			return rc;
	}
	return 0;
}

/* The admin socket and /metrics; the last things opened, the first closed. */
static void write_metrics(void *arg, FILE *f)
{
	struct ll_report *r = malloc(sizeof *r);
	if (!r)
		return;
	ll_appliance_report(arg, r);
	ll_report_prometheus(r, f);
	free(r);
}

static bool health(void *arg, char *why, size_t why_len)
{
	return ll_appliance_health(arg, why, why_len);
}

static int open_management(ll_appliance_t *a, const char *token)
{
	const struct ll_settings *s = &a->cfg;
	size_t count;
	const struct ll_admin_command *commands = ll_commands(&count);
	struct ll_admin_cfg admin = {
		.socket_path = s->admin_socket, .socket_mode = s->admin_socket_mode,
		.socket_group = s->admin_socket_group, .tcp_listen = s->admin_tcp_listen,
		.token = token, .max_connections = s->admin_max_connections,
		.max_request_bytes = s->admin_max_request_bytes,
		.idle_timeout_ms = s->admin_idle_timeout_ms, .audit_log = s->admin_audit_log,
		.commands = commands, .command_count = count, .arg = a, .tick = tick,
	};
	int rc = ll_admin_open(&admin, &a->admin);
	if (rc < 0)
		return rc;
	if (!s->metrics_listen[0])
		return 0;
	struct ll_metrics_cfg metrics = { .listen = s->metrics_listen, .metrics = write_metrics,
					  .health = health, .arg = a };
	return ll_metrics_open(&metrics, &a->metrics);
}

int ll_appliance_open(const struct ll_settings *s, const char *token, ll_appliance_t **out)
{
	ll_appliance_t *a = calloc(1, sizeof *a);
	int rc = -ENOMEM;
	if (!a)
		return rc;
	a->cfg = *s;
	a->start_ns = a->order_alive_ns = ll_time_mono_ns();
	for (unsigned i = 0; i < LL_REPORT_MAX_RX; i++)
		a->rx_alive_ns[i] = a->start_ns;
	a->store_failed_ns = a->start_ns - STORE_FAILURE_NS;
	pthread_mutex_init(&a->live_lock, NULL);
	a->stats_interval_ms = s->stats_interval_ms;
	pthread_mutex_init(&a->settings_lock, NULL);
	pthread_mutex_init(&a->control_lock, NULL);
	pthread_mutex_init(&a->report_lock, NULL);
	pthread_mutex_init(&a->solo_lock, NULL);
	bool periodic = s->sync == LL_SETTINGS_SYNC_PERIODIC;
	struct ll_chain_cfg chain_cfg = {
		.store = { .path = s->ledger_path, .chain_id = s->chain_id,
			   .hash_alg = ll_settings_hash_alg(s),
			   .sync = periodic ? LL_STORE_SYNC_PERIODIC : LL_STORE_SYNC_FULL },
	};
	if ((rc = ll_chain_open(&chain_cfg, &a->chain)) < 0) {
		LL_ERROR("appliance", "ledger %s: %s", s->ledger_path, ll_strerror(rc));
		goto err;
	}
	if (s->clients_file[0] && (rc = register_clients_file(a, s->clients_file)) < 0)
		goto err;
	for (a->known_slots = 2; a->known_slots < 2 * s->max_clients; a->known_slots *= 2)
		;
	rc = -ENOMEM;
	if (!(a->known = calloc(a->known_slots, sizeof *a->known)))
		goto err;
	if ((rc = open_rx(a)) < 0 ||
	    (rc = ll_replay_book_open(s->max_clients, &a->order_book)) < 0 ||
	    (rc = ll_replay_book_open(s->max_clients, &a->commit_book)) < 0 ||
	    (rc = ll_store_client_list(ll_chain_store(a->chain), load_client, a)) < 0)
		goto err;

	/* every record the loop can hold, twice over: an origin outlives its records */
	uint64_t origins = 1;
	while (origins < 2ull * (s->blocks_in_flight + 1) * s->block_records)
		origins *= 2;
	a->origin_mask = origins - 1;
	rc = -ENOMEM;
	if (!(a->origins = calloc(origins, sizeof *a->origins)) ||
	    !(a->receipts = rte_ring_create("ll_receipts", RECEIPT_RING, (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ)))
		goto err;
	struct ll_dp_port_cfg port_cfg = {
		.name = s->port_name[0] ? s->port_name : NULL, .rx_queues = (uint16_t)a->rx_count,
		.rx_mbufs = s->rx_mbufs, .tx_mbufs = RECEIPT_RING + 1024,
	};
	if ((rc = ll_dp_port_open(&port_cfg, &a->port)) < 0)
		goto err;
	ll_dp_port_mac(a->port, a->mac);
	for (unsigned i = 0; i < a->rx_count; i++)
		a->rx[i].port = ll_dp_port_id(a->port);
	int ifindex = ll_dp_port_ifindex(a->port);
	if (ifindex > 0 && ll_xdp_set_port(ifindex, (uint16_t)s->udp_port) == 0)
		LL_INFO("appliance", "XDP filter on ifindex %d: ingest port %u", ifindex,
			s->udp_port);

	struct ll_accel_cfg accel_cfg = {
		.backend = ll_settings_accel_name(s), .xclbin = s->xclbin,
		.check_every = s->accel_check_every, .timeout_ms = s->accel_timeout_ms,
		.xrt_library = s->xrt_library, .probe_root = s->accel_probe_root,
	};
	if ((rc = ll_accel_open(&accel_cfg, &a->accel)) < 0) {
		LL_ERROR("appliance", "accelerator %s: %s", accel_cfg.backend, ll_strerror(rc));
		goto err;
	}
	struct ll_solo_cfg solo_cfg = {
		.accel = a->accel,
		.max_records = s->block_records, .max_bytes = s->block_bytes,
		.max_wait_us = s->block_wait_us, .blocks_in_flight = s->blocks_in_flight,
		.periodic_sync = periodic, .sync_interval_ms = s->sync_interval_ms,
		.durable = on_durable, .states = on_block_states,
		.states_done = on_block_states_done, .arg = a,
	};
	if ((rc = ll_solo_start(a->chain, &solo_cfg, &a->solo)) < 0) {
		LL_ERROR("appliance", "solo loop: %s", ll_strerror(rc));
		goto err;
	}
	if ((rc = open_management(a, token)) < 0)
		goto err;
	*out = a;
	return 0;
err:
	ll_appliance_close(a);
	return rc;
}

struct stopper {
	ll_solo_t *solo;
	int rc;
	volatile bool done;
};

static void *drain_solo(void *arg)
{
	struct stopper *s = arg;
	s->rc = ll_solo_drain(s->solo);
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

/* Frees the drained solo loop; its last counters stay for the report. */
static void free_solo(ll_appliance_t *a)
{
	pthread_mutex_lock(&a->solo_lock);
	ll_solo_t *solo = a->solo;
	a->solo = NULL;
	ll_solo_stop(solo, &a->solo_final);
	pthread_mutex_unlock(&a->solo_lock);
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
	while (!*stop && !a->stop_requested) {
		unsigned work = order_round(a) + send_receipts(a);
		__atomic_store_n(&a->order_rounds, a->order_rounds + 1, __ATOMIC_RELAXED);
		maybe_write_stats(a, false);
		if (work)
			sleep_ns = IDLE_MIN_NS;
		else
			idle(&sleep_ns);
	}

	/* drain: RX stops, what it admitted is ordered and committed, receipts go out */
	LL_INFO("appliance", "stopping: draining");
	a->stopping = true;
	a->rx_stop = true;
	rte_eal_mp_wait_lcore();
	sleep_ns = IDLE_MIN_NS;
	while (!rings_empty(a))
		if (!order_round(a) + send_receipts(a))
			idle(&sleep_ns);
	struct stopper st = { .solo = a->solo };
	pthread_t t;
	if (pthread_create(&t, NULL, drain_solo, &st) != 0) {
		st.rc = ll_solo_drain(a->solo);
		st.done = true;
	} else {
		while (!st.done) {
			sleep_ns = IDLE_MIN_NS;
			if (!send_receipts(a))
				idle(&sleep_ns);
		}
		pthread_join(t, NULL);
	}
	free_solo(a);
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
	/* first: nothing from the management plane may reach what is closed below */
	ll_metrics_close(a->metrics);
	ll_admin_close(a->admin);
	a->metrics = NULL;
	a->admin = NULL;
	free_solo(a);
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
		struct ll_dp_control *c;
		while (a->rx[i].to_order && rte_ring_dequeue(a->rx[i].to_order, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (a->rx[i].control && rte_ring_dequeue(a->rx[i].control, (void **)&c) == 0) {
			free(c->client);
			free(c->state);
			free(c);
		}
		rte_ring_free(a->rx[i].to_order);
		rte_ring_free(a->rx[i].control);
		ll_admit_close(a->rx[i].admit);
	}
	rte_free(a->rx);
	ll_dp_port_close(a->port);
	ll_replay_book_close(a->order_book);
	ll_replay_book_close(a->commit_book);
	free(a->origins);
	free(a->known);
	ll_accel_close(a->accel);	/* after solo: its hash thread used it */
	ll_chain_close(a->chain);
	pthread_mutex_destroy(&a->settings_lock);
	pthread_mutex_destroy(&a->control_lock);
	pthread_mutex_destroy(&a->report_lock);
	pthread_mutex_destroy(&a->solo_lock);
	pthread_mutex_destroy(&a->live_lock);
	free(a);
}
