/* The XDP filter's contract with its user: counter slots and map names, shared
 * with the BPF program (ll_xdp_filter.c); and, outside BPF, reading its counters
 * and setting its port through libbpf on the interface it is attached to (DPDK's
 * net_af_xdp loads it, so the maps are found from the interface). */
#ifndef LL_XDP_H
#define LL_XDP_H

#define LL_XDP_DEFAULT_PORT	7400	/* the ingest port when ll_xdp_cfg says 0 */
#define LL_XDP_MAX_QUEUES	64
#define LL_XDP_STATS_MAP	"ll_xdp_stats"	/* per-CPU u64 counters, by slot below */
#define LL_XDP_CFG_MAP		"ll_xdp_cfg"	/* slot 0: the ingest port */
#define LL_XDP_PROG_NAME	"ll_xdp_filter"	/* the program's (function's) name */

/* Counter slots: what the filter did with each packet. */
enum ll_xdp_counter {
	LL_XDP_REDIRECT = 0,		/* to the ingest port's AF_XDP socket */
	LL_XDP_PASS_ARP,		/* to the kernel */
	LL_XDP_PASS_ICMP,
	LL_XDP_DROP_BAD_MAGIC,		/* ingest port, not a LedgerLine frame */
	LL_XDP_DROP_FRAGMENT,		/* an IPv4 fragment: frames must fit the MTU */
	LL_XDP_DROP_NO_SOCKET,		/* no socket on the queue (not started yet) */
	LL_XDP_DROP_OTHER,		/* any other protocol or port */
	LL_XDP_COUNTERS
};

#ifndef __bpf__
#include <stdint.h>

/*
 * ll_xdp_read_counters - sums each counter over the CPUs, from the filter on
 * interface ifindex of this network namespace. Returns 0; -ENOENT when no XDP
 * program is attached or it has no LL_XDP_STATS_MAP; -errno.
 */
int ll_xdp_read_counters(int ifindex, uint64_t out[LL_XDP_COUNTERS]);

/* ll_xdp_set_port - tells the filter on ifindex the ingest port. 0, -ENOENT, -errno. */
int ll_xdp_set_port(int ifindex, uint16_t port);

/*
 * ll_xdp_detach_stale - removes this filter (by its program name) from the
 * interface, left there by a process that died before DPDK could detach it;
 * net_af_xdp would refuse to attach over it. Another program is left alone.
 * Returns 1 when one was removed, 0 when there was none of ours, -errno.
 */
int ll_xdp_detach_stale(const char *ifname);

/* ll_xdp_counter_name - "redirect", "pass_arp", ...: stable, for stats. */
const char *ll_xdp_counter_name(enum ll_xdp_counter c);
#endif

#endif /* LL_XDP_H */
