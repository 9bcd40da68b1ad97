/* SHA-256 (FIPS 180-4) multi-buffer kernel: eight messages at once, one per 32-bit
 * lane of an AVX2 register. Built without -m flags; the driver calls it only if cpuid has AVX2. */
#include "ll_mb.h"
#include "ll_mb_simd.h"

#include <immintrin.h>
#include <stdint.h>

#define LANES 8

#define TARGET LL_MB_AVX2_TARGET

#define ADD(x, y) _mm256_add_epi32((x), (y))
#define XOR(x, y) _mm256_xor_si256((x), (y))
#define AND(x, y) _mm256_and_si256((x), (y))
#define SHR(x, n) _mm256_srli_epi32((x), (n))
#define SHL(x, n) _mm256_slli_epi32((x), (n))

/*
 * FIPS 180-4 (4.4)-(4.7). AVX2 has no rotate and none of these counts is a
 * whole byte (vpshufb's trick), so each rotate is two shifts, and each sigma
 * folds its five or six shifts with one balanced tree of xors.
 */
#define BSIG0(x) XOR(XOR(XOR(SHR(x, 2), SHL(x, 30)), XOR(SHR(x, 13), SHL(x, 19))),	\
		     XOR(SHR(x, 22), SHL(x, 10)))
#define BSIG1(x) XOR(XOR(XOR(SHR(x, 6), SHL(x, 26)), XOR(SHR(x, 11), SHL(x, 21))),	\
		     XOR(SHR(x, 25), SHL(x, 7)))
#define SSIG0(x) XOR(XOR(XOR(SHR(x, 7), SHL(x, 25)), XOR(SHR(x, 18), SHL(x, 14))),	\
		     SHR(x, 3))
#define SSIG1(x) XOR(XOR(XOR(SHR(x, 17), SHL(x, 15)), XOR(SHR(x, 19), SHL(x, 13))),	\
		     SHR(x, 10))

/* Ch in three ops: take g, and flip to f where e is set and f differs from g. */
#define CH(e, f, g) XOR(AND(XOR(f, g), e), g)

/*
 * W[t] into the slot of W[t-16], from W[t-2], W[t-7], W[t-15]: the schedule is a
 * rolling window of sixteen values (more than the sixteen ymm registers, so the
 * compiler keeps part of it on the stack). Summed as a tree so the two sigmas
 * do not wait on each other.
 */
#define EXPAND(w16, w2, w7, w15) \
	(w16 = ADD(ADD(w16, w7), ADD(SSIG0(w15), SSIG1(w2))))

#define NO_EXPAND(w16, w2, w7, w15) ((void)0)

/* An empty asm the value must pass through: the compiler can no longer see into it. */
#define PIN(x) __asm__("" : "+x"(x))

/*
 * One round. Instead of shifting A..H down, the caller rotates the names it
 * passes, so d and h become the new E and A in place and nothing is copied.
 * Maj is ((a ^ b) & (b ^ c)) ^ b, and this round's b ^ c is the previous
 * round's a ^ b: ab and bc are two names the caller swaps each round, so Maj
 * costs two ops. The sums are grouped so that only Sigma1 and one add lie on
 * the chain from one round's E to the next: h + W + K + d and Ch are summed off
 * it, and the new A is built from the new E: T1 = E' - d, so A' = E' + (Maj - d)
 * + Sigma0. PIN keeps the compilers from re-associating them.
 */
#define ROUND(a, b, c, d, e, f, g, h, t, w, ab, bc)					\
	do {										\
		__m256i x = ADD(ADD(w, _mm256_set1_epi32((int)k[t])), ADD(h, d));	\
		__m256i y;								\
		ab = XOR(a, b);								\
		y = _mm256_sub_epi32(XOR(AND(ab, bc), b), d);				\
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
		ROUND(A, B, C, D, E, F, G, H, (j) + 0, w0, ab0, ab1);			\
		CUR(w5, w3, w14, w6);							\
		ROUND(H, A, B, C, D, E, F, G, (j) + 1, w1, ab1, ab0);			\
		CUR(w6, w4, w15, w7);							\
		ROUND(G, H, A, B, C, D, E, F, (j) + 2, w2, ab0, ab1);			\
		CUR(w7, w5, w0, w8);							\
		ROUND(F, G, H, A, B, C, D, E, (j) + 3, w3, ab1, ab0);			\
		CUR(w8, w6, w1, w9);							\
		ROUND(E, F, G, H, A, B, C, D, (j) + 4, w4, ab0, ab1);			\
		CUR(w9, w7, w2, w10);							\
		ROUND(D, E, F, G, H, A, B, C, (j) + 5, w5, ab1, ab0);			\
		CUR(w10, w8, w3, w11);							\
		ROUND(C, D, E, F, G, H, A, B, (j) + 6, w6, ab0, ab1);			\
		CUR(w11, w9, w4, w12);							\
		ROUND(B, C, D, E, F, G, H, A, (j) + 7, w7, ab1, ab0);			\
		CUR(w12, w10, w5, w13);							\
		ROUND(A, B, C, D, E, F, G, H, (j) + 8, w8, ab0, ab1);			\
		CUR(w13, w11, w6, w14);							\
		ROUND(H, A, B, C, D, E, F, G, (j) + 9, w9, ab1, ab0);			\
		CUR(w14, w12, w7, w15);							\
		ROUND(G, H, A, B, C, D, E, F, (j) + 10, w10, ab0, ab1);			\
		CUR(w15, w13, w8, w0);							\
		ROUND(F, G, H, A, B, C, D, E, (j) + 11, w11, ab1, ab0);			\
		NEXT(w0, w14, w9, w1);							\
		ROUND(E, F, G, H, A, B, C, D, (j) + 12, w12, ab0, ab1);			\
		NEXT(w1, w15, w10, w2);							\
		ROUND(D, E, F, G, H, A, B, C, (j) + 13, w13, ab1, ab0);			\
		NEXT(w2, w0, w11, w3);							\
		ROUND(C, D, E, F, G, H, A, B, (j) + 14, w14, ab0, ab1);			\
		NEXT(w3, w1, w12, w4);							\
		ROUND(B, C, D, E, F, G, H, A, (j) + 15, w15, ab1, ab0);			\
	} while (0)

static TARGET void sha256_compress_x8(void *state, const uint8_t *const blocks[])
{
	__m256i *st = state;
	__m256i w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15;
	__m256i A = _mm256_load_si256(&st[0]);
	__m256i B = _mm256_load_si256(&st[1]);
	__m256i C = _mm256_load_si256(&st[2]);
	__m256i D = _mm256_load_si256(&st[3]);
	__m256i E = _mm256_load_si256(&st[4]);
	__m256i F = _mm256_load_si256(&st[5]);
	__m256i G = _mm256_load_si256(&st[6]);
	__m256i H = _mm256_load_si256(&st[7]);
	/* Round 0 reads its b ^ c from ab1; each round leaves its a ^ b for the next. */
	__m256i ab0, ab1 = XOR(B, C);

	/*
	 * Hidden from the optimiser, or gcc would build each K[t] from an immediate
	 * (mov, then vpbroadcastd from a GPR: one more vector op per round) instead
	 * of a vpbroadcastd from memory, which is a plain load.
	 */
	const uint32_t *k = ll_sha256_k;
	__asm__("" : "+r"(k));

	LL_MB8_LOAD4(blocks, 0, w0, w1, w2, w3);
	LL_MB8_LOAD4(blocks, 16, w4, w5, w6, w7);
	LL_MB8_LOAD4(blocks, 32, w8, w9, w10, w11);
	LL_MB8_LOAD4(blocks, 48, w12, w13, w14, w15);

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
	_mm256_store_si256(&st[0], ADD(A, _mm256_load_si256(&st[0])));
	_mm256_store_si256(&st[1], ADD(B, _mm256_load_si256(&st[1])));
	_mm256_store_si256(&st[2], ADD(C, _mm256_load_si256(&st[2])));
	_mm256_store_si256(&st[3], ADD(D, _mm256_load_si256(&st[3])));
	_mm256_store_si256(&st[4], ADD(E, _mm256_load_si256(&st[4])));
	_mm256_store_si256(&st[5], ADD(F, _mm256_load_si256(&st[5])));
	_mm256_store_si256(&st[6], ADD(G, _mm256_load_si256(&st[6])));
	_mm256_store_si256(&st[7], ADD(H, _mm256_load_si256(&st[7])));
}

const struct ll_mb_ops ll_sha256_mb_avx2 = {
	.name = "sha256-avx2-x8",
	.lanes = LANES,
	.iv = ll_sha256_iv,
	.lane_init = ll_mb_transposed_init,
	.compress = sha256_compress_x8,
	.lane_digest = ll_mb_transposed_digest,
};
