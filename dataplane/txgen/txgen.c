/* txgen, LedgerLine's packet generator: signed frames for N clients, sent over a
 * UDP socket or written to a pcap for replay, with a chosen share of malformed
 * frames of each kind and of replays; `inspect` reads them back through the
 * appliance's own parser and admission and counts the verdicts. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ll_admit.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_time.h"
#include "ll_wire.h"
#include "ll_dp.h"
#include "txgen_dp.h"

#define MAX_CLIENTS 4096
#define MAX_FRAME 9000		/* a jumbo frame's payload at most */

/* A client txgen signs for: its registration and its signer. */
struct client {
	struct ll_store_client reg;
	ll_sig_signer_t *signer;	/* NULL for a trusted gateway's scheme 0 */
	uint64_t nonce;
};

struct opts {
	const char *keys, *out, *to, *listen;
	uint32_t chain_id;
	uint64_t count;		/* frames */
	uint64_t rate;		/* frames a second; 0: as fast as it goes */
	unsigned records;	/* per frame */
	unsigned payload;
	unsigned clients;
	int scheme;
	bool receipt;
	double malformed, replays;
	double seconds;		/* inspect --listen: stop after this long idle */
	double wait;		/* send --receipt: wait this long for the last receipts */
	int alg;		/* the chain's hash: txids, to match receipts */
	bool count_set;		/* inspect --listen: stop after --count frames */
	uint64_t client_rate;	/* clients: each one's rate limit (records/s; 0 none) */
	uint64_t nonce_start;	/* each client's first nonce; 0: the wall clock in us */
	const char *receipts_out;	/* send --receipt: receipted txids, hex, one a line */
	const char *eal, *from, *dst_mac;	/* send through a DPDK port */
};

/* The kinds of bad frame, cycled through: each must meet its own counter. */
static const enum ll_wire_verdict bad_kinds[] = {
	LL_WIRE_BAD_MAGIC, LL_WIRE_BAD_VERSION, LL_WIRE_CHAIN_MISMATCH, LL_WIRE_BAD_LENGTH,
	LL_WIRE_UNKNOWN_SCHEME, LL_WIRE_BAD_SIGNATURE, LL_WIRE_UNKNOWN_CLIENT,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: txgen keygen --keys FILE [--clients N] [--scheme ed25519|sm2|none]\n"
		"       txgen pcap   --keys FILE --out FILE.pcap [frame options]\n"
		"       txgen send   --keys FILE --to HOST:PORT [frame options] [--rate FPS]\n"
		"       txgen clients --keys FILE --out FILE [--client-rate R]   (for ledgerlined)\n"
		"       txgen inspect --keys FILE (--pcap FILE | --listen HOST:PORT) [--chain ID]\n"
		"         [--count N (stop after N frames)] [--seconds S (or S idle, 1)]\n"
		"frame options: --count N (frames, 1000) --records K (per frame, 1..64, 1)\n"
		"  --payload B (bytes, 128) --chain ID (1)\n"
		"  --receipt (ask for receipts; send counts them and prints latency percentiles)\n"
		"  --alg sha256|sm3 (the chain's, to match receipts; sha256) --wait S (receipts, 5)\n"
		"  --receipts-out FILE (receipted txids) --nonce-start N (0: the clock in us, so\n"
		"  each run's nonces are above the last run's)\n"
		"  --eal \"EAL ARGS\" --from IP:PORT --dst-mac MAC: send (and take receipts)\n"
		"  through a DPDK port, e.g. --eal \"-l 1 --no-huge -m 256 --no-pci\n"
		"  --vdev net_af_packet0,iface=ll-cli0\"\n"
		"  --malformed P (share of frames broken, each kind in turn, 0)\n"
		"  --replays P (share of frames that resend an earlier record, 0)\n"
		"keys file: one client a line, '<scheme> <secret hex> <public hex> <trusted 0|1>'\n"
		"  (the secret is the 32-byte Ed25519 seed or SM2 scalar; scheme 0 keys are\n"
		"  Ed25519 pairs that only name the gateway)\n");
}

/* --- keys --- */

static int keygen(const struct opts *o)
{
	FILE *f = fopen(o->keys, "w");
	if (!f) {
		fprintf(stderr, "txgen: %s: %s\n", o->keys, strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < o->clients; i++) {
		ll_sig_signer_t *s;
		uint8_t secret[32], pub[64];
		size_t pub_len;
		char sh[65], ph[129];
		int scheme = o->scheme == LL_WIRE_SCHEME_NONE ? LL_SIG_ED25519 : o->scheme;
		if (ll_sig_signer_open((uint8_t)scheme, NULL, &s) < 0) {
			fclose(f);
			return 1;
		}
		ll_sig_signer_keys(s, secret, pub, &pub_len);
		ll_sig_signer_close(s);
		ll_hex_encode(secret, sizeof secret, sh);
		sh[64] = '\0';
		ll_hex_encode(pub, pub_len, ph);
		ph[2 * pub_len] = '\0';
		fprintf(f, "%d %s %s %d\n", o->scheme, sh, ph, o->scheme == LL_WIRE_SCHEME_NONE);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "txgen: %s: %s\n", o->keys, strerror(errno));
		return 1;
	}
	return 0;
}

static int load_keys(const char *path, struct client *c, unsigned *n)
{
	FILE *f = fopen(path, "r");
	char line[512], sh[260], ph[260];
	int scheme, trusted;
	if (!f) {
		fprintf(stderr, "txgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*n = 0;
	for (unsigned lineno = 1; fgets(line, sizeof line, f); lineno++) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct client *k = &c[*n];
		uint8_t secret[32], pub[64];
		size_t pub_len;
		memset(k, 0, sizeof *k);
		if (*n == MAX_CLIENTS || sscanf(line, "%d %259s %259s %d", &scheme, sh, ph,
						 &trusted) != 4 || scheme < 0 || scheme > 2 ||
		    strlen(sh) != 64 || ll_hex_decode(sh, 64, secret) < 0 ||
		    ll_sig_signer_open(scheme == 2 ? 2 : 1, secret, &k->signer) < 0) {
			fprintf(stderr, "txgen: %s:%u: not a key line\n", path, lineno);
			fclose(f);
			return -1;
		}
		(*n)++;
		/* the public key follows from the secret: the file's copy must agree */
		ll_sig_signer_keys(k->signer, NULL, pub, &pub_len);
		if (strlen(ph) != 2 * pub_len || ll_hex_decode(ph, strlen(ph), k->reg.pub) < 0 ||
		    memcmp(pub, k->reg.pub, pub_len) != 0) {
			fprintf(stderr, "txgen: %s:%u: the public key is not the secret's\n", path,
				lineno);
			fclose(f);
			return -1;
		}
		k->reg.scheme = (uint8_t)scheme;
		k->reg.trusted = trusted != 0;
		k->reg.pub_len = (uint8_t)pub_len;
		ll_sig_key_id(scheme == 2 ? 2 : 1, k->reg.pub, pub_len, k->reg.id);
		if (scheme == LL_WIRE_SCHEME_NONE) {
			ll_sig_signer_close(k->signer);
			k->signer = NULL;
		}
	}
	fclose(f);
	if (*n == 0) {
		fprintf(stderr, "txgen: %s: no keys\n", path);
		return -1;
	}
	return 0;
}

/* --- frames --- */

static int sign(const struct client *c, uint32_t chain_id, uint8_t *rec, size_t len)
{
	uint8_t msg[4 + MAX_FRAME];
	size_t body;
	/* what the signature covers is ll_wire's to say */
	const struct ll_wire_record r = { .bytes = rec, .len = (uint16_t)len,
					  .sig = rec + len - LL_SIG_BYTES };
	ll_wire_signed_bytes(chain_id, &r, msg, &body);
	memcpy(msg + 4, rec, body);
	return ll_sig_sign(c->signer, msg, 4 + body, rec + body);
}

/* The generator's state: clients, the last good record (for replays), counts. */
struct gen {
	const struct opts *o;
	struct client *clients;
	unsigned nclients, next_client;
	uint8_t last[MAX_FRAME];	/* the last good frame, resent as a replay */
	uint8_t txids[LL_WIRE_MAX_RECORDS][32];	/* the last frame's, when it was good */
	unsigned txid_count;
	size_t last_len;
	uint64_t made, bad_total, bad_made[LL_WIRE_VERDICT_COUNT], replays_made;
	double bad_debt, replay_debt;
};

/* A good frame's txids (leaf hashes of its records), to match its receipts. */
static int leaf_hashes(struct gen *g, const uint8_t *frame, size_t len)
{
	static struct ll_wire_frame f;
	uint8_t leaf[1 + MAX_FRAME];
	if (ll_wire_parse(frame, len, g->o->chain_id, &f) != LL_WIRE_OK)
		return -EINVAL;
	for (unsigned i = 0; i < f.count; i++) {
		leaf[0] = 0x00;
		memcpy(leaf + 1, f.rec[i].bytes, f.rec[i].len);
		if (ll_hash((enum ll_hash_alg)g->o->alg, leaf, 1 + (size_t)f.rec[i].len,
			    g->txids[i]) < 0)
			return -EIO;
	}
	g->txid_count = f.count;
	return 0;
}

/* The next frame into buf: good, broken (of the next kind) or a replay; its length. */
static int make_frame(struct gen *g, uint8_t *buf, size_t cap)
{
	const struct opts *o = g->o;
	g->made++;
	g->txid_count = 0;
	g->replay_debt += o->replays;
	if (g->replay_debt >= 1 && g->last_len) {
		g->replay_debt -= 1;
		g->replays_made++;
		memcpy(buf, g->last, g->last_len);
		return (int)g->last_len;
	}
	struct ll_wire_builder b;
	uint8_t payload[MAX_FRAME];
	enum ll_wire_verdict kind = LL_WIRE_OK;
	g->bad_debt += o->malformed;
	if (g->bad_debt >= 1) {
		g->bad_debt -= 1;
		kind = bad_kinds[g->bad_total++ % LL_ARRAY_LEN(bad_kinds)];
		g->bad_made[kind]++;
	}
	if (ll_wire_frame_begin(&b, buf, cap, o->chain_id) < 0)
		return -ENOSPC;
	for (unsigned i = 0; i < o->records; i++) {
		struct client *c = &g->clients[g->next_client++ % g->nclients];
		uint8_t *rec, id[32];
		for (unsigned j = 0; j < o->payload; j++)
			payload[j] = (uint8_t)(g->made * 31 + i * 7 + j);
		memcpy(id, c->reg.id, 32);
		if (kind == LL_WIRE_UNKNOWN_CLIENT && i == 0)
			randombytes_buf(id, 32);
		/* a gateway (scheme 0) signs nothing: its bad signature is an Ed25519
		 * record with a zero signature, which it is not registered to send */
		bool unsigned_claim = kind == LL_WIRE_BAD_SIGNATURE && i == 0 &&
				      c->reg.scheme == LL_WIRE_SCHEME_NONE;
		int rc = ll_wire_frame_add(&b, unsigned_claim ? LL_WIRE_SCHEME_ED25519 : c->reg.scheme,
					   o->receipt ? LL_WIRE_FLAG_RECEIPT : 0, ++c->nonce, id,
					   payload, (uint16_t)o->payload, NULL, &rec);
		if (rc < 0)
			return rc;
		if (c->reg.scheme != LL_WIRE_SCHEME_NONE &&
		    sign(c, o->chain_id, rec, (size_t)(b.buf + b.len - rec)) < 0)
			return -EIO;
		if (kind == LL_WIRE_BAD_SIGNATURE && i == 0 && !unsigned_claim)
			rec[LL_WIRE_RECORD_HEADER_BYTES] ^= 0x01;	/* after signing */
		if (kind == LL_WIRE_UNKNOWN_SCHEME && i == 0)
			rec[2] = 9;
	}
	int len = ll_wire_frame_end(&b);
	switch (kind) {
	case LL_WIRE_BAD_MAGIC:
		buf[0] ^= 0xff;
		break;
	case LL_WIRE_BAD_VERSION:
		buf[2] = 7;
		break;
	case LL_WIRE_CHAIN_MISMATCH:
		buf[4] ^= 0x5a;
		break;
	case LL_WIRE_BAD_LENGTH:
		len -= 1;	/* the last record cut short */
		break;
	default:
		break;
	}
	if (kind == LL_WIRE_OK) {
		memcpy(g->last, buf, (size_t)len);
		g->last_len = (size_t)len;
		if (o->receipt && leaf_hashes(g, buf, (size_t)len) < 0)
			return -EIO;
	}
	return len;
}

/* make_frame, saying why when it fails: its length, or -1. */
static int next_frame(struct gen *g, uint8_t *buf, size_t cap)
{
	int len = make_frame(g, buf, cap);
	if (len < 0)
		fprintf(stderr, "txgen: frame %" PRIu64 ": %s\n", g->made, ll_strerror(len));
	return len;
}

/* --- pcap --- */

/* Ethernet + IPv4 + UDP around the payload, as a client on 10.0.0.2:40000 sends to
 * the appliance on 10.0.0.1:7400 (ll_dp writes the headers; "to" is the peer). */
static size_t encapsulate(const uint8_t *payload, size_t len, uint8_t *pkt)
{
	static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	const struct ll_dp_origin appliance = {
		.mac = { 0x02, 0, 0, 0, 0, 0x01 },
		.ip_src = htonl(0x0a000001), .ip_dst = htonl(0x0a000002),
		.port_src = htons(7400), .port_dst = htons(40000),
	};
	return ll_dp_udp_encap(pkt, client_mac, &appliance, payload, (uint16_t)len);
}

static int write_pcap(struct gen *g)
{
	FILE *f = fopen(g->o->out, "wb");
	uint8_t frame[MAX_FRAME], pkt[MAX_FRAME + 64];
	const uint32_t header[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1 };
	if (!f || fwrite(header, sizeof header, 1, f) != 1) {
		fprintf(stderr, "txgen: %s: %s\n", g->o->out, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	for (uint64_t i = 0; i < g->o->count; i++) {
		int len = next_frame(g, frame, sizeof frame);
		if (len < 0) {
			fclose(f);
			return 1;
		}
		size_t n = encapsulate(frame, (size_t)len, pkt);
		uint32_t rec[4] = { (uint32_t)(i / 1000000), (uint32_t)(i % 1000000), (uint32_t)n,
				    (uint32_t)n };
		if (fwrite(rec, sizeof rec, 1, f) != 1 || fwrite(pkt, n, 1, f) != 1)
			break;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "txgen: %s: %s\n", g->o->out, strerror(errno));
		return 1;
	}
	return 0;
}

/* --- send --- */

static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	a->sin_port = htons((uint16_t)port);
	return 0;
}

/*
 * Receipts: each receipted record's txid waits in an open-addressing table with
 * the time its frame left; a receipt entry that matches takes it out and adds a
 * latency sample.
 */
struct waiting {
	uint8_t txid[32];
	uint64_t sent_ns;		/* 0: an empty slot */
};

struct receipts {
	struct waiting *table;
	uint64_t mask, waiting;
	uint64_t *latency_ns, samples, cap;
	uint64_t datagrams, records, unknown, malformed;
	FILE *out;			/* --receipts-out, or NULL */
};

static int receipts_init(struct receipts *r, uint64_t expected)
{
	uint64_t slots = 2;
	while (slots < 2 * expected)
		slots *= 2;
	memset(r, 0, sizeof *r);
	r->mask = slots - 1;
	r->cap = expected;
	r->table = calloc(slots, sizeof *r->table);
	r->latency_ns = calloc(expected ? expected : 1, sizeof *r->latency_ns);
	return r->table && r->latency_ns ? 0 : -ENOMEM;
}

static struct waiting *receipt_slot(struct receipts *r, const uint8_t *txid, bool want_empty)
{
	uint64_t i;
	memcpy(&i, txid, sizeof i);
	for (;; i++) {
		struct waiting *w = &r->table[i & r->mask];
		if (w->sent_ns == 0)
			return want_empty ? w : NULL;
		if (!want_empty && !memcmp(w->txid, txid, 32))
			return w;
	}
}

static void receipt_expect(struct receipts *r, const uint8_t *txid, uint64_t now)
{
	if (r->waiting + r->samples >= r->cap || receipt_slot(r, txid, false))
		return;		/* a repeated txid is matched once */
	struct waiting *w = receipt_slot(r, txid, true);
	memcpy(w->txid, txid, 32);
	w->sent_ns = now;
	r->waiting++;
}

/* Removes w, moving later entries of its cluster back so lookups still find them. */
static void receipt_remove(struct receipts *r, struct waiting *w)
{
	uint64_t i = (uint64_t)(w - r->table);
	r->table[i].sent_ns = 0;
	for (uint64_t j = (i + 1) & r->mask; r->table[j].sent_ns; j = (j + 1) & r->mask) {
		struct waiting moved = r->table[j];
		r->table[j].sent_ns = 0;
		*receipt_slot(r, moved.txid, true) = moved;
	}
	r->waiting--;
}

/* One receipt datagram: its entries matched, their latencies sampled. */
static void receipt_take(struct receipts *r, const uint8_t *buf, size_t len)
{
	static struct ll_wire_receipt_entry e[LL_WIRE_MAX_RECORDS];
	uint64_t now = ll_time_mono_ns();
	int n = ll_wire_receipt_parse(buf, len, e);
	if (n < 0) {
		r->malformed++;
		return;
	}
	r->datagrams++;
	{
		for (int i = 0; i < n; i++) {
			struct waiting *w = receipt_slot(r, e[i].txid, false);
			if (!w) {
				r->unknown++;
				continue;
			}
			r->records++;
			r->latency_ns[r->samples++] = now - w->sent_ns;
			if (r->out) {
				char hex[65];
				ll_hex_encode(e[i].txid, 32, hex);
				hex[64] = '\0';
				fprintf(r->out, "%s\n", hex);
			}
			receipt_remove(r, w);
		}
	}
}

static void receipt_take_cb(void *arg, const uint8_t *buf, size_t len)
{
	receipt_take(arg, buf, len);
}

/* Every receipt waiting: on the socket, or on the DPDK port. */
static void receipts_drain(struct receipts *r, int fd, txgen_dp_t *dp)
{
	static uint8_t buf[65536];
	if (dp) {
		txgen_dp_poll(dp, receipt_take_cb, r);
		return;
	}
	for (ssize_t len; (len = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0;)
		receipt_take(r, buf, (size_t)len);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double percentile_us(const struct receipts *r, double p)
{
	if (r->samples == 0)
		return 0;
	uint64_t i = (uint64_t)(p * (double)(r->samples - 1) + 0.5);
	return (double)r->latency_ns[i] / 1e3;
}

static void receipts_report(struct receipts *r)
{
	qsort(r->latency_ns, r->samples, sizeof *r->latency_ns, cmp_u64);
	printf("receipts %" PRIu64 " records_receipted %" PRIu64 " missing %" PRIu64
	       " unknown %" PRIu64 " malformed %" PRIu64 " p50_us %.0f p99_us %.0f p999_us %.0f\n",
	       r->datagrams, r->records, r->waiting, r->unknown, r->malformed,
	       percentile_us(r, 0.5), percentile_us(r, 0.99), percentile_us(r, 0.999));
}

/* --eal: the DPDK port, sending from --from to --to at --dst-mac. */
static int open_dp(const struct opts *o, const struct sockaddr_in *to, txgen_dp_t **dp)
{
	struct sockaddr_in from;
	struct txgen_dp_cfg cfg = { .eal = o->eal };
	unsigned m[6];
	if (!o->from || parse_addr(o->from, &from) < 0 || !o->dst_mac ||
	    sscanf(o->dst_mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "txgen: --eal needs --from IPv4:port and --dst-mac aa:bb:cc:dd:ee:ff\n");
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		cfg.dst_mac[i] = (uint8_t)m[i];
	cfg.src_ip = from.sin_addr.s_addr;
	cfg.dst_ip = to->sin_addr.s_addr;
	cfg.src_port = ntohs(from.sin_port);
	cfg.dst_port = ntohs(to->sin_port);
	return txgen_dp_open(&cfg, dp);
}

static int send_frames(struct gen *g)
{
	const struct opts *o = g->o;
	struct sockaddr_in to;
	struct receipts r = { 0 };
	uint8_t frame[MAX_FRAME];
	FILE *out = NULL;
	txgen_dp_t *dp = NULL;
	int rc = 1;
	if (parse_addr(o->to, &to) < 0) {
		fprintf(stderr, "txgen: --to %s: want IPv4:port\n", o->to);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("txgen: socket");
		return 1;
	}
	if (receipts_init(&r, o->receipt ? o->count * o->records : 0) < 0) {
		fprintf(stderr, "txgen: no memory for %" PRIu64 " receipts\n", o->count * o->records);
		goto out;
	}
	if (o->receipts_out && !(out = fopen(o->receipts_out, "w"))) {
		fprintf(stderr, "txgen: %s: %s\n", o->receipts_out, strerror(errno));
		goto out;
	}
	r.out = out;
	if (o->eal && open_dp(o, &to, &dp) < 0)
		goto out;
	int rcvbuf = 8 << 20;	/* as root, a big buffer: receipts come in bursts */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	uint64_t start = ll_time_mono_ns(), sent = 0, failed = 0, shown = 0;
	for (uint64_t i = 0; i < o->count; i++) {
		int len = next_frame(g, frame, sizeof frame);
		if (len < 0)
			goto out;
		if (o->rate) {	/* pace: frame i leaves at start + i / rate */
			uint64_t due = start + i * 1000000000ull / o->rate;
			for (uint64_t now; (now = ll_time_mono_ns()) < due;)
				nanosleep(&(struct timespec){ .tv_nsec = (long)(due - now) }, NULL);
		}
		uint64_t now = ll_time_mono_ns();
		if (dp ? txgen_dp_send(dp, frame, (size_t)len) == 0 :
			 sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof to) == len) {
			sent++;
			for (unsigned k = 0; k < g->txid_count; k++)
				receipt_expect(&r, g->txids[k], now);
		} else {
			failed++;
		}
		if (o->receipt)
			receipts_drain(&r, fd, dp);
		if (now - shown > 250000000ull || i + 1 == o->count) {
			shown = now;
			fprintf(stderr, "\rtxgen: %" PRIu64 " frames sent, %" PRIu64 " failed, "
				"%.0f frames/s, %" PRIu64 " records receipted   ", sent, failed,
				(double)sent * 1e9 / (double)(now - start + 1), r.records);
		}
	}
	/* the last receipts: until none is missing, or --wait passes */
	uint64_t deadline = ll_time_mono_ns() + (uint64_t)(o->wait * 1e9);
	while (o->receipt && r.waiting && ll_time_mono_ns() < deadline) {
		receipts_drain(&r, fd, dp);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	fprintf(stderr, "\n");
	if (o->receipt)
		receipts_report(&r);
	rc = failed ? 1 : 0;
out:
	if (out && fclose(out) != 0)
		rc = 1;
	txgen_dp_close(dp);
	free(r.table);
	free(r.latency_ns);
	close(fd);
	return rc;
}

/* clients: the registrations ledgerlined loads, public keys only. */
static int write_clients(const struct opts *o, const struct client *c, unsigned n)
{
	FILE *f = fopen(o->out, "w");
	if (!f) {
		fprintf(stderr, "txgen: %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	fprintf(f, "# scheme public-key trusted rate burst\n");
	for (unsigned i = 0; i < n; i++) {
		char hex[2 * LL_STORE_CLIENT_KEY_MAX + 1];
		ll_hex_encode(c[i].reg.pub, c[i].reg.pub_len, hex);
		hex[2 * c[i].reg.pub_len] = '\0';
		fprintf(f, "%d %s %d %" PRIu64 " %" PRIu64 "\n", c[i].reg.scheme, hex,
			c[i].reg.trusted, o->client_rate, o->client_rate);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "txgen: %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	return 0;
}

/* --- inspect --- */

struct tally {
	uint64_t frames, records, verdict[LL_WIRE_VERDICT_COUNT];
};

static void inspect_one(ll_admit_t *a, uint32_t chain, const uint8_t *buf, size_t len,
			struct tally *t)
{
	static struct ll_wire_frame f;
	enum ll_wire_verdict v = ll_wire_parse(buf, len, chain, &f);
	if (v == LL_WIRE_OK)
		v = ll_admit_frame(a, &f, ll_time_mono_ns());
	t->frames++;
	t->verdict[v]++;
	if (v == LL_WIRE_OK)
		t->records += f.count;
}

static int inspect(const struct opts *o, struct client *c, unsigned n)
{
	ll_admit_t *a;
	struct tally t = { 0 };
	if (ll_admit_open(&(struct ll_admit_cfg){ .chain_id = o->chain_id, .max_clients = n },
			  &a) < 0)
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (ll_admit_add_client(a, &c[i].reg, NULL, 0, ll_time_mono_ns()) < 0) {
			fprintf(stderr, "txgen: client %u does not register\n", i);
			ll_admit_close(a);
			return 1;
		}
	static uint8_t buf[65536];
	if (o->out) {		/* --pcap */
		FILE *f = fopen(o->out, "rb");
		uint32_t header[6], rec[4];
		if (!f || fread(header, sizeof header, 1, f) != 1 || header[0] != 0xa1b2c3d4 ||
		    header[5] != 1) {
			fprintf(stderr, "txgen: %s: not an Ethernet pcap\n", o->out);
			if (f)
				fclose(f);
			ll_admit_close(a);
			return 1;
		}
		while (fread(rec, sizeof rec, 1, f) == 1 && rec[2] <= sizeof buf &&
		       fread(buf, rec[2], 1, f) == 1)
			if (rec[2] >= LL_DP_UDP_HEADERS_BYTES && buf[23] == 17)	/* IPv4 UDP */
				inspect_one(a, o->chain_id, buf + LL_DP_UDP_HEADERS_BYTES,
					    rec[2] - LL_DP_UDP_HEADERS_BYTES, &t);
		fclose(f);
	} else {
		struct sockaddr_in at;
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		struct timeval tv = { .tv_sec = (time_t)o->seconds,
				      .tv_usec = (suseconds_t)((o->seconds - (double)(time_t)o->seconds) * 1e6) };
		if (parse_addr(o->listen, &at) < 0 || fd < 0 ||
		    bind(fd, (struct sockaddr *)&at, sizeof at) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
			fprintf(stderr, "txgen: --listen %s: %s\n", o->listen, strerror(errno));
			if (fd >= 0)
				close(fd);
			ll_admit_close(a);
			return 1;
		}
		/* bursts wait in the socket while signatures are checked; as root, a big buffer */
		int rcvbuf = 8 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
		printf("listening\n");
		fflush(stdout);
		for (ssize_t len; (!o->count_set || t.frames < o->count) &&
				  (len = recv(fd, buf, sizeof buf, 0)) >= 0;)
			inspect_one(a, o->chain_id, buf, (size_t)len, &t);
		close(fd);
	}
	ll_admit_close(a);
	printf("frames %" PRIu64 " records_admitted %" PRIu64, t.frames, t.records);
	for (int v = 0; v < LL_WIRE_VERDICT_COUNT; v++)
		printf(" %s %" PRIu64, ll_wire_verdict_name((enum ll_wire_verdict)v), t.verdict[v]);
	printf("\n");
	return 0;
}

static int number(const char *arg, const char *name, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || *out < lo || *out > hi) {
		fprintf(stderr, "txgen: --%s %s: want a number from %g to %g\n", name, arg, lo, hi);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	struct opts o = { .chain_id = 1, .count = 1000, .records = 1, .payload = 128,
			  .clients = 4, .scheme = LL_WIRE_SCHEME_ED25519, .seconds = 1,
			  .wait = 5, .alg = LL_HASH_SHA256 };
	static const struct option longopts[] = {
		{ "keys", 1, 0, 'k' }, { "out", 1, 0, 'o' }, { "pcap", 1, 0, 'o' },
		{ "to", 1, 0, 't' }, { "listen", 1, 0, 'l' }, { "chain", 1, 0, 'c' },
		{ "count", 1, 0, 'n' }, { "rate", 1, 0, 'r' }, { "records", 1, 0, 'R' },
		{ "payload", 1, 0, 'p' }, { "clients", 1, 0, 'C' }, { "scheme", 1, 0, 's' },
		{ "receipt", 0, 0, 'e' }, { "malformed", 1, 0, 'm' }, { "replays", 1, 0, 'y' },
		{ "seconds", 1, 0, 'S' }, { "help", 0, 0, 'h' }, { "alg", 1, 0, 'a' },
		{ "wait", 1, 0, 'W' }, { "client-rate", 1, 0, 'L' }, { "nonce-start", 1, 0, 'N' },
		{ "receipts-out", 1, 0, 'O' }, { "eal", 1, 0, 'E' }, { "from", 1, 0, 'F' },
		{ "dst-mac", 1, 0, 'M' }, { 0, 0, 0, 0 },
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	double v;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.keys = optarg; break;
		case 'o': o.out = optarg; break;
		case 't': o.to = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'e': o.receipt = true; break;
		case 'O': o.receipts_out = optarg; break;
		case 'E': o.eal = optarg; break;
		case 'F': o.from = optarg; break;
		case 'M': o.dst_mac = optarg; break;
		case 'a':
			if (!strcmp(optarg, "sha256") || !strcmp(optarg, "sm3")) {
				o.alg = !strcmp(optarg, "sm3") ? LL_HASH_SM3 : LL_HASH_SHA256;
				break;
			}
			fprintf(stderr, "txgen: --alg %s: want sha256 or sm3\n", optarg);
			return 2;
		case 's':
			o.scheme = !strcmp(optarg, "ed25519") ? 1 : !strcmp(optarg, "sm2") ? 2 :
				   !strcmp(optarg, "none") ? 0 : -1;
			if (o.scheme < 0) {
				fprintf(stderr, "txgen: --scheme %s: want ed25519, sm2 or none\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case '?':
			usage(stderr);
			return 2;
		case 'N': {
			/* a whole number, any u63: a double would round starts above 2^53 */
			char *end;
			errno = 0;
			unsigned long long n = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || n > INT64_MAX) {
				fprintf(stderr, "txgen: --nonce-start %s: want a whole number from 0 "
						"to 2^63 - 1\n", optarg);
				return 2;
			}
			o.nonce_start = n;
			break;
		}
		default: {
			const char *name = "option";
			for (const struct option *lo = longopts; lo->name; lo++)
				if (lo->val == c)
					name = lo->name;
			if (number(optarg, name, 0, 1e12, &v) < 0)
				return 2;
		}
			switch (c) {
			case 'c': if (v > UINT32_MAX) return 2; o.chain_id = (uint32_t)v; break;
			case 'n': o.count = (uint64_t)v; o.count_set = true; break;
			case 'r': o.rate = (uint64_t)v; break;
			case 'R': if (v < 1 || v > 64) { fprintf(stderr, "txgen: --records: 1..64\n"); return 2; } o.records = (unsigned)v; break;
			case 'p': if (v > 4096) { fprintf(stderr, "txgen: --payload: 0..4096\n"); return 2; } o.payload = (unsigned)v; break;
			case 'C': if (v < 1 || v > MAX_CLIENTS) { fprintf(stderr, "txgen: --clients: 1..%d\n", MAX_CLIENTS); return 2; } o.clients = (unsigned)v; break;
			case 'm': if (v > 1) { fprintf(stderr, "txgen: --malformed: 0..1\n"); return 2; } o.malformed = v; break;
			case 'y': if (v > 1) { fprintf(stderr, "txgen: --replays: 0..1\n"); return 2; } o.replays = v; break;
			case 'S': o.seconds = v; break;
			case 'W': o.wait = v; break;
			case 'L': o.client_rate = (uint64_t)v; break;
			}
		}
	}
	if (optind != argc || !o.keys) {
		fprintf(stderr, "txgen: %s\n", optind != argc ? "stray argument" : "--keys is needed");
		return 2;
	}
	if ((size_t)o.records * (LL_WIRE_RECORD_HEADER_BYTES + o.payload + LL_SIG_BYTES) +
	    LL_WIRE_HEADER_BYTES > MAX_FRAME) {
		fprintf(stderr, "txgen: %u records of %u bytes do not fit in one datagram\n",
			o.records, o.payload);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (!strcmp(cmd, "keygen"))
		return keygen(&o);

	unsigned n;
	if (load_keys(o.keys, clients, &n) < 0) {
		for (unsigned i = 0; i < MAX_CLIENTS && clients[i].signer; i++)
			ll_sig_signer_close(clients[i].signer);
		return 1;
	}
	/* nonces above any earlier run's: the appliance keeps each client's window */
	uint64_t first_nonce = o.nonce_start ? o.nonce_start : ll_time_wall_ns() / 1000;
	for (unsigned i = 0; i < n; i++)
		clients[i].nonce = first_nonce - 1;
	struct gen g = { .o = &o, .clients = clients, .nclients = n };
	int rc;
	if (!strcmp(cmd, "pcap") && o.out)
		rc = write_pcap(&g);
	else if (!strcmp(cmd, "send") && o.to)
		rc = send_frames(&g);
	else if (!strcmp(cmd, "clients") && o.out)
		rc = write_clients(&o, clients, n);
	else if (!strcmp(cmd, "inspect") && (!o.out != !o.listen))
		rc = inspect(&o, clients, n);
	else {
		usage(stderr);
		rc = 2;
	}
	if (rc == 0 && strcmp(cmd, "inspect") && strcmp(cmd, "clients")) {
		printf("frames %" PRIu64 " malformed %" PRIu64 " replays %" PRIu64, g.made,
		       g.bad_total, g.replays_made);
		for (size_t k = 0; k < LL_ARRAY_LEN(bad_kinds); k++)
			printf(" %s %" PRIu64, ll_wire_verdict_name(bad_kinds[k]),
			       g.bad_made[bad_kinds[k]]);
		printf("\n");
	}
	for (unsigned i = 0; i < n; i++)
		ll_sig_signer_close(clients[i].signer);
	return rc;
}
