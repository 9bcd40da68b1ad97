/* llbench ingest: frames a second that one RX lcore takes off a port, parses and
 * admits (scheme 0, four 128-byte records a frame, a trusted gateway's), against
 * dpdk-testpmd --forward-mode=rxonly on the same vdev: net_pcap replaying one
 * pcap from memory (infinite_rx). Trials alternate between the two.
 *
 * The replayed pcap repeats its nonces, which admission would drop as replays:
 * before each burst reaches ll_dp_rx_burst the bench writes fresh nonces into
 * it (eight bytes a record, counted against us). */
#include "llbench.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ll_admit.h"
#include "ll_dp.h"
#include "ll_hex.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_time.h"
#include "ll_wire.h"

#define FRAMES_IN_PCAP 4096
#define RECORDS 4
#define PAYLOAD 128
#define RECORD_BYTES (LL_WIRE_RECORD_HEADER_BYTES + PAYLOAD)

struct ingest {
	char dir[64], pcap[128], vdev[256];
	struct ll_dp_rx rx;
	struct rte_ring *ring;
	uint64_t nonce;
};

/* txgen writes the gateway's key, its registration and the pcap. */
static int make_inputs(struct ingest *g, struct ll_store_client *gw)
{
	char txgen[PATH_MAX], keys[128], reg[128], line[512], hex[160];
	int rc = ll_bench_tool("txgen", txgen, sizeof txgen);
	if (rc < 0)
		return rc;
	snprintf(keys, sizeof keys, "%s/keys", g->dir);
	snprintf(reg, sizeof reg, "%s/clients", g->dir);
	snprintf(g->pcap, sizeof g->pcap, "%s/frames.pcap", g->dir);
	char count[16], records[8], payload[8];
	snprintf(count, sizeof count, "%d", FRAMES_IN_PCAP);
	snprintf(records, sizeof records, "%d", RECORDS);
	snprintf(payload, sizeof payload, "%d", PAYLOAD);
	char *keygen[] = { txgen, "keygen", "--keys", keys, "--clients", "1", "--scheme", "none",
			   NULL };
	char *clients[] = { txgen, "clients", "--keys", keys, "--out", reg, NULL };
	char *pcap[] = { txgen, "pcap", "--keys", keys, "--out", g->pcap, "--count", count,
			 "--records", records, "--payload", payload, "--nonce-start", "1", NULL };
	if (ll_bench_run(keygen, NULL) || ll_bench_run(clients, NULL) || ll_bench_run(pcap, NULL))
		return -EIO;
	FILE *f = fopen(reg, "r");
	if (!f)
		return -errno;
	rc = -EINVAL;
	while (fgets(line, sizeof line, f))
		if (line[0] != '#' && sscanf(line, "%*d %159s", hex) == 1 && strlen(hex) == 64)
			rc = 0;
	fclose(f);
	if (rc < 0)
		return rc;
	*gw = (struct ll_store_client){ .scheme = LL_WIRE_SCHEME_NONE, .trusted = true,
					.pub_len = 32 };
	ll_hex_decode(hex, 64, gw->pub);
	return ll_sig_key_id(LL_SIG_ED25519, gw->pub, 32, gw->id);
}

/* The best Rx-pps testpmd printed so far, past its first (start-up) second;
 * *seen gets how many it printed. */
static double best_pps(const char *log, int *seen)
{
	char line[256];
	double best = 0, pps;
	FILE *f = fopen(log, "r");
	*seen = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " Rx-pps: %lf", &pps) == 1 && ++*seen > 1 && pps > best)
			best = pps;
	if (f)
		fclose(f);
	return best;
}

/*
 * testpmd's rxonly rate on the same vdev: the best second of `seconds` of its
 * stats after the first. Its start-up time varies with the machine's load, so
 * it runs until it has printed that many (up to 20 s more), not for a fixed time.
 */
static double testpmd_rate(struct ingest *g, double seconds)
{
	char log[128], prefix[32];
	snprintf(log, sizeof log, "%s/testpmd.log", g->dir);
	snprintf(prefix, sizeof prefix, "lltp%d", (int)getpid());
	unlink(log);
	char *argv[] = { "dpdk-testpmd", "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
			 "--file-prefix", prefix, "--log-level", "error", "--vdev", g->vdev, "--",
			 "--forward-mode=rxonly", "--stats-period", "1", "--nb-cores", "1",
			 "--total-num-mbufs", "16384", NULL };
	int pid = ll_bench_start(argv, log);
	if (pid < 0)
		return 0;
	int want = 1 + (int)(seconds + 0.999), seen = 0;
	uint64_t give_up = ll_time_mono_ns() + (uint64_t)((seconds + 20) * 1e9);
	while (ll_time_mono_ns() < give_up && seen < want) {
		usleep(200 * 1000);
		best_pps(log, &seen);
	}
	ll_bench_finish(pid, SIGINT);
	double best = best_pps(log, &seen);
	if (best == 0) {
		/* say why: the last lines testpmd wrote */
		char lines[5][256], line[256];
		unsigned n = 0;
		FILE *f = fopen(log, "r");
		while (f && fgets(line, sizeof line, f))
			snprintf(lines[n++ % 5], sizeof lines[0], "%s", line);
		if (f)
			fclose(f);
		fprintf(stderr, "llbench: ingest: dpdk-testpmd printed %d stats; its log ends:\n",
			seen);
		for (unsigned i = n > 5 ? n - 5 : 0; i < n; i++)
			fprintf(stderr, "  %s", lines[i % 5]);
	}
	return best;
}

/* Ours: the RX lcore's loop body on this lcore, for `seconds`; frames a second. */
static double ingest_rate(struct ingest *g, double seconds)
{
	struct rte_mbuf *burst[32], *out[32];
	uint64_t frames = 0, start = ll_time_mono_ns(), now = start;
	uint64_t admitted_before = g->rx.stats.frames_admitted;
	do {
		uint16_t n = rte_eth_rx_burst(g->rx.port, 0, burst, 32);
		for (uint16_t i = 0; i < n; i++) {
			uint8_t *frame = rte_pktmbuf_mtod(burst[i], uint8_t *) + LL_DP_UDP_HEADERS_BYTES;
			for (int r = 0; r < RECORDS; r++) {
				uint64_t nonce = ++g->nonce;
				memcpy(frame + LL_WIRE_HEADER_BYTES + r * RECORD_BYTES +
				       LL_WIRE_RECORD_NONCE_AT, &nonce, 8);
			}
		}
		ll_dp_rx_burst(&g->rx, burst, n, now);
		frames += n;
		/* the orderer's side: take the admitted frames off the ring */
		unsigned got;
		while ((got = rte_ring_dequeue_burst(g->ring, (void **)out, 32, NULL)) > 0)
			rte_pktmbuf_free_bulk(out, got);
		if ((frames & 1023) < 32)
			now = ll_time_mono_ns();
	} while ((double)(now - start) < seconds * 1e9);
	now = ll_time_mono_ns();
	if (g->rx.stats.frames_admitted - admitted_before < frames / 2)
		return 0;	/* not admitting: a broken run, not a fast one */
	return (double)frames * 1e9 / (double)(now - start);
}

int ll_bench_ingest(const struct ll_bench_opts *o)
{
	struct ingest g = { 0 };
	struct ll_store_client gw;
	ll_dp_port_t *port = NULL;
	int rc;
	snprintf(g.dir, sizeof g.dir, "/tmp/llbench_ingest.XXXXXX");
	if (!mkdtemp(g.dir))
		return -errno;
	if ((rc = make_inputs(&g, &gw)) < 0) {
		fprintf(stderr, "llbench: ingest: txgen could not make the pcap\n");
		goto out;
	}
	snprintf(g.vdev, sizeof g.vdev, "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null",
		 g.pcap);
	char prefix[32];
	snprintf(prefix, sizeof prefix, "llbench%d", (int)getpid());
	char *eal[] = { "llbench", "-l", "1", "--no-huge", "-m", "512", "--no-pci",
			"--file-prefix", prefix, "--log-level", "error", "--vdev", g.vdev, NULL };
	if ((rc = ll_dp_eal_init((int)(sizeof eal / sizeof *eal) - 1, eal)) < 0)
		goto out;
	struct ll_dp_port_cfg pc = { .rx_queues = 1, .rx_mbufs = 16384, .tx_mbufs = 512 };
	if ((rc = ll_dp_port_open(&pc, &port)) < 0)
		goto out_eal;
	g.ring = rte_ring_create("ll_bench", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	rc = -ENOMEM;
	if (!g.ring)
		goto out_port;
	g.rx = (struct ll_dp_rx){ .port = ll_dp_port_id(port), .ingest_port = 7400,
				  .chain_id = 1, .to_order = g.ring };
	if ((rc = ll_admit_open(&(struct ll_admit_cfg){ .chain_id = 1, .max_clients = 16 },
				&g.rx.admit)) < 0 ||
	    (rc = ll_admit_add_client(g.rx.admit, &gw, NULL, 0, ll_time_mono_ns())) < 0)
		goto out_ring;

	double ours = 0, theirs = 0, seconds = o->min_seconds < 1 ? 1 : o->min_seconds;
	ingest_rate(&g, 0.1);	/* warm up */
	for (int t = 0; t < o->trials; t++) {
		double r = testpmd_rate(&g, seconds);
		if (r > theirs)
			theirs = r;
		r = ingest_rate(&g, seconds);
		if (r > ours)
			ours = r;
	}
	rc = 0;
	if (theirs == 0 || ours == 0) {
		fprintf(stderr, "llbench: ingest: no rate from %s\n", theirs == 0 ?
			"dpdk-testpmd (is the dpdk-dev package installed?)" : "the RX loop");
		rc = -EIO;
	} else {
		ll_bench_report(o, "ingest", "none/4x128B/pcap", ours, "frames/s",
				"testpmd-rxonly", theirs);
		ll_bench_goal(o, "ingest: one RX lcore, parse + admit", ours / theirs, 0.5, false);
	}
	ll_admit_close(g.rx.admit);
out_ring:
	rte_ring_free(g.ring);
out_port:
	ll_dp_port_close(port);
out_eal:
	rte_eal_cleanup();
out:;
	char *rm[] = { "rm", "-rf", g.dir, NULL };
	ll_bench_run(rm, NULL);
	return rc;
}
