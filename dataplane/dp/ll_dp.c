/* The data port and the RX lcore loop. A frame is dropped whole at the first
 * check it fails; one that passes every check goes to the orderer's ring,
 * which was checked for room before admission marked its nonces in flight, so
 * a full ring (backpressure) never burns a client's nonce. */
#include "ll_dp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "ll_admit.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_time.h"

#define RX_BURST 32
#define HEADERS_BYTES LL_DP_UDP_HEADERS_BYTES
_Static_assert(HEADERS_BYTES == sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
				sizeof(struct rte_udp_hdr), "Ethernet + IPv4 + UDP headers");

struct ll_dp_port {
	uint16_t id;
	uint16_t rx_queues;
	int ifindex;
	struct rte_ether_addr mac;
	struct rte_mempool *rx_pool, *tx_pool;
	bool started;
};

int ll_dp_eal_init(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		LL_ERROR("dp", "EAL init: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return n;
}

static int find_port(const char *name, uint16_t *id)
{
	if (name)
		return rte_eth_dev_get_port_by_name(name, id) == 0 ? 0 : -ENODEV;
	uint16_t p;
	RTE_ETH_FOREACH_DEV(p) {
		*id = p;
		return 0;
	}
	return -ENODEV;
}

static int setup_queues(ll_dp_port_t *p, const struct ll_dp_port_cfg *cfg)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = { 0 };
	uint16_t rx_desc = cfg->rx_desc ? cfg->rx_desc : 1024;
	uint16_t tx_desc = cfg->tx_desc ? cfg->tx_desc : 1024;
	int rc = rte_eth_dev_info_get(p->id, &info);
	if (rc < 0)
		return rc;
	if (cfg->rx_queues == 0 || cfg->rx_queues > info.max_rx_queues ||
	    cfg->rx_queues > info.max_tx_queues) {
		LL_ERROR("dp", "port %u (%s): %u RX lcores, but the device has %u queues",
			 p->id, info.driver_name, cfg->rx_queues, info.max_rx_queues);
		return -EINVAL;
	}
	p->ifindex = (int)info.if_index;
	if (cfg->rx_queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	/* as many TX queues as RX: some drivers pair them; receipts use queue 0 */
	if ((rc = rte_eth_dev_configure(p->id, cfg->rx_queues, cfg->rx_queues, &conf)) < 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &rx_desc, &tx_desc)) < 0)
		return rc;
	int socket = rte_eth_dev_socket_id(p->id);
	for (uint16_t q = 0; q < cfg->rx_queues; q++) {
		if ((rc = rte_eth_rx_queue_setup(p->id, q, rx_desc, (unsigned)socket, NULL,
						 p->rx_pool)) < 0 ||
		    (rc = rte_eth_tx_queue_setup(p->id, q, tx_desc, (unsigned)socket, NULL)) < 0)
			return rc;
	}
	return 0;
}

/*
 * net_af_xdp registers the RX pool as its UMEM: from the first object on,
 * objects packed back to back. Hugepage memory gives that. Without hugepages
 * (--no-huge, IOVA as VA) a default pool keeps objects from crossing 4 KiB
 * pages, leaving gaps, and the objects past the UMEM's end are never filled
 * (RX stops once it reaches them): there the pool is one anonymous mapping
 * with objects packed regardless of pages.
 */
static struct rte_mempool *rx_pool_create(unsigned n, int socket)
{
	if (rte_eal_has_hugepages())
		return rte_pktmbuf_pool_create("ll_rx", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       socket);
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size =
							 RTE_MBUF_DEFAULT_BUF_SIZE };
	struct rte_mempool *mp = rte_mempool_create_empty(
		"ll_rx", n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 256,
		sizeof priv, socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) < 0)
		goto err;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_anon(mp) != (int)n)
		goto err;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
err:
	rte_mempool_free(mp);
	return NULL;
}

int ll_dp_port_open(const struct ll_dp_port_cfg *cfg, ll_dp_port_t **out)
{
	ll_dp_port_t *p;
	int rc = -EINVAL;
	if (!cfg || !out || cfg->rx_mbufs < 512 || cfg->tx_mbufs < 64)
		goto err;
	rc = -ENOMEM;
	if (!(p = calloc(1, sizeof *p)))
		goto err;
	if ((rc = find_port(cfg->name, &p->id)) < 0) {
		LL_ERROR("dp", "no DPDK port %s (give it with --vdev or -a)",
			 cfg->name ? cfg->name : "at all");
		goto err_free;
	}
	p->rx_queues = cfg->rx_queues;
	int socket = rte_eth_dev_socket_id(p->id);
	p->rx_pool = rx_pool_create(cfg->rx_mbufs, socket);
	p->tx_pool = rte_pktmbuf_pool_create("ll_tx", cfg->tx_mbufs, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!p->rx_pool || !p->tx_pool) {
		LL_ERROR("dp", "mbuf pools (%u + %u mbufs): %s", cfg->rx_mbufs, cfg->tx_mbufs,
			 rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto err_pools;
	}
	if ((rc = setup_queues(p, cfg)) < 0 || (rc = rte_eth_dev_start(p->id)) < 0) {
		LL_ERROR("dp", "port %u: %s", p->id, rte_strerror(-rc));
		goto err_pools;
	}
	p->started = true;
	if ((rc = rte_eth_macaddr_get(p->id, &p->mac)) < 0)
		goto err_pools;
	rte_eth_promiscuous_enable(p->id);	/* not every vdev has it: fine */
	*out = p;
	return 0;

err_pools:
	ll_dp_port_close(p);
	return rc;
err_free:
	free(p);
err:
	return rc;
}

void ll_dp_port_close(ll_dp_port_t *p)
{
	if (!p)
		return;
	if (p->started)
		rte_eth_dev_stop(p->id);
	rte_eth_dev_close(p->id);
	rte_mempool_free(p->rx_pool);
	rte_mempool_free(p->tx_pool);
	free(p);
}

uint16_t ll_dp_port_id(const ll_dp_port_t *p)
{
	return p->id;
}

void ll_dp_port_mac(const ll_dp_port_t *p, uint8_t mac[6])
{
	memcpy(mac, p->mac.addr_bytes, 6);
}

int ll_dp_port_ifindex(const ll_dp_port_t *p)
{
	return p->ifindex;
}

unsigned ll_dp_port_rx_free(const ll_dp_port_t *p)
{
	return rte_mempool_avail_count(p->rx_pool);
}

struct rte_mempool *ll_dp_port_tx_pool(const ll_dp_port_t *p)
{
	return p->tx_pool;
}

int ll_dp_frame_of(const struct rte_mbuf *m, uint16_t ingest_port, const uint8_t **payload,
		   struct ll_dp_origin *origin)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	if (len < HEADERS_BYTES || m->nb_segs != 1)
		return -EINVAL;
	const struct rte_ether_hdr *eth = (const void *)p;
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_UDP ||
	    (ip->fragment_offset & rte_cpu_to_be_16(0x3fff)))
		return -EINVAL;
	size_t ihl = (size_t)(ip->version_ihl & 0x0f) * 4;
	size_t l4 = sizeof *eth + ihl;
	if (ihl < 20 || len < l4 + sizeof(struct rte_udp_hdr))
		return -EINVAL;
	const struct rte_udp_hdr *udp = (const void *)(p + l4);
	uint16_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (udp->dst_port != rte_cpu_to_be_16(ingest_port) || udp_len < sizeof *udp ||
	    l4 + udp_len > len)
		return -EINVAL;
	*payload = (const uint8_t *)(udp + 1);
	if (origin) {
		memcpy(origin->mac, eth->src_addr.addr_bytes, 6);
		origin->ip_src = ip->src_addr;
		origin->ip_dst = ip->dst_addr;
		origin->port_src = udp->src_port;
		origin->port_dst = udp->dst_port;
	}
	return udp_len - (int)sizeof *udp;
}

static void drop(struct ll_dp_rx *rx, struct rte_mbuf *m, enum ll_wire_verdict v)
{
	rx->stats.dropped[v]++;
	rte_pktmbuf_free(m);
}

/* One packet: true when it is admitted (it is the caller's to pass on). */
static bool admit_packet(struct ll_dp_rx *rx, struct rte_mbuf *m, uint64_t now_ns, bool room)
{
	const uint8_t *payload;
	rx->stats.bytes += rte_pktmbuf_pkt_len(m);
	int len = ll_dp_frame_of(m, rx->ingest_port, &payload, NULL);
	if (len < 0) {
		rx->stats.not_ingest++;
		rte_pktmbuf_free(m);
		return false;
	}
	enum ll_wire_verdict v = ll_wire_parse(payload, (size_t)len, rx->chain_id, &rx->frame);
	/* room first: admission marks the nonces in flight, so it must not be undone */
	if (v == LL_WIRE_OK && !room)
		v = LL_WIRE_OVERLOAD;
	if (v == LL_WIRE_OK)
		v = ll_admit_frame(rx->admit, &rx->frame, now_ns);
	if (v != LL_WIRE_OK) {
		drop(rx, m, v);
		return false;
	}
	rx->stats.frames_admitted++;
	rx->stats.records_admitted += rx->frame.count;
	return true;
}

unsigned ll_dp_rx_burst(struct ll_dp_rx *rx, struct rte_mbuf **m, unsigned n, uint64_t now_ns)
{
	/* one producer: the room counted now only grows until the enqueue below */
	unsigned room = rte_ring_free_count(rx->to_order), admitted = 0;
	rx->stats.packets += n;
	for (unsigned i = 0; i < n; i++) {
		/* the frame after next on its way into L1 while this one is checked */
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 2], void *));
		if (admit_packet(rx, m[i], now_ns, admitted < room))
			m[admitted++] = m[i];
	}
	rte_ring_enqueue_burst(rx->to_order, (void **)m, admitted, NULL);
	return admitted;
}

/* Client changes from the management plane, in order; each freed once applied. */
static void apply_control(struct ll_dp_rx *rx)
{
	struct ll_dp_control *c;
	while (rte_ring_dequeue(rx->control, (void **)&c) == 0) {
		int rc;
		if (c->remove) {
			rc = ll_admit_remove_client(rx->admit, c->client->id);
		} else {
			uint64_t now = ll_time_mono_ns();
			rc = ll_admit_update_client(rx->admit, c->client, now);
			if (rc == -ENOENT)
				rc = ll_admit_add_client(rx->admit, c->client, c->state, c->state_len,
							 now);
		}
		rx->control_rc = rc;
		__atomic_store_n(&rx->control_done, c->seq, __ATOMIC_RELEASE);
		free(c->client);
		free(c->state);
		free(c);
	}
}

int ll_dp_rx_main(void *arg)
{
	struct ll_dp_rx *rx = arg;
	struct rte_mbuf *burst[RX_BURST];
	LL_INFO("dp", "RX lcore %u polls port %u queue %u", rte_lcore_id(), rx->port, rx->queue);
	while (!*rx->stop) {
		/* a look at the control ring every 64 rounds: two loads, off the packet path */
		if (rx->control && (rx->stats.polls & 63) == 0 && rte_ring_count(rx->control))
			apply_control(rx);
		rx->stats.polls++;
		if (rx->paused && *rx->paused) {
			rx->stats.idle_polls++;
			rte_delay_us_sleep(100);
			continue;
		}
		uint16_t n = rte_eth_rx_burst(rx->port, rx->queue, burst, RX_BURST);
		if (n == 0) {
			rx->stats.idle_polls++;
			continue;
		}
		ll_dp_rx_burst(rx, burst, n, ll_time_mono_ns());
	}
	if (rx->control)
		apply_control(rx);	/* nothing may wait on a stopped lcore */
	return 0;
}

size_t ll_dp_udp_encap(uint8_t *pkt, const uint8_t mac[6], const struct ll_dp_origin *to,
		       const uint8_t *payload, uint16_t len)
{
	struct rte_ether_hdr *eth = (void *)pkt;
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	memcpy(eth->dst_addr.addr_bytes, to->mac, 6);
	memcpy(eth->src_addr.addr_bytes, mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof *ip + sizeof *udp + len)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = to->ip_dst,
		.dst_addr = to->ip_src,
	};
	*udp = (struct rte_udp_hdr){
		.src_port = to->port_dst,
		.dst_port = to->port_src,
		.dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof *udp + len)),
	};
	memcpy(udp + 1, payload, len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return HEADERS_BYTES + len;
}

struct rte_mbuf *ll_dp_reply_packet(struct rte_mempool *pool, const uint8_t mac[6],
				    const struct ll_dp_origin *to, const uint8_t *payload,
				    uint16_t len)
{
	if (len > RTE_MBUF_DEFAULT_DATAROOM - HEADERS_BYTES)
		return NULL;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (!m)
		return NULL;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HEADERS_BYTES + len));
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ll_dp_udp_encap(p, mac, to, payload, len);
	return m;
}
