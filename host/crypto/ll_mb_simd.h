/* Private to the AVX2 and AVX-512 lane kernels (SHA-256 and SM3 alike): loading one
 * 64-byte block per lane as transposed big-endian words. Include after immintrin.h. */
#ifndef LL_MB_SIMD_H
#define LL_MB_SIMD_H

#include <immintrin.h>
#include <stdint.h>

#define LL_MB_AVX2_TARGET   __attribute__((target("avx2")))
#define LL_MB_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))

static inline LL_MB_AVX2_TARGET __m256i ll_mb8_bswap32(__m256i x)
{
	const __m256i m = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
					   3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
	return _mm256_shuffle_epi8(x, m);
}

static inline LL_MB_AVX2_TARGET __m256i ll_mb8_load_pair(const uint8_t *lo, const uint8_t *hi)
{
	__m128i l = _mm_loadu_si128((const __m128i *)lo);
	__m128i h = _mm_loadu_si128((const __m128i *)hi);
	return _mm256_inserti128_si256(_mm256_castsi128_si256(l), h, 1);
}

/*
 * Message words off/4 .. off/4+3 of all eight blocks[], one vector per word.
 * Pairing lane l with lane l+4 in the two 128-bit halves at load time leaves
 * only a 4x4 transpose per half, which unpacks do without any cross-lane shuffle.
 */
#define LL_MB8_LOAD4(blocks, off, x0, x1, x2, x3)						\
	do {											\
		__m256i t0 = ll_mb8_bswap32(ll_mb8_load_pair((blocks)[0] + (off), (blocks)[4] + (off))); \
		__m256i t1 = ll_mb8_bswap32(ll_mb8_load_pair((blocks)[1] + (off), (blocks)[5] + (off))); \
		__m256i t2 = ll_mb8_bswap32(ll_mb8_load_pair((blocks)[2] + (off), (blocks)[6] + (off))); \
		__m256i t3 = ll_mb8_bswap32(ll_mb8_load_pair((blocks)[3] + (off), (blocks)[7] + (off))); \
		__m256i u0 = _mm256_unpacklo_epi32(t0, t1);					\
		__m256i u1 = _mm256_unpackhi_epi32(t0, t1);					\
		__m256i u2 = _mm256_unpacklo_epi32(t2, t3);					\
		__m256i u3 = _mm256_unpackhi_epi32(t2, t3);					\
		x0 = _mm256_unpacklo_epi64(u0, u2);						\
		x1 = _mm256_unpackhi_epi64(u0, u2);						\
		x2 = _mm256_unpacklo_epi64(u1, u3);						\
		x3 = _mm256_unpackhi_epi64(u1, u3);						\
	} while (0)

static inline LL_MB_AVX512_TARGET __m512i ll_mb16_bswap32(__m512i x)
{
	const __m512i m = _mm512_broadcast_i32x4(
		_mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
	return _mm512_shuffle_epi8(x, m);
}

/* 16 bytes at off for lanes l, l+4, l+8, l+12, in that order of 128-bit quarters. */
static inline LL_MB_AVX512_TARGET __m512i ll_mb16_load_quad(const uint8_t *const blocks[],
							    unsigned l, unsigned off)
{
	__m256i lo = _mm256_inserti128_si256(
		_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blocks[l] + off))),
		_mm_loadu_si128((const __m128i *)(blocks[l + 4] + off)), 1);
	__m256i hi = _mm256_inserti128_si256(
		_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blocks[l + 8] + off))),
		_mm_loadu_si128((const __m128i *)(blocks[l + 12] + off)), 1);
	return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/* As LL_MB8_LOAD4, for sixteen blocks: one 4x4 transpose per 128-bit quarter. */
#define LL_MB16_LOAD4(blocks, off, x0, x1, x2, x3)					\
	do {										\
		__m512i t0 = ll_mb16_bswap32(ll_mb16_load_quad((blocks), 0, (off)));	\
		__m512i t1 = ll_mb16_bswap32(ll_mb16_load_quad((blocks), 1, (off)));	\
		__m512i t2 = ll_mb16_bswap32(ll_mb16_load_quad((blocks), 2, (off)));	\
		__m512i t3 = ll_mb16_bswap32(ll_mb16_load_quad((blocks), 3, (off)));	\
		__m512i u0 = _mm512_unpacklo_epi32(t0, t1);				\
		__m512i u1 = _mm512_unpackhi_epi32(t0, t1);				\
		__m512i u2 = _mm512_unpacklo_epi32(t2, t3);				\
		__m512i u3 = _mm512_unpackhi_epi32(t2, t3);				\
		x0 = _mm512_unpacklo_epi64(u0, u2);					\
		x1 = _mm512_unpackhi_epi64(u0, u2);					\
		x2 = _mm512_unpacklo_epi64(u1, u3);					\
		x3 = _mm512_unpackhi_epi64(u1, u3);					\
	} while (0)

#endif /* LL_MB_SIMD_H */
