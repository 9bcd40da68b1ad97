/* The block format: a fixed-size little-endian header whose hash chains the ledger,
 * and a body that keeps the records exactly as received (offsets + data). */
#ifndef LL_BLOCK_H
#define LL_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define LL_BLOCK_VERSION       1
#define LL_BLOCK_HASH_BYTES    32
#define LL_BLOCK_HEADER_BYTES  152

/*
 * The header, as ../shared/DESIGN.md ("Ledger") lists it. Encoded byte layout,
 * every integer little-endian, no padding:
 *
 *   off size field
 *     0    2 version            LL_BLOCK_VERSION
 *     2    1 hash_alg           1 sha256, 2 sm3 (enum ll_hash_alg); fixed at genesis
 *     3    1 reserved           0
 *     4    4 chain_id           the consortium's chain; the same in every block
 *     8    8 height             0 is genesis
 *    16    8 timestamp_ns       proposer's wall clock, ns since the Unix epoch
 *    24   32 prev_hash          hash of the block at height - 1; zero in genesis
 *    56   32 merkle_root        RFC 9162 tree head of this block's tx leaves
 *    88    4 tx_count
 *    92    4 body_bytes         length of the encoded body
 *    96    8 log_size           ledger-wide log: leaves after this block
 *   104   32 log_root           ledger-wide log: tree head after this block
 *   136    8 proposer           node id of the proposer
 *   144    8 term               consensus term (raft) or view (BFT); 0 in solo
 *   152                         = LL_BLOCK_HEADER_BYTES
 *
 * Block hash = H(encoded header) with the chain's algorithm. Genesis has no
 * transactions: merkle_root and log_root are H() of the empty string.
 */
struct ll_block_header {
	uint16_t version;
	uint8_t hash_alg;
	uint32_t chain_id;
	uint64_t height;
	uint64_t timestamp_ns;
	uint8_t prev_hash[LL_BLOCK_HASH_BYTES];
	uint8_t merkle_root[LL_BLOCK_HASH_BYTES];
	uint32_t tx_count;
	uint32_t body_bytes;
	uint64_t log_size;
	uint8_t log_root[LL_BLOCK_HASH_BYTES];
	uint64_t proposer;
	uint64_t term;
};

/* ll_block_header_encode - the 152-byte wire/disk form of h. */
void ll_block_header_encode(const struct ll_block_header *h,
			    uint8_t out[LL_BLOCK_HEADER_BYTES]);

/*
 * ll_block_header_decode - parses len bytes. Returns 0; -EINVAL for a length
 * other than LL_BLOCK_HEADER_BYTES or a non-zero reserved byte; -EPROTONOSUPPORT
 * for another version or an unknown hash algorithm.
 */
int ll_block_header_decode(const uint8_t *buf, size_t len, struct ll_block_header *h);

/* ll_block_hash - H(encoded header) with h->hash_alg; -EINVAL for an unknown alg. */
int ll_block_hash(const struct ll_block_header *h, uint8_t out[LL_BLOCK_HASH_BYTES]);

/*
 * ll_block_genesis - the height-0 header of a new chain: no transactions,
 * empty-tree roots, zero prev_hash. -EINVAL for an unknown algorithm.
 */
int ll_block_genesis(uint32_t chain_id, uint8_t hash_alg, uint64_t timestamp_ns,
		     struct ll_block_header *out);

/*
 * Body encoding: u32 n, u32 offsets[n + 1] (offsets[0] = 0, never decreasing),
 * then offsets[n] bytes of records, all little-endian.
 */

/* ll_block_body_bytes - encoded size of n records holding data_bytes in all. */
size_t ll_block_body_bytes(uint32_t n, uint32_t data_bytes);

/*
 * ll_block_body_encode - records i in [0, n) are data[offsets[i] ..
 * offsets[i + 1]) (offsets need not start at 0: they are rebased). Writes
 * ll_block_body_bytes() bytes to out. Returns the byte count, or -EINVAL for
 * decreasing offsets, -ENOSPC when cap is too small.
 */
long ll_block_body_encode(const uint32_t *offsets, uint32_t n, const uint8_t *data,
			  uint8_t *out, size_t cap);

/* A decoded body: views into the encoded bytes, which must outlive it. */
struct ll_block_body {
	uint32_t n;
	const uint8_t *offsets_le;	/* n + 1 u32 LE, possibly unaligned */
	const uint8_t *data;
	uint32_t data_bytes;
};

/*
 * ll_block_body_decode - checks and views an encoded body: lengths add up, the
 * offsets start at 0 and never decrease, and the last one ends the data.
 * Returns 0 or -EINVAL (a clear error for any malformed body, never a crash).
 */
int ll_block_body_decode(const uint8_t *buf, size_t len, struct ll_block_body *body);

/* ll_block_body_record - record i of a decoded body (i < body->n). */
void ll_block_body_record(const struct ll_block_body *body, uint32_t i,
			  const uint8_t **rec, uint32_t *len);

#endif /* LL_BLOCK_H */
