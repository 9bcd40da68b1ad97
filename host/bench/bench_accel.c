/* llbench accel: jobs and leaves a second through each accelerator backend for
 * 1,024- and 65,536-record jobs, the modeled FPGA figure beside them, and what the
 * async pipeline costs the cpu backend against calling host/crypto directly. */
#include "llbench.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ll_accel.h"
#include "ll_job.h"
#include "ll_merkle.h"
#include "ll_time.h"
#include "llk_model.h"

#define RECORD_BYTES	236	/* an Ed25519 record with a 128-byte payload */
#define DEPTH		2	/* jobs in flight */
/* jobs a timed call streams through: enough that filling and draining the
 * pipeline once a call (which a busy appliance does not) is noise */
#define STREAM_RECORDS	(1u << 16)
#define CLOCK_HZ	300e6	/* the Alveo platforms' kernel clock */

/* DEPTH jobs over one batch of records, each with its own outputs. */
struct run {
	ll_accel_t *accel;
	uint8_t alg;
	uint32_t n;
	uint32_t *offsets;
	uint8_t *data, *scratch;
	struct ll_accel_job job[DEPTH];
	int jobs_per_call;
	int failed;
};

static int run_make(struct run *r, uint8_t alg, uint32_t n, bool quick)
{
	*r = (struct run){ .alg = alg, .n = n,
			   .jobs_per_call = quick ? DEPTH :
					    n < STREAM_RECORDS / 4 ? (int)(STREAM_RECORDS / n) : 4 };
	r->offsets = malloc(((size_t)n + 1) * sizeof *r->offsets);
	r->data = malloc((size_t)n * RECORD_BYTES);
	r->scratch = malloc(LL_MERKLE_ROOT_SCRATCH_BYTES(n));
	if (!r->offsets || !r->data || !r->scratch)
		return -ENOMEM;
	for (uint32_t i = 0; i <= n; i++)
		r->offsets[i] = i * RECORD_BYTES;
	for (size_t i = 0; i < (size_t)n * RECORD_BYTES; i++)
		r->data[i] = (uint8_t)(i * 131 + 7);
	for (int j = 0; j < DEPTH; j++) {
		r->job[j] = (struct ll_accel_job){ .alg = alg, .offsets = r->offsets, .n = n,
						   .data = r->data, .leaves = malloc((size_t)n * 32) };
		if (!r->job[j].leaves)
			return -ENOMEM;
	}
	return 0;
}

static void run_free(struct run *r)
{
	for (int j = 0; j < DEPTH; j++)
		free(r->job[j].leaves);
	free(r->offsets);
	free(r->data);
	free(r->scratch);
}

/* Through the accelerator: jobs_per_call jobs, DEPTH kept in flight. */
static void through_accel(void *arg)
{
	struct run *r = arg;
	struct ll_accel_job *done;
	int submitted = 0, taken = 0;
	while (taken < r->jobs_per_call) {
		if (submitted < r->jobs_per_call && submitted - taken < DEPTH &&
		    ll_accel_submit(r->accel, &r->job[submitted % DEPTH]) == 0) {
			submitted++;
			continue;
		}
		if (ll_accel_wait(r->accel, &done) != 1 || done->status != 0) {
			r->failed = 1;
			return;
		}
		taken++;
	}
}

static uint64_t through_accel_timed(void *arg)
{
	uint64_t start = ll_time_mono_ns();
	through_accel(arg);
	return ((struct run *)arg)->failed ? 0 : ll_time_mono_ns() - start;
}

/* The same jobs straight into host/crypto on this thread. */
static uint64_t direct_timed(void *arg)
{
	struct run *r = arg;
	uint64_t start = ll_time_mono_ns();
	for (int j = 0; j < r->jobs_per_call; j++)
		if (ll_merkle_root_records_into(r->alg, r->offsets, r->n, r->data,
						r->job[j % DEPTH].leaves, r->scratch,
						r->job[j % DEPTH].root) < 0)
			return 0;
	return ll_time_mono_ns() - start;
}

/* tests/fakexrt as the card: its library, a probe root with a card bound to xocl, XILINX_XRT. */
struct rig {
	char dir[64], library[PATH_MAX], xclbin[PATH_MAX];
};

static int rig_make(struct rig *g)
{
	char path[256];
	int rc;
	/* each build variant has its own library; the card image is the release build's */
	if ((rc = ll_bench_tool("../lib/libfakexrt.so", g->library, sizeof g->library)) < 0 ||
	    ((rc = ll_bench_tool("../fakexrt/ledgerline.xclbin", g->xclbin, sizeof g->xclbin)) < 0 &&
	     (rc = ll_bench_tool("../../fakexrt/ledgerline.xclbin", g->xclbin, sizeof g->xclbin)) < 0))
		return rc;
	snprintf(g->dir, sizeof g->dir, "/tmp/llbench_accel.XXXXXX");
	if (!mkdtemp(g->dir))
		return -errno;
	snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/xocl/0000:65:00.1", g->dir);
	char *argv[] = { "mkdir", "-p", path, NULL };
	if (ll_bench_run(argv, NULL) != 0)
		return -EIO;
	setenv("XILINX_XRT", g->dir, 1);
	return 0;
}

static void rig_free(struct rig *g)
{
	if (!g->dir[0])
		return;
	char *argv[] = { "rm", "-rf", g->dir, NULL };
	ll_bench_run(argv, NULL);
}

static int bench_backend(const struct ll_bench_opts *o, const char *backend, const struct rig *g,
			 uint8_t alg, uint32_t n)
{
	struct ll_accel_cfg cfg = { .backend = backend, .jobs_in_flight = DEPTH };
	if (strcmp(backend, "xrt") == 0)
		cfg = (struct ll_accel_cfg){ .backend = backend, .jobs_in_flight = DEPTH,
					     .xclbin = g->xclbin, .xrt_library = g->library,
					     .probe_root = g->dir };
	struct run r;
	int rc = run_make(&r, alg, n, o->quick);
	if (rc < 0 || (rc = ll_accel_open(&cfg, &r.accel)) < 0)
		goto out;
	char name[64];
	const char *alg_name = alg == LLK_ALG_SM3 ? "sm3" : "sha256";
	snprintf(name, sizeof name, "%s%s/%s/%u", backend, strcmp(backend, "xrt") ? "" : "-fakexrt",
		 alg_name, n);
	double model = llk_model_leaves_per_s(alg, n, RECORD_BYTES, LLK_LEAF_CORES, CLOCK_HZ);
	if (strcmp(backend, "cpu") == 0) {
		/* the pipeline's cost: the same jobs, trials alternating */
		uint64_t (*const fn[2])(void *) = { through_accel_timed, direct_timed };
		void *const args[2] = { &r, &r };
		double rate[2];
		ll_bench_rate_pair(o, fn, args, (double)r.jobs_per_call * n, rate);
		rc = rate[0] > 0 ? 0 : -EIO;
		ll_bench_report(o, "accel", name, rate[0], "leaves/s", "host-crypto-direct", rate[1]);
		snprintf(name, sizeof name, "accel: cpu pipeline overhead, %s %u", alg_name, n);
		ll_bench_goal(o, name, rate[0] / rate[1], 0.95, false);
		snprintf(name, sizeof name, "cpu/%s/%u/jobs", alg_name, n);
		ll_bench_report(o, "accel", name, rate[0] / n, "jobs/s", NULL, 0);
	} else {
		double rate = ll_bench_rate(o, through_accel, &r, (double)r.jobs_per_call * n);
		rc = r.failed ? -EIO : 0;
		ll_bench_report(o, "accel", name, rate, "leaves/s", "fpga-model-300MHz", model);
		snprintf(name, sizeof name, "%s/%s/%u/jobs", backend, alg_name, n);
		ll_bench_report(o, "accel", name, rate / n, "jobs/s", "fpga-model-300MHz",
				model / n);
	}
	ll_accel_close(r.accel);
out:
	run_free(&r);
	if (rc < 0)
		fprintf(stderr, "llbench: accel %s %u records: %s\n", backend, n, strerror(-rc));
	return rc;
}

int ll_bench_accel(const struct ll_bench_opts *o)
{
	static const char *const backends[] = { "cpu", "hlsemu", "xrt" };
	static const uint32_t sizes[] = { 1024, 65536 };
	struct rig g = { 0 };
	int rc = 0, rig = rig_make(&g);
	if (rig < 0)
		fprintf(stderr, "llbench: accel: no tests/fakexrt build (%s): xrt left out\n",
			strerror(-rig));
	for (size_t b = 0; b < 3; b++) {
		if (b == 2 && rig < 0)
			break;
		for (size_t s = 0; s < 2; s++)
			for (uint8_t alg = LLK_ALG_SHA256; alg <= LLK_ALG_SM3; alg++) {
				int r = bench_backend(o, backends[b], &g, alg, sizes[s]);
				if (r < 0)
					rc = r;
			}
	}
	rig_free(&g);
	return rc < 0 ? rc : 0;
}
