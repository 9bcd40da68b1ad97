/* SM3 (GB/T 32905-2016): the portable compression function, the incremental API,
 * and dispatch of the batch API to the SIMD multi-buffer kernels. */
#include "ll_sm3.h"

#include <errno.h>
#include <string.h>

#include "ll_mb.h"

const uint32_t ll_sm3_iv[8] = {
	0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
	0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
};

/* T_j <<< (j mod 32), the round constants as the rounds use them. */
static const uint32_t sm3_t_rotated[64] = {
#define T4(t, j) (((t) << ((j) % 32)) | ((t) >> ((32 - (j) % 32) % 32)))
#define ROW(t, j) T4(t, j), T4(t, (j) + 1), T4(t, (j) + 2), T4(t, (j) + 3)
	ROW(0x79cc4519u, 0), ROW(0x79cc4519u, 4), ROW(0x79cc4519u, 8), ROW(0x79cc4519u, 12),
	ROW(0x7a879d8au, 16), ROW(0x7a879d8au, 20), ROW(0x7a879d8au, 24), ROW(0x7a879d8au, 28),
	ROW(0x7a879d8au, 32), ROW(0x7a879d8au, 36), ROW(0x7a879d8au, 40), ROW(0x7a879d8au, 44),
	ROW(0x7a879d8au, 48), ROW(0x7a879d8au, 52), ROW(0x7a879d8au, 56), ROW(0x7a879d8au, 60),
#undef ROW
#undef T4
};

static inline uint32_t rol32(uint32_t x, unsigned n)
{
	n &= 31;
	return n ? (x << n) | (x >> (32 - n)) : x;
}

static inline uint32_t p0(uint32_t x)
{
	return x ^ rol32(x, 9) ^ rol32(x, 17);
}

static inline uint32_t p1(uint32_t x)
{
	return x ^ rol32(x, 15) ^ rol32(x, 23);
}

#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
#define FF1(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define GG1(x, y, z) (((x) & (y)) | (~(x) & (z)))

/*
 * One round, written in place: D becomes TT1 (the new A), H becomes P0(TT2) (the
 * new E), B and F rotate; the caller renames the registers for the next round.
 */
#define SM3_ROUND(j, A, B, C, D, E, F, G, H, FF, GG)                       \
	do {                                                               \
		uint32_t a12 = rol32(A, 12);                               \
		uint32_t ss1 = rol32(a12 + E + sm3_t_rotated[j], 7);       \
		D += FF(A, B, C) + (ss1 ^ a12) + (w[j] ^ w[(j) + 4]);       \
		H = p0(GG(E, F, G) + H + ss1 + w[j]);                       \
		B = rol32(B, 9);                                           \
		F = rol32(F, 19);                                          \
	} while (0)

void ll_sm3_blocks_portable(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	for (; nblocks > 0; nblocks--, p += 64) {
		uint32_t w[68];
		for (int j = 0; j < 16; j++)
			w[j] = (uint32_t)p[4 * j] << 24 | (uint32_t)p[4 * j + 1] << 16 |
			       (uint32_t)p[4 * j + 2] << 8 | p[4 * j + 3];
		for (int j = 16; j < 68; j++)
			w[j] = p1(w[j - 16] ^ w[j - 9] ^ rol32(w[j - 3], 15)) ^
			       rol32(w[j - 13], 7) ^ w[j - 6];

		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
		/* Four rounds per step with the variables renamed instead of moved. */
		for (int j = 0; j < 16; j += 4) {
			SM3_ROUND(j, a, b, c, d, e, f, g, h, FF0, GG0);
			SM3_ROUND(j + 1, d, a, b, c, h, e, f, g, FF0, GG0);
			SM3_ROUND(j + 2, c, d, a, b, g, h, e, f, FF0, GG0);
			SM3_ROUND(j + 3, b, c, d, a, f, g, h, e, FF0, GG0);
		}
		for (int j = 16; j < 64; j += 4) {
			SM3_ROUND(j, a, b, c, d, e, f, g, h, FF1, GG1);
			SM3_ROUND(j + 1, d, a, b, c, h, e, f, g, FF1, GG1);
			SM3_ROUND(j + 2, c, d, a, b, g, h, e, f, FF1, GG1);
			SM3_ROUND(j + 3, b, c, d, a, f, g, h, e, FF1, GG1);
		}
		state[0] ^= a;
		state[1] ^= b;
		state[2] ^= c;
		state[3] ^= d;
		state[4] ^= e;
		state[5] ^= f;
		state[6] ^= g;
		state[7] ^= h;
	}
}

void ll_sm3_init(ll_sm3_ctx_t *ctx)
{
	ll_md_init(&ctx->md, ll_sm3_iv);
}

void ll_sm3_update(ll_sm3_ctx_t *ctx, const void *data, size_t len)
{
	ll_md_update(&ctx->md, ll_sm3_blocks_portable, data, len);
}

void ll_sm3_final(ll_sm3_ctx_t *ctx, uint8_t out[LL_SM3_DIGEST_BYTES])
{
	ll_md_final(&ctx->md, ll_sm3_blocks_portable, out);
}

void ll_sm3(const void *data, size_t len, uint8_t out[LL_SM3_DIGEST_BYTES])
{
	ll_sm3_ctx_t ctx;
	ll_sm3_init(&ctx);
	ll_sm3_update(&ctx, data, len);
	ll_sm3_final(&ctx, out);
}

/* The portable path as a one-lane kernel, so every path shares ll_mb.c (one
 * lane of the transposed layout is the plain one). */
static void portable_compress(void *state, const uint8_t *const blocks[])
{
	ll_sm3_blocks_portable(state, blocks[0], 1);
}

const struct ll_mb_ops ll_sm3_mb_portable = {
	.name = "sm3-portable",
	.lanes = 1,
	.iv = ll_sm3_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = portable_compress,
	.lane_digest = ll_mb_transposed_digest,
};

static int sm3_prefixed(enum ll_hash_impl impl, uint8_t prefix, const uint8_t *data,
			const uint32_t *offsets, uint32_t stride, uint32_t n, uint8_t *out)
{
	if (impl == LL_HASH_IMPL_AUTO)
		impl = ll_hash_impl_best(LL_HASH_SM3);
	int rc = ll_hash_impl_available(LL_HASH_SM3, impl);
	if (rc < 0)
		return rc;
	const struct ll_mb_ops *ops = &ll_sm3_mb_portable;
	if (impl == LL_HASH_IMPL_AVX512)
		ops = &ll_sm3_mb_avx512;
	else if (impl == LL_HASH_IMPL_AVX2)
		ops = &ll_sm3_mb_avx2;
	ll_mb_hash_prefixed(ops, prefix, data, offsets, stride, n, out);
	return 0;
}

int ll_sm3_leaves(enum ll_hash_impl impl, const uint32_t *offsets, uint32_t n,
		  const uint8_t *data, uint8_t *out)
{
	int rc = offsets ? ll_mb_check_batch(offsets, n, data, out) : -EINVAL;
	if (rc < 0)
		return rc;
	return sm3_prefixed(impl, LL_HASH_LEAF_PREFIX, data, offsets, 0, n, out);
}

int ll_sm3_nodes(enum ll_hash_impl impl, const uint8_t *children, uint32_t n,
		 uint8_t *out)
{
	int rc = ll_mb_check_batch(NULL, n, children, out);
	if (rc < 0)
		return rc;
	return sm3_prefixed(impl, LL_HASH_NODE_PREFIX, children, NULL,
			    2 * LL_SM3_DIGEST_BYTES, n, out);
}
