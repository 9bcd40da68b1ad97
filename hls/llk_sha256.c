/* The SHA-256 block core (FIPS 180-4): one 64-byte block, one round a cycle.
 * Instantiated once per core: LLK_LEAF_CORES in llk_leaves, LLK_MERKLE_CORES in llk_merkle. */
#include <stdint.h>

#include "llk_hash.h"

/* FIPS 180-4 4.2.2: the first 32 bits of the cube roots' fractions of the first 64 primes. */
static const uint32_t sha256_k[LLK_HASH_ROUNDS] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 5.3.3: the square roots' fractions of the first 8 primes. */
static const uint32_t sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

void llk_sha256_init(uint32_t state[8])
{
	iv: for (int i = 0; i < 8; i++) {
		LL_HLS(UNROLL)
		state[i] = sha256_iv[i];
	}
}

static uint32_t ch(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) ^ (~x & z);
}

static uint32_t maj(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) ^ (x & z) ^ (y & z);
}

static uint32_t big_sigma0(uint32_t x)
{
	return llk_rotr(x, 2) ^ llk_rotr(x, 13) ^ llk_rotr(x, 22);
}

static uint32_t big_sigma1(uint32_t x)
{
	return llk_rotr(x, 6) ^ llk_rotr(x, 11) ^ llk_rotr(x, 25);
}

static uint32_t small_sigma0(uint32_t x)
{
	return llk_rotr(x, 7) ^ llk_rotr(x, 18) ^ x >> 3;
}

static uint32_t small_sigma1(uint32_t x)
{
	return llk_rotr(x, 17) ^ llk_rotr(x, 19) ^ x >> 10;
}

void llk_sha256_block(uint32_t state[8], const uint32_t block[LLK_BLOCK_WORDS])
{
	/*
	 * The schedule as a shift register: in round t, w[i] holds W[t + i]. Every
	 * round reads the same fixed slots, so it is wires, not a 64-word memory.
	 */
	uint32_t w[LLK_BLOCK_WORDS];
	LL_HLS(ARRAY_PARTITION variable=w complete)
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

	load: for (int i = 0; i < LLK_BLOCK_WORDS; i++) {
		LL_HLS(UNROLL)
		w[i] = block[i];
	}

	rounds: for (int t = 0; t < LLK_HASH_ROUNDS; t++) {
		LL_HLS(PIPELINE II=1)
		uint32_t t1 = h + big_sigma1(e) + ch(e, f, g) + sha256_k[t] + w[0];
		uint32_t t2 = big_sigma0(a) + maj(a, b, c);
		/* W[t + 16]; unused in the last 16 rounds, computed anyway to keep one loop body */
		uint32_t next = small_sigma1(w[14]) + w[9] + small_sigma0(w[1]) + w[0];

		shift: for (int i = 0; i < LLK_BLOCK_WORDS - 1; i++) {
			LL_HLS(UNROLL)
			w[i] = w[i + 1];
		}
		w[LLK_BLOCK_WORDS - 1] = next;

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
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
