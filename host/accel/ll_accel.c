/* The accelerator front: jobs queue to a worker thread that drives the device,
 * cross-checks its results on the CPU (all at start-up, then a sample), and takes
 * a device that errs out of service. The cpu backend runs inline. */
#include "ll_accel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll_accel_device.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_job.h"
#include "ll_log.h"
#include "ll_merkle.h"

/*
 * Jobs live in a ring of job pointers, indexed by four running counts:
 *
 *   taken <= finished <= started <= submitted
 *   [taken, finished)    done, waiting for the caller to take them back
 *   [finished, started)  on the device (slot = count % max_in_flight)
 *   [started, submitted) queued
 *
 * submitted - taken <= max_in_flight bounds the whole queue. The cpu backend
 * has no worker: a job is done when it is submitted.
 */
struct ll_accel {
	struct ll_accel_cfg cfg;
	struct ll_accel_device *dev;	/* NULL: the cpu backend */
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	bool stopping;
	struct ll_accel_job *ring[LL_ACCEL_MAX_IN_FLIGHT];
	int slot_rc[LL_ACCEL_MAX_IN_FLIGHT];	/* what start said */
	uint64_t submitted, started, finished, taken;
	uint64_t since_check;
	int self_test_rc;
	struct ll_accel_info info;
	/* the worker's CPU path: the cpu backend's work and every cross-check */
	uint8_t *scratch, *check_leaves;
	size_t scratch_cap, check_cap;
};

static const char *const backends[] = { "auto", "cpu", "hlsemu", "xrt" };

#define WORKER_STACK_BYTES (16u << 20)

int ll_accel_grow(void **buf, size_t *cap, size_t need)
{
	if (*buf && need <= *cap)
		return 0;	/* never NULL after success, even for 0 bytes */
	size_t want = *cap ? *cap : 4096;
	while (want < need)
		want *= 2;
	void *p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	memset((uint8_t *)p + *cap, 0, want - *cap);
	*buf = p;
	*cap = want;
	return 0;
}

/* A job the device ABI can carry: the same limits on every backend. */
static int check_job(const struct ll_accel_job *job)
{
	if ((job->alg != LLK_ALG_SHA256 && job->alg != LLK_ALG_SM3) || !job->offsets ||
	    job->n > LLK_MAX_RECORDS || (job->n > 0 && (!job->data || !job->leaves)))
		return -EINVAL;
	for (uint32_t i = 0; i < job->n; i++)
		if (job->offsets[i + 1] < job->offsets[i] ||
		    job->offsets[i + 1] - job->offsets[i] > LLK_MAX_RECORD_BYTES)
			return -EINVAL;
	return job->offsets[job->n] - job->offsets[0] > LLK_MAX_JOB_BYTES ? -EINVAL : 0;
}

/* The CPU's answer for job, into leaves and root (the worker's scratch). */
static int cpu_hash(ll_accel_t *a, const struct ll_accel_job *job, uint8_t *leaves,
		    uint8_t root[32])
{
	int rc = ll_accel_grow((void **)&a->scratch, &a->scratch_cap,
			       LL_MERKLE_ROOT_SCRATCH_BYTES(job->n));
	if (rc < 0)
		return rc;
	return ll_merkle_root_records_into((enum ll_hash_alg)job->alg, job->offsets, job->n,
					   job->data, leaves, a->scratch, root);
}

/* Under mu: the device is out for good; every later job runs on the CPU. */
static void take_out_of_service(ll_accel_t *a, const char *why)
{
	if (!a->info.in_service)
		return;
	a->info.in_service = false;
	snprintf(a->info.reason, sizeof a->info.reason, "taken out of service: %s", why);
	snprintf(a->info.backend, sizeof a->info.backend, "cpu");
	LL_ERROR("accel", "%s %s; jobs now run on the CPU", a->info.requested, a->info.reason);
}

/* Whether this job's device result is recomputed: all at start-up, then 1 in check_every. */
static bool check_due(ll_accel_t *a)
{
	if (a->info.jobs < LL_ACCEL_STARTUP_CHECKS ||
	    ++a->since_check >= __atomic_load_n(&a->cfg.check_every, __ATOMIC_RELAXED)) {
		a->since_check = 0;
		return true;
	}
	return false;
}

/* slot_rc for a job the worker did not give the device (it was out of service) */
#define ON_CPU 1

/*
 * The device's result for job, checked when due; or the CPU's when the job
 * never went to the device, the device failed on it or is out of service, or
 * the result differs. Runs on the worker, unlocked but for the counters.
 */
static void finish_job(ll_accel_t *a, unsigned slot, struct ll_accel_job *job, int start_rc)
{
	pthread_mutex_lock(&a->mu);
	bool trusted = a->info.in_service;
	pthread_mutex_unlock(&a->mu);
	/* a device taken out since this job started is not waited for: the CPU does it */
	bool on_device = start_rc != ON_CPU && trusted;
	int rc = !on_device ? 0 : start_rc == 0 ? a->dev->ops->finish(a->dev, slot, job) : start_rc;
	pthread_mutex_lock(&a->mu);
	bool check = on_device && rc == 0 && check_due(a);
	pthread_mutex_unlock(&a->mu);

	bool mismatch = false;
	uint8_t root[32];
	if (check) {
		if (ll_accel_grow((void **)&a->check_leaves, &a->check_cap, (size_t)job->n * 32) == 0 &&
		    cpu_hash(a, job, a->check_leaves, root) == 0)
			mismatch = (job->n && memcmp(a->check_leaves, job->leaves,
						     (size_t)job->n * 32) != 0) ||
				   memcmp(root, job->root, 32) != 0;
		else
			check = false;	/* out of memory: skip this check, not the job */
	}
	bool use_cpu = !on_device || rc < 0 || mismatch;
	job->status = 0;
	if (mismatch) {
		if (job->n)
			memcpy(job->leaves, a->check_leaves, (size_t)job->n * 32);
		memcpy(job->root, root, 32);
	} else if (use_cpu) {
		job->status = cpu_hash(a, job, job->leaves, job->root);
	}

	pthread_mutex_lock(&a->mu);
	if (on_device && rc < 0) {
		a->info.device_errors++;
		take_out_of_service(a, ll_strerror(rc));
	}
	a->info.checks += check;
	if (mismatch) {
		a->info.mismatches++;
		take_out_of_service(a, "a result differed from the CPU's");
	}
	a->info.cpu_jobs += a->dev && use_cpu;
	a->info.jobs++;
	a->info.records += job->n;
	pthread_mutex_unlock(&a->mu);
}

static void *worker_main(void *arg)
{
	ll_accel_t *a = arg;
	unsigned depth = a->cfg.jobs_in_flight;
	pthread_mutex_lock(&a->mu);
	for (;;) {
		if (a->started < a->submitted) {
			/* start every queued job first: their transfers overlap the oldest's compute */
			uint64_t seq = a->started++;
			struct ll_accel_job *job = a->ring[seq % depth];
			bool device = a->dev && a->info.in_service;
			pthread_mutex_unlock(&a->mu);
			a->slot_rc[seq % depth] =
				device ? a->dev->ops->start(a->dev, seq % depth, job) : ON_CPU;
			pthread_mutex_lock(&a->mu);
			continue;
		}
		if (a->finished < a->started) {
			uint64_t seq = a->finished;
			pthread_mutex_unlock(&a->mu);
			finish_job(a, seq % depth, a->ring[seq % depth], a->slot_rc[seq % depth]);
			pthread_mutex_lock(&a->mu);
			a->finished++;
			pthread_cond_broadcast(&a->changed);
			continue;
		}
		if (a->stopping)
			break;
		pthread_cond_wait(&a->changed, &a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int ll_accel_submit(ll_accel_t *a, struct ll_accel_job *job)
{
	if (!a || !job)
		return -EINVAL;
	if ((job->status = check_job(job)) < 0)
		return job->status;
	pthread_mutex_lock(&a->mu);
	bool room = a->submitted - a->taken < a->cfg.jobs_in_flight;
	pthread_mutex_unlock(&a->mu);
	if (!room)
		return -EAGAIN;
	/*
	 * The cpu backend has nothing to overlap a job with: it is done here, in the
	 * caller's thread, and handing it to another thread would only add a wake-up.
	 */
	if (!a->dev)
		job->status = cpu_hash(a, job, job->leaves, job->root);
	pthread_mutex_lock(&a->mu);
	if (a->submitted - a->taken >= a->cfg.jobs_in_flight) {
		pthread_mutex_unlock(&a->mu);	/* another thread took the room: one submitter, please */
		return -EAGAIN;
	}
	a->ring[a->submitted++ % a->cfg.jobs_in_flight] = job;
	if (!a->dev) {
		a->started = a->finished = a->submitted;
		a->info.jobs++;
		a->info.records += job->n;
	}
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

static int take(ll_accel_t *a, struct ll_accel_job **done, bool block)
{
	if (!a || !done)
		return -EINVAL;
	pthread_mutex_lock(&a->mu);
	int rc = -ENOENT;
	while (a->taken < a->submitted) {
		if (a->finished > a->taken) {
			*done = a->ring[a->taken++ % a->cfg.jobs_in_flight];
			rc = 1;
			break;
		}
		if (!block) {
			rc = 0;
			break;
		}
		pthread_cond_wait(&a->changed, &a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int ll_accel_poll(ll_accel_t *a, struct ll_accel_job **done)
{
	return take(a, done, false);
}

int ll_accel_wait(ll_accel_t *a, struct ll_accel_job **done)
{
	return take(a, done, true);
}

int ll_accel_run(ll_accel_t *a, struct ll_accel_job *job)
{
	struct ll_accel_job *done;
	int rc = ll_accel_submit(a, job);
	if (rc < 0)
		return rc;
	if ((rc = ll_accel_wait(a, &done)) < 0)
		return rc;
	return done == job ? job->status : -EBUSY;	/* another job was in flight */
}

void ll_accel_set_check_every(ll_accel_t *a, uint32_t n)
{
	if (a && n)
		__atomic_store_n(&a->cfg.check_every, n, __ATOMIC_RELAXED);
}

void ll_accel_info(ll_accel_t *a, struct ll_accel_info *out)
{
	pthread_mutex_lock(&a->mu);
	*out = a->info;
	out->jobs_in_flight = (uint32_t)(a->submitted - a->taken);
	pthread_mutex_unlock(&a->mu);
}

/*
 * The self-test a device passes before it takes jobs: records of every length
 * class (empty, inside one block, across blocks) for both algorithms, through
 * the device and the CPU, compared whole.
 */
#define SELF_TEST_RECORDS 300
static int self_test(ll_accel_t *a)
{
	uint32_t offsets[SELF_TEST_RECORDS + 1];
	uint8_t *data = malloc(SELF_TEST_RECORDS * 700), *leaves = malloc(SELF_TEST_RECORDS * 64);
	int rc = -ENOMEM;
	if (!data || !leaves)
		goto out;
	uint32_t at = 0, x = 2463534242u;
	for (uint32_t i = 0; i < SELF_TEST_RECORDS; i++) {
		offsets[i] = at;
		uint32_t len = (i * 37) % 700;
		for (uint32_t k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;	/* xorshift32 */
			data[at++] = (uint8_t)x;
		}
	}
	offsets[SELF_TEST_RECORDS] = at;
	for (uint8_t alg = LLK_ALG_SHA256; alg <= LLK_ALG_SM3; alg++) {
		struct ll_accel_job job = { .alg = alg, .offsets = offsets, .n = SELF_TEST_RECORDS,
					    .data = data, .leaves = leaves };
		uint8_t *want = leaves + SELF_TEST_RECORDS * 32, root[32];
		if ((rc = a->dev->ops->start(a->dev, 0, &job)) < 0 ||
		    (rc = a->dev->ops->finish(a->dev, 0, &job)) < 0 ||
		    (rc = cpu_hash(a, &job, want, root)) < 0)
			goto out;
		if (memcmp(want, leaves, SELF_TEST_RECORDS * 32) || memcmp(root, job.root, 32)) {
			rc = -EIO;
			goto out;
		}
	}
	rc = 0;
out:
	free(data);
	free(leaves);
	return rc;
}

static void *self_test_main(void *arg)
{
	ll_accel_t *a = arg;
	a->self_test_rc = self_test(a);
	return NULL;
}

/*
 * The self-test, on a thread with the worker's stack (the kernels' C needs more
 * than the caller's thread may have): its result, or -errno if it cannot start.
 */
static int run_self_test(ll_accel_t *a)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK_BYTES);
	int rc = -pthread_create(&t, &attr, self_test_main, a);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		return rc;
	pthread_join(t, NULL);
	return a->self_test_rc;
}

/* Opens the device the cfg names (auto: xrt, else nothing) into a->dev and a->info. */
static int open_device(ll_accel_t *a, const char *backend)
{
	char why[160] = "";
	bool is_auto = strcmp(backend, "auto") == 0;
	int rc = 0;
	if (strcmp(backend, "hlsemu") == 0)
		rc = ll_accel_hlsemu_open(a->cfg.jobs_in_flight, &a->dev, why, sizeof why);
	else if (is_auto || strcmp(backend, "xrt") == 0)
		rc = ll_accel_xrt_open(&a->cfg, a->cfg.jobs_in_flight, &a->dev, why, sizeof why);
	if (rc == 0 && a->dev && (rc = run_self_test(a)) < 0) {
		snprintf(why, sizeof why, "the self-test against the CPU failed (%s)",
			 ll_strerror(rc));
		a->dev->ops->close(a->dev);
		a->dev = NULL;
		rc = -EIO;
	}
	if (rc < 0 && !is_auto) {
		LL_ERROR("accel", "%s: %s", backend, why);
		return rc;
	}
	if (a->dev) {
		snprintf(a->info.backend, sizeof a->info.backend, "%s", is_auto ? "xrt" : backend);
		snprintf(a->info.device, sizeof a->info.device, "%s", a->dev->name);
		a->info.clock_mhz = a->dev->clock_mhz;
		a->info.in_service = true;
		snprintf(a->info.reason, sizeof a->info.reason, "%s",
			 is_auto ? "auto: a card and a matching xclbin" : "asked for by name");
	} else {
		enum ll_hash_impl impl = ll_hash_impl_best(LL_HASH_SHA256);
		snprintf(a->info.backend, sizeof a->info.backend, "cpu");
		snprintf(a->info.device, sizeof a->info.device, "cpu (sha256: %s, sm3: %s)",
			 ll_hash_impl_name(impl), ll_hash_impl_name(ll_hash_impl_best(LL_HASH_SM3)));
		snprintf(a->info.reason, sizeof a->info.reason, "%s%s",
			 is_auto ? "auto: no usable card: " : "asked for by name", is_auto ? why : "");
	}
	LL_INFO("accel", "backend %s on %s (%s)", a->info.backend, a->info.device, a->info.reason);
	return 0;
}

int ll_accel_open(const struct ll_accel_cfg *cfg, ll_accel_t **out)
{
	if (!cfg || !out || cfg->jobs_in_flight > LL_ACCEL_MAX_IN_FLIGHT)
		return -EINVAL;
	const char *backend = cfg->backend ? cfg->backend : "auto";
	bool known = false;
	for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
		known |= strcmp(backend, backends[i]) == 0;
	if (!known) {
		LL_ERROR("accel", "unknown backend '%s' (auto, cpu, hlsemu or xrt)", backend);
		return -EINVAL;
	}
	ll_accel_t *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->cfg.backend = backend;
	if (!a->cfg.check_every)
		a->cfg.check_every = 1000;
	if (!a->cfg.jobs_in_flight)
		a->cfg.jobs_in_flight = 2;
	if (!a->cfg.timeout_ms)
		a->cfg.timeout_ms = 2000;
	snprintf(a->info.requested, sizeof a->info.requested, "%s", backend);
	a->info.max_jobs_in_flight = a->cfg.jobs_in_flight;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->changed, NULL);
	int rc = open_device(a, backend);
	if (rc < 0)
		goto err;
	if (!a->dev)
		goto done;	/* the cpu backend runs jobs in the submitting thread */
	/* the kernels' C keeps a group of blocks on its stack (the hlsemu and fakexrt
	 * paths run them on the worker): a size that does not depend on ulimit -s */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK_BYTES);
	rc = -pthread_create(&a->worker, &attr, worker_main, a);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		goto err_dev;
done:
	*out = a;
	return 0;
err_dev:
	if (a->dev)
		a->dev->ops->close(a->dev);
err:
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->mu);
	free(a->scratch);
	free(a);
	return rc;
}

void ll_accel_close(ll_accel_t *a)
{
	if (!a)
		return;
	if (a->dev) {
		pthread_mutex_lock(&a->mu);
		a->stopping = true;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->worker, NULL);
		a->dev->ops->close(a->dev);
	}
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->mu);
	free(a->scratch);
	free(a->check_leaves);
	free(a);
}
