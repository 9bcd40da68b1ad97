/* Multi-buffer hashing: private contract between the batch driver (ll_mb.c) and
 * the per-CPU lane kernels (SHA-NI, AVX2, AVX-512). Not installed, not public. */
#ifndef LL_MB_H
#define LL_MB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LL_MB_MAX_LANES   16
#define LL_MB_STATE_BYTES 512	/* 8 words x 16 lanes x 4 bytes */
#define LL_MB_BLOCK_BYTES 64

/*
 * A lane kernel hashes `lanes` independent messages side by side, one 64-byte
 * block per lane per call. The state layout is the kernel's own (transposed
 * for SIMD: word i of lane l at state[i * lanes + l]); the driver touches it
 * only through lane_init and lane_digest.
 *
 * lane_init:   load ops->iv into one lane.
 * compress:    run one compression on every lane; blocks[l] points at 64 bytes
 *              (unaligned, read only). Idle lanes get a valid dummy block and
 *              their state is ignored.
 * lane_digest: write one lane's chaining value as the 32-byte big-endian digest.
 */
struct ll_mb_ops {
	const char *name;
	unsigned lanes;
	const uint32_t *iv;	/* the algorithm's 8 initial words */
	void (*lane_init)(const struct ll_mb_ops *ops, void *state, unsigned lane);
	void (*compress)(void *state, const uint8_t *const blocks[]);
	void (*lane_digest)(const struct ll_mb_ops *ops, const void *state, unsigned lane,
			    uint8_t out[32]);
};

/*
 * ll_mb_check_batch - 0 when a batch's arguments can be hashed: offsets (when
 * non-NULL) never decrease, and data and out exist whenever n > 0; else -EINVAL.
 */
int ll_mb_check_batch(const uint32_t *offsets, uint32_t n, const uint8_t *data,
		      const uint8_t *out);

/*
 * ll_mb_hash_prefixed - digests H(prefix || record_i) for i in [0, n).
 * Record i is data[offsets[i] .. offsets[i+1]) when offsets is non-NULL, else
 * data[i * stride .. (i + 1) * stride). out receives n * 32 bytes. The caller
 * has validated offsets. Thread-safe: all state is on the stack.
 */
void ll_mb_hash_prefixed(const struct ll_mb_ops *ops, uint8_t prefix,
			 const uint8_t *data, const uint32_t *offsets,
			 uint32_t stride, uint32_t n, uint8_t *out);

/* A block function: state in host word order, p at nblocks * 64 bytes. */
typedef void ll_blocks_fn(uint32_t state[8], const uint8_t *p, size_t nblocks);

/* Constants shared by every implementation (defined in ll_sha256.c, ll_sm3.c). */
extern const uint32_t ll_sha256_k[64];	/* 64-byte aligned */
extern const uint32_t ll_sha256_iv[8];
extern const uint32_t ll_sm3_iv[8];

/*
 * lane_init and lane_digest for every kernel whose state is transposed (word i
 * of lane l at state[i * ops->lanes + l]), as the SIMD kernels keep it.
 */
void ll_mb_transposed_init(const struct ll_mb_ops *ops, void *state, unsigned lane);
void ll_mb_transposed_digest(const struct ll_mb_ops *ops, const void *state, unsigned lane,
			     uint8_t out[32]);

/* Single-buffer block functions. */
ll_blocks_fn ll_sha256_blocks_portable;
ll_blocks_fn ll_sha256_blocks_shani;
ll_blocks_fn ll_sm3_blocks_portable;

/* The incremental API shared by SHA-256 and SM3 (same block size and padding). */
struct ll_md_state;
void ll_md_init(struct ll_md_state *md, const uint32_t iv[8]);
void ll_md_update(struct ll_md_state *md, ll_blocks_fn *blocks, const void *data, size_t len);
void ll_md_final(struct ll_md_state *md, ll_blocks_fn *blocks, uint8_t out[32]);

/* ll_store_be_words - 8 chaining words as a 32-byte big-endian digest. */
void ll_store_be_words(const uint32_t words[8], uint8_t out[32]);

/* CPU features, read once from cpuid (and XCR0 for the AVX state). */
struct ll_cpu_features {
	bool shani;
	bool avx2;
	bool avx512;	/* F + VL + BW, and the OS saves ZMM state */
};
const struct ll_cpu_features *ll_cpu_features(void);

/*
 * ll_sha256_prefixed_ipsecmb - the same contract as ll_mb_hash_prefixed, through
 * Intel ipsec-mb's multi-buffer manager (one per thread, made on first use).
 * Returns 0 or -ENOMEM.
 */
int ll_sha256_prefixed_ipsecmb(uint8_t prefix, const uint8_t *data,
			       const uint32_t *offsets, uint32_t stride,
			       uint32_t n, uint8_t *out);

/* Lane kernels; each exists on every build and is called only when cpuid allows. */
extern const struct ll_mb_ops ll_sha256_mb_portable;	/* 1 lane */
extern const struct ll_mb_ops ll_sm3_mb_portable;	/* 1 lane */
extern const struct ll_mb_ops ll_sha256_mb_shani;	/* 2 lanes, SHA-NI */
extern const struct ll_mb_ops ll_sha256_mb_avx2;	/* 8 lanes */
extern const struct ll_mb_ops ll_sha256_mb_avx512;	/* 16 lanes */
extern const struct ll_mb_ops ll_sm3_mb_avx2;		/* 8 lanes */
extern const struct ll_mb_ops ll_sm3_mb_avx512;		/* 16 lanes */

#endif /* LL_MB_H */
