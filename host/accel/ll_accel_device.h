/* Inside host/accel: what a device backend (hlsemu, xrt) gives ll_accel.c. Not a
 * public header: the rest of LedgerLine sees only ll_accel.h. */
#ifndef LL_ACCEL_DEVICE_H
#define LL_ACCEL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

struct ll_accel_cfg;
struct ll_accel_job;
struct ll_accel_device;

/*
 * A device holds `slots` sets of buffers, one per job in flight. start copies a
 * job's records to the device and starts its kernels; finish waits for them
 * and copies the leaves and root back. ll_accel.c starts the next jobs before
 * it finishes the oldest, so their transfers overlap its compute. Both return
 * 0 or -errno (a device fault: the job is then done on the CPU).
 */
struct ll_accel_device_ops {
	int (*start)(struct ll_accel_device *d, unsigned slot, const struct ll_accel_job *job);
	int (*finish)(struct ll_accel_device *d, unsigned slot, struct ll_accel_job *job);
	void (*close)(struct ll_accel_device *d);
};

struct ll_accel_device {
	const struct ll_accel_device_ops *ops;
	char name[96];			/* for info: which device computes */
	uint32_t clock_mhz;
};

/* The opens fill why (for the log and info) when they fail. */
int ll_accel_hlsemu_open(unsigned slots, struct ll_accel_device **out, char *why,
			 size_t why_len);
int ll_accel_xrt_open(const struct ll_accel_cfg *cfg, unsigned slots,
		      struct ll_accel_device **out, char *why, size_t why_len);

/*
 * ll_accel_grow - makes *buf hold at least need bytes (zeroed past the old
 * size, never shrunk, never NULL). 0 or -ENOMEM; *buf is left as it was on failure.
 */
int ll_accel_grow(void **buf, size_t *cap, size_t need);

#endif /* LL_ACCEL_DEVICE_H */
