/* Packets are built with ll_dp's helpers: a frame to the appliance is the
 * "reply" to an origin that is the appliance itself. */
#include "txgen_dp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ll_dp.h"
#include "ll_time.h"

#define MAX_EAL_ARGS 64

struct txgen_dp {
	ll_dp_port_t *port;
	uint8_t mac[6];
	struct ll_dp_origin to;		/* the appliance, as ll_dp_reply_packet wants it */
	uint16_t src_port;
	char *args;			/* the EAL's argv points into it: kept until close */
};

int txgen_dp_open(const struct txgen_dp_cfg *cfg, txgen_dp_t **out)
{
	char *args = strdup(cfg->eal), *argv[MAX_EAL_ARGS + 2] = { "txgen" };
	int argc = 1;
	txgen_dp_t *d = calloc(1, sizeof *d);
	int rc = -ENOMEM;
	if (!args || !d)
		goto err;
	for (char *tok = strtok(args, " \t\n"); tok && argc <= MAX_EAL_ARGS;
	     tok = strtok(NULL, " \t\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if ((rc = ll_dp_eal_init(argc, argv)) < 0)
		goto err;
	struct ll_dp_port_cfg pc = { .rx_queues = 1, .rx_mbufs = 8192, .tx_mbufs = 8192 };
	if ((rc = ll_dp_port_open(&pc, &d->port)) < 0) {
		rte_eal_cleanup();
		goto err;
	}
	ll_dp_port_mac(d->port, d->mac);
	memcpy(d->to.mac, cfg->dst_mac, 6);
	d->to.ip_src = cfg->dst_ip;
	d->to.ip_dst = cfg->src_ip;
	d->to.port_src = rte_cpu_to_be_16(cfg->dst_port);
	d->to.port_dst = rte_cpu_to_be_16(cfg->src_port);
	d->src_port = cfg->src_port;
	d->args = args;
	*out = d;
	return 0;
err:
	free(args);
	free(d);
	return rc;
}

int txgen_dp_send(txgen_dp_t *d, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = ll_dp_reply_packet(ll_dp_port_tx_pool(d->port), d->mac, &d->to,
						frame, (uint16_t)len);
	if (!m)
		return -EAGAIN;
	/* a full TX ring drains in microseconds: retry a while before giving up */
	for (uint64_t until = ll_time_mono_ns() + 100000000ull; ll_time_mono_ns() < until;)
		if (rte_eth_tx_burst(ll_dp_port_id(d->port), 0, &m, 1) == 1)
			return 0;
	rte_pktmbuf_free(m);
	return -EAGAIN;
}

void txgen_dp_poll(txgen_dp_t *d, void (*fn)(void *arg, const uint8_t *payload, size_t len),
		   void *arg)
{
	struct rte_mbuf *m[32];
	uint16_t n;
	while ((n = rte_eth_rx_burst(ll_dp_port_id(d->port), 0, m, 32)) > 0)
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *payload;
			int len = ll_dp_frame_of(m[i], d->src_port, &payload, NULL);
			if (len >= 0)
				fn(arg, payload, (size_t)len);
			rte_pktmbuf_free(m[i]);
		}
}

void txgen_dp_close(txgen_dp_t *d)
{
	if (!d)
		return;
	ll_dp_port_close(d->port);
	rte_eal_cleanup();
	free(d->args);
	free(d);
}
