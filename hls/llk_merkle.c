/* llk_merkle: the Merkle kernel. The RFC 9162 tree head of n leaf digests: each
 * chunk's subtree a level at a time on LLK_MERKLE_CORES cores, then a small stack. */
#include <stdint.h>

#include "ll_job.h"
#include "llk_hash.h"

#define NODE_BYTES	(1 + 2 * LLK_DIGEST_BYTES)	/* 0x01 || left || right */
#define SHORT_BLOCKS	2				/* a node's padded message */
#define LEAVES_PER_BEAT	(LLK_BEAT_BYTES / LLK_DIGEST_BYTES)
#define ROUNDS_MAX	(LLK_MERKLE_CHUNK / 2 / LLK_MERKLE_CORES)	/* the widest level's */
/* buf's banks: a round reads 2 * LLK_MERKLE_CORES neighbouring digests at once */
#define BUF_BANKS	32
_Static_assert(BUF_BANKS == 2 * LLK_MERKLE_CORES, "the buf partition pragma says 32");

/* H(msg) of a message of len <= NODE_BYTES bytes (a node or the empty string). */
static void hash_short(uint32_t alg, const uint8_t msg[NODE_BYTES], uint32_t len,
		       uint32_t out[8])
{
	uint32_t blocks[SHORT_BLOCKS][LLK_BLOCK_WORDS];
	uint32_t nblocks = llk_md_blocks(len);

	pack: for (uint32_t i = 0; i < SHORT_BLOCKS * LLK_BLOCK_WORDS; i++) {
		LL_HLS(UNROLL)
		uint32_t w = 0;
		bytes: for (uint32_t j = 0; j < 4; j++) {
			uint32_t p = 4 * i + j;
			uint32_t byte = 0;
			if (p < len)
				byte = msg[p];
			else if (p < nblocks * LLK_BLOCK_BYTES)
				byte = llk_pad_byte(p, len);
			w = w << 8 | byte;
		}
		blocks[i / LLK_BLOCK_WORDS][i % LLK_BLOCK_WORDS] = w;
	}

	llk_hash_init(alg, out);
	block: for (uint32_t b = 0; b < SHORT_BLOCKS; b++) {
		if (b == nblocks)
			break;
		llk_hash_block(alg, out, blocks[b]);
	}
}

/* out = H(0x01 || left || right); digests as state words. */
static void hash_node(uint32_t alg, const uint32_t left[8], const uint32_t right[8],
		      uint32_t out[8])
{
	uint8_t msg[NODE_BYTES];

	msg[0] = LLK_NODE_PREFIX;
	bytes: for (uint32_t k = 0; k < LLK_DIGEST_BYTES; k++) {
		LL_HLS(UNROLL)
		msg[1 + k] = (uint8_t)(left[k / 4] >> 8 * (3 - k % 4));
		msg[1 + LLK_DIGEST_BYTES + k] = (uint8_t)(right[k / 4] >> 8 * (3 - k % 4));
	}
	hash_short(alg, msg, NODE_BYTES, out);
}

/*
 * The cores: nodes 0 .. count - 1 at once, node c = H(0x01 || left[c] || right[c])
 * on core c. Every node the kernel makes passes here (llk_merkle allows one
 * instance), so a merge or the fold is a round with one core busy.
 */
static void hash_round(uint32_t alg, uint32_t count,
		       const uint32_t left[LLK_MERKLE_CORES][8],
		       const uint32_t right[LLK_MERKLE_CORES][8],
		       uint32_t out[LLK_MERKLE_CORES][8])
{
	cores: for (uint32_t c = 0; c < LLK_MERKLE_CORES; c++) {
		LL_HLS(UNROLL)
		if (c < count)
			hash_node(alg, left[c], right[c], out[c]);
	}
}

/* A digest copied, as state words. */
static void copy_digest(const uint32_t from[8], uint32_t to[8])
{
	words: for (uint32_t j = 0; j < 8; j++) {
		LL_HLS(UNROLL)
		to[j] = from[j];
	}
}

/*
 * buf[first .. first + 2^height) to the root of its perfect subtree, left in
 * buf[first]: level by level, each level's nodes LLK_MERKLE_CORES at a time. A
 * level's node j replaces buf[first + j] once its children, buf[first + 2j] and
 * buf[first + 2j + 1], are read, and a round reads all its children before it
 * writes, so no node overwrites a digest still to be read.
 */
static void build_subtree(uint32_t alg, uint32_t buf[LLK_MERKLE_CHUNK][8], uint32_t first,
			  uint32_t height)
{
	LL_HLS(INLINE)	/* its hash_round call is llk_merkle's, under its ALLOCATION */
	uint32_t left[LLK_MERKLE_CORES][8], right[LLK_MERKLE_CORES][8];
	uint32_t out[LLK_MERKLE_CORES][8];
	LL_HLS(ARRAY_PARTITION variable=left complete dim=0)
	LL_HLS(ARRAY_PARTITION variable=right complete dim=0)
	LL_HLS(ARRAY_PARTITION variable=out complete dim=0)

	level: for (uint32_t l = 0; l < LLK_MERKLE_CHUNK_LOG; l++) {
		if (l == height)
			break;
		uint32_t width = 1u << (height - l - 1);	/* nodes at this level */

		round: for (uint32_t r = 0; r < ROUNDS_MAX; r++) {
			if (r * LLK_MERKLE_CORES >= width)
				break;
			uint32_t base = r * LLK_MERKLE_CORES;
			uint32_t count = width - base < LLK_MERKLE_CORES ? width - base :
									    LLK_MERKLE_CORES;

			gather: for (uint32_t c = 0; c < LLK_MERKLE_CORES; c++) {
				LL_HLS(UNROLL)
				if (c < count) {
					copy_digest(buf[first + 2 * (base + c)], left[c]);
					copy_digest(buf[first + 2 * (base + c) + 1], right[c]);
				}
			}
			hash_round(alg, count, left, right, out);
			scatter: for (uint32_t c = 0; c < LLK_MERKLE_CORES; c++) {
				LL_HLS(UNROLL)
				if (c < count)
					copy_digest(out[c], buf[first + base + c]);
			}
		}
	}
}

/*
 * The stack holds the perfect subtrees built so far, left to right, each of
 * 2^height[i] leaves. A push merges the two top entries while they are the same
 * height, so heights strictly fall from bottom to top: one entry per set bit of
 * the leaves pushed so far, at most 17 of the LLK_MERKLE_DEPTH for n <=
 * LLK_MAX_RECORDS (and one more for a moment during a push).
 */
struct stack {
	uint32_t digest[LLK_MERKLE_DEPTH][8];	/* as state words */
	uint32_t height[LLK_MERKLE_DEPTH];
	uint32_t top;				/* entries in use */
};

/* The two top entries to one, H(0x01 || next to top || top), at the lower's place. */
static void merge_top(uint32_t alg, struct stack *s)
{
	LL_HLS(INLINE)	/* its hash_round call is llk_merkle's, under its ALLOCATION */
	uint32_t left[LLK_MERKLE_CORES][8], right[LLK_MERKLE_CORES][8];
	uint32_t out[LLK_MERKLE_CORES][8];

	copy_digest(s->digest[s->top - 2], left[0]);
	copy_digest(s->digest[s->top - 1], right[0]);
	hash_round(alg, 1, left, right, out);
	copy_digest(out[0], s->digest[s->top - 2]);
	s->top--;
}

/* A perfect subtree of 2^height leaves onto the stack, merged down while it can be. */
static void push_subtree(uint32_t alg, struct stack *s, const uint32_t digest[8],
			 uint32_t height)
{
	LL_HLS(INLINE)	/* its hash_round call is llk_merkle's, under its ALLOCATION */
	copy_digest(digest, s->digest[s->top]);
	s->height[s->top] = height;
	s->top++;

	merge: for (uint32_t d = 0; d < LLK_MERKLE_DEPTH; d++) {
		if (s->top < 2 || s->height[s->top - 1] != s->height[s->top - 2])
			break;
		merge_top(alg, s);
		s->height[s->top - 1]++;
	}
}

/*
 * Leaves come in chunks of LLK_MERKLE_CHUNK, a burst each. A full chunk is one
 * perfect subtree, built on chip and pushed at height LLK_MERKLE_CHUNK_LOG; the
 * last chunk, if shorter, is split the way the stack would have split it leaf by
 * leaf: a perfect subtree per set bit of its count, largest first. At the end
 * the stack is folded right to left. That is RFC 6962's split (the left subtree
 * is the largest power of two), which equals RFC 9162's bottom-up build with an
 * odd last node promoted; on-chip memory is a chunk and the stack, not n.
 *
 *   leaves --burst--> buf (a chunk) --levels on LLK_MERKLE_CORES cores--> subtree roots
 *                                                                             |
 *   root <------ fold <------ stack (one entry per set bit) <---- push, merge --'
 */
void llk_merkle(const uint32_t *leaves, uint32_t n, uint32_t alg, uint32_t *root,
		uint32_t *info)
{
	LL_HLS(INTERFACE m_axi port=leaves bundle=gmem0 offset=slave max_widen_bitwidth=512)
	LL_HLS(INTERFACE m_axi port=root bundle=gmem1 offset=slave)
	LL_HLS(INTERFACE m_axi port=info bundle=gmem1 offset=slave)
	LL_HLS(INTERFACE s_axilite port=n)
	LL_HLS(INTERFACE s_axilite port=alg)
	LL_HLS(INTERFACE s_axilite port=return)
	/* one set of cores for the subtrees, the merges and the fold */
	LL_HLS(ALLOCATION function instances=hash_round limit=1)

	uint32_t status = LLK_STATUS_OK;
	if (!llk_alg_valid(alg))
		status = LLK_STATUS_BAD_ALG;
	else if (n > LLK_MAX_RECORDS)
		status = LLK_STATUS_TOO_MANY;

	if (status == LLK_STATUS_OK) {
		struct stack s;
		uint32_t head[8];
		uint32_t buf[LLK_MERKLE_CHUNK][8];	/* a chunk's digests, as state words */
		LL_HLS(ARRAY_PARTITION variable=buf cyclic factor=BUF_BANKS dim=1)
		LL_HLS(ARRAY_PARTITION variable=buf complete dim=2)

		s.top = 0;
		chunk: for (uint32_t first = 0; first < LLK_MAX_RECORDS; first += LLK_MERKLE_CHUNK) {
			if (first >= n)
				break;
			uint32_t count = n - first < LLK_MERKLE_CHUNK ? n - first : LLK_MERKLE_CHUNK;

			/* one burst a chunk, a beat (two leaves) a cycle */
			burst: for (uint32_t b = 0; b < LLK_MERKLE_CHUNK / LEAVES_PER_BEAT; b++) {
				LL_HLS(PIPELINE II=1)
				if (b * LEAVES_PER_BEAT >= count)
					break;
				words: for (uint32_t w = 0; w < LLK_BEAT_WORDS; w++) {
					LL_HLS(UNROLL)
					uint32_t k = b * LLK_BEAT_WORDS + w;
					if (k < count * LLK_DIGEST_WORDS)	/* an odd last leaf */
						buf[k / LLK_DIGEST_WORDS][k % LLK_DIGEST_WORDS] =
							llk_bswap32(leaves[first * LLK_DIGEST_WORDS + k]);
				}
			}

			/* count's set bits, largest first: a full chunk is one subtree */
			uint32_t at = 0;
			split: for (uint32_t i = 0; i <= LLK_MERKLE_CHUNK_LOG; i++) {
				uint32_t height = LLK_MERKLE_CHUNK_LOG - i;
				if (!(count >> height & 1))
					continue;
				build_subtree(alg, buf, at, height);
				push_subtree(alg, &s, buf[at], height);
				at += 1u << height;
			}
		}

		if (n == 0) {
			uint8_t empty[NODE_BYTES] = { 0 };
			hash_short(alg, empty, 0, head);
		} else {
			fold: for (uint32_t d = 0; d < LLK_MERKLE_DEPTH; d++) {
				if (s.top < 2)
					break;
				merge_top(alg, &s);
			}
			copy_digest(s.digest[0], head);
		}

		store: for (uint32_t j = 0; j < LLK_DIGEST_WORDS; j++) {
			LL_HLS(PIPELINE II=1)
			root[j] = llk_bswap32(head[j]);
		}
	}

	info[LLK_INFO_STATUS] = status;
	info[LLK_INFO_ABI] = LLK_ABI_VERSION;
	info[LLK_INFO_RECORDS] = status == LLK_STATUS_OK ? n : 0;
}
