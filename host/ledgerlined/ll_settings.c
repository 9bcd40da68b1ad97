/* The appliance's key table. Ranges are the ones the code below them can honour:
 * a block is one accelerator job (hls/ll_job.h's limits), blocks in flight bound
 * the receipt origins table, and so on. */
#include "ll_settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ll_err.h"
#include "ll_hash.h"
#include "ll_job.h"
#include "ll_log.h"

#define XCLBIN_DEFAULT "/usr/lib/ledgerline/ledgerline.xclbin"

static const char *const hashes[] = { "sha256", "sm3", NULL };
static const char *const syncs[] = { "full", "periodic", NULL };
static const char *const backends[] = { "auto", "cpu", "hlsemu", "xrt", NULL };
static const char *const levels[] = { "error", "warn", "info", "debug", NULL };

/* DPDK's lcore list: numbers, ranges and commas (0-1, 0,2-3). */
static int check_lcores(const char *value, char *why, size_t why_len)
{
	if (*value && strspn(value, "0123456789-,") == strlen(value))
		return 0;
	snprintf(why, why_len, "want a list of CPU numbers such as 0-1 or 0,2-3");
	return -EINVAL;
}

/* A name for files and DPDK's runtime directory: no slashes or spaces. */
static int check_name(const char *value, char *why, size_t why_len)
{
	if (*value && strcspn(value, "/ \t") == strlen(value))
		return 0;
	snprintf(why, why_len, "want a name without slashes or spaces");
	return -EINVAL;
}

/* An absolute path, or nothing where the key allows it (off). */
static int check_path_or_empty(const char *value, char *why, size_t why_len)
{
	if (!*value || value[0] == '/')
		return 0;
	snprintf(why, why_len, "want an absolute path (starting with /), or nothing for off");
	return -EINVAL;
}

static int check_path(const char *value, char *why, size_t why_len)
{
	if (value[0] == '/')
		return 0;
	snprintf(why, why_len, "want an absolute path (starting with /)");
	return -EINVAL;
}

#define AT(f) offsetof(struct ll_settings, f), sizeof(((struct ll_settings *)0)->f)
#define U32 UINT32_MAX

static const struct ll_config_key keys[] = {
	{ "ledger.path", LL_CONFIG_STRING, AT(ledger_path), 0, 0, NULL, "/var/lib/ledgerline",
	  false, "the LMDB ledger's directory, created when empty", check_path, "an absolute path" },
	{ "ledger.chain_id", LL_CONFIG_UINT, AT(chain_id), 0, U32, NULL, "1", false,
	  "the chain every frame must name; a ledger made for another is refused", NULL, NULL },
	{ "ledger.hash", LL_CONFIG_CHOICE, AT(hash), 0, 0, hashes, "sha256", false,
	  "the chain's hash, fixed at genesis; a ledger made with the other is refused", NULL, NULL },
	{ "ledger.sync", LL_CONFIG_CHOICE, AT(sync), 0, 0, syncs, "full", false,
	  "full: fsync each block before its receipts; periodic: every sync_interval_ms", NULL, NULL },
	{ "ledger.sync_interval_ms", LL_CONFIG_UINT, AT(sync_interval_ms), 1, 60000, NULL, "50",
	  true, "periodic sync: the longest a committed block waits to be durable", NULL, NULL },

	{ "block.max_records", LL_CONFIG_UINT, AT(block_records), 1, LLK_MAX_RECORDS, NULL,
	  "1000", false, "cut a block at this many records", NULL, NULL },
	{ "block.max_bytes", LL_CONFIG_UINT, AT(block_bytes), 65536 + 64, LLK_MAX_JOB_BYTES, NULL,
	  "4194304", false, "cut a block before its records exceed this many bytes", NULL, NULL },
	{ "block.max_wait_us", LL_CONFIG_UINT, AT(block_wait_us), 1, 60000000, NULL, "2000", true,
	  "cut a block this long after its first record", NULL, NULL },
	{ "block.in_flight", LL_CONFIG_UINT, AT(blocks_in_flight), 2, 8, NULL, "4", false,
	  "blocks hashing or committing at once: the bound behind backpressure", NULL, NULL },

	{ "dataplane.lcores", LL_CONFIG_STRING, AT(lcores), 0, 0, NULL, "0-1", false,
	  "DPDK lcores: the first orders, each other one polls an RX queue", check_lcores,
	  "CPU numbers and ranges, e.g. 0-1 or 0,2-3" },
	{ "dataplane.device", LL_CONFIG_STRING, AT(device), 0, 0, NULL, "", false,
	  "the data port: a PCI address (0000:3b:00.0) or a DPDK vdev (net_af_xdp0,iface=eth1)",
	  NULL, "a PCI address or a vdev; nothing: EAL options must be given before --" },
	{ "dataplane.hugepages", LL_CONFIG_BOOL, AT(hugepages), 0, 0, NULL, "yes", false,
	  "use hugepages (scripts/hugepages.sh reserves them); no: --no-huge", NULL, NULL },
	{ "dataplane.memory_mb", LL_CONFIG_UINT, AT(memory_mb), 64, 1 << 20, NULL, "512", false,
	  "DPDK memory, in MiB", NULL, NULL },
	{ "dataplane.file_prefix", LL_CONFIG_STRING, AT(file_prefix), 0, 0, NULL, "ledgerline",
	  false, "DPDK's runtime file prefix: one per appliance on a host", check_name,
	  "a name without slashes or spaces" },
	{ "dataplane.port_name", LL_CONFIG_STRING, AT(port_name), 0, 0, NULL, "", false,
	  "which DPDK port, by name, when there are several (empty: the first)", NULL,
	  "a DPDK device name, or nothing for the first port" },
	{ "dataplane.udp_port", LL_CONFIG_UINT, AT(udp_port), 1, 65535, NULL, "7400", false,
	  "the ingest UDP port (the XDP filter is told too)", NULL, NULL },
	{ "dataplane.rx_mbufs", LL_CONFIG_UINT, AT(rx_mbufs), 1024, 1 << 24, NULL, "16384", false,
	  "the RX mbuf pool", NULL, NULL },
	{ "dataplane.ring_frames", LL_CONFIG_UINT, AT(ring_frames), 64, 1 << 20, NULL, "4096", false,
	  "each RX lcore's ring to the orderer, in frames", NULL, NULL },
	{ "dataplane.max_clients", LL_CONFIG_UINT, AT(max_clients), 1, 1 << 24, NULL, "65536", false,
	  "the admission tables' size", NULL, NULL },
	{ "dataplane.clients_file", LL_CONFIG_STRING, AT(clients_file), 0, 0, NULL, "", false,
	  "clients to register at start, one a line (README); empty: none", check_path_or_empty,
	  "an absolute path, or nothing for none" },

	{ "accel.backend", LL_CONFIG_CHOICE, AT(accel_backend), 0, 0, backends, "auto", false,
	  "what hashes blocks; auto: an Alveo card with a matching xclbin, else cpu", NULL, NULL },
	{ "accel.xclbin", LL_CONFIG_STRING, AT(xclbin), 0, 0, NULL, XCLBIN_DEFAULT, false,
	  "the card's xclbin; its .manifest sits beside it", check_path, "an absolute path" },
	{ "accel.check_every", LL_CONFIG_UINT, AT(accel_check_every), 1, 1 << 30, NULL, "1000", true,
	  "after the first 100 jobs, recompute 1 device job in this many on the CPU", NULL, NULL },
	{ "accel.timeout_ms", LL_CONFIG_UINT, AT(accel_timeout_ms), 1, 600000, NULL, "2000", false,
	  "a kernel run longer than this is a device fault", NULL, NULL },
	{ "accel.xrt_library", LL_CONFIG_STRING, AT(xrt_library), 0, 0, NULL,
	  "libxrt_coreutil.so.2", false, "the XRT runtime library to load", NULL,
	  "a library name or path, for dlopen" },
	{ "accel.probe_root", LL_CONFIG_STRING, AT(accel_probe_root), 0, 0, NULL, "/", false,
	  "where sys/ is searched for a card (tests point it elsewhere)", check_path, "an absolute path" },

	{ "admin.socket", LL_CONFIG_STRING, AT(admin_socket), 0, 0, NULL,
	  "/run/ledgerline/admin.sock", false, "the admin Unix socket (ledgerctl's default)",
	  check_path, "an absolute path" },
	{ "admin.socket_mode", LL_CONFIG_OCTAL, AT(admin_socket_mode), 0, 0, NULL, "0660", false,
	  "the admin socket's file mode", NULL, NULL },
	{ "admin.socket_group", LL_CONFIG_STRING, AT(admin_socket_group), 0, 0, NULL, "", false,
	  "the admin socket's group, so its members may run ledgerctl (empty: the daemon's)",
	  NULL, "a group name, or nothing" },
	{ "admin.tcp_listen", LL_CONFIG_ADDRESS, AT(admin_tcp_listen), 0, 0, NULL, "", false,
	  "admin over TCP on the management address (a.b.c.d:port), with the token; empty: off",
	  NULL, NULL },
	{ "admin.token_file", LL_CONFIG_STRING, AT(admin_token_file), 0, 0, NULL,
	  "/etc/ledgerline/admin.token", false,
	  "the TCP admin token: one line, 16 or more characters, readable by the owner only",
	  check_path, "an absolute path" },
	{ "admin.max_connections", LL_CONFIG_UINT, AT(admin_max_connections), 1, 4096, NULL, "64",
	  false, "admin connections at once; more are told so and closed", NULL, NULL },
	{ "admin.max_request_bytes", LL_CONFIG_UINT, AT(admin_max_request_bytes), 256, 1 << 24,
	  NULL, "65536", false, "the longest admin request line", NULL, NULL },
	{ "admin.idle_timeout_ms", LL_CONFIG_UINT, AT(admin_idle_timeout_ms), 100, 3600000, NULL,
	  "30000", true, "an admin connection that sends nothing this long is closed", NULL, NULL },
	{ "admin.audit_log", LL_CONFIG_STRING, AT(admin_audit_log), 0, 0, NULL,
	  "/var/log/ledgerline/audit.log", false,
	  "every admin action that changes something: who, when, what (JSON lines)", check_path, "an absolute path" },

	{ "metrics.listen", LL_CONFIG_ADDRESS, AT(metrics_listen), 0, 0, NULL, "127.0.0.1:9470",
	  false, "/metrics and /healthz over HTTP on the management address; empty: off", NULL, NULL },

	{ "stats.file", LL_CONFIG_STRING, AT(stats_file), 0, 0, NULL, "", false,
	  "the counters as one JSON object, rewritten every interval_ms; empty: none",
	  check_path_or_empty,
	  "an absolute path, or nothing for none" },
	{ "stats.interval_ms", LL_CONFIG_UINT, AT(stats_interval_ms), 10, 60000, NULL, "500", true,
	  "how often the stats file is rewritten", NULL, NULL },

	{ "log.level", LL_CONFIG_CHOICE, AT(log_level), 0, 0, levels, "info", true,
	  "error, warn, info or debug", NULL, NULL },
};

static const struct ll_config_table table = { keys, LL_ARRAY_LEN(keys) };

const struct ll_config_table *ll_settings_table(void)
{
	return &table;
}

void ll_settings_defaults(struct ll_settings *s)
{
	char err[LL_CONFIG_ERR_MAX];
	memset(s, 0, sizeof *s);
	/* the table's defaults are checked by test_ll_settings: this cannot fail */
	if (ll_config_defaults(&table, s, err, sizeof err) < 0)
		LL_ERROR("settings", "a default is wrong: %s", err);
}

int ll_settings_check(const struct ll_settings *s, char *err, size_t err_len)
{
	if (s->admin_tcp_listen[0] && !s->admin_token_file[0]) {
		snprintf(err, err_len, "admin.tcp_listen is set: admin.token_file must name the token");
		return -EINVAL;
	}
	if (strcmp(s->admin_tcp_listen, s->metrics_listen) == 0 && s->metrics_listen[0]) {
		snprintf(err, err_len, "admin.tcp_listen and metrics.listen are both %s",
			 s->metrics_listen);
		return -EINVAL;
	}
	return 0;
}

bool ll_settings_eal_replaced(const struct ll_settings *s, const char *key)
{
	static const char *const replaced[] = { "dataplane.lcores", "dataplane.device",
						"dataplane.hugepages", "dataplane.memory_mb",
						"dataplane.file_prefix" };
	for (size_t i = 0; s->eal_args[0] && i < LL_ARRAY_LEN(replaced); i++)
		if (strcmp(key, replaced[i]) == 0)
			return true;
	return false;
}

uint8_t ll_settings_hash_alg(const struct ll_settings *s)
{
	return s->hash == 1 ? LL_HASH_SM3 : LL_HASH_SHA256;
}

const char *ll_settings_accel_name(const struct ll_settings *s)
{
	return backends[s->accel_backend];
}

/* Appends one argument (a copy in buf) to argv. */
static int push(char **argv, int *argc, int max, char *buf, size_t buf_len, size_t *used,
		const char *arg)
{
	size_t len = strlen(arg) + 1;
	if (*argc + 1 >= max || *used + len > buf_len)
		return -ENOSPC;
	memcpy(buf + *used, arg, len);
	argv[(*argc)++] = buf + *used;
	argv[*argc] = NULL;
	*used += len;
	return 0;
}

int ll_settings_eal_args(const struct ll_settings *s, const char *program, char **argv,
			 int max, char *buf, size_t buf_len)
{
	char memory[16];
	size_t used = 0;
	int argc = 0;
	if (!s->device[0])
		return -EINVAL;
	snprintf(memory, sizeof memory, "%u", s->memory_mb);
	/* a PCI address has a colon before the first comma; a vdev's name does not */
	bool pci = strncmp(s->device, "net_", 4) != 0;
	const char *args[] = { program, "-l", s->lcores, "-m", memory, "--file-prefix",
			       s->file_prefix, s->hugepages ? NULL : "--no-huge" };
	for (size_t i = 0; i < LL_ARRAY_LEN(args); i++)
		if (args[i])
			LL_TRY(push(argv, &argc, max, buf, buf_len, &used, args[i]));
	if (pci) {
		LL_TRY(push(argv, &argc, max, buf, buf_len, &used, "-a"));
	} else {
		LL_TRY(push(argv, &argc, max, buf, buf_len, &used, "--no-pci"));
		LL_TRY(push(argv, &argc, max, buf, buf_len, &used, "--vdev"));
	}
	LL_TRY(push(argv, &argc, max, buf, buf_len, &used, s->device));
	return argc;
}

void ll_settings_write(const struct ll_settings *s, FILE *f)
{
	char section[32] = "", value[1100], want[256];
	fprintf(f, "# LedgerLine appliance configuration (ledgerlined -c FILE; default %s).\n"
		   "# Every key, with what it takes and its default. Lines are `key = value`\n"
		   "# under a [section]; `#` or `;` starts a comment line. Unknown keys and bad\n"
		   "# values stop the appliance at start with the file, line and what is allowed.\n"
		   "# Keys marked runtime can also be changed while it runs: ledgerctl config set.\n",
		LL_SETTINGS_DEFAULT_FILE);
	for (size_t i = 0; i < table.count; i++) {
		const struct ll_config_key *k = &table.keys[i];
		const char *dot = strchr(k->name, '.');
		if (strncmp(section, k->name, (size_t)(dot - k->name)) != 0 ||
		    section[dot - k->name] != '\0') {
			snprintf(section, sizeof section, "%.*s", (int)(dot - k->name), k->name);
			fprintf(f, "\n[%s]\n", section);
		}
		ll_config_get(&table, s, k->name, value, sizeof value);
		ll_config_describe(k, want, sizeof want);
		fprintf(f, "# %s.\n# %s; default: %s%s\n%s = %s\n", k->doc, want,
			k->def[0] ? k->def : "(nothing)", k->runtime ? "; runtime" : "", dot + 1,
			value);
	}
}
