/* Unit suite for host/accel: cpu, hlsemu and xrt (over tests/fakexrt, the real
 * call sequence on the real kernels) agree bit for bit with host/crypto on random
 * jobs; the queue is bounded and in order; every xrt failure is a clear error at
 * open or a job done right on the CPU with the device taken out of service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_accel.h"
#include "ll_job.h"
#include "ll_merkle.h"
#include "ll_test_util.h"

/* A job and the answer host/crypto gives for it. */
struct test_job {
	struct ll_accel_job job;
	uint32_t *offsets;
	uint8_t *data, *want_leaves, want_root[32];
};

static void job_make(struct test_job *t, uint64_t *seed, uint8_t alg, uint32_t n,
		     uint32_t max_len)
{
	uint32_t at = (uint32_t)(test_rand(seed) % 3);	/* offsets need not start at 0 */
	t->offsets = malloc(((size_t)n + 1) * sizeof *t->offsets);
	assert_non_null(t->offsets);
	for (uint32_t i = 0; i < n; i++) {
		t->offsets[i] = at;
		at += (uint32_t)(test_rand(seed) % (max_len + 1));
	}
	t->offsets[n] = at;
	t->data = malloc((size_t)at + 1);
	t->want_leaves = malloc((size_t)n * 32 + 1);
	assert_non_null(t->data);
	assert_non_null(t->want_leaves);
	test_fill_random(seed, t->data, at);
	t->job = (struct ll_accel_job){ .alg = alg, .offsets = t->offsets, .n = n,
					.data = t->data, .leaves = malloc((size_t)n * 32 + 1) };
	assert_int_equal(ll_merkle_root_records(alg, t->offsets, n, t->data, t->want_leaves,
						t->want_root), 0);
}

static void job_assert_right(const struct test_job *t)
{
	assert_int_equal(t->job.status, 0);
	assert_memory_equal(t->job.leaves, t->want_leaves, (size_t)t->job.n * 32);
	assert_memory_equal(t->job.root, t->want_root, 32);
}

static void job_free(struct test_job *t)
{
	free(t->offsets);
	free(t->data);
	free(t->want_leaves);
	free(t->job.leaves);
}

static int rig_setup(void **state)
{
	struct test_fakexrt *r = calloc(1, sizeof *r);
	assert_non_null(r);
	test_fakexrt_open(r);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	test_fakexrt_close(*state);
	free(*state);
	return 0;
}

static struct ll_accel_cfg rig_cfg(const struct test_fakexrt *r, const char *backend)
{
	return (struct ll_accel_cfg){ .backend = backend, .xclbin = r->xclbin,
				      .xrt_library = r->library, .probe_root = r->dir,
				      .timeout_ms = 100 };
}

/* Random jobs, 0 to 4,096 records of 0 to 1,200 bytes, both algorithms, on each backend. */
static void test_backends_agree_with_host_crypto(void **state)
{
	struct test_fakexrt *r = *state;
	const char *names[] = { "cpu", "hlsemu", "xrt" };
	/* the edges, and three sizes drawn from the seed */
	uint32_t sizes[] = { 0, 1, 2, 3, 7, 64, 65, 4096, 0, 0, 0 };
	for (size_t b = 0; b < 3; b++) {
		struct ll_accel_cfg cfg = rig_cfg(r, names[b]);
		ll_accel_t *a;
		struct ll_accel_info info;
		assert_int_equal(ll_accel_open(&cfg, &a), 0);
		ll_accel_info(a, &info);
		assert_string_equal(info.backend, names[b]);
		uint64_t seed = 0x5eed + b;
		for (size_t i = 8; i < sizeof sizes / sizeof *sizes; i++)
			sizes[i] = (uint32_t)(test_rand(&seed) % 4097);
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			for (uint8_t alg = LLK_ALG_SHA256; alg <= LLK_ALG_SM3; alg++) {
				struct test_job t;
				job_make(&t, &seed, alg, sizes[i], 1200);
				assert_int_equal(ll_accel_run(a, &t.job), 0);
				job_assert_right(&t);
				job_free(&t);
			}
		}
		ll_accel_info(a, &info);
		assert_int_equal(info.jobs, 2 * sizeof sizes / sizeof *sizes);
		assert_int_equal(info.mismatches, 0);
		assert_int_equal(info.device_errors, 0);
		/* a device's first jobs are all cross-checked */
		assert_int_equal(info.checks, b == 0 ? 0 : info.jobs);
		assert_true(b == 0 || info.in_service);
		ll_accel_close(a);
	}
}

/* Up to jobs_in_flight are queued, the next is refused, and they come back in order. */
static void test_queue_is_bounded_and_in_order(void **state)
{
	struct test_fakexrt *r = *state;
	const char *names[] = { "cpu", "xrt" };
	for (size_t b = 0; b < 2; b++) {
		struct ll_accel_cfg cfg = rig_cfg(r, names[b]);
		cfg.jobs_in_flight = 3;
		ll_accel_t *a;
		struct ll_accel_job *done;
		assert_int_equal(ll_accel_open(&cfg, &a), 0);
		assert_int_equal(ll_accel_poll(a, &done), -ENOENT);
		uint64_t seed = 7;
		struct test_job t[4];
		for (int i = 0; i < 4; i++)
			job_make(&t[i], &seed, i % 2 ? LLK_ALG_SM3 : LLK_ALG_SHA256, 500, 200);
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < 3; i++)
				assert_int_equal(ll_accel_submit(a, &t[i].job), 0);
			assert_int_equal(ll_accel_submit(a, &t[3].job), -EAGAIN);
			for (int i = 0; i < 3; i++) {
				assert_int_equal(ll_accel_wait(a, &done), 1);
				assert_ptr_equal(done, &t[i].job);
				job_assert_right(&t[i]);
			}
			assert_int_equal(ll_accel_wait(a, &done), -ENOENT);
		}
		for (int i = 0; i < 4; i++)
			job_free(&t[i]);
		ll_accel_close(a);
	}
}

/* Jobs the device ABI cannot carry are refused at submit, on every backend alike. */
static void test_submit_refuses_bad_jobs(void **state)
{
	(void)state;
	ll_accel_t *a;
	assert_int_equal(ll_accel_open(&(struct ll_accel_cfg){ .backend = "cpu" }, &a), 0);
	uint32_t offsets[3] = { 0, 10, 5 };
	uint8_t data[16] = { 0 }, leaves[64];
	struct ll_accel_job job = { .alg = LLK_ALG_SHA256, .offsets = offsets, .n = 2,
				    .data = data, .leaves = leaves };
	assert_int_equal(ll_accel_submit(a, &job), -EINVAL);	/* offsets decrease */
	assert_int_equal(job.status, -EINVAL);
	offsets[2] = 10;
	job.alg = 3;
	assert_int_equal(ll_accel_submit(a, &job), -EINVAL);	/* no such algorithm */
	job.alg = LLK_ALG_SM3;
	job.n = LLK_MAX_RECORDS + 1;
	assert_int_equal(ll_accel_submit(a, &job), -EINVAL);
	uint32_t long_record[2] = { 0, LLK_MAX_RECORD_BYTES + 1 };
	job = (struct ll_accel_job){ .alg = LLK_ALG_SM3, .offsets = long_record, .n = 1,
				     .data = data, .leaves = leaves };
	assert_int_equal(ll_accel_submit(a, &job), -EINVAL);
	struct ll_accel_job *done;
	assert_int_equal(ll_accel_poll(a, &done), -ENOENT);	/* nothing was queued */
	assert_int_equal(ll_accel_open(&(struct ll_accel_cfg){ .backend = "fpga" }, &a), -EINVAL);
	ll_accel_close(a);
}

/* Each reason xrt cannot run: a clear error by name, the CPU (with the reason) for auto. */
static void test_xrt_open_errors(void **state)
{
	struct test_fakexrt *r = *state;
	struct {
		const char *what;
		int rc;
	} cases[] = {
		{ "no card", -ENODEV },		{ "no XILINX_XRT", -ELIBACC },
		{ "no xclbin", -ENOENT },	{ "other ABI", -EPROTO },
		{ "no library", -ELIBACC },	{ "xrtDeviceOpen fails", -ENODEV },
		{ "load fails", -EIO },		{ "self-test corrupted", -EIO },
		{ "another xclbin's UUID", -EPROTO },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ll_accel_cfg cfg = rig_cfg(r, "xrt");
		char other[128];
		switch (i) {
		case 0:
			snprintf(other, sizeof other, "%s/sys", r->dir);
			cfg.probe_root = other;	/* no sys/bus/pci/drivers/xocl below it */
			break;
		case 1:
			unsetenv("XILINX_XRT");
			break;
		case 2:
			cfg.xclbin = "/nonexistent/ledgerline.xclbin";
			break;
		case 3:
			test_fakexrt_manifest(r, LLK_ABI_VERSION + 1, TEST_FAKEXRT_UUID);
			break;
		case 4:
			cfg.xrt_library = "/nonexistent/libxrt_coreutil.so.2";
			break;
		case 5:
			setenv("FAKEXRT_FAIL", "xrtDeviceOpen", 1);
			break;
		case 6:
			setenv("FAKEXRT_FAIL", "xrtDeviceLoadXclbinFile", 1);
			break;
		case 7:
			setenv("FAKEXRT_CORRUPT", "llk_merkle@1", 1);
			break;
		case 8:	/* the manifest beside the xclbin is another build's */
			test_fakexrt_manifest(r, LLK_ABI_VERSION, "4c4c2d66616b65787274000000000002");
			break;
		}
		ll_accel_t *a = NULL;
		assert_int_equal(ll_accel_open(&cfg, &a), cases[i].rc);
		assert_null(a);
		struct ll_accel_info info;
		cfg.backend = "auto";
		assert_int_equal(ll_accel_open(&cfg, &a), 0);
		ll_accel_info(a, &info);
		assert_string_equal(info.backend, "cpu");
		assert_non_null(strstr(info.reason, "auto"));
		ll_accel_close(a);
		setenv("XILINX_XRT", r->dir, 1);
		test_fakexrt_manifest(r, LLK_ABI_VERSION, TEST_FAKEXRT_UUID);
		unsetenv("FAKEXRT_FAIL");
		unsetenv("FAKEXRT_CORRUPT");
	}
	/* and with everything in place, auto finds the card */
	struct ll_accel_cfg cfg = rig_cfg(r, "auto");
	ll_accel_t *a;
	struct ll_accel_info info;
	assert_int_equal(ll_accel_open(&cfg, &a), 0);
	ll_accel_info(a, &info);
	assert_string_equal(info.backend, "xrt");
	assert_int_equal(info.clock_mhz, 300);
	ll_accel_close(a);
}

/*
 * Faults after start-up: a failed call, a run that never ends, a corrupted
 * digest. Each job still comes back right (from the CPU), the fault is counted,
 * and the device is out of service for every job after it.
 */
static void test_xrt_faults_fall_back_to_cpu(void **state)
{
	struct test_fakexrt *r = *state;
	/*
	 * The self-test is two jobs (one per algorithm): each runs both kernels
	 * (so the first job's are llk_*@3 and xrtKernelRun@5) and syncs eight times
	 * (the first job's first read-back is @21).
	 */
	const char *knobs[][2] = {
		{ "FAKEXRT_FAIL", "xrtKernelRun@5" },
		{ "FAKEXRT_FAIL", "xrtBOSync@21" },
		{ "FAKEXRT_HANG", "llk_leaves@3" },
		{ "FAKEXRT_HANG", "llk_merkle@3" },
		{ "FAKEXRT_CORRUPT", "llk_leaves@3" },
		{ "FAKEXRT_CORRUPT", "llk_merkle@3" },
	};
	for (size_t k = 0; k < sizeof knobs / sizeof *knobs; k++) {
		setenv(knobs[k][0], knobs[k][1], 1);
		struct ll_accel_cfg cfg = rig_cfg(r, "xrt");
		ll_accel_t *a;
		struct ll_accel_info info;
		assert_int_equal(ll_accel_open(&cfg, &a), 0);
		uint64_t seed = 99 + k;
		for (int i = 0; i < 3; i++) {
			struct test_job t;
			job_make(&t, &seed, LLK_ALG_SM3, 300, 400);
			assert_int_equal(ll_accel_run(a, &t.job), 0);
			job_assert_right(&t);
			job_free(&t);
		}
		ll_accel_info(a, &info);
		bool corrupt = strcmp(knobs[k][0], "FAKEXRT_CORRUPT") == 0;
		assert_false(info.in_service);
		assert_string_equal(info.backend, "cpu");
		assert_int_equal(info.mismatches, corrupt ? 1 : 0);
		assert_int_equal(info.device_errors, corrupt ? 0 : 1);
		assert_int_equal(info.cpu_jobs, 3);
		assert_non_null(strstr(info.reason, "out of service"));
		ll_accel_close(a);
		unsetenv(knobs[k][0]);
	}
}

/*
 * A card that hangs with four jobs in flight: the first times out and takes the
 * card out; the three started after it are not waited for (one device error,
 * not four), and all four come back right, in order.
 */
static void test_xrt_hang_with_jobs_in_flight(void **state)
{
	struct test_fakexrt *r = *state;
	setenv("FAKEXRT_HANG", "llk_leaves@3", 1);
	struct ll_accel_cfg cfg = rig_cfg(r, "xrt");
	cfg.jobs_in_flight = 4;
	ll_accel_t *a;
	struct ll_accel_info info;
	struct ll_accel_job *done;
	assert_int_equal(ll_accel_open(&cfg, &a), 0);
	uint64_t seed = 4;
	struct test_job t[4];
	for (int i = 0; i < 4; i++) {
		job_make(&t[i], &seed, LLK_ALG_SHA256, 200, 300);
		assert_int_equal(ll_accel_submit(a, &t[i].job), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ll_accel_wait(a, &done), 1);
		assert_ptr_equal(done, &t[i].job);
		job_assert_right(&t[i]);
		job_free(&t[i]);
	}
	ll_accel_info(a, &info);
	assert_int_equal(info.device_errors, 1);
	assert_int_equal(info.cpu_jobs, 4);
	assert_false(info.in_service);
	ll_accel_close(a);
	unsetenv("FAKEXRT_HANG");
}

/*
 * After its first LL_ACCEL_STARTUP_CHECKS jobs a device is checked 1 job in
 * check_every; a corrupted root in a checked job is caught and replaced.
 */
static void test_xrt_checks_are_sampled_after_start_up(void **state)
{
	struct test_fakexrt *r = *state;
	/* jobs 110, 120 and 130 are checked; the self-test's two merkle runs come first */
	setenv("FAKEXRT_CORRUPT", "llk_merkle@122", 1);
	struct ll_accel_cfg cfg = rig_cfg(r, "xrt");
	cfg.check_every = 10;
	ll_accel_t *a;
	struct ll_accel_info info;
	assert_int_equal(ll_accel_open(&cfg, &a), 0);
	uint64_t seed = 5;
	for (int i = 1; i <= LL_ACCEL_STARTUP_CHECKS + 30; i++) {
		struct test_job t;
		job_make(&t, &seed, LLK_ALG_SM3, 8, 100);
		assert_int_equal(ll_accel_run(a, &t.job), 0);
		job_assert_right(&t);
		job_free(&t);
		ll_accel_info(a, &info);
		if (i == LL_ACCEL_STARTUP_CHECKS + 19)
			assert_int_equal(info.checks, LL_ACCEL_STARTUP_CHECKS + 1);
	}
	ll_accel_info(a, &info);
	assert_int_equal(info.mismatches, 1);	/* job 120, the second sampled */
	assert_int_equal(info.checks, LL_ACCEL_STARTUP_CHECKS + 2);	/* none once it was out */
	assert_int_equal(info.cpu_jobs, 11);
	ll_accel_close(a);
	unsetenv("FAKEXRT_CORRUPT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backends_agree_with_host_crypto, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_queue_is_bounded_and_in_order, rig_setup,
						rig_teardown),
		cmocka_unit_test(test_submit_refuses_bad_jobs),
		cmocka_unit_test_setup_teardown(test_xrt_open_errors, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_xrt_faults_fall_back_to_cpu, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_xrt_hang_with_jobs_in_flight, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_xrt_checks_are_sampled_after_start_up,
						rig_setup, rig_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
