/* SM3 (GB/T 32905-2016): one-shot and incremental hashing, and the batch leaf API
 * that runs on the fastest path this CPU has (see ll_hash.h for the paths). */
#ifndef LL_SM3_H
#define LL_SM3_H

#include <stddef.h>
#include <stdint.h>

#include "ll_hash.h"

#define LL_SM3_DIGEST_BYTES 32
#define LL_SM3_BLOCK_BYTES  64

/* Incremental state; see struct ll_md_state in ll_hash.h. */
typedef struct ll_sm3_ctx {
	struct ll_md_state md;
} ll_sm3_ctx_t;

/* ll_sm3_init / _update / _final - the incremental API; final wipes nothing
 * and the context may be initialised again. update accepts len 0. */
void ll_sm3_init(ll_sm3_ctx_t *ctx);
void ll_sm3_update(ll_sm3_ctx_t *ctx, const void *data, size_t len);
void ll_sm3_final(ll_sm3_ctx_t *ctx, uint8_t out[LL_SM3_DIGEST_BYTES]);

/* ll_sm3 - one-shot digest. */
void ll_sm3(const void *data, size_t len, uint8_t out[LL_SM3_DIGEST_BYTES]);

/*
 * ll_sm3_leaves - n RFC 6962 leaves H(0x00 || record) from offsets[n + 1] and
 * one blob, into out (n * 32 bytes), on `impl` (AUTO: the fastest here).
 * Returns 0, -EINVAL for decreasing offsets, -ENOTSUP for an unavailable impl.
 */
int ll_sm3_leaves(enum ll_hash_impl impl, const uint32_t *offsets, uint32_t n,
		     const uint8_t *data, uint8_t *out);

/* ll_sm3_nodes - n interior nodes, as ll_hash_nodes. */
int ll_sm3_nodes(enum ll_hash_impl impl, const uint8_t *children, uint32_t n,
		    uint8_t *out);

#endif /* LL_SM3_H */
