/* The accelerator: leaf digests and Merkle roots of record batches on an Alveo card
 * (xrt), on the HLS kernels compiled for the host (hlsemu), or on the CPU (cpu). */
#ifndef LL_ACCEL_H
#define LL_ACCEL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ll_accel ll_accel_t;

#define LL_ACCEL_MAX_IN_FLIGHT	8
#define LL_ACCEL_STARTUP_CHECKS	100	/* the first jobs are all cross-checked */

struct ll_accel_cfg {
	const char *backend;		/* "auto", "cpu", "hlsemu" or "xrt"; NULL = "auto" */
	const char *xclbin;		/* xrt: the xclbin, its manifest beside it
					 * (X.xclbin -> X.manifest); NULL = LL_ACCEL_XCLBIN */
	unsigned device;		/* xrt: the device index */
	uint32_t check_every;		/* after start-up, recompute 1 job in this many
					 * on the CPU; 0 = 1,000 */
	uint32_t jobs_in_flight;	/* 1..LL_ACCEL_MAX_IN_FLIGHT; 0 = 2 */
	uint32_t timeout_ms;		/* xrt: a kernel run longer than this is a device
					 * fault; 0 = 2,000 */
	const char *xrt_library;	/* NULL = "libxrt_coreutil.so.2" */
	const char *probe_root;		/* where sys/ and dev/ are looked for a card;
					 * NULL = "/" (tests point it elsewhere) */
};

#define LL_ACCEL_XCLBIN "/usr/lib/ledgerline/ledgerline.xclbin"

/*
 * A job: n records as offsets[n + 1] into data (record i is data[offsets[i] ..
 * offsets[i + 1])), the device ABI's shape. The caller owns every buffer and
 * keeps them until the job comes back; leaves (n * 32 bytes) and root are filled.
 */
struct ll_accel_job {
	uint8_t alg;			/* enum ll_hash_alg */
	const uint32_t *offsets;
	uint32_t n;
	const uint8_t *data;
	uint8_t *leaves;
	uint8_t root[32];
	int status;			/* out: 0, or -errno when the job was refused */
	void *user;			/* the caller's */
};

struct ll_accel_info {
	char backend[8];		/* running now: "cpu", "hlsemu" or "xrt" */
	char requested[8];		/* as configured */
	char device[96];		/* what computes: the CPU path, or the card */
	char reason[192];		/* why this backend: auto's choice, or a fallback */
	uint32_t clock_mhz;		/* the card's kernel clock; 0 off a card */
	uint32_t jobs_in_flight, max_jobs_in_flight;
	bool in_service;		/* false once the device was taken out */
	uint64_t jobs, records;		/* done */
	uint64_t checks, mismatches;	/* CPU cross-checks, and those that differed */
	uint64_t device_errors;		/* failed calls and timed-out runs */
	uint64_t cpu_jobs;		/* done on the CPU after the device was taken out */
};

/*
 * ll_accel_open - opens the configured backend. "auto" takes xrt when a card and
 * a matching xclbin are found, else cpu, and says which and why in the log and
 * info. A device backend first runs a self-test job of both algorithms checked
 * on the CPU. Returns 0; -EINVAL for a bad cfg; for "xrt" asked by name, -ENODEV
 * (no card), -ENOENT (no xclbin or manifest), -EPROTO (manifest does not match
 * this build's ABI), -ELIBACC (no XRT library), -EIO (the self-test failed).
 */
int ll_accel_open(const struct ll_accel_cfg *cfg, ll_accel_t **out);

/* ll_accel_close - waits for jobs in flight, then releases everything. NULL is a no-op. */
void ll_accel_close(ll_accel_t *a);

/*
 * ll_accel_submit - queues a job (one submitting thread); the cpu backend does
 * it before returning. Returns 0, -EAGAIN when max_jobs_in_flight are queued
 * (take one back first), -EINVAL for a bad job (unknown alg, offsets that
 * decrease, over the device's limits: then job->status is set and nothing is
 * queued).
 */
int ll_accel_submit(ll_accel_t *a, struct ll_accel_job *job);

/*
 * ll_accel_poll / ll_accel_wait - takes back the oldest job once it is done (jobs
 * come back in the order submitted): poll returns 1 with *done set, or 0 when
 * it is not done yet; wait blocks until it is. Both return -ENOENT when nothing
 * is in flight. A job comes back right even when the device failed on it: it
 * was then done on the CPU.
 */
int ll_accel_poll(ll_accel_t *a, struct ll_accel_job **done);
int ll_accel_wait(ll_accel_t *a, struct ll_accel_job **done);

/* ll_accel_run - submits one job and waits for it; nothing else may be in flight. */
int ll_accel_run(ll_accel_t *a, struct ll_accel_job *job);

/* ll_accel_info - a snapshot of what runs and its counters (any thread). */
void ll_accel_info(ll_accel_t *a, struct ll_accel_info *out);

/* ll_accel_set_check_every - 1 device job in n is recomputed on the CPU (n > 0); any thread. */
void ll_accel_set_check_every(ll_accel_t *a, uint32_t n);

#endif /* LL_ACCEL_H */
