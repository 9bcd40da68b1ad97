/* SM3 (GB/T 32905-2016) multi-buffer kernel: sixteen messages at once, one per 32-bit
 * lane of a zmm register. Built without -m flags; the driver calls it only if cpuid has AVX-512. */
#include "ll_mb.h"
#include "ll_mb_simd.h"

#include <immintrin.h>
#include <stdint.h>

#define LANES 16

#define TARGET LL_MB_AVX512_TARGET

/*
 * T_j <<< (j mod 32), rotated here so a round only adds a constant, and stored
 * already broadcast so that add takes it straight from memory.
 */
#define K16(k) { k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k }

static const uint32_t sm3_k[64][LANES] __attribute__((aligned(64))) = {
	K16(0x79cc4519), K16(0xf3988a32), K16(0xe7311465), K16(0xce6228cb),
	K16(0x9cc45197), K16(0x3988a32f), K16(0x7311465e), K16(0xe6228cbc),
	K16(0xcc451979), K16(0x988a32f3), K16(0x311465e7), K16(0x6228cbce),
	K16(0xc451979c), K16(0x88a32f39), K16(0x11465e73), K16(0x228cbce6),
	K16(0x9d8a7a87), K16(0x3b14f50f), K16(0x7629ea1e), K16(0xec53d43c),
	K16(0xd8a7a879), K16(0xb14f50f3), K16(0x629ea1e7), K16(0xc53d43ce),
	K16(0x8a7a879d), K16(0x14f50f3b), K16(0x29ea1e76), K16(0x53d43cec),
	K16(0xa7a879d8), K16(0x4f50f3b1), K16(0x9ea1e762), K16(0x3d43cec5),
	K16(0x7a879d8a), K16(0xf50f3b14), K16(0xea1e7629), K16(0xd43cec53),
	K16(0xa879d8a7), K16(0x50f3b14f), K16(0xa1e7629e), K16(0x43cec53d),
	K16(0x879d8a7a), K16(0x0f3b14f5), K16(0x1e7629ea), K16(0x3cec53d4),
	K16(0x79d8a7a8), K16(0xf3b14f50), K16(0xe7629ea1), K16(0xcec53d43),
	K16(0x9d8a7a87), K16(0x3b14f50f), K16(0x7629ea1e), K16(0xec53d43c),
	K16(0xd8a7a879), K16(0xb14f50f3), K16(0x629ea1e7), K16(0xc53d43ce),
	K16(0x8a7a879d), K16(0x14f50f3b), K16(0x29ea1e76), K16(0x53d43cec),
	K16(0xa7a879d8), K16(0x4f50f3b1), K16(0x9ea1e762), K16(0x3d43cec5),
};

/* vpternlogd truth tables: bit (x << 2 | y << 1 | z) of the immediate is f(x, y, z). */
#define TL_XOR3 0x96
#define TL_MAJ  0xe8
#define TL_CH   0xca

/*
 * An empty asm the value must pass through. The compiler can no longer see
 * into it, so it cannot re-associate sums across it or constant-fold it.
 */
#define PIN(x) __asm__("" : "+v"(x))
#define PIN_PTR(p) __asm__("" : "+r"(p))

#define ADD(x, y) _mm512_add_epi32((x), (y))
#define XOR(x, y) _mm512_xor_si512((x), (y))
/* Macros, not functions: vprold needs its count as an immediate, which clang enforces. */
#define ROL(x, n) _mm512_rol_epi32((x), (n))
#define TERN(x, y, z, imm) _mm512_ternarylogic_epi32((x), (y), (z), (imm))

#define FF1(x, y, z) TERN(x, y, z, TL_XOR3)
#define FF2(x, y, z) TERN(x, y, z, TL_MAJ)
#define GG1(x, y, z) TERN(x, y, z, TL_XOR3)
#define GG2(x, y, z) TERN(x, y, z, TL_CH)
#define P0(x) TERN(x, ROL(x, 9), ROL(x, 17), TL_XOR3)

/* W[n] from W[n-16] (whose slot it takes), W[n-3], W[n-6], W[n-9], W[n-13]. */
#define EXPAND(wn, w3, w6, w9, w13)							\
	do {										\
		__m512i t = TERN(wn, w9, ROL(w3, 15), TL_XOR3);				\
		t = TERN(t, ROL(t, 15), ROL(t, 23), TL_XOR3);				\
		wn = TERN(t, ROL(w13, 7), w6, TL_XOR3);					\
	} while (0)

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
		__m512i a12 = ROL(a, 12);						\
		__m512i ak = ADD(a12, _mm512_load_si512(&k[j]));			\
		__m512i x, y, ss1;							\
		PIN(ak);								\
		ss1 = ROL(ADD(ak, e), 7);						\
		x = ADD(ADD(d, XOR(wj, wj4)), FF(a, b, c));				\
		y = ADD(ADD(h, wj), GG(e, f, g));					\
		PIN(x);									\
		PIN(y);									\
		d = ADD(x, XOR(ss1, a12));						\
		y = ADD(y, ss1);							\
		h = P0(y);								\
		b = ROL(b, 9);								\
		f = ROL(f, 19);								\
	} while (0)

/* Rounds j..j+15 (j a multiple of 16), each first expanding the W[j+4] it needs. */
#define ROUNDS16(j)									\
	do {										\
		EXPAND(w4, w1, w14, w11, w7);						\
		ROUND(FF2, GG2, A, B, C, D, E, F, G, H, (j) + 0, w0, w4);		\
		EXPAND(w5, w2, w15, w12, w8);						\
		ROUND(FF2, GG2, D, A, B, C, H, E, F, G, (j) + 1, w1, w5);		\
		EXPAND(w6, w3, w0, w13, w9);						\
		ROUND(FF2, GG2, C, D, A, B, G, H, E, F, (j) + 2, w2, w6);		\
		EXPAND(w7, w4, w1, w14, w10);						\
		ROUND(FF2, GG2, B, C, D, A, F, G, H, E, (j) + 3, w3, w7);		\
		EXPAND(w8, w5, w2, w15, w11);						\
		ROUND(FF2, GG2, A, B, C, D, E, F, G, H, (j) + 4, w4, w8);		\
		EXPAND(w9, w6, w3, w0, w12);						\
		ROUND(FF2, GG2, D, A, B, C, H, E, F, G, (j) + 5, w5, w9);		\
		EXPAND(w10, w7, w4, w1, w13);						\
		ROUND(FF2, GG2, C, D, A, B, G, H, E, F, (j) + 6, w6, w10);		\
		EXPAND(w11, w8, w5, w2, w14);						\
		ROUND(FF2, GG2, B, C, D, A, F, G, H, E, (j) + 7, w7, w11);		\
		EXPAND(w12, w9, w6, w3, w15);						\
		ROUND(FF2, GG2, A, B, C, D, E, F, G, H, (j) + 8, w8, w12);		\
		EXPAND(w13, w10, w7, w4, w0);						\
		ROUND(FF2, GG2, D, A, B, C, H, E, F, G, (j) + 9, w9, w13);		\
		EXPAND(w14, w11, w8, w5, w1);						\
		ROUND(FF2, GG2, C, D, A, B, G, H, E, F, (j) + 10, w10, w14);		\
		EXPAND(w15, w12, w9, w6, w2);						\
		ROUND(FF2, GG2, B, C, D, A, F, G, H, E, (j) + 11, w11, w15);		\
		EXPAND(w0, w13, w10, w7, w3);						\
		ROUND(FF2, GG2, A, B, C, D, E, F, G, H, (j) + 12, w12, w0);		\
		EXPAND(w1, w14, w11, w8, w4);						\
		ROUND(FF2, GG2, D, A, B, C, H, E, F, G, (j) + 13, w13, w1);		\
		EXPAND(w2, w15, w12, w9, w5);						\
		ROUND(FF2, GG2, C, D, A, B, G, H, E, F, (j) + 14, w14, w2);		\
		EXPAND(w3, w0, w13, w10, w6);						\
		ROUND(FF2, GG2, B, C, D, A, F, G, H, E, (j) + 15, w15, w3);		\
	} while (0)

static TARGET void sm3_compress_x16(void *state, const uint8_t *const blocks[])
{
	__m512i *st = state;
	const __m512i *k = (const __m512i *)sm3_k;
	__m512i w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15;
	__m512i A = _mm512_load_si512(&st[0]);
	__m512i B = _mm512_load_si512(&st[1]);
	__m512i C = _mm512_load_si512(&st[2]);
	__m512i D = _mm512_load_si512(&st[3]);
	__m512i E = _mm512_load_si512(&st[4]);
	__m512i F = _mm512_load_si512(&st[5]);
	__m512i G = _mm512_load_si512(&st[6]);
	__m512i H = _mm512_load_si512(&st[7]);

	/* Hidden from the optimiser, so each K stays a memory operand of its add
	 * rather than being rebuilt from an immediate with two extra ops. */
	PIN_PTR(k);
	LL_MB16_LOAD4(blocks, 0, w0, w1, w2, w3);
	LL_MB16_LOAD4(blocks, 16, w4, w5, w6, w7);
	LL_MB16_LOAD4(blocks, 32, w8, w9, w10, w11);
	LL_MB16_LOAD4(blocks, 48, w12, w13, w14, w15);

	/* Rounds 0-11 read W[0..15] only; 12-15 start the rolling expansion. */
	ROUND(FF1, GG1, A, B, C, D, E, F, G, H, 0, w0, w4);
	ROUND(FF1, GG1, D, A, B, C, H, E, F, G, 1, w1, w5);
	ROUND(FF1, GG1, C, D, A, B, G, H, E, F, 2, w2, w6);
	ROUND(FF1, GG1, B, C, D, A, F, G, H, E, 3, w3, w7);
	ROUND(FF1, GG1, A, B, C, D, E, F, G, H, 4, w4, w8);
	ROUND(FF1, GG1, D, A, B, C, H, E, F, G, 5, w5, w9);
	ROUND(FF1, GG1, C, D, A, B, G, H, E, F, 6, w6, w10);
	ROUND(FF1, GG1, B, C, D, A, F, G, H, E, 7, w7, w11);
	ROUND(FF1, GG1, A, B, C, D, E, F, G, H, 8, w8, w12);
	ROUND(FF1, GG1, D, A, B, C, H, E, F, G, 9, w9, w13);
	ROUND(FF1, GG1, C, D, A, B, G, H, E, F, 10, w10, w14);
	ROUND(FF1, GG1, B, C, D, A, F, G, H, E, 11, w11, w15);
	EXPAND(w0, w13, w10, w7, w3);
	ROUND(FF1, GG1, A, B, C, D, E, F, G, H, 12, w12, w0);
	EXPAND(w1, w14, w11, w8, w4);
	ROUND(FF1, GG1, D, A, B, C, H, E, F, G, 13, w13, w1);
	EXPAND(w2, w15, w12, w9, w5);
	ROUND(FF1, GG1, C, D, A, B, G, H, E, F, 14, w14, w2);
	EXPAND(w3, w0, w13, w10, w6);
	ROUND(FF1, GG1, B, C, D, A, F, G, H, E, 15, w15, w3);

	ROUNDS16(16);
	ROUNDS16(32);
	ROUNDS16(48);

	_mm512_store_si512(&st[0], XOR(A, _mm512_load_si512(&st[0])));
	_mm512_store_si512(&st[1], XOR(B, _mm512_load_si512(&st[1])));
	_mm512_store_si512(&st[2], XOR(C, _mm512_load_si512(&st[2])));
	_mm512_store_si512(&st[3], XOR(D, _mm512_load_si512(&st[3])));
	_mm512_store_si512(&st[4], XOR(E, _mm512_load_si512(&st[4])));
	_mm512_store_si512(&st[5], XOR(F, _mm512_load_si512(&st[5])));
	_mm512_store_si512(&st[6], XOR(G, _mm512_load_si512(&st[6])));
	_mm512_store_si512(&st[7], XOR(H, _mm512_load_si512(&st[7])));
}

const struct ll_mb_ops ll_sm3_mb_avx512 = {
	.name = "sm3-avx512-x16",
	.lanes = LANES,
	.iv = ll_sm3_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = sm3_compress_x16,
	.lane_digest = ll_mb_transposed_digest,
};
