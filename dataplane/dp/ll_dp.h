/* DPDK ingest: the data port (EAL, device, queues, mbuf pools), the RX lcore
 * loop that parses and admits frames and hands them to the orderer over a
 * bounded ring, and the packets that carry receipts back. */
#ifndef LL_DP_H
#define LL_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ll_wire.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct ll_store_client;
typedef struct ll_admit ll_admit_t;
typedef struct ll_dp_port ll_dp_port_t;

/*
 * ll_dp_eal_init - rte_eal_init on the EAL arguments before "--". Returns how
 * many arguments it took, or -errno (said in the log). Once per process.
 */
int ll_dp_eal_init(int argc, char **argv);

struct ll_dp_port_cfg {
	const char *name;		/* device name (vdev or PCI address); NULL: port 0 */
	uint16_t rx_queues;		/* one per RX lcore */
	uint32_t rx_mbufs;		/* the RX pool: descriptors, rings and bursts */
	uint32_t tx_mbufs;		/* the receipt pool */
	uint16_t rx_desc, tx_desc;	/* 0: 1024 */
};

/*
 * ll_dp_port_open - finds the device, makes the pools and queues, starts it.
 * Returns 0; -ENODEV when no such device; -EINVAL for more queues than it
 * has; -ENOMEM; -errno from DPDK (said in the log).
 */
int ll_dp_port_open(const struct ll_dp_port_cfg *cfg, ll_dp_port_t **out);

/* ll_dp_port_close - stops and closes the device, frees the pools. NULL is a no-op. */
void ll_dp_port_close(ll_dp_port_t *p);

uint16_t ll_dp_port_id(const ll_dp_port_t *p);
void ll_dp_port_mac(const ll_dp_port_t *p, uint8_t mac[6]);
/* the kernel interface under the port (AF_XDP, AF_PACKET), or 0 for none */
int ll_dp_port_ifindex(const ll_dp_port_t *p);
struct rte_mempool *ll_dp_port_tx_pool(const ll_dp_port_t *p);
/* mbufs free in the RX pool: what is left for the device to fill */
unsigned ll_dp_port_rx_free(const ll_dp_port_t *p);

/* Per RX lcore counters, written by that lcore only and summed on read. */
struct ll_dp_rx_stats {
	uint64_t packets, bytes;
	uint64_t not_ingest;		/* not IPv4 UDP to the ingest port (no XDP filter) */
	uint64_t frames_admitted, records_admitted;
	uint64_t dropped[LL_WIRE_VERDICT_COUNT];	/* frames, by verdict */
	uint64_t polls, idle_polls;
};

/*
 * A change to an RX lcore's admission table, from the management plane: put
 * (add, or update keeping the replay window) or remove a client. The lcore
 * applies it between bursts, frees it, and publishes seq and the result in
 * control_done and control_rc.
 */
struct ll_dp_control {
	uint64_t seq;
	bool remove;
	struct ll_store_client *client;	/* owned by the message */
	uint8_t *state;			/* the committed window, for a new client (or NULL) */
	size_t state_len;
};

/* One RX lcore's state: its queue, its admission table, its ring to the orderer. */
struct ll_dp_rx {
	uint16_t port, queue;
	uint16_t ingest_port;		/* UDP, host order */
	uint32_t chain_id;
	ll_admit_t *admit;
	struct rte_ring *to_order;	/* admitted frames (single producer: this lcore) */
	volatile bool *stop;
	volatile bool *paused;		/* set: leave the port's queue alone */
	struct rte_ring *control;	/* struct ll_dp_control *, one producer */
	uint64_t control_done;		/* atomic: the last change applied */
	int control_rc;			/* its result, published before control_done */
	struct ll_dp_rx_stats stats;
	struct ll_wire_frame frame;	/* scratch: the frame being checked */
};

/*
 * ll_dp_rx_burst - packets through parse and admission, each frame dropped
 * whole (counted by verdict, freed) at the first check it fails; a frame that
 * finds the orderer's ring full is dropped as LL_WIRE_OVERLOAD before
 * admission marks its nonces. Admitted frames go on to_order in one burst;
 * returns how many. Packets not for the ingest port count as not_ingest.
 */
unsigned ll_dp_rx_burst(struct ll_dp_rx *rx, struct rte_mbuf **m, unsigned n, uint64_t now_ns);

/*
 * ll_dp_rx_main - an RX lcore: polls its queue in bursts until *stop, applying
 * control messages between bursts; while *paused it only sleeps (100 us a
 * round) and applies them. Arg: ll_dp_rx.
 */
int ll_dp_rx_main(void *arg);

/* Where a frame came from: what a receipt goes back to (network byte order). */
struct ll_dp_origin {
	uint8_t mac[6];
	uint32_t ip_src, ip_dst;
	uint16_t port_src, port_dst;
};

/*
 * ll_dp_frame_of - the UDP payload of an ingest packet, and (when origin is
 * not NULL) where it came from. Returns the payload's length, or -EINVAL for a
 * packet that is not IPv4 UDP to ingest_port in one segment.
 */
int ll_dp_frame_of(const struct rte_mbuf *m, uint16_t ingest_port, const uint8_t **payload,
		   struct ll_dp_origin *origin);

#define LL_DP_UDP_HEADERS_BYTES 42	/* Ethernet + IPv4 (no options) + UDP */

/*
 * ll_dp_udp_encap - writes an Ethernet/IPv4/UDP packet carrying payload back
 * to `to`, from mac and the address and port `to` was sent to, into pkt (room
 * for LL_DP_UDP_HEADERS_BYTES + len); checksums filled. Returns its length.
 */
size_t ll_dp_udp_encap(uint8_t *pkt, const uint8_t mac[6], const struct ll_dp_origin *to,
		       const uint8_t *payload, uint16_t len);

/*
 * ll_dp_reply_packet - ll_dp_udp_encap into an mbuf from pool
 * back to origin, from mac (this port's) and the address and port the frame
 * was sent to. NULL when the pool is empty or the payload too large.
 */
struct rte_mbuf *ll_dp_reply_packet(struct rte_mempool *pool, const uint8_t mac[6],
				    const struct ll_dp_origin *to, const uint8_t *payload,
				    uint16_t len);

#endif /* LL_DP_H */
