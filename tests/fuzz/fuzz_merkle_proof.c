/* libFuzzer harness for the Merkle proof verifiers: any sizes, index, roots and
 * proof bytes must give 0, -EINVAL or -EBADMSG, never a crash or an over-read. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ll_merkle.h"

#define D LL_HASH_DIGEST_BYTES

/*
 * Input layout (short inputs are zero-padded to the header):
 *   [0]       flags: bit 0 sm3 (else sha256); bit 1 sizes taken mod 512, so
 *             small trees get real coverage; bit 2 also build that tree and
 *             check its own proofs round-trip
 *   [1..8]    a, u64 LE: tree size (inclusion) and new size (consistency)
 *   [9..16]   b, u64 LE: leaf index (inclusion) and old size (consistency)
 *   [17..48]  leaf hash (inclusion), old root (consistency)
 *   [49..80]  root (inclusion), new root (consistency)
 *   [81..]    proof nodes, 32 bytes each; a trailing partial node is dropped
 */
#define HEADER 81

static uint64_t load_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void check_rc(int rc)
{
	if (rc != 0 && rc != -EINVAL && rc != -EBADMSG)
		abort();
}

/*
 * A tree of `size` leaves drawn from the input: its own proofs must verify, and
 * the same proofs with one bit flipped must not.
 */
static void round_trip(enum ll_hash_alg alg, uint64_t size, uint64_t index,
		       const uint8_t *seed)
{
	uint8_t *leaves = malloc(size * D);
	uint8_t root[D], old_root[D], proof[LL_MERKLE_MAX_PROOF_NODES * D];
	size_t nodes;
	uint64_t old = index % size + 1;

	if (!leaves)
		return;
	for (uint64_t i = 0; i < size; i++) {
		memcpy(leaves + i * D, seed, D);
		memcpy(leaves + i * D, &i, sizeof i);
	}
	index %= size;
	if (ll_merkle_root(alg, size, leaves, root) || ll_merkle_root(alg, old, leaves, old_root))
		abort();

	if (ll_merkle_inclusion_proof(alg, size, leaves, index, proof, &nodes))
		abort();
	if (ll_merkle_verify_inclusion(alg, index, size, leaves + index * D, proof, nodes, root))
		abort();
	if (nodes) {
		proof[(index % nodes) * D + index % D] ^= 1;
		if (ll_merkle_verify_inclusion(alg, index, size, leaves + index * D, proof, nodes,
					       root) != -EBADMSG)
			abort();
	}

	if (ll_merkle_consistency_proof(alg, size, leaves, old, proof, &nodes))
		abort();
	if (ll_merkle_verify_consistency(alg, old, size, old_root, root, proof, nodes))
		abort();
	if (nodes) {
		proof[(old % nodes) * D + old % D] ^= 0x40;
		if (ll_merkle_verify_consistency(alg, old, size, old_root, root, proof, nodes) !=
		    -EBADMSG)
			abort();
	}
	free(leaves);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[HEADER] = { 0 };
	memcpy(head, data, size < HEADER ? size : HEADER);

	enum ll_hash_alg alg = head[0] & 1 ? LL_HASH_SM3 : LL_HASH_SHA256;
	uint64_t a = load_u64(head + 1), b = load_u64(head + 9);
	if (head[0] & 2) {
		a %= 512;
		b %= 512;
	}

	/* The proof in a buffer of exactly its size, so any over-read is caught. */
	size_t nodes = size > HEADER ? (size - HEADER) / D : 0;
	uint8_t *proof = nodes ? malloc(nodes * D) : NULL;
	if (nodes && !proof)
		return 0;
	if (nodes)
		memcpy(proof, data + HEADER, nodes * D);

	check_rc(ll_merkle_verify_inclusion(alg, b, a, head + 17, proof, nodes, head + 49));
	check_rc(ll_merkle_verify_consistency(alg, b, a, head + 17, head + 49, proof, nodes));
	free(proof);

	if ((head[0] & 6) == 6 && a > 0)
		round_trip(alg, a, b, head + 17);
	return 0;
}
