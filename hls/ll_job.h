/* The device ABI: the one contract between the host (host/accel) and the kernels
 * (hls/), whether they run on an Alveo card, under fakexrt, or compiled for the host. */
#ifndef LL_JOB_H
#define LL_JOB_H

#include <stdint.h>

/*
 * A job is a batch of n records and an algorithm. In device memory, all words
 * 32-bit little-endian (byte k of a buffer is word[k / 4] >> 8 * (k % 4)):
 *
 *   offsets  u32[n + 1]      record i is data bytes [offsets[i], offsets[i + 1])
 *   data     u32[]           the records back to back, padded to LLK_DATA_ALIGN
 *   leaves   u32[8 * n]      out: leaf i = H(0x00 || record i), 32 bytes
 *   root     u32[8]          out: the RFC 9162 tree head of the leaves
 *                            (bottom-up, an odd last node promoted; H() for n = 0)
 *   info     u32[LLK_INFO_WORDS]  out: status, the kernel's ABI version, records done
 *
 * Digests are bytes in the order the hash defines them, so the host reads leaves
 * and root as plain byte arrays (a little-endian host needs no swap).
 *
 * Two kernels, run one after the other on the same leaves buffer:
 *   llk_leaves(offsets, data, n, alg, leaves, info)   leaf digests, LLK_LEAF_CORES in parallel
 *   llk_merkle(leaves, n, alg, root, info)            folds the leaves to the root,
 *                                                      LLK_MERKLE_CORES in parallel
 * The argument order is the order of the kernel's arguments in the xclbin (and of
 * xrtKernelRun's variadic arguments); buffers are xrtBufferHandles, scalars u32.
 */
#define LLK_ABI_VERSION		1

#define LLK_ALG_SHA256		1	/* the values of enum ll_hash_alg */
#define LLK_ALG_SM3		2

#define LLK_DIGEST_BYTES	32
#define LLK_DIGEST_WORDS	8
#define LLK_MAX_RECORDS		65536		/* n per job */
#define LLK_MAX_JOB_BYTES	(64u << 20)	/* offsets[n] at most this */
#define LLK_MAX_RECORD_BYTES	65535		/* one record (a wire record's u16 len) */
#define LLK_DATA_ALIGN		64		/* data is padded to whole AXI beats */

/*
 * Hash cores per kernel: each is a SHA-256 and an SM3 block core at one round a
 * cycle. llk_leaves hashes LLK_LEAF_CORES records at once; llk_merkle hashes up
 * to LLK_MERKLE_CORES independent nodes of one tree level at once. Powers of two.
 * hls/README.md ("The cycle model") says why these counts and what they cost.
 */
#define LLK_LEAF_CORES		32		/* hash cores in llk_leaves */
#define LLK_MERKLE_CORES	16		/* hash cores in llk_merkle */
#define LLK_MERKLE_DEPTH	32		/* levels: 2^32 > LLK_MAX_RECORDS */

/* info words */
#define LLK_INFO_WORDS		4
#define LLK_INFO_STATUS		0	/* enum llk_status */
#define LLK_INFO_ABI		1	/* LLK_ABI_VERSION as the kernel was built */
#define LLK_INFO_RECORDS	2	/* records (llk_leaves) or leaves (llk_merkle) done */

enum llk_status {
	LLK_STATUS_OK = 0,
	LLK_STATUS_BAD_ALG = 1,		/* alg is neither SHA-256 nor SM3 */
	LLK_STATUS_TOO_MANY = 2,	/* n > LLK_MAX_RECORDS */
	LLK_STATUS_BAD_OFFSETS = 3,	/* offsets decrease, or pass LLK_MAX_JOB_BYTES */
	LLK_STATUS_RECORD_TOO_LONG = 4,	/* a record over LLK_MAX_RECORD_BYTES */
};

/* The kernel names the xclbin and the manifest carry. */
#define LLK_LEAVES_KERNEL	"llk_leaves"
#define LLK_MERKLE_KERNEL	"llk_merkle"

/*
 * llk_leaves - leaf digests of a job's records. On a bad job writes nothing to
 * leaves and a status other than LLK_STATUS_OK to info.
 */
void llk_leaves(const uint32_t *offsets, const uint32_t *data, uint32_t n, uint32_t alg,
		uint32_t *leaves, uint32_t *info);

/*
 * llk_merkle - the tree head of n leaf digests (as llk_leaves wrote them) into
 * root. On a bad job writes nothing to root and a status to info.
 */
void llk_merkle(const uint32_t *leaves, uint32_t n, uint32_t alg, uint32_t *root,
		uint32_t *info);

#endif /* LL_JOB_H */
