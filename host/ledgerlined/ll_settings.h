/* The appliance's settings: every key of ledgerline.conf, its default, range and
 * whether the admin socket may change it while running (config.set). The file
 * is read by ll_config against ll_settings_table; ledgerline.conf.example
 * documents the same keys, and a test holds the two together. */
#ifndef LL_SETTINGS_H
#define LL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ll_config.h"

#define LL_VERSION "0.7.0"		/* the appliance's release */
#define LL_SETTINGS_DEFAULT_FILE "/etc/ledgerline/ledgerline.conf"
#define LL_SETTINGS_PATH_MAX 256
#define LL_SETTINGS_SOCKET_MAX 108	/* sun_path */

enum ll_settings_sync { LL_SETTINGS_SYNC_FULL, LL_SETTINGS_SYNC_PERIODIC };
enum ll_settings_accel { LL_SETTINGS_ACCEL_AUTO, LL_SETTINGS_ACCEL_CPU, LL_SETTINGS_ACCEL_HLSEMU,
			 LL_SETTINGS_ACCEL_XRT };

struct ll_settings {
	/* [ledger] */
	char ledger_path[LL_SETTINGS_PATH_MAX];
	uint32_t chain_id;
	unsigned hash;			/* 0 sha256, 1 sm3 (ll_settings_hash_alg) */
	unsigned sync;			/* enum ll_settings_sync */
	uint32_t sync_interval_ms;	/* runtime */
	/* [block] */
	uint32_t block_records, block_bytes;
	uint32_t block_wait_us;		/* runtime */
	uint32_t blocks_in_flight;
	/* [dataplane] */
	char lcores[64];
	char device[1024];		/* a PCI address, or a DPDK vdev (net_...) */
	bool hugepages;
	uint32_t memory_mb;
	char file_prefix[64];
	char port_name[64];
	uint32_t udp_port;
	uint32_t rx_mbufs, ring_frames, max_clients;
	char clients_file[LL_SETTINGS_PATH_MAX];
	/* [accel] */
	unsigned accel_backend;		/* enum ll_settings_accel */
	char xclbin[LL_SETTINGS_PATH_MAX];
	uint32_t accel_check_every;	/* runtime */
	uint32_t accel_timeout_ms;
	char xrt_library[LL_SETTINGS_PATH_MAX];
	char accel_probe_root[LL_SETTINGS_PATH_MAX];
	/* [admin] */
	char admin_socket[LL_SETTINGS_SOCKET_MAX];
	uint32_t admin_socket_mode;
	char admin_socket_group[64];
	char admin_tcp_listen[32];
	char admin_token_file[LL_SETTINGS_PATH_MAX];
	uint32_t admin_max_connections;
	uint32_t admin_max_request_bytes;
	uint32_t admin_idle_timeout_ms;	/* runtime */
	char admin_audit_log[LL_SETTINGS_PATH_MAX];
	/* [metrics] */
	char metrics_listen[32];
	/* [stats] */
	char stats_file[LL_SETTINGS_PATH_MAX];
	uint32_t stats_interval_ms;	/* runtime */
	/* [log] */
	unsigned log_level;		/* enum ll_log_level; runtime */

	/* not a key: the EAL options given before --, when they replace the
	 * [dataplane] keys lcores, device, hugepages, memory_mb and file_prefix */
	char eal_args[1024];
};

/* ll_settings_eal_replaced - whether key is one the EAL options given before -- replace. */
bool ll_settings_eal_replaced(const struct ll_settings *s, const char *key);

/* ll_settings_table - every key, in the order ledgerline.conf.example lists them. */
const struct ll_config_table *ll_settings_table(void);

/* ll_settings_defaults - every key at its default. */
void ll_settings_defaults(struct ll_settings *s);

/*
 * ll_settings_check - what no single key can check: a TCP admin listener needs
 * a token file; a block's bytes must hold its records' headers. Returns 0, or
 * -EINVAL with err saying what to change.
 */
int ll_settings_check(const struct ll_settings *s, char *err, size_t err_len);

/* ll_settings_hash_alg - the chain's enum ll_hash_alg. */
uint8_t ll_settings_hash_alg(const struct ll_settings *s);

/* ll_settings_accel_name - "auto", "cpu", "hlsemu" or "xrt". */
const char *ll_settings_accel_name(const struct ll_settings *s);

/*
 * ll_settings_eal_args - the DPDK EAL command line the [dataplane] keys say, for
 * when none is given before `--`: program name, -l, -m, --file-prefix,
 * --no-huge, and -a ADDRESS for a PCI device or --no-pci --vdev for a virtual
 * one. Fills argv (room for max pointers into buf, buf_len bytes); returns argc,
 * or -EINVAL when dataplane.device is empty, -ENOSPC.
 */
int ll_settings_eal_args(const struct ll_settings *s, const char *program, char **argv,
			 int max, char *buf, size_t buf_len);

/*
 * ll_settings_write - the settings as an INI file (every key, grouped by
 * section, with its one-line doc), to f: `ledgerlined --print-config`.
 */
void ll_settings_write(const struct ll_settings *s, FILE *f);

#endif /* LL_SETTINGS_H */
