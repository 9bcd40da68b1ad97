/* The hash algorithms a chain can use (SHA-256, SM3), chosen at genesis, and the
 * implementations each can run on; one entry point per operation for both. */
#ifndef LL_HASH_H
#define LL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LL_HASH_DIGEST_BYTES 32
#define LL_HASH_LEAF_PREFIX  0x00	/* RFC 6962 leaf:  H(0x00 || record) */
#define LL_HASH_NODE_PREFIX  0x01	/* RFC 6962 node:  H(0x01 || left || right) */

/*
 * The running state of a Merkle-Damgard hash (SHA-256 and SM3 share the 64-byte
 * block and the padding). Plain data: it may live on the stack, one per thread.
 */
struct ll_md_state {
	uint32_t chain[8];
	uint64_t total_bytes;
	uint8_t buf[64];
	uint32_t buf_len;
};

enum ll_hash_alg {
	LL_HASH_SHA256 = 1,
	LL_HASH_SM3 = 2,
};

/*
 * Implementations of the batch (leaf) path. AUTO is the fastest one this CPU has,
 * chosen once from cpuid. A caller may name another to compare or test them.
 */
enum ll_hash_impl {
	LL_HASH_IMPL_AUTO = 0,
	LL_HASH_IMPL_PORTABLE,	/* plain C, any CPU */
	LL_HASH_IMPL_SHANI,	/* SHA-256: x86 SHA extensions, two messages interleaved */
	LL_HASH_IMPL_IPSECMB,	/* SHA-256: Intel ipsec-mb multi-buffer manager */
	LL_HASH_IMPL_AVX2,	/* 8 lanes of AVX2 */
	LL_HASH_IMPL_AVX512,	/* 16 lanes of AVX-512 (F, VL, BW) */
	LL_HASH_IMPL_COUNT
};

/* ll_hash_alg_parse - "sha256" or "sm3" -> algorithm; -EINVAL for anything else. */
int ll_hash_alg_parse(const char *name, enum ll_hash_alg *out);

/* ll_hash_alg_name - "sha256", "sm3", or "?" for an invalid value. */
const char *ll_hash_alg_name(enum ll_hash_alg alg);

/* ll_hash_impl_name - "portable", "sha-ni", "ipsec-mb", "avx2", "avx512", "auto". */
const char *ll_hash_impl_name(enum ll_hash_impl impl);

/*
 * ll_hash_impl_available - 0 when `impl` can hash `alg` on this CPU and build,
 * -ENOTSUP otherwise, -EINVAL for an unknown algorithm.
 */
int ll_hash_impl_available(enum ll_hash_alg alg, enum ll_hash_impl impl);

/* ll_hash_impl_best - what AUTO resolves to for `alg` on this CPU. */
enum ll_hash_impl ll_hash_impl_best(enum ll_hash_alg alg);

/* ll_hash - one-shot digest of len bytes into out[32]; -EINVAL for an unknown alg. */
int ll_hash(enum ll_hash_alg alg, const void *data, size_t len, uint8_t *out);

/*
 * ll_hash_leaves - the batch API: n records given as offsets[n + 1] into one data
 * blob (record i is data[offsets[i] .. offsets[i + 1]), the device ABI's shape),
 * each hashed as an RFC 6962 leaf H(0x00 || record) into out[i * 32 ..].
 * Returns 0, -EINVAL for an unknown alg, offsets that decrease, or n = 0 with
 * NULL offsets; -ENOTSUP when `impl` is not available. Thread-safe.
 */
int ll_hash_leaves(enum ll_hash_alg alg, enum ll_hash_impl impl,
		   const uint32_t *offsets, uint32_t n, const uint8_t *data,
		   uint8_t *out);

/*
 * ll_hash_nodes - n RFC 6962 interior nodes in one batch: out[i] =
 * H(0x01 || children[2i] || children[2i + 1]), where children holds 2n digests
 * back to back (one tree level). out may not overlap children. Same errors as
 * ll_hash_leaves.
 */
int ll_hash_nodes(enum ll_hash_alg alg, enum ll_hash_impl impl,
		  const uint8_t *children, uint32_t n, uint8_t *out);

/* ll_hash_node - one interior node H(0x01 || left || right). */
int ll_hash_node(enum ll_hash_alg alg, const uint8_t *left,
		 const uint8_t *right, uint8_t *out);

#endif /* LL_HASH_H */
