/* RFC 9162 Merkle trees over SHA-256 or SM3: tree heads built bottom-up (an odd
 * last node is promoted), inclusion and consistency proofs, made and verified. */
#ifndef LL_MERKLE_H
#define LL_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "ll_hash.h"

/* Room for any proof of a 64-bit tree: an inclusion path has at most 64 nodes
 * (one per level), a consistency proof at most 65 (ceil(log2 n) + 1). */
#define LL_MERKLE_MAX_PROOF_NODES 65

/*
 * ll_merkle_root - the tree head of n leaf hashes (leaves: n * 32 bytes, already
 * H(0x00 || record)). n = 0 gives H() of the empty string. Each level's nodes
 * are hashed as one batch on the fastest path. Returns 0, -EINVAL for an unknown
 * alg, -ENOMEM.
 */
int ll_merkle_root(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
		   uint8_t root[LL_HASH_DIGEST_BYTES]);

/*
 * ll_merkle_root_into - ll_merkle_root in the caller's scratch (room for
 * LL_MERKLE_ROOT_SCRATCH_BYTES(n)): allocates nothing, for the data path.
 */
#define LL_MERKLE_ROOT_SCRATCH_BYTES(n) (((size_t)(n) + 4) * LL_HASH_DIGEST_BYTES)
int ll_merkle_root_into(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
			uint8_t *scratch, uint8_t root[LL_HASH_DIGEST_BYTES]);

/*
 * ll_merkle_root_records_into - leaves (room for n) and root of n records, in
 * the caller's buffers (scratch as for ll_merkle_root_into): allocates nothing.
 */
int ll_merkle_root_records_into(enum ll_hash_alg alg, const uint32_t *offsets, uint32_t n,
				const uint8_t *data, uint8_t *leaves, uint8_t *scratch,
				uint8_t root[LL_HASH_DIGEST_BYTES]);

/*
 * ll_merkle_root_records - the batch leaf API and the tree head in one call:
 * records as offsets[n + 1] + data (the device ABI's shape). leaves_out, when
 * non-NULL, receives the n leaf hashes (the transaction ids). Returns as
 * ll_merkle_root, and -EINVAL for decreasing offsets.
 */
int ll_merkle_root_records(enum ll_hash_alg alg, const uint32_t *offsets, uint32_t n,
			   const uint8_t *data, uint8_t *leaves_out,
			   uint8_t root[LL_HASH_DIGEST_BYTES]);

/*
 * ll_merkle_inclusion_proof - the RFC 9162 audit path of leaf `index` in the tree
 * of the n leaves, leaf-to-root order, into proof (room for
 * LL_MERKLE_MAX_PROOF_NODES * 32 bytes); *proof_nodes gets the node count.
 * Returns 0, -EINVAL for index >= n or an unknown alg, -ENOMEM.
 */
int ll_merkle_inclusion_proof(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
			      uint64_t index, uint8_t *proof, size_t *proof_nodes);

/*
 * ll_merkle_consistency_proof - the RFC 9162 consistency proof from the tree of
 * the first old_size leaves to the tree of all n, into proof as above.
 * Returns 0, -EINVAL for old_size of 0 or past n, -ENOMEM. old_size == n gives
 * an empty proof.
 */
int ll_merkle_consistency_proof(enum ll_hash_alg alg, uint64_t n, const uint8_t *leaves,
				uint64_t old_size, uint8_t *proof, size_t *proof_nodes);

/*
 * ll_merkle_verify_inclusion - RFC 9162 2.1.3.2: does `proof` (proof_nodes
 * digests) show leaf hash `leaf` at `index` in the tree of `size` with head
 * `root`? Returns 0 when it does; -EINVAL when it cannot for its shape (index >=
 * size, a proof of the wrong length for index and size); -EBADMSG when the
 * hashes do not lead to root. Never reads past proof_nodes * 32 bytes.
 */
int ll_merkle_verify_inclusion(enum ll_hash_alg alg, uint64_t index, uint64_t size,
			       const uint8_t leaf[LL_HASH_DIGEST_BYTES],
			       const uint8_t *proof, size_t proof_nodes,
			       const uint8_t root[LL_HASH_DIGEST_BYTES]);

/*
 * ll_merkle_verify_consistency - RFC 9162 2.1.4.2: does `proof` show the tree of
 * old_size with head old_root is a prefix of the tree of new_size with head
 * new_root? Same returns as ll_merkle_verify_inclusion (-EINVAL for old_size >
 * new_size, old_size == 0 with a non-empty proof, a wrong proof length).
 */
int ll_merkle_verify_consistency(enum ll_hash_alg alg, uint64_t old_size, uint64_t new_size,
				 const uint8_t old_root[LL_HASH_DIGEST_BYTES],
				 const uint8_t new_root[LL_HASH_DIGEST_BYTES],
				 const uint8_t *proof, size_t proof_nodes);

#endif /* LL_MERKLE_H */
