/* The data port's XDP filter, handed to DPDK's net_af_xdp with its xdp_prog=
 * option (libxdp's dispatcher cannot load here). ARP and ICMP go to the kernel,
 * so the data address answers them; IPv4 UDP to the ingest port whose payload
 * starts with the frame magic goes to the AF_XDP socket of its queue; anything
 * else is dropped here, before it costs a DPDK cycle. Each outcome is a per-CPU
 * counter that ledgerlined reads into its stats.
 *
 * Built with clang -target bpf; ll_xdp.h (no BPF in it) names the counters and
 * maps for the loader. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ll_xdp.h"

/* DPDK's net_af_xdp puts each queue's socket here, by queue index: the name is its. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, LL_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LL_XDP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} ll_xdp_stats SEC(".maps");

/* Slot 0: the ingest port (host order) when ledgerlined has set it; 0 means the default. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ll_xdp_cfg SEC(".maps");

static __always_inline int count(__u32 what, int action)
{
	__u64 *n = bpf_map_lookup_elem(&ll_xdp_stats, &what);
	if (n)
		*n += 1;
	return action;
}

SEC("xdp")
int ll_xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return count(LL_XDP_DROP_OTHER, XDP_DROP);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return count(LL_XDP_PASS_ARP, XDP_PASS);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(LL_XDP_DROP_OTHER, XDP_DROP);

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return count(LL_XDP_DROP_OTHER, XDP_DROP);
	if (ip->protocol == IPPROTO_ICMP)
		return count(LL_XDP_PASS_ICMP, XDP_PASS);
	if (ip->protocol != IPPROTO_UDP)
		return count(LL_XDP_DROP_OTHER, XDP_DROP);
	/* frames travel whole: a fragment cannot be checked, nor reassembled by DPDK */
	if (ip->frag_off & bpf_htons(0x3fff))
		return count(LL_XDP_DROP_FRAGMENT, XDP_DROP);

	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return count(LL_XDP_DROP_OTHER, XDP_DROP);
	__u32 zero = 0, port = LL_XDP_DEFAULT_PORT;
	__u32 *cfg_port = bpf_map_lookup_elem(&ll_xdp_cfg, &zero);
	if (cfg_port && *cfg_port)
		port = *cfg_port;
	if (udp->dest != bpf_htons((__u16)port))
		return count(LL_XDP_DROP_OTHER, XDP_DROP);

	__u8 *magic = (void *)(udp + 1);
	if ((void *)(magic + 2) > end || magic[0] != 0x4C || magic[1] != 0x4C)
		return count(LL_XDP_DROP_BAD_MAGIC, XDP_DROP);

	/* no socket on this queue yet: drop rather than hand ingest traffic to the kernel */
	int action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_DROP);
	return count(action == XDP_REDIRECT ? LL_XDP_REDIRECT : LL_XDP_DROP_NO_SOCKET, action);
}

char _license[] SEC("license") = "GPL";
