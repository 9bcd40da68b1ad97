/* The hlsemu backend: the hls/ kernels compiled for the host, driven through the
 * device ABI exactly as a card is: records copied into device-shaped buffers (the
 * DMA), llk_leaves then llk_merkle, their status words checked, results copied out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll_accel.h"
#include "ll_accel_device.h"
#include "ll_job.h"

/* One job's device memory. */
struct buffers {
	uint32_t *offsets, *data, *leaves;
	size_t offsets_cap, data_cap, leaves_cap;
	uint32_t root[LLK_DIGEST_WORDS];
	uint32_t info[2][LLK_INFO_WORDS];
};

struct hlsemu {
	struct ll_accel_device dev;	/* first: the device is the hlsemu */
	unsigned slots;
	struct buffers buf[LL_ACCEL_MAX_IN_FLIGHT];
};

/*
 * The info words a kernel wrote: -EPROTO for an ABI it was not built for,
 * -EINVAL for a refused job, -EIO when it did not do all n.
 */
static int kernel_status(const uint32_t *info, uint32_t n)
{
	if (info[LLK_INFO_ABI] != LLK_ABI_VERSION)
		return -EPROTO;
	if (info[LLK_INFO_STATUS] != LLK_STATUS_OK)
		return -EINVAL;
	return info[LLK_INFO_RECORDS] == n ? 0 : -EIO;
}

static int start(struct ll_accel_device *d, unsigned slot, const struct ll_accel_job *job)
{
	struct buffers *b = &((struct hlsemu *)d)->buf[slot];
	uint32_t base = job->offsets[0], bytes = job->offsets[job->n] - base;
	size_t padded = ((size_t)bytes + LLK_DATA_ALIGN - 1) / LLK_DATA_ALIGN * LLK_DATA_ALIGN;
	int rc;
	if ((rc = ll_accel_grow((void **)&b->offsets, &b->offsets_cap,
				((size_t)job->n + 1) * sizeof *b->offsets)) < 0 ||
	    (rc = ll_accel_grow((void **)&b->data, &b->data_cap, padded ? padded : 4)) < 0 ||
	    (rc = ll_accel_grow((void **)&b->leaves, &b->leaves_cap,
				((size_t)job->n ? job->n : 1) * LLK_DIGEST_BYTES)) < 0)
		return rc;
	/* the device sees offsets from its own buffer's start */
	for (uint32_t i = 0; i <= job->n; i++)
		b->offsets[i] = job->offsets[i] - base;
	if (bytes)
		memcpy(b->data, job->data + base, bytes);
	memset((uint8_t *)b->data + bytes, 0, padded - bytes);
	memset(b->info, 0, sizeof b->info);
	llk_leaves(b->offsets, b->data, job->n, job->alg, b->leaves, b->info[0]);
	if ((rc = kernel_status(b->info[0], job->n)) < 0)
		return rc;
	llk_merkle(b->leaves, job->n, job->alg, b->root, b->info[1]);
	return kernel_status(b->info[1], job->n);
}

static int finish(struct ll_accel_device *d, unsigned slot, struct ll_accel_job *job)
{
	struct buffers *b = &((struct hlsemu *)d)->buf[slot];
	if (job->n)
		memcpy(job->leaves, b->leaves, (size_t)job->n * LLK_DIGEST_BYTES);
	memcpy(job->root, b->root, LLK_DIGEST_BYTES);
	return 0;
}

static void close_hlsemu(struct ll_accel_device *d)
{
	struct hlsemu *h = (struct hlsemu *)d;
	for (unsigned i = 0; i < h->slots; i++) {
		free(h->buf[i].offsets);
		free(h->buf[i].data);
		free(h->buf[i].leaves);
	}
	free(h);
}

static const struct ll_accel_device_ops hlsemu_ops = {
	.start = start,
	.finish = finish,
	.close = close_hlsemu,
};

int ll_accel_hlsemu_open(unsigned slots, struct ll_accel_device **out, char *why,
			 size_t why_len)
{
	struct hlsemu *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	h->dev.ops = &hlsemu_ops;
	snprintf(h->dev.name, sizeof h->dev.name, "hlsemu: the hls/ kernels on the host, %d cores",
		 LLK_LEAF_CORES);
	h->slots = slots;
	*out = &h->dev;
	return 0;
}
