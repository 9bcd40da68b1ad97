/* SHA-256: the portable compression function, the incremental API on the best
 * single-buffer path, and dispatch of the batch API to a multi-buffer path. */
#include "ll_sha256.h"

#include <errno.h>
#include <string.h>

#include "ll_mb.h"

/* FIPS 180-4 4.2.2; aligned for the SHA-NI and SIMD kernels' vector loads. */
const uint32_t ll_sha256_k[64] __attribute__((aligned(64))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t ll_sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ll_sha256_blocks_portable(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	for (; nblocks > 0; nblocks--, p += 64) {
		uint32_t w[64];
		for (int t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
		for (int t = 16; t < 64; t++) {
			uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
			uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);
			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
		for (int t = 0; t < 64; t++) {
			uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
			uint32_t ch = (e & f) ^ (~e & g);
			uint32_t t1 = h + s1 + ch + ll_sha256_k[t] + w[t];
			uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
			uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + s0 + maj;
		}
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
	}
}

/* The single-buffer path for one-shot and incremental hashing. */
static void sha256_blocks(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	if (ll_cpu_features()->shani)
		ll_sha256_blocks_shani(state, p, nblocks);
	else
		ll_sha256_blocks_portable(state, p, nblocks);
}

void ll_sha256_init(ll_sha256_ctx_t *ctx)
{
	ll_md_init(&ctx->md, ll_sha256_iv);
}

void ll_sha256_update(ll_sha256_ctx_t *ctx, const void *data, size_t len)
{
	ll_md_update(&ctx->md, sha256_blocks, data, len);
}

void ll_sha256_final(ll_sha256_ctx_t *ctx, uint8_t out[LL_SHA256_DIGEST_BYTES])
{
	ll_md_final(&ctx->md, sha256_blocks, out);
}

void ll_sha256(const void *data, size_t len, uint8_t out[LL_SHA256_DIGEST_BYTES])
{
	ll_sha256_ctx_t ctx;
	ll_sha256_init(&ctx);
	ll_sha256_update(&ctx, data, len);
	ll_sha256_final(&ctx, out);
}

/* The portable path as a one-lane kernel, so every path shares ll_mb.c (one
 * lane of the transposed layout is the plain one). */
static void portable_compress(void *state, const uint8_t *const blocks[])
{
	ll_sha256_blocks_portable(state, blocks[0], 1);
}

const struct ll_mb_ops ll_sha256_mb_portable = {
	.name = "sha256-portable",
	.lanes = 1,
	.iv = ll_sha256_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = portable_compress,
	.lane_digest = ll_mb_transposed_digest,
};

/* Runs a prefixed batch on `impl`; offsets already checked. */
static int sha256_prefixed(enum ll_hash_impl impl, uint8_t prefix,
			   const uint8_t *data, const uint32_t *offsets,
			   uint32_t stride, uint32_t n, uint8_t *out)
{
	/*
	 * A batch too small to fill wide lanes (one tree node, one big record) runs
	 * faster on two SHA-NI streams than on 16 mostly idle AVX-512 lanes.
	 */
	if (impl == LL_HASH_IMPL_AUTO && n < 4 &&
	    ll_hash_impl_available(LL_HASH_SHA256, LL_HASH_IMPL_SHANI) == 0)
		impl = LL_HASH_IMPL_SHANI;
	if (impl == LL_HASH_IMPL_AUTO)
		impl = ll_hash_impl_best(LL_HASH_SHA256);
	int rc = ll_hash_impl_available(LL_HASH_SHA256, impl);
	if (rc < 0)
		return rc;
	switch (impl) {
	case LL_HASH_IMPL_SHANI:
		ll_mb_hash_prefixed(&ll_sha256_mb_shani, prefix, data, offsets, stride, n, out);
		return 0;
	case LL_HASH_IMPL_AVX2:
		ll_mb_hash_prefixed(&ll_sha256_mb_avx2, prefix, data, offsets, stride, n, out);
		return 0;
	case LL_HASH_IMPL_AVX512:
		ll_mb_hash_prefixed(&ll_sha256_mb_avx512, prefix, data, offsets, stride, n, out);
		return 0;
	case LL_HASH_IMPL_IPSECMB:
		return ll_sha256_prefixed_ipsecmb(prefix, data, offsets, stride, n, out);
	default:
		ll_mb_hash_prefixed(&ll_sha256_mb_portable, prefix, data, offsets, stride, n, out);
		return 0;
	}
}

int ll_sha256_leaves(enum ll_hash_impl impl, const uint32_t *offsets, uint32_t n,
		     const uint8_t *data, uint8_t *out)
{
	int rc = offsets ? ll_mb_check_batch(offsets, n, data, out) : -EINVAL;
	if (rc < 0)
		return rc;
	return sha256_prefixed(impl, LL_HASH_LEAF_PREFIX, data, offsets, 0, n, out);
}

int ll_sha256_nodes(enum ll_hash_impl impl, const uint8_t *children, uint32_t n,
		    uint8_t *out)
{
	int rc = ll_mb_check_batch(NULL, n, children, out);
	if (rc < 0)
		return rc;
	return sha256_prefixed(impl, LL_HASH_NODE_PREFIX, children, NULL,
			       2 * LL_SHA256_DIGEST_BYTES, n, out);
}
