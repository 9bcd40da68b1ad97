/* SHA-256 (FIPS 180-4): one-shot and incremental hashing, and the batch leaf API
 * that runs on the fastest path this CPU has (see ll_hash.h for the paths). */
#ifndef LL_SHA256_H
#define LL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "ll_hash.h"

#define LL_SHA256_DIGEST_BYTES 32
#define LL_SHA256_BLOCK_BYTES  64

/* Incremental state; see struct ll_md_state in ll_hash.h. */
typedef struct ll_sha256_ctx {
	struct ll_md_state md;
} ll_sha256_ctx_t;

/* ll_sha256_init / _update / _final - the incremental API; final wipes nothing
 * and the context may be initialised again. update accepts len 0. */
void ll_sha256_init(ll_sha256_ctx_t *ctx);
void ll_sha256_update(ll_sha256_ctx_t *ctx, const void *data, size_t len);
void ll_sha256_final(ll_sha256_ctx_t *ctx, uint8_t out[LL_SHA256_DIGEST_BYTES]);

/* ll_sha256 - one-shot digest. */
void ll_sha256(const void *data, size_t len, uint8_t out[LL_SHA256_DIGEST_BYTES]);

/*
 * ll_sha256_leaves - n RFC 6962 leaves H(0x00 || record) from offsets[n + 1] and
 * one blob, into out (n * 32 bytes), on `impl` (AUTO: the fastest here).
 * Returns 0, -EINVAL for decreasing offsets, -ENOTSUP for an unavailable impl.
 */
int ll_sha256_leaves(enum ll_hash_impl impl, const uint32_t *offsets, uint32_t n,
		     const uint8_t *data, uint8_t *out);

/* ll_sha256_nodes - n interior nodes, as ll_hash_nodes. */
int ll_sha256_nodes(enum ll_hash_impl impl, const uint8_t *children, uint32_t n,
		    uint8_t *out);

#endif /* LL_SHA256_H */
