/* The filter's maps, found from the interface: the attached program's id, its
 * map ids, and the map whose name we want. */
#include "ll_xdp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

/* A new fd on the map `name` of the XDP program on ifindex, or -errno. */
static int find_map(int ifindex, const char *name)
{
	__u32 prog_id = 0, map_ids[16], n;
	struct bpf_prog_info prog = { 0 };
	__u32 len = sizeof prog;
	int rc = bpf_xdp_query_id(ifindex, 0, &prog_id);
	if (rc < 0)
		return rc;
	if (prog_id == 0)
		return -ENOENT;
	int prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	prog.nr_map_ids = 16;
	prog.map_ids = (__u64)(unsigned long)map_ids;
	rc = bpf_obj_get_info_by_fd(prog_fd, &prog, &len) < 0 ? -errno : 0;
	close(prog_fd);
	if (rc < 0)
		return rc;
	n = prog.nr_map_ids < 16 ? prog.nr_map_ids : 16;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info map = { 0 };
		__u32 map_len = sizeof map;
		int fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &map, &map_len) == 0 && !strcmp(map.name, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int ll_xdp_read_counters(int ifindex, uint64_t out[LL_XDP_COUNTERS])
{
	int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		return cpus < 0 ? cpus : -EINVAL;
	int fd = find_map(ifindex, LL_XDP_STATS_MAP);
	if (fd < 0)
		return fd;
	uint64_t *per_cpu = calloc((size_t)cpus, sizeof *per_cpu);
	int rc = per_cpu ? 0 : -ENOMEM;
	for (__u32 k = 0; rc == 0 && k < LL_XDP_COUNTERS; k++) {
		if (bpf_map_lookup_elem(fd, &k, per_cpu) < 0) {
			rc = -errno;
			break;
		}
		out[k] = 0;
		for (int c = 0; c < cpus; c++)
			out[k] += per_cpu[c];
	}
	free(per_cpu);
	close(fd);
	return rc;
}

int ll_xdp_set_port(int ifindex, uint16_t port)
{
	int fd = find_map(ifindex, LL_XDP_CFG_MAP);
	if (fd < 0)
		return fd;
	__u32 key = 0, value = port;
	int rc = bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int ll_xdp_detach_stale(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);
	__u32 prog_id = 0;
	if (ifindex == 0)
		return -ENODEV;
	int rc = bpf_xdp_query_id(ifindex, 0, &prog_id);
	if (rc < 0 || prog_id == 0)
		return rc;
	int fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof info;
	rc = bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ? -errno : 0;
	close(fd);
	if (rc < 0 || strcmp(info.name, LL_XDP_PROG_NAME))
		return rc;
	return bpf_xdp_detach(ifindex, 0, NULL) < 0 ? -errno : 1;
}

const char *ll_xdp_counter_name(enum ll_xdp_counter c)
{
	static const char *const names[LL_XDP_COUNTERS] = {
		[LL_XDP_REDIRECT] = "redirect",
		[LL_XDP_PASS_ARP] = "pass_arp",
		[LL_XDP_PASS_ICMP] = "pass_icmp",
		[LL_XDP_DROP_BAD_MAGIC] = "drop_bad_magic",
		[LL_XDP_DROP_FRAGMENT] = "drop_fragment",
		[LL_XDP_DROP_NO_SOCKET] = "drop_no_socket",
		[LL_XDP_DROP_OTHER] = "drop_other",
	};
	return (unsigned)c < LL_XDP_COUNTERS ? names[c] : "unknown";
}
