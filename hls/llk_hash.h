/* Internal to hls/: the SHA-256 and SM3 block cores and the small helpers the
 * kernels share. Not the device ABI (that is ll_job.h); host code should not need it. */
#ifndef LLK_HASH_H
#define LLK_HASH_H

#include <stdint.h>

#include "ll_job.h"
#include "llk_hls.h"

#define LLK_BLOCK_BYTES		64	/* SHA-256 and SM3 share block and padding */
#define LLK_BLOCK_WORDS		16	/* message words per block, big-endian */
#define LLK_HASH_ROUNDS		64	/* rounds per block, in both */
#define LLK_LEAF_PREFIX		0x00	/* RFC 6962 leaf:  H(0x00 || record) */
#define LLK_NODE_PREFIX		0x01	/* RFC 6962 node:  H(0x01 || left || right) */
#define LLK_BEAT_BYTES		64	/* one 512-bit AXI beat, the width of the data ports */
#define LLK_BEAT_WORDS		16

/*
 * llk_merkle reads leaves in chunks of LLK_MERKLE_CHUNK and builds a full chunk's
 * perfect subtree on chip, a level at a time: on-chip memory is a chunk plus the
 * stack. A power of two: 2^LLK_MERKLE_CHUNK_LOG.
 */
#define LLK_MERKLE_CHUNK	512
#define LLK_MERKLE_CHUNK_LOG	9
_Static_assert(LLK_MERKLE_CHUNK == 1 << LLK_MERKLE_CHUNK_LOG, "a chunk is 2^LOG leaves");
_Static_assert(LLK_MERKLE_CHUNK >= 2 * LLK_MERKLE_CORES, "a chunk's widest level fills the cores");
_Static_assert(LLK_BLOCK_BYTES == LLK_BEAT_BYTES, "the loaders read a block's worth a beat");

/*
 * The chaining state is 8 words as the hash defines them (big-endian numbers):
 * digest byte k is state[k / 4] >> 8 * (3 - k % 4).
 */

/* llk_sha256_init, llk_sm3_init - state = the algorithm's initial value. */
void llk_sha256_init(uint32_t state[8]);
void llk_sm3_init(uint32_t state[8]);

/*
 * llk_sha256_block, llk_sm3_block - compress one 64-byte block, given as 16
 * big-endian message words, into state: the message schedule and 64 rounds,
 * one round a cycle.
 */
void llk_sha256_block(uint32_t state[8], const uint32_t block[LLK_BLOCK_WORDS]);
void llk_sm3_block(uint32_t state[8], const uint32_t block[LLK_BLOCK_WORDS]);

static inline int llk_alg_valid(uint32_t alg)
{
	return alg == LLK_ALG_SHA256 || alg == LLK_ALG_SM3;
}

/* The two cores behind one switch; alg must be valid (the kernels check it first). */
static inline void llk_hash_init(uint32_t alg, uint32_t state[8])
{
	if (alg == LLK_ALG_SM3)
		llk_sm3_init(state);
	else
		llk_sha256_init(state);
}

static inline void llk_hash_block(uint32_t alg, uint32_t state[8],
				  const uint32_t block[LLK_BLOCK_WORDS])
{
	if (alg == LLK_ALG_SM3)
		llk_sm3_block(state, block);
	else
		llk_sha256_block(state, block);
}

/* Blocks in the padded form of a msg_bytes-byte message: it, 0x80, a 64-bit length. */
static inline uint32_t llk_md_blocks(uint32_t msg_bytes)
{
	return (msg_bytes + 8) / LLK_BLOCK_BYTES + 1;
}

/*
 * Byte p (msg_bytes <= p < the padded length) of a padded message: 0x80 right
 * after the message, then zeros, then the message length in bits as a 64-bit
 * big-endian number that ends the last block.
 */
static inline uint32_t llk_pad_byte(uint32_t p, uint32_t msg_bytes)
{
	uint32_t pad_end = llk_md_blocks(msg_bytes) * LLK_BLOCK_BYTES;
	uint64_t bits = (uint64_t)msg_bytes * 8;

	if (p == msg_bytes)
		return 0x80;
	if (p >= pad_end - 8)
		return (uint32_t)(bits >> 8 * (pad_end - 1 - p)) & 0xff;
	return 0;
}

/* Rotations; the masks keep a shift by 0 or 32 defined. */
static inline uint32_t llk_rotl(uint32_t x, uint32_t n)
{
	return x << (n & 31) | x >> ((32 - n) & 31);
}

static inline uint32_t llk_rotr(uint32_t x, uint32_t n)
{
	return x >> (n & 31) | x << ((32 - n) & 31);
}

/*
 * A state word to the ABI's word holding the same 4 digest bytes in order
 * (ll_job.h: byte k of a buffer is word[k / 4] >> 8 * (k % 4)), and back.
 */
static inline uint32_t llk_bswap32(uint32_t x)
{
	return x >> 24 | (x >> 8 & 0xff00) | (x << 8 & 0xff0000) | x << 24;
}

#endif /* LLK_HASH_H */
