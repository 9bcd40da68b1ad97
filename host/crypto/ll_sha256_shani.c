/* SHA-256 on the x86 SHA extensions: a single-buffer block function, and a
 * two-lane kernel that interleaves two messages to hide sha256rnds2 latency. */
#include "ll_mb.h"

#include <immintrin.h>
#include <string.h>

#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The SHA instructions keep the state as two registers, ABEF and CDGH. */
struct shani_state {
	__m128i abef;
	__m128i cdgh;
};

SHANI_TARGET static struct shani_state shani_load(const uint32_t words[8])
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)words);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(words + 4));
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	struct shani_state s = {
		.abef = _mm_alignr_epi8(cdab, efgh, 8),
		.cdgh = _mm_blend_epi16(efgh, cdab, 0xf0),
	};
	return s;
}

SHANI_TARGET static void shani_store(struct shani_state s, uint32_t words[8])
{
	__m128i feba = _mm_shuffle_epi32(s.abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)words, _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)(words + 4), _mm_alignr_epi8(dchg, feba, 8));
}

/*
 * Four rounds (4q .. 4q+3) of one message. msg[] is the rolling window of the
 * schedule, four words per register; msg1/msg2 extend it as the rounds go, so
 * the whole 64-word schedule never sits in memory.
 */
#define SHANI_QUAD(q, s, msg)                                                      \
	do {                                                                       \
		__m128i wk = _mm_add_epi32(msg[(q) & 3],                          \
					   _mm_load_si128((const __m128i *)(ll_sha256_k + 4 * (q)))); \
		s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);               \
		if ((q) >= 3 && (q) <= 14) {                                      \
			__m128i t = _mm_alignr_epi8(msg[(q) & 3], msg[((q) + 3) & 3], 4); \
			msg[((q) + 1) & 3] = _mm_add_epi32(msg[((q) + 1) & 3], t); \
			msg[((q) + 1) & 3] = _mm_sha256msg2_epu32(msg[((q) + 1) & 3], msg[(q) & 3]); \
		}                                                                  \
		wk = _mm_shuffle_epi32(wk, 0x0e);                                  \
		s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, wk);               \
		if ((q) >= 1 && (q) <= 12)                                         \
			msg[((q) + 3) & 3] = _mm_sha256msg1_epu32(msg[((q) + 3) & 3], msg[(q) & 3]); \
	} while (0)

#define SHANI_LOAD_MSG(msg, p, bswap)                                              \
	do {                                                                       \
		for (int i_ = 0; i_ < 4; i_++)                                     \
			msg[i_] = _mm_shuffle_epi8(                                \
				_mm_loadu_si128((const __m128i *)((p) + 16 * i_)), bswap); \
	} while (0)

#define SHANI_ALL_QUADS(QUAD)                                                      \
	QUAD(0); QUAD(1); QUAD(2); QUAD(3); QUAD(4); QUAD(5); QUAD(6); QUAD(7);    \
	QUAD(8); QUAD(9); QUAD(10); QUAD(11); QUAD(12); QUAD(13); QUAD(14); QUAD(15)

SHANI_TARGET void ll_sha256_blocks_shani(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	struct shani_state s = shani_load(state);

	for (; nblocks > 0; nblocks--, p += 64) {
		struct shani_state saved = s;
		__m128i msg[4];
		SHANI_LOAD_MSG(msg, p, bswap);
#define QUAD1(q) SHANI_QUAD(q, s, msg)
		SHANI_ALL_QUADS(QUAD1);
#undef QUAD1
		s.abef = _mm_add_epi32(s.abef, saved.abef);
		s.cdgh = _mm_add_epi32(s.cdgh, saved.cdgh);
	}
	shani_store(s, state);
}

/* Two lanes: state is struct shani_state[2], kept in the instructions' order. */
SHANI_TARGET static void x2_lane_init(const struct ll_mb_ops *ops, void *state, unsigned lane)
{
	struct shani_state *lanes = state;
	lanes[lane] = shani_load(ops->iv);
}

SHANI_TARGET static void x2_compress(void *state, const uint8_t *const blocks[])
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	struct shani_state *lanes = state;
	struct shani_state s0 = lanes[0], s1 = lanes[1];
	__m128i m0[4], m1[4];

	SHANI_LOAD_MSG(m0, blocks[0], bswap);
	SHANI_LOAD_MSG(m1, blocks[1], bswap);
	/* Independent chains side by side: the core overlaps their latencies. */
#define QUAD2(q)                        \
	do {                            \
		SHANI_QUAD(q, s0, m0);  \
		SHANI_QUAD(q, s1, m1);  \
	} while (0)
	SHANI_ALL_QUADS(QUAD2);
#undef QUAD2
	lanes[0].abef = _mm_add_epi32(s0.abef, lanes[0].abef);
	lanes[0].cdgh = _mm_add_epi32(s0.cdgh, lanes[0].cdgh);
	lanes[1].abef = _mm_add_epi32(s1.abef, lanes[1].abef);
	lanes[1].cdgh = _mm_add_epi32(s1.cdgh, lanes[1].cdgh);
}

SHANI_TARGET static void x2_lane_digest(const struct ll_mb_ops *ops, const void *state,
					unsigned lane, uint8_t out[32])
{
	(void)ops;
	const struct shani_state *lanes = state;
	uint32_t words[8];
	shani_store(lanes[lane], words);
	ll_store_be_words(words, out);
}

const struct ll_mb_ops ll_sha256_mb_shani = {
	.name = "sha256-shani-x2",
	.lanes = 2,
	.iv = ll_sha256_iv,
	.lane_init = x2_lane_init,
	.compress = x2_compress,
	.lane_digest = x2_lane_digest,
};
