/* SHA-256 (FIPS 180-4) multi-buffer kernel: sixteen messages at once, one per 32-bit
 * lane of a zmm register. Built without -m flags; the driver calls it only if cpuid has AVX-512. */
#include "ll_mb.h"
#include "ll_mb_simd.h"

#include <immintrin.h>
#include <stdint.h>

#define LANES 16

#define TARGET LL_MB_AVX512_TARGET

/* vpternlogd truth tables: bit (x << 2 | y << 1 | z) of the immediate is f(x, y, z). */
#define TL_XOR3 0x96
#define TL_MAJ  0xe8
#define TL_CH   0xca

#define ADD(x, y) _mm512_add_epi32((x), (y))
/* Macros, not functions: vprord and vpsrld take their counts as immediates (clang checks). */
#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define SHR(x, n) _mm512_srli_epi32((x), (n))
#define TERN(x, y, z, imm) _mm512_ternarylogic_epi32((x), (y), (z), (imm))

/* FIPS 180-4 (4.2)-(4.7): Ch and Maj are one vpternlogd, each sigma three shifts and one. */
#define CH(x, y, z)  TERN(x, y, z, TL_CH)
#define MAJ(x, y, z) TERN(x, y, z, TL_MAJ)
#define BSIG0(x) TERN(ROR(x, 2), ROR(x, 13), ROR(x, 22), TL_XOR3)
#define BSIG1(x) TERN(ROR(x, 6), ROR(x, 11), ROR(x, 25), TL_XOR3)
#define SSIG0(x) TERN(ROR(x, 7), ROR(x, 18), SHR(x, 3), TL_XOR3)
#define SSIG1(x) TERN(ROR(x, 17), ROR(x, 19), SHR(x, 10), TL_XOR3)

/*
 * W[t] into the slot of W[t-16], from W[t-2], W[t-7], W[t-15]: the schedule is a
 * rolling window of sixteen registers, never stored. Summed as a tree so the two
 * sigmas do not wait on each other.
 */
#define EXPAND(w16, w2, w7, w15) \
	(w16 = ADD(ADD(w16, w7), ADD(SSIG0(w15), SSIG1(w2))))

#define NO_EXPAND(w16, w2, w7, w15) ((void)0)

/* An empty asm the value must pass through: the compiler can no longer see into it. */
#define PIN(x) __asm__("" : "+v"(x))

/*
 * One round. Instead of shifting A..H down, the caller rotates the names it
 * passes, so d and h become the new E and A in place and nothing is copied.
 * Even with sixteen lanes the rounds are latency bound: on Zen 5 every vector
 * op takes two cycles, and vprord issues on only two pipes, so Sigma1 alone is
 * five of the seven or eight cycles from one round's E to the next. Everything
 * else is summed off that chain first, h + W + K + d and then Ch, and the new
 * A is built from the new E: T1 = E' - d, so A' = E' + (Maj - d) + Sigma0.
 * PIN keeps the compilers from re-associating the sums back onto the chain:
 * without it gcc adds the rest after Sigma1, and loses a third of the speed.
 */
#define ROUND(a, b, c, d, e, f, g, h, t, w)						\
	do {										\
		__m512i x = ADD(ADD(w, _mm512_set1_epi32((int)k[t])), ADD(h, d));	\
		__m512i y = _mm512_sub_epi32(MAJ(a, b, c), d);				\
		PIN(x);									\
		PIN(y);									\
		x = ADD(x, CH(e, f, g));						\
		PIN(x);									\
		d = ADD(x, BSIG1(e));							\
		y = ADD(d, y);								\
		PIN(y);									\
		h = ADD(y, BSIG0(a));							\
	} while (0)

/*
 * Rounds j..j+15 (j a multiple of 16). Each round first expands the word four
 * rounds ahead, so that the out-of-order core sees that work early enough to
 * fill the gaps the round chain leaves: CUR for W[j+4..j+15], NEXT for
 * W[j+16..j+19], each EXPAND or, where the block supplies the word or no round
 * needs it, NO_EXPAND.
 */
#define ROUNDS16(CUR, NEXT, j)								\
	do {										\
		CUR(w4, w2, w13, w5);							\
		ROUND(A, B, C, D, E, F, G, H, (j) + 0, w0);				\
		CUR(w5, w3, w14, w6);							\
		ROUND(H, A, B, C, D, E, F, G, (j) + 1, w1);				\
		CUR(w6, w4, w15, w7);							\
		ROUND(G, H, A, B, C, D, E, F, (j) + 2, w2);				\
		CUR(w7, w5, w0, w8);							\
		ROUND(F, G, H, A, B, C, D, E, (j) + 3, w3);				\
		CUR(w8, w6, w1, w9);							\
		ROUND(E, F, G, H, A, B, C, D, (j) + 4, w4);				\
		CUR(w9, w7, w2, w10);							\
		ROUND(D, E, F, G, H, A, B, C, (j) + 5, w5);				\
		CUR(w10, w8, w3, w11);							\
		ROUND(C, D, E, F, G, H, A, B, (j) + 6, w6);				\
		CUR(w11, w9, w4, w12);							\
		ROUND(B, C, D, E, F, G, H, A, (j) + 7, w7);				\
		CUR(w12, w10, w5, w13);							\
		ROUND(A, B, C, D, E, F, G, H, (j) + 8, w8);				\
		CUR(w13, w11, w6, w14);							\
		ROUND(H, A, B, C, D, E, F, G, (j) + 9, w9);				\
		CUR(w14, w12, w7, w15);							\
		ROUND(G, H, A, B, C, D, E, F, (j) + 10, w10);				\
		CUR(w15, w13, w8, w0);							\
		ROUND(F, G, H, A, B, C, D, E, (j) + 11, w11);				\
		NEXT(w0, w14, w9, w1);							\
		ROUND(E, F, G, H, A, B, C, D, (j) + 12, w12);				\
		NEXT(w1, w15, w10, w2);							\
		ROUND(D, E, F, G, H, A, B, C, (j) + 13, w13);				\
		NEXT(w2, w0, w11, w3);							\
		ROUND(C, D, E, F, G, H, A, B, (j) + 14, w14);				\
		NEXT(w3, w1, w12, w4);							\
		ROUND(B, C, D, E, F, G, H, A, (j) + 15, w15);				\
	} while (0)

static TARGET void sha256_compress_x16(void *state, const uint8_t *const blocks[])
{
	__m512i *st = state;
	__m512i w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15;
	__m512i A = _mm512_load_si512(&st[0]);
	__m512i B = _mm512_load_si512(&st[1]);
	__m512i C = _mm512_load_si512(&st[2]);
	__m512i D = _mm512_load_si512(&st[3]);
	__m512i E = _mm512_load_si512(&st[4]);
	__m512i F = _mm512_load_si512(&st[5]);
	__m512i G = _mm512_load_si512(&st[6]);
	__m512i H = _mm512_load_si512(&st[7]);

	/*
	 * Hidden from the optimiser, or gcc would build each K[t] from an immediate
	 * (mov, then vpbroadcastd from a GPR: one more vector op per round) instead
	 * of folding a {1to16} memory broadcast into the add.
	 */
	const uint32_t *k = ll_sha256_k;
	__asm__("" : "+r"(k));

	LL_MB16_LOAD4(blocks, 0, w0, w1, w2, w3);
	LL_MB16_LOAD4(blocks, 16, w4, w5, w6, w7);
	LL_MB16_LOAD4(blocks, 32, w8, w9, w10, w11);
	LL_MB16_LOAD4(blocks, 48, w12, w13, w14, w15);

	/* 64 rounds, a multiple of 8, so the rotated names end where they began. */
	ROUNDS16(NO_EXPAND, EXPAND, 0);
	ROUNDS16(EXPAND, EXPAND, 16);
	ROUNDS16(EXPAND, EXPAND, 32);
	ROUNDS16(EXPAND, NO_EXPAND, 48);

	/*
	 * The feed-forward reads the old state back from memory. The empty asm
	 * hides that st still points at what was loaded, or clang keeps all eight
	 * words live through the rounds and spills them.
	 */
	__asm__("" : "+r"(st));
	_mm512_store_si512(&st[0], ADD(A, _mm512_load_si512(&st[0])));
	_mm512_store_si512(&st[1], ADD(B, _mm512_load_si512(&st[1])));
	_mm512_store_si512(&st[2], ADD(C, _mm512_load_si512(&st[2])));
	_mm512_store_si512(&st[3], ADD(D, _mm512_load_si512(&st[3])));
	_mm512_store_si512(&st[4], ADD(E, _mm512_load_si512(&st[4])));
	_mm512_store_si512(&st[5], ADD(F, _mm512_load_si512(&st[5])));
	_mm512_store_si512(&st[6], ADD(G, _mm512_load_si512(&st[6])));
	_mm512_store_si512(&st[7], ADD(H, _mm512_load_si512(&st[7])));
}

const struct ll_mb_ops ll_sha256_mb_avx512 = {
	.name = "sha256-avx512-x16",
	.lanes = LANES,
	.iv = ll_sha256_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = sha256_compress_x16,
	.lane_digest = ll_mb_transposed_digest,
};
