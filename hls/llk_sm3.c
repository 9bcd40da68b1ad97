/* The SM3 block core (GB/T 32905-2016): one 64-byte block, one round a cycle.
 * Same shape as the SHA-256 core, so the two share the kernels around them. */
#include <stdint.h>

#include "llk_hash.h"

/* GB/T 32905 4.1: the initial value IV. */
static const uint32_t sm3_iv[8] = {
	0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
	0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
};

/* GB/T 32905 4.2: T_j, one constant for rounds 0..15 and another for 16..63. */
#define SM3_T_LOW	0x79cc4519
#define SM3_T_HIGH	0x7a879d8a
#define SM3_SWITCH	16	/* the round where T_j, FF_j and GG_j change */

void llk_sm3_init(uint32_t state[8])
{
	iv: for (int i = 0; i < 8; i++) {
		LL_HLS(UNROLL)
		state[i] = sm3_iv[i];
	}
}

/* GB/T 32905 4.3: boolean functions, XOR before round 16, majority/choice after. */
static uint32_t ff(int j, uint32_t x, uint32_t y, uint32_t z)
{
	return j < SM3_SWITCH ? x ^ y ^ z : (x & y) | (x & z) | (y & z);
}

static uint32_t gg(int j, uint32_t x, uint32_t y, uint32_t z)
{
	return j < SM3_SWITCH ? x ^ y ^ z : (x & y) | (~x & z);
}

/* GB/T 32905 4.4: permutations; P0 in the compression, P1 in the expansion. */
static uint32_t p0(uint32_t x)
{
	return x ^ llk_rotl(x, 9) ^ llk_rotl(x, 17);
}

static uint32_t p1(uint32_t x)
{
	return x ^ llk_rotl(x, 15) ^ llk_rotl(x, 23);
}

void llk_sm3_block(uint32_t state[8], const uint32_t block[LLK_BLOCK_WORDS])
{
	/*
	 * The expansion as a shift register: in round j, w[i] holds W[j + i], so
	 * W[j] is w[0] and W'[j] = W[j] ^ W[j + 4] is w[0] ^ w[4]; W[j + 16] is
	 * made from fixed slots each round, never a 68-word memory.
	 */
	uint32_t w[LLK_BLOCK_WORDS];
	LL_HLS(ARRAY_PARTITION variable=w complete)
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

	load: for (int i = 0; i < LLK_BLOCK_WORDS; i++) {
		LL_HLS(UNROLL)
		w[i] = block[i];
	}

	rounds: for (int j = 0; j < LLK_HASH_ROUNDS; j++) {
		LL_HLS(PIPELINE II=1)
		uint32_t t = j < SM3_SWITCH ? SM3_T_LOW : SM3_T_HIGH;
		uint32_t a12 = llk_rotl(a, 12);
		uint32_t ss1 = llk_rotl(a12 + e + llk_rotl(t, (uint32_t)j % 32), 7);
		uint32_t ss2 = ss1 ^ a12;
		uint32_t tt1 = ff(j, a, b, c) + d + ss2 + (w[0] ^ w[4]);
		uint32_t tt2 = gg(j, e, f, g) + h + ss1 + w[0];
		/* W[j + 16] = P1(W[j] ^ W[j + 7] ^ (W[j + 13] <<< 15))
		 *	      ^ (W[j + 3] <<< 7) ^ W[j + 10] */
		uint32_t next = p1(w[0] ^ w[7] ^ llk_rotl(w[13], 15)) ^ llk_rotl(w[3], 7) ^ w[10];

		shift: for (int i = 0; i < LLK_BLOCK_WORDS - 1; i++) {
			LL_HLS(UNROLL)
			w[i] = w[i + 1];
		}
		w[LLK_BLOCK_WORDS - 1] = next;

		d = c;
		c = llk_rotl(b, 9);
		b = a;
		a = tt1;
		h = g;
		g = llk_rotl(f, 19);
		f = e;
		e = p0(tt2);
	}

	/* SM3 chains with XOR where SHA-256 adds. */
	state[0] ^= a;
	state[1] ^= b;
	state[2] ^= c;
	state[3] ^= d;
	state[4] ^= e;
	state[5] ^= f;
	state[6] ^= g;
	state[7] ^= h;
}
