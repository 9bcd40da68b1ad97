/* ledgerlined, the appliance: signed transactions off a DPDK port, validated,
 * ordered into blocks, committed to LMDB, receipted; run from its admin socket.
 *   ledgerlined [-c FILE] [options]                  (EAL from [dataplane])
 *   ledgerlined EAL-OPTIONS -- [-c FILE] [options]   (EAL as given) */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>

#include "ll_appliance.h"
#include "ll_config.h"
#include "ll_dp.h"
#include "ll_err.h"
#include "ll_log.h"
#include "ll_settings.h"
#include "ll_xdp.h"

#define MAX_EAL_ARGS 32
#define TOKEN_MIN 16
#define TOKEN_MAX 1024

static volatile bool stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = true;
}

/* The flags that set one key each (the names they had before the config file). */
static const struct {
	const char *flag, *key;
} flags[] = {
	{ "ledger", "ledger.path" },
	{ "chain-id", "ledger.chain_id" },
	{ "alg", "ledger.hash" },
	{ "sync", "ledger.sync" },
	{ "sync-interval-ms", "ledger.sync_interval_ms" },
	{ "block-records", "block.max_records" },
	{ "block-bytes", "block.max_bytes" },
	{ "block-wait-us", "block.max_wait_us" },
	{ "blocks-in-flight", "block.in_flight" },
	{ "clients", "dataplane.clients_file" },
	{ "port", "dataplane.port_name" },
	{ "udp-port", "dataplane.udp_port" },
	{ "max-clients", "dataplane.max_clients" },
	{ "ring-frames", "dataplane.ring_frames" },
	{ "rx-mbufs", "dataplane.rx_mbufs" },
	{ "accel", "accel.backend" },
	{ "xclbin", "accel.xclbin" },
	{ "accel-check-every", "accel.check_every" },
	{ "accel-timeout-ms", "accel.timeout_ms" },
	{ "xrt-library", "accel.xrt_library" },
	{ "accel-probe-root", "accel.probe_root" },
	{ "admin-socket", "admin.socket" },
	{ "admin-tcp", "admin.tcp_listen" },
	{ "token-file", "admin.token_file" },
	{ "audit-log", "admin.audit_log" },
	{ "metrics-listen", "metrics.listen" },
	{ "stats", "stats.file" },
	{ "stats-ms", "stats.interval_ms" },
	{ "log-level", "log.level" },
};

enum { OPT_SET = 1000, OPT_PRINT, OPT_CHECK, OPT_VERSION, OPT_FLAG };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ledgerlined [-c FILE] [options]\n"
		"       ledgerlined EAL-OPTIONS -- [-c FILE] [options]\n"
		"The configuration is FILE (default %s, read when it exists), then the\n"
		"options in order. Without EAL options the DPDK command line comes from\n"
		"[dataplane] (lcores, device, hugepages, memory_mb, file_prefix).\n"
		"  -c, --config FILE     the configuration file\n"
		"  --set KEY=VALUE       set one key, e.g. --set block.max_wait_us=500\n"
		"  --print-config        print the configuration it would run with, and exit\n"
		"  --check-config        check the configuration, say so, and exit\n"
		"  --version, --help\n"
		"Options that set one key each:\n", LL_SETTINGS_DEFAULT_FILE);
	for (size_t i = 0; i < LL_ARRAY_LEN(flags); i++)
		fprintf(f, "  --%-20s %s\n", flags[i].flag, flags[i].key);
	fprintf(f, "Every key, its default and range: ledgerline.conf.example, or --print-config.\n"
		   "EAL e.g.: -l 0-1 --no-pci --vdev net_af_xdp0,iface=IF,xdp_prog=ll_xdp_filter.o\n"
		   "  (and --no-huge -m 512 without hugepages). One lcore orders, the others poll RX.\n");
}

/*
 * One flag's value into its key; a refusal reads as the flag's, e.g.
 * "--block-records 0: want a whole number from 1 to 65536".
 */
static int set_flag(struct ll_settings *s, const char *flag, const char *key, const char *value)
{
	char err[LL_CONFIG_ERR_MAX], prefix[LL_CONFIG_ERR_MAX];
	if (ll_config_set(ll_settings_table(), s, key, value, err, sizeof err) == 0)
		return 0;
	snprintf(prefix, sizeof prefix, "%s = %s: ", key, value);
	const char *why = strncmp(err, prefix, strlen(prefix)) == 0 ? err + strlen(prefix) : err;
	fprintf(stderr, "ledgerlined: --%s %s: %s\n", flag, value, why);
	return -EINVAL;
}

/* The long options: the fixed ones, then one per entry of flags[]. */
static void long_options(struct option *opts)
{
	static const struct option fixed[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, OPT_SET },
		{ "print-config", no_argument, NULL, OPT_PRINT },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n = 0;
	for (size_t i = 0; i < LL_ARRAY_LEN(fixed); i++)
		opts[n++] = fixed[i];
	for (size_t i = 0; i < LL_ARRAY_LEN(flags); i++)
		opts[n++] = (struct option){ flags[i].flag, required_argument, NULL,
					     OPT_FLAG + (int)i };
	opts[n] = (struct option){ 0 };
}

struct args {
	const char *config;		/* -c, or NULL */
	bool print, check;
};

/*
 * Reads the configuration: defaults, the file, then every option in order.
 * Returns 0, 1 for --help/--version (done), or -1 (said on stderr).
 */
static int configure(int argc, char **argv, struct ll_settings *s, struct args *a)
{
	struct option opts[LL_ARRAY_LEN(flags) + 8];
	char err[LL_CONFIG_ERR_MAX];
	int c;
	long_options(opts);
	/* first pass: which file, and the options that end the run at once */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c')
			a->config = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 1;
		} else if (c == OPT_VERSION) {
			printf("ledgerlined %s\n", LL_VERSION);
			return 1;
		}
	}
	ll_settings_defaults(s);
	const char *file = a->config;
	if (!file && access(LL_SETTINGS_DEFAULT_FILE, F_OK) == 0)
		file = LL_SETTINGS_DEFAULT_FILE;
	if (file && ll_config_parse_file(ll_settings_table(), s, file, err, sizeof err) < 0) {
		fprintf(stderr, "ledgerlined: %s\n", err);
		return -1;
	}
	/* second pass: the options, over the file */
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c' || c == 'h' || c == OPT_VERSION)
			continue;
		if (c == OPT_PRINT) {
			a->print = true;
		} else if (c == OPT_CHECK) {
			a->check = true;
		} else if (c == OPT_SET) {
			char key[128];
			const char *eq = strchr(optarg, '=');
			if (!eq || (size_t)(eq - optarg) >= sizeof key) {
				fprintf(stderr, "ledgerlined: --set %s: want KEY=VALUE\n", optarg);
				return -1;
			}
			snprintf(key, sizeof key, "%.*s", (int)(eq - optarg), optarg);
			if (ll_config_set(ll_settings_table(), s, key, eq + 1, err, sizeof err) < 0) {
				fprintf(stderr, "ledgerlined: --set: %s\n", err);
				return -1;
			}
		} else if (c >= OPT_FLAG && c < OPT_FLAG + (int)LL_ARRAY_LEN(flags)) {
			if (set_flag(s, flags[c - OPT_FLAG].flag, flags[c - OPT_FLAG].key, optarg) < 0)
				return -1;
		} else {
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ledgerlined: %s: not an option (EAL options go before --)\n",
			argv[optind]);
		return -1;
	}
	if (ll_settings_check(s, err, sizeof err) < 0) {
		fprintf(stderr, "ledgerlined: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * The TCP admin token: one line of at least 16 characters, in a file only its
 * owner may read (it is a password for the whole appliance).
 */
static int read_token(const char *path, char *token, size_t cap)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "ledgerlined: admin.token_file %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "ledgerlined: admin.token_file %s: readable by others (mode %04o):"
				" chmod 600 it\n", path, (unsigned)(st.st_mode & 0777));
		fclose(f);
		return -1;
	}
	bool got = fgets(token, (int)cap, f) != NULL;
	fclose(f);
	/* a line that filled the buffer without its end is too long, not cut */
	bool whole = got && (strchr(token, '\n') || strlen(token) < cap - 1);
	if (got)
		token[strcspn(token, "\r\n")] = '\0';
	if (!got || !whole || strlen(token) < TOKEN_MIN || strlen(token) > TOKEN_MAX) {
		fprintf(stderr, "ledgerlined: admin.token_file %s: want one line of %d to %d "
				"characters\n", path, TOKEN_MIN, TOKEN_MAX);
		memset(token, 0, cap);
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
	for (int i = 1; i < argc; i++) {
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
	static struct ll_settings settings;
	struct args a = { 0 };
	char *eal_argv[MAX_EAL_ARGS + 1], eal_buf[2048], token[TOKEN_MAX + 2] = "";
	int eal_argc = 0, ours_at = 0;

	/* EAL options, when given, are the ones before "--" */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			ours_at = i;
			break;
		}
	char **ours = argv + ours_at;
	int ours_argc = argc - ours_at;
	ours[0] = argv[0];
	int rc = configure(ours_argc, ours, &settings, &a);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (a.print) {
		ll_settings_write(&settings, stdout);
		return 0;
	}
	if (!ours_at && !settings.device[0]) {
		fprintf(stderr, "ledgerlined: dataplane.device is not set: name the data port (a "
				"PCI address, or a DPDK vdev such as net_af_xdp0,iface=eth1), or give "
				"EAL options before --\n");
		return 2;
	}
	if (settings.admin_tcp_listen[0] &&
	    read_token(settings.admin_token_file, token, sizeof token) < 0)
		return 2;
	if (a.check) {
		memset(token, 0, sizeof token);
		printf("ledgerlined: the configuration is good%s%s\n", a.config ? ": " : "",
		       a.config ? a.config : "");
		return 0;
	}
	ll_log_set_level((enum ll_log_level)settings.log_level);

	if (ours_at) {
		eal_argc = ours_at < MAX_EAL_ARGS ? ours_at : MAX_EAL_ARGS;
		size_t used = 0;
		for (int i = 0; i < eal_argc; i++) {
			eal_argv[i] = argv[i];
			/* kept for config.get: these replace the [dataplane] EAL keys */
			if (i > 0 && used < sizeof settings.eal_args)
				used += (size_t)snprintf(settings.eal_args + used,
							 sizeof settings.eal_args - used, "%s%s",
							 used ? " " : "", argv[i]);
		}
		eal_argv[eal_argc] = NULL;
	} else {
		eal_argc = ll_settings_eal_args(&settings, argv[0], eal_argv, MAX_EAL_ARGS + 1,
						eal_buf, sizeof eal_buf);
		if (eal_argc < 0) {
			fprintf(stderr, "ledgerlined: the [dataplane] keys make too long an EAL "
					"command line\n");
			return 2;
		}
	}
	detach_stale_filters(eal_argc, eal_argv);
	if (ll_dp_eal_init(eal_argc, eal_argv) < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ll_appliance_t *app;
	rc = ll_appliance_open(&settings, token[0] ? token : NULL, &app);
	memset(token, 0, sizeof token);
	if (rc == 0) {
		rc = ll_appliance_run(app, &stop_requested);
		ll_appliance_close(app);
	}
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
