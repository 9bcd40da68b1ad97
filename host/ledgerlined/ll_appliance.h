/* The appliance: the data port's RX lcores, the orderer on the main lcore, the
 * solo loop and the ledger, wired together. RX lcores parse and admit frames;
 * the orderer makes the last replay check (one book for every lcore), submits
 * records to the solo loop and sends the receipts the commit thread builds for
 * durable blocks. Every hand-off is a bounded ring; a full one is counted. */
#ifndef LL_APPLIANCE_H
#define LL_APPLIANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "ll_accel.h"

typedef struct ll_appliance ll_appliance_t;

struct ll_appliance_cfg {
	const char *ledger;		/* the LMDB directory */
	uint32_t chain_id;
	uint8_t hash_alg;		/* enum ll_hash_alg */
	bool periodic_sync;
	uint32_t sync_interval_ms;
	const char *clients_file;	/* registered at start (NULL: none); see README */
	const char *port_name;		/* DPDK device; NULL: the first */
	uint16_t udp_port;		/* the ingest port */
	uint32_t max_clients;
	uint32_t ring_frames;		/* each RX lcore's ring to the orderer */
	uint32_t rx_mbufs;
	uint32_t block_records, block_bytes, block_wait_us, blocks_in_flight;
	struct ll_accel_cfg accel;	/* hashes every block; backend NULL: auto */
	const char *stats_file;		/* JSON, rewritten every stats_ms; NULL: none */
	uint32_t stats_ms;
};

/*
 * ll_appliance_open - opens the ledger, registers the clients file, loads every
 * client with its committed replay window, opens the port (after
 * ll_dp_eal_init) and starts the solo loop. Returns 0 or -errno (logged).
 */
int ll_appliance_open(const struct ll_appliance_cfg *cfg, ll_appliance_t **out);

/*
 * ll_appliance_run - launches the RX lcores and runs the orderer on this (the
 * main) lcore until *stop; then drains: stops RX, orders what was admitted,
 * commits it, sends its receipts. Returns 0 or the solo loop's last error.
 */
int ll_appliance_run(ll_appliance_t *a, volatile bool *stop);

/* ll_appliance_close - closes the port and the ledger. NULL is a no-op. */
void ll_appliance_close(ll_appliance_t *a);

#endif /* LL_APPLIANCE_H */
