/* The multi-buffer batch driver: keeps every lane of a kernel busy with the next
 * record, builds each lane's 64-byte block (RFC 6962 prefix byte, MD padding). */
#include "ll_mb.h"

#include "ll_bytes.h"

#include "ll_hash.h"

#include <errno.h>
#include <string.h>

/* One message in flight in one lane: prefix || rec, padded, nblocks long. */
struct lane {
	const uint8_t *rec;
	uint32_t rec_len;
	uint32_t block;		/* next block to feed */
	uint32_t nblocks;
	uint32_t out_index;
	_Alignas(16) uint8_t scratch[LL_MB_BLOCK_BYTES];
};

static const uint8_t idle_block[LL_MB_BLOCK_BYTES];

/*
 * Block k of the padded message M = prefix || rec (length L = rec_len + 1).
 * Whole interior blocks are read in place: byte j >= 1 of M is rec[j - 1], so
 * block k >= 1 starts at rec + 64k - 1. The first block (it holds the prefix)
 * and the tail blocks (padding) are built in the lane's scratch.
 */
static const uint8_t *lane_block(struct lane *ln, uint8_t prefix)
{
	uint64_t msg_len = (uint64_t)ln->rec_len + 1;
	uint64_t start = (uint64_t)ln->block * LL_MB_BLOCK_BYTES;
	uint64_t end = start + LL_MB_BLOCK_BYTES;

	if (ln->block > 0 && end <= msg_len)
		return ln->rec + start - 1;

	uint8_t *b = ln->scratch;
	memset(b, 0, LL_MB_BLOCK_BYTES);
	uint64_t copy_end = msg_len < end ? msg_len : end;
	if (start == 0) {
		b[0] = prefix;
		if (copy_end > 1)
			memcpy(b + 1, ln->rec, copy_end - 1);
	} else if (copy_end > start) {
		memcpy(b, ln->rec + start - 1, copy_end - start);
	}
	if (msg_len >= start && msg_len < end)
		b[msg_len - start] = 0x80;
	if (ln->block == ln->nblocks - 1)
		ll_put_be64(b + 56, msg_len * 8);
	return b;
}

void ll_mb_hash_prefixed(const struct ll_mb_ops *ops, uint8_t prefix,
			 const uint8_t *data, const uint32_t *offsets,
			 uint32_t stride, uint32_t n, uint8_t *out)
{
	/* zeroed: lanes that never get a record still feed the kernel defined data */
	_Alignas(64) uint8_t state[LL_MB_STATE_BYTES] = { 0 };
	struct lane lanes[LL_MB_MAX_LANES];
	const uint8_t *blocks[LL_MB_MAX_LANES];
	bool busy[LL_MB_MAX_LANES] = { false };
	unsigned lane_count = ops->lanes;
	unsigned busy_count = 0;
	uint32_t next = 0;

	for (;;) {
		for (unsigned l = 0; l < lane_count && next < n; l++) {
			if (busy[l])
				continue;
			struct lane *ln = &lanes[l];
			/* size_t: a strided batch may span more than 4 GiB */
			size_t begin = offsets ? offsets[next] : (size_t)next * stride;
			ln->rec = data + begin;
			ln->rec_len = offsets ? offsets[next + 1] - offsets[next] : stride;
			ln->block = 0;
			/* 1 prefix byte + 0x80 + 8 length bytes, rounded up to blocks */
			ln->nblocks = (uint32_t)(((uint64_t)ln->rec_len + 1 + 72) / 64);
			ln->out_index = next++;
			ops->lane_init(ops, state, l);
			busy[l] = true;
			busy_count++;
		}
		if (busy_count == 0)
			break;

		for (unsigned l = 0; l < lane_count; l++)
			blocks[l] = busy[l] ? lane_block(&lanes[l], prefix) : idle_block;
		ops->compress(state, blocks);

		for (unsigned l = 0; l < lane_count; l++) {
			if (!busy[l] || ++lanes[l].block < lanes[l].nblocks)
				continue;
			ops->lane_digest(ops, state, l, out + (size_t)lanes[l].out_index * 32);
			busy[l] = false;
			busy_count--;
		}
	}
}

void ll_store_be_words(const uint32_t words[8], uint8_t out[32])
{
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(words[i] >> 24);
		out[4 * i + 1] = (uint8_t)(words[i] >> 16);
		out[4 * i + 2] = (uint8_t)(words[i] >> 8);
		out[4 * i + 3] = (uint8_t)words[i];
	}
}

void ll_md_init(struct ll_md_state *md, const uint32_t iv[8])
{
	memcpy(md->chain, iv, sizeof md->chain);
	md->total_bytes = 0;
	md->buf_len = 0;
}

void ll_md_update(struct ll_md_state *md, ll_blocks_fn *blocks, const void *data, size_t len)
{
	const uint8_t *p = data;
	md->total_bytes += len;
	if (md->buf_len > 0) {
		size_t take = LL_MB_BLOCK_BYTES - md->buf_len;
		if (take > len)
			take = len;
		memcpy(md->buf + md->buf_len, p, take);
		md->buf_len += (uint32_t)take;
		p += take;
		len -= take;
		if (md->buf_len < LL_MB_BLOCK_BYTES)
			return;
		blocks(md->chain, md->buf, 1);
		md->buf_len = 0;
	}
	size_t whole = len / LL_MB_BLOCK_BYTES;
	if (whole > 0)
		blocks(md->chain, p, whole);
	p += whole * LL_MB_BLOCK_BYTES;
	len -= whole * LL_MB_BLOCK_BYTES;
	memcpy(md->buf, p, len);
	md->buf_len = (uint32_t)len;
}

void ll_md_final(struct ll_md_state *md, ll_blocks_fn *blocks, uint8_t out[32])
{
	uint64_t bits = md->total_bytes * 8;
	uint8_t pad[2 * LL_MB_BLOCK_BYTES] = { 0x80 };
	/* 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit count */
	size_t pad_len = (md->buf_len < 56 ? 56 : 120) - md->buf_len;
	ll_put_be64(pad + pad_len, bits);
	ll_md_update(md, blocks, pad, pad_len + 8);
	ll_store_be_words(md->chain, out);
}

int ll_mb_check_batch(const uint32_t *offsets, uint32_t n, const uint8_t *data,
		      const uint8_t *out)
{
	if (n > 0 && (!data || !out))
		return -EINVAL;
	if (!offsets)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (offsets[i + 1] < offsets[i])
			return -EINVAL;
	return 0;
}

void ll_mb_transposed_init(const struct ll_mb_ops *ops, void *state, unsigned lane)
{
	uint32_t *words = state;
	for (unsigned i = 0; i < 8; i++)
		words[i * ops->lanes + lane] = ops->iv[i];
}

void ll_mb_transposed_digest(const struct ll_mb_ops *ops, const void *state, unsigned lane,
			     uint8_t out[32])
{
	const uint32_t *words = state;
	uint32_t lane_words[8];
	for (unsigned i = 0; i < 8; i++)
		lane_words[i] = words[i * ops->lanes + lane];
	ll_store_be_words(lane_words, out);
}
