/* txgen's DPDK port: frames sent as Ethernet/IPv4/UDP packets through any DPDK
 * device (net_af_packet or net_af_xdp on an interface, a PCI NIC), and the
 * receipts that come back read off the same port. Only txgen uses it. */
#ifndef TXGEN_DP_H
#define TXGEN_DP_H

#include <stddef.h>
#include <stdint.h>

typedef struct txgen_dp txgen_dp_t;

struct txgen_dp_cfg {
	const char *eal;		/* EAL arguments, space-separated */
	uint8_t dst_mac[6];		/* the appliance's data port */
	uint32_t src_ip, dst_ip;	/* network byte order */
	uint16_t src_port, dst_port;	/* host byte order */
};

/* txgen_dp_open - EAL init and the first port, started. 0 or -errno (said). */
int txgen_dp_open(const struct txgen_dp_cfg *cfg, txgen_dp_t **out);

/* txgen_dp_send - one frame as a packet; 0, or -EAGAIN when the port stays full. */
int txgen_dp_send(txgen_dp_t *d, const uint8_t *frame, size_t len);

/* txgen_dp_poll - calls fn for each UDP payload received for src_port now. */
void txgen_dp_poll(txgen_dp_t *d, void (*fn)(void *arg, const uint8_t *payload, size_t len),
		   void *arg);

/* txgen_dp_close - stops the port and EAL. NULL is a no-op. */
void txgen_dp_close(txgen_dp_t *d);

#endif /* TXGEN_DP_H */
