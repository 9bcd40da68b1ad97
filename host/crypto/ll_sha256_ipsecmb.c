/* SHA-256 batches through Intel's ipsec-mb multi-buffer manager (Debian's
 * libipsec-mb): one of the batch paths, and the baseline llbench compares with. */
#include "ll_mb.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

/*
 * A manager is not thread-safe and costs ~100 KB to set up: one per thread,
 * made on first use and freed when the thread exits (the key's destructor).
 */
static pthread_key_t mgr_key;
static pthread_once_t mgr_key_once = PTHREAD_ONCE_INIT;
static int mgr_key_rc;

static void free_mgr(void *mgr)
{
	free_mb_mgr(mgr);
}

static void make_mgr_key(void)
{
	mgr_key_rc = pthread_key_create(&mgr_key, free_mgr);
}

static IMB_MGR *get_mgr(void)
{
	if (pthread_once(&mgr_key_once, make_mgr_key) != 0 || mgr_key_rc != 0)
		return NULL;
	IMB_MGR *mgr = pthread_getspecific(mgr_key);
	if (!mgr) {
		if (!(mgr = alloc_mb_mgr(0)))
			return NULL;
		init_mb_mgr_auto(mgr, NULL);
		if (pthread_setspecific(mgr_key, mgr) != 0) {
			free_mb_mgr(mgr);
			return NULL;
		}
	}
	return mgr;
}

/* Submit and flush hand back finished jobs (or NULL); count those that failed. */
static unsigned job_failed(const IMB_JOB *job)
{
	return job && job->status != IMB_STATUS_COMPLETED;
}

int ll_sha256_prefixed_ipsecmb(uint8_t prefix, const uint8_t *data,
			       const uint32_t *offsets, uint32_t stride,
			       uint32_t n, uint8_t *out)
{
	IMB_MGR *mgr = get_mgr();
	if (!mgr)
		return -ENOMEM;

	/* ipsec-mb hashes contiguous messages: lay out prefix || record for each. */
	size_t total = offsets ? (size_t)(offsets[n] - offsets[0]) : (size_t)stride * n;
	uint8_t *msgs = malloc(total + n + 1);
	if (!msgs)
		return -ENOMEM;

	size_t pos = 0;
	unsigned failed = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t begin = offsets ? offsets[i] : (size_t)i * stride;
		uint32_t len = offsets ? offsets[i + 1] - offsets[i] : stride;
		uint8_t *msg = msgs + pos;
		msg[0] = prefix;
		memcpy(msg + 1, data + begin, len);
		pos += (size_t)len + 1;

		IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
		memset(job, 0, sizeof *job);
		job->cipher_mode = IMB_CIPHER_NULL;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->hash_alg = IMB_AUTH_SHA_256;
		job->src = msg;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = (uint64_t)len + 1;
		job->auth_tag_output = out + (size_t)i * 32;
		job->auth_tag_output_len_in_bytes = 32;
		failed += job_failed(IMB_SUBMIT_JOB(mgr));
	}
	IMB_JOB *done;
	while ((done = IMB_FLUSH_JOB(mgr)))
		failed += job_failed(done);
	free(msgs);
	return failed ? -EIO : 0;
}
