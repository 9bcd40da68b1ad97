/* SM3 (GB/T 32905-2016) multi-buffer kernel: eight messages at once, one per 32-bit
 * lane of an AVX2 register. Built without -m flags; the driver calls it only if cpuid has AVX2. */
#include "ll_mb.h"
#include "ll_mb_simd.h"

#include <immintrin.h>
#include <stdint.h>

#define LANES 8

#define TARGET LL_MB_AVX2_TARGET

/*
 * T_j <<< (j mod 32), rotated here so a round only adds a constant, and stored
 * already broadcast so that add takes it straight from memory.
 */
#define K8(k) { k, k, k, k, k, k, k, k }

static const uint32_t sm3_k[64][LANES] __attribute__((aligned(32))) = {
	K8(0x79cc4519), K8(0xf3988a32), K8(0xe7311465), K8(0xce6228cb),
	K8(0x9cc45197), K8(0x3988a32f), K8(0x7311465e), K8(0xe6228cbc),
	K8(0xcc451979), K8(0x988a32f3), K8(0x311465e7), K8(0x6228cbce),
	K8(0xc451979c), K8(0x88a32f39), K8(0x11465e73), K8(0x228cbce6),
	K8(0x9d8a7a87), K8(0x3b14f50f), K8(0x7629ea1e), K8(0xec53d43c),
	K8(0xd8a7a879), K8(0xb14f50f3), K8(0x629ea1e7), K8(0xc53d43ce),
	K8(0x8a7a879d), K8(0x14f50f3b), K8(0x29ea1e76), K8(0x53d43cec),
	K8(0xa7a879d8), K8(0x4f50f3b1), K8(0x9ea1e762), K8(0x3d43cec5),
	K8(0x7a879d8a), K8(0xf50f3b14), K8(0xea1e7629), K8(0xd43cec53),
	K8(0xa879d8a7), K8(0x50f3b14f), K8(0xa1e7629e), K8(0x43cec53d),
	K8(0x879d8a7a), K8(0x0f3b14f5), K8(0x1e7629ea), K8(0x3cec53d4),
	K8(0x79d8a7a8), K8(0xf3b14f50), K8(0xe7629ea1), K8(0xcec53d43),
	K8(0x9d8a7a87), K8(0x3b14f50f), K8(0x7629ea1e), K8(0xec53d43c),
	K8(0xd8a7a879), K8(0xb14f50f3), K8(0x629ea1e7), K8(0xc53d43ce),
	K8(0x8a7a879d), K8(0x14f50f3b), K8(0x29ea1e76), K8(0x53d43cec),
	K8(0xa7a879d8), K8(0x4f50f3b1), K8(0x9ea1e762), K8(0x3d43cec5),
};

/*
 * An empty asm the value must pass through. The compiler can no longer see
 * into it, so it cannot re-associate sums across it or constant-fold it.
 */
#define PIN(x) __asm__("" : "+x"(x))
#define PIN_PTR(p) __asm__("" : "+r"(p))

#define ADD(x, y) _mm256_add_epi32((x), (y))
#define XOR(x, y) _mm256_xor_si256((x), (y))
#define ROL(x, n) \
	_mm256_or_si256(_mm256_slli_epi32((x), (n)), _mm256_srli_epi32((x), 32 - (n)))

/* AVX2 has no rotate; vpshufb turns a byte rotate into one op, which P0 and P1 use. */
static inline TARGET __m256i rol8(__m256i x)
{
	const __m256i m = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
					   3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
	return _mm256_shuffle_epi8(x, m);
}

static inline TARGET __m256i ff1(__m256i x, __m256i y, __m256i z)
{
	return XOR(XOR(x, y), z);
}

/* Majority in three ops: where x == y the answer is y, elsewhere z. */
static inline TARGET __m256i ff2(__m256i x, __m256i y, __m256i z)
{
	return XOR(_mm256_and_si256(XOR(y, z), XOR(x, y)), y);
}

#define gg1 ff1

static inline TARGET __m256i gg2(__m256i x, __m256i y, __m256i z)
{
	return XOR(_mm256_and_si256(XOR(y, z), x), z);
}

static inline TARGET __m256i p0(__m256i x)
{
	__m256i r9 = ROL(x, 9);
	__m256i t = XOR(x, r9);

	/* P0 ends each round's critical path: keep the xor beside the shuffle, not after it. */
	PIN(t);
	return XOR(t, rol8(r9));
}

static inline TARGET __m256i p1(__m256i x)
{
	__m256i r15 = ROL(x, 15);
	return XOR(XOR(x, r15), rol8(r15));
}

/* W[n] from W[n-16] (whose slot it takes), W[n-3], W[n-6], W[n-9], W[n-13]. */
#define EXPAND(wn, w3, w6, w9, w13) \
	(wn = XOR(XOR(p1(XOR(XOR(wn, w9), ROL(w3, 15))), ROL(w13, 7)), w6))

/*
 * One round. Instead of shifting A..H down, the caller rotates the names it
 * passes, so d and h become the new A and E in place and nothing is copied.
 * The round is latency bound, so the sums are grouped by hand: everything not
 * waiting on the previous round's A and E is added first, and PIN keeps the
 * compiler from re-associating that work back onto the critical path.
 * k is the caller's pointer to the constant table.
 */
#define ROUND(FF, GG, a, b, c, d, e, f, g, h, j, wj, wj4)				\
	do {										\
		__m256i a12 = ROL(a, 12);						\
		__m256i ak = ADD(a12, _mm256_load_si256(&k[j]));			\
		__m256i x, y, ss1;							\
		PIN(ak);								\
		ss1 = ADD(ak, e);							\
		ss1 = ROL(ss1, 7);							\
		x = ADD(ADD(d, XOR(wj, wj4)), FF(a, b, c));				\
		y = ADD(ADD(h, wj), GG(e, f, g));					\
		PIN(x);									\
		PIN(y);									\
		d = ADD(x, XOR(ss1, a12));						\
		h = p0(ADD(y, ss1));							\
		b = ROL(b, 9);								\
		f = ROL(f, 19);								\
	} while (0)

/* Rounds j..j+15 (j a multiple of 16), each first expanding the W[j+4] it needs. */
#define ROUNDS16(j)									\
	do {										\
		EXPAND(w4, w1, w14, w11, w7);						\
		ROUND(ff2, gg2, A, B, C, D, E, F, G, H, (j) + 0, w0, w4);		\
		EXPAND(w5, w2, w15, w12, w8);						\
		ROUND(ff2, gg2, D, A, B, C, H, E, F, G, (j) + 1, w1, w5);		\
		EXPAND(w6, w3, w0, w13, w9);						\
		ROUND(ff2, gg2, C, D, A, B, G, H, E, F, (j) + 2, w2, w6);		\
		EXPAND(w7, w4, w1, w14, w10);						\
		ROUND(ff2, gg2, B, C, D, A, F, G, H, E, (j) + 3, w3, w7);		\
		EXPAND(w8, w5, w2, w15, w11);						\
		ROUND(ff2, gg2, A, B, C, D, E, F, G, H, (j) + 4, w4, w8);		\
		EXPAND(w9, w6, w3, w0, w12);						\
		ROUND(ff2, gg2, D, A, B, C, H, E, F, G, (j) + 5, w5, w9);		\
		EXPAND(w10, w7, w4, w1, w13);						\
		ROUND(ff2, gg2, C, D, A, B, G, H, E, F, (j) + 6, w6, w10);		\
		EXPAND(w11, w8, w5, w2, w14);						\
		ROUND(ff2, gg2, B, C, D, A, F, G, H, E, (j) + 7, w7, w11);		\
		EXPAND(w12, w9, w6, w3, w15);						\
		ROUND(ff2, gg2, A, B, C, D, E, F, G, H, (j) + 8, w8, w12);		\
		EXPAND(w13, w10, w7, w4, w0);						\
		ROUND(ff2, gg2, D, A, B, C, H, E, F, G, (j) + 9, w9, w13);		\
		EXPAND(w14, w11, w8, w5, w1);						\
		ROUND(ff2, gg2, C, D, A, B, G, H, E, F, (j) + 10, w10, w14);		\
		EXPAND(w15, w12, w9, w6, w2);						\
		ROUND(ff2, gg2, B, C, D, A, F, G, H, E, (j) + 11, w11, w15);		\
		EXPAND(w0, w13, w10, w7, w3);						\
		ROUND(ff2, gg2, A, B, C, D, E, F, G, H, (j) + 12, w12, w0);		\
		EXPAND(w1, w14, w11, w8, w4);						\
		ROUND(ff2, gg2, D, A, B, C, H, E, F, G, (j) + 13, w13, w1);		\
		EXPAND(w2, w15, w12, w9, w5);						\
		ROUND(ff2, gg2, C, D, A, B, G, H, E, F, (j) + 14, w14, w2);		\
		EXPAND(w3, w0, w13, w10, w6);						\
		ROUND(ff2, gg2, B, C, D, A, F, G, H, E, (j) + 15, w15, w3);		\
	} while (0)

static TARGET void sm3_compress_x8(void *state, const uint8_t *const blocks[])
{
	__m256i *st = state;
	const __m256i *k = (const __m256i *)sm3_k;
	__m256i w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15;
	__m256i A = _mm256_load_si256(&st[0]);
	__m256i B = _mm256_load_si256(&st[1]);
	__m256i C = _mm256_load_si256(&st[2]);
	__m256i D = _mm256_load_si256(&st[3]);
	__m256i E = _mm256_load_si256(&st[4]);
	__m256i F = _mm256_load_si256(&st[5]);
	__m256i G = _mm256_load_si256(&st[6]);
	__m256i H = _mm256_load_si256(&st[7]);

	/* Hidden from the optimiser, so each K stays a memory operand of its add
	 * rather than being rebuilt from an immediate with two extra ops. */
	PIN_PTR(k);
	LL_MB8_LOAD4(blocks, 0, w0, w1, w2, w3);
	LL_MB8_LOAD4(blocks, 16, w4, w5, w6, w7);
	LL_MB8_LOAD4(blocks, 32, w8, w9, w10, w11);
	LL_MB8_LOAD4(blocks, 48, w12, w13, w14, w15);

	/* Rounds 0-11 read W[0..15] only; 12-15 start the rolling expansion. */
	ROUND(ff1, gg1, A, B, C, D, E, F, G, H, 0, w0, w4);
	ROUND(ff1, gg1, D, A, B, C, H, E, F, G, 1, w1, w5);
	ROUND(ff1, gg1, C, D, A, B, G, H, E, F, 2, w2, w6);
	ROUND(ff1, gg1, B, C, D, A, F, G, H, E, 3, w3, w7);
	ROUND(ff1, gg1, A, B, C, D, E, F, G, H, 4, w4, w8);
	ROUND(ff1, gg1, D, A, B, C, H, E, F, G, 5, w5, w9);
	ROUND(ff1, gg1, C, D, A, B, G, H, E, F, 6, w6, w10);
	ROUND(ff1, gg1, B, C, D, A, F, G, H, E, 7, w7, w11);
	ROUND(ff1, gg1, A, B, C, D, E, F, G, H, 8, w8, w12);
	ROUND(ff1, gg1, D, A, B, C, H, E, F, G, 9, w9, w13);
	ROUND(ff1, gg1, C, D, A, B, G, H, E, F, 10, w10, w14);
	ROUND(ff1, gg1, B, C, D, A, F, G, H, E, 11, w11, w15);
	EXPAND(w0, w13, w10, w7, w3);
	ROUND(ff1, gg1, A, B, C, D, E, F, G, H, 12, w12, w0);
	EXPAND(w1, w14, w11, w8, w4);
	ROUND(ff1, gg1, D, A, B, C, H, E, F, G, 13, w13, w1);
	EXPAND(w2, w15, w12, w9, w5);
	ROUND(ff1, gg1, C, D, A, B, G, H, E, F, 14, w14, w2);
	EXPAND(w3, w0, w13, w10, w6);
	ROUND(ff1, gg1, B, C, D, A, F, G, H, E, 15, w15, w3);

	ROUNDS16(16);
	ROUNDS16(32);
	ROUNDS16(48);

	_mm256_store_si256(&st[0], XOR(A, _mm256_load_si256(&st[0])));
	_mm256_store_si256(&st[1], XOR(B, _mm256_load_si256(&st[1])));
	_mm256_store_si256(&st[2], XOR(C, _mm256_load_si256(&st[2])));
	_mm256_store_si256(&st[3], XOR(D, _mm256_load_si256(&st[3])));
	_mm256_store_si256(&st[4], XOR(E, _mm256_load_si256(&st[4])));
	_mm256_store_si256(&st[5], XOR(F, _mm256_load_si256(&st[5])));
	_mm256_store_si256(&st[6], XOR(G, _mm256_load_si256(&st[6])));
	_mm256_store_si256(&st[7], XOR(H, _mm256_load_si256(&st[7])));
}

const struct ll_mb_ops ll_sm3_mb_avx2 = {
	.name = "sm3-avx2-x8",
	.lanes = LANES,
	.iv = ll_sm3_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = sm3_compress_x8,
	.lane_digest = ll_mb_transposed_digest,
};
