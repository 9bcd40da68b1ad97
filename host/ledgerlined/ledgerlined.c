/* ledgerlined, the appliance: signed transactions off a DPDK port, validated,
 * ordered into blocks, committed to LMDB, receipted.
 *   ledgerlined [EAL options] -- --ledger DIR [options]
 * Options are flags until the configuration file lands (see README). */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "ll_appliance.h"
#include "ll_dp.h"
#include "ll_hash.h"
#include "ll_job.h"
#include "ll_log.h"
#include "ll_xdp.h"

static volatile bool stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ledgerlined [EAL options] -- --ledger DIR [options]\n"
		"  --ledger DIR          the LMDB ledger (created when empty)\n"
		"  --chain-id N          (1)\n"
		"  --alg sha256|sm3      (sha256)\n"
		"  --clients FILE        register these clients at start: lines of\n"
		"                        '<scheme 0|1|2> <public key hex> <trusted 0|1> [rate [burst]]'\n"
		"  --port NAME           the DPDK device (default: the first port)\n"
		"  --udp-port N          the ingest port (7400)\n"
		"  --block-records N     cut a block at N records (1000)\n"
		"  --block-bytes N       or before N bytes (4194304)\n"
		"  --block-wait-us N     or N us after its first record (2000)\n"
		"  --blocks-in-flight N  cut blocks hashing or committing, 2..8 (4)\n"
		"  --sync full|periodic  fsync each block, or every --sync-interval-ms (full)\n"
		"  --sync-interval-ms N  (50)\n"
		"  --max-clients N       (65536)\n"
		"  --ring-frames N       each RX lcore's ring to the orderer (4096)\n"
		"  --rx-mbufs N          the RX mbuf pool (16384)\n"
		"  --accel NAME          what hashes blocks: auto|cpu|hlsemu|xrt (auto: the card\n"
		"                        when one and a matching xclbin are found, else cpu)\n"
		"  --xclbin FILE         the card's xclbin, its .manifest beside it\n"
		"                        (" LL_ACCEL_XCLBIN ")\n"
		"  --accel-check-every N recompute 1 device job in N on the CPU (1000)\n"
		"  --accel-timeout-ms N  a kernel run longer than this is a device fault (2000)\n"
		"  --xrt-library FILE    the XRT runtime to load (libxrt_coreutil.so.2)\n"
		"  --accel-probe-root DIR  where sys/ is searched for a card (/; for tests)\n"
		"  --stats FILE          counters as JSON, rewritten every --stats-ms (500)\n"
		"  --log-level LEVEL     error|warn|info|debug (info)\n"
		"EAL: e.g. -l 0-1 --no-pci --vdev net_af_xdp0,iface=IF,xdp_prog=ll_xdp_filter.o\n"
		"  (and --no-huge -m 512 without hugepages). One lcore orders, the others poll RX.\n");
}

static int number(const char *name, const char *arg, unsigned long long lo,
		  unsigned long long hi, unsigned long long *out)
{
	char *end;
	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *out < lo || *out > hi) {
		fprintf(stderr, "ledgerlined: --%s %s: want a whole number from %llu to %llu\n",
			name, arg, lo, hi);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct ll_appliance_cfg *cfg)
{
	static const struct option longopts[] = {
		{ "ledger", 1, 0, 'L' }, { "chain-id", 1, 0, 'c' }, { "alg", 1, 0, 'a' },
		{ "clients", 1, 0, 'C' }, { "port", 1, 0, 'p' }, { "udp-port", 1, 0, 'u' },
		{ "block-records", 1, 0, 'r' }, { "block-bytes", 1, 0, 'b' },
		{ "block-wait-us", 1, 0, 'w' }, { "blocks-in-flight", 1, 0, 'f' },
		{ "sync", 1, 0, 's' }, { "sync-interval-ms", 1, 0, 'i' },
		{ "max-clients", 1, 0, 'm' }, { "ring-frames", 1, 0, 'R' },
		{ "rx-mbufs", 1, 0, 'M' }, { "stats", 1, 0, 'S' }, { "stats-ms", 1, 0, 'T' },
		{ "log-level", 1, 0, 'l' }, { "accel", 1, 0, 'A' }, { "xclbin", 1, 0, 'X' },
		{ "accel-check-every", 1, 0, 'K' }, { "accel-timeout-ms", 1, 0, 'O' },
		{ "xrt-library", 1, 0, 'Y' }, { "accel-probe-root", 1, 0, 'P' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	unsigned long long v;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = longopts[0].name;
		for (const struct option *o = longopts; o->name; o++)
			if (o->val == c)
				name = o->name;
		switch (c) {
		case 'L': cfg->ledger = optarg; break;
		case 'C': cfg->clients_file = optarg; break;
		case 'p': cfg->port_name = optarg; break;
		case 'S': cfg->stats_file = optarg; break;
		case 'X': cfg->accel.xclbin = optarg; break;
		case 'Y': cfg->accel.xrt_library = optarg; break;
		case 'P': cfg->accel.probe_root = optarg; break;
		case 'A':
			if (strcmp(optarg, "auto") && strcmp(optarg, "cpu") && strcmp(optarg, "hlsemu") &&
			    strcmp(optarg, "xrt")) {
				fprintf(stderr, "ledgerlined: --accel %s: want auto, cpu, hlsemu or xrt\n",
					optarg);
				return -1;
			}
			cfg->accel.backend = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "sha256"))
				cfg->hash_alg = LL_HASH_SHA256;
			else if (!strcmp(optarg, "sm3"))
				cfg->hash_alg = LL_HASH_SM3;
			else {
				fprintf(stderr, "ledgerlined: --alg %s: want sha256 or sm3\n", optarg);
				return -1;
			}
			break;
		case 's':
			if (strcmp(optarg, "full") && strcmp(optarg, "periodic")) {
				fprintf(stderr, "ledgerlined: --sync %s: want full or periodic\n", optarg);
				return -1;
			}
			cfg->periodic_sync = !strcmp(optarg, "periodic");
			break;
		case 'l': {
			enum ll_log_level level;
			if (ll_log_level_parse(optarg, &level) < 0) {
				fprintf(stderr, "ledgerlined: --log-level %s: want error, warn, info "
					"or debug\n", optarg);
				return -1;
			}
			ll_log_set_level(level);
			break;
		}
		case 'h': usage(stdout); exit(0);
		case 'c': if (number(name, optarg, 0, UINT32_MAX, &v)) return -1; cfg->chain_id = (uint32_t)v; break;
		case 'u': if (number(name, optarg, 1, 65535, &v)) return -1; cfg->udp_port = (uint16_t)v; break;
		case 'r': if (number(name, optarg, 1, LLK_MAX_RECORDS, &v)) return -1; cfg->block_records = (uint32_t)v; break;
		case 'b': if (number(name, optarg, 65536 + 64, LLK_MAX_JOB_BYTES, &v)) return -1; cfg->block_bytes = (uint32_t)v; break;
		case 'w': if (number(name, optarg, 1, 60000000, &v)) return -1; cfg->block_wait_us = (uint32_t)v; break;
		case 'f': if (number(name, optarg, 2, 8, &v)) return -1; cfg->blocks_in_flight = (uint32_t)v; break;
		case 'i': if (number(name, optarg, 1, 60000, &v)) return -1; cfg->sync_interval_ms = (uint32_t)v; break;
		case 'm': if (number(name, optarg, 1, 1 << 24, &v)) return -1; cfg->max_clients = (uint32_t)v; break;
		case 'R': if (number(name, optarg, 64, 1 << 20, &v)) return -1; cfg->ring_frames = (uint32_t)v; break;
		case 'M': if (number(name, optarg, 1024, 1 << 24, &v)) return -1; cfg->rx_mbufs = (uint32_t)v; break;
		case 'T': if (number(name, optarg, 10, 60000, &v)) return -1; cfg->stats_ms = (uint32_t)v; break;
		case 'K': if (number(name, optarg, 1, 1 << 30, &v)) return -1; cfg->accel.check_every = (uint32_t)v; break;
		case 'O': if (number(name, optarg, 1, 600000, &v)) return -1; cfg->accel.timeout_ms = (uint32_t)v; break;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc || !cfg->ledger) {
		fprintf(stderr, "ledgerlined: %s\n", optind != argc ? "stray argument" :
			"--ledger is needed");
		return -1;
	}
	return 0;
}

/*
 * A filter left on an AF_XDP vdev's interface by a run that died would make
 * net_af_xdp refuse to start: take ours off first (the vdev says the interface).
 */
static void detach_stale_filters(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *at = strstr(argv[i], "net_af_xdp") ? strstr(argv[i], "iface=") : NULL;
		char ifname[IF_NAMESIZE];
		if (!at)
			continue;
		at += strlen("iface=");
		size_t len = strcspn(at, ",");
		if (len == 0 || len >= sizeof ifname)
			continue;
		memcpy(ifname, at, len);
		ifname[len] = '\0';
		if (ll_xdp_detach_stale(ifname) == 1)
			LL_WARN("ledgerlined", "%s: removed the XDP filter a previous run left", ifname);
	}
}

int main(int argc, char **argv)
{
	struct ll_appliance_cfg cfg = {
		.chain_id = 1, .hash_alg = LL_HASH_SHA256, .udp_port = 7400,
		.sync_interval_ms = 50, .max_clients = 65536, .ring_frames = 4096,
		.rx_mbufs = 16384, .block_records = 1000, .block_bytes = 4 << 20,
		.block_wait_us = 2000, .blocks_in_flight = 4, .stats_ms = 500,
	};
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	detach_stale_filters(argc, argv);
	int taken = ll_dp_eal_init(argc, argv);
	if (taken < 0)
		return 1;
	argc -= taken;
	argv += taken;
	optind = 1;
	if (parse_args(argc, argv, &cfg) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ll_appliance_t *a;
	int rc = ll_appliance_open(&cfg, &a);
	if (rc == 0) {
		rc = ll_appliance_run(a, &stop_requested);
		ll_appliance_close(a);
	}
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
