/* llk_leaves: the leaf kernel. Every record's RFC 6962 leaf H(0x00 || record),
 * LLK_LEAF_CORES block cores in parallel; the contract is ll_job.h. */
#include <stdbool.h>
#include <stdint.h>

#include "ll_job.h"
#include "llk_hash.h"

/* The longest leaf message, 0x00 || a record of LLK_MAX_RECORD_BYTES, padded: 1025 blocks. */
#define LEAF_MAX_BLOCKS	((LLK_MAX_RECORD_BYTES + 1 + 8) / LLK_BLOCK_BYTES + 1)
#define MAX_GROUPS	(LLK_MAX_RECORDS / LLK_LEAF_CORES)
_Static_assert(MAX_GROUPS == 2048, "the group loop's LOOP_TRIPCOUNT says 2048");
_Static_assert((LLK_LEAF_CORES & (LLK_LEAF_CORES - 1)) == 0, "a pass's core is k % cores");
_Static_assert(LLK_LEAF_CORES % 2 == 0, "a group's leaves are whole beats");
/* Beats that hold offsets[0 .. LLK_MAX_RECORDS]. */
#define SCAN_BEATS	((LLK_MAX_RECORDS + LLK_BEAT_WORDS) / LLK_BEAT_WORDS)

/*
 * The job's status, with every offset read before any leaf is written, so a
 * bad job leaves the leaves buffer as it was. The first bad record decides.
 */
static uint32_t check_job(const uint32_t *offsets, uint32_t n, uint32_t alg)
{
	if (!llk_alg_valid(alg))
		return LLK_STATUS_BAD_ALG;
	if (n > LLK_MAX_RECORDS)
		return LLK_STATUS_TOO_MANY;	/* before offsets[] is read: n is not trusted */

	uint32_t status = LLK_STATUS_OK;
	uint32_t prev = offsets[0];
	if (prev > LLK_MAX_JOB_BYTES)
		status = LLK_STATUS_BAD_OFFSETS;

	/* a beat of offsets a cycle; the first bad one in a beat decides */
	scan: for (uint32_t b = 0; b < SCAN_BEATS; b++) {
		LL_HLS(PIPELINE II=1)
		if (b * LLK_BEAT_WORDS > n)
			break;
		words: for (uint32_t i = 0; i < LLK_BEAT_WORDS; i++) {
			LL_HLS(UNROLL)
			uint32_t k = b * LLK_BEAT_WORDS + i;
			if (k == 0 || k > n)
				continue;	/* offsets[0] is prev; offsets[n] is the last */
			uint32_t cur = offsets[k];
			if (status == LLK_STATUS_OK) {
				if (cur < prev || cur > LLK_MAX_JOB_BYTES)
					status = LLK_STATUS_BAD_OFFSETS;
				else if (cur - prev > LLK_MAX_RECORD_BYTES)
					status = LLK_STATUS_RECORD_TOO_LONG;
			}
			prev = cur;
		}
	}
	return status;
}

/*
 * Bounds: the group's records as spans of data, from its offsets. A core with no
 * record (the job's last group) gets an empty span; load_blocks tells it by n.
 */
static void load_bounds(const uint32_t *offsets, uint32_t n, uint32_t g,
			uint32_t begin[LLK_LEAF_CORES], uint32_t len[LLK_LEAF_CORES])
{
	uint32_t first = g * LLK_LEAF_CORES;
	uint32_t bound[LLK_LEAF_CORES + 1] = { 0 };

	bounds: for (uint32_t c = 0; c <= LLK_LEAF_CORES; c++) {
		LL_HLS(PIPELINE II=1)
		if (first + c > n)
			break;
		bound[c] = offsets[first + c];
	}

	spans: for (uint32_t c = 0; c < LLK_LEAF_CORES; c++) {
		LL_HLS(UNROLL)
		bool live = first + c < n;
		begin[c] = live ? bound[c] : 0;
		len[c] = live ? bound[c + 1] - bound[c] : 0;
	}
}

/*
 * Data beat `beat` (bytes 64 beat - 64 .. 64 beat - 1: beat 0 is the one before
 * the buffer and reads as zeros), only the words that hold bytes of the record
 * [begin, end): a record may end the buffer, and one beat may hold two records.
 */
static void read_beat(const uint32_t *data, uint32_t beat, uint32_t begin, uint32_t end,
		      uint32_t words[LLK_BEAT_WORDS])
{
	words: for (uint32_t i = 0; i < LLK_BEAT_WORDS; i++) {
		LL_HLS(UNROLL)
		uint32_t word = (beat - 1) * LLK_BEAT_WORDS + i;	/* unused when beat == 0 */
		bool in_record = beat > 0 && word * 4 + 4 > begin && word * 4 < end;
		words[i] = in_record ? data[word] : 0;
	}
}

/*
 * Block s of a record's leaf message 0x00 || record || padding, as 16 big-endian
 * words, from the two beats that hold it (lo, then hi): message byte p is data
 * byte begin - 1 + p, so block byte i is byte shift + i of the 128-byte window,
 * shift = (begin - 1) mod 64 for every block of the record.
 */
static void pack_block(const uint32_t lo[LLK_BEAT_WORDS], const uint32_t hi[LLK_BEAT_WORDS],
		       uint32_t shift, uint32_t len, uint32_t s, uint32_t block[LLK_BLOCK_WORDS])
{
	pack: for (uint32_t i = 0; i < LLK_BLOCK_WORDS; i++) {
		LL_HLS(UNROLL)
		uint32_t w = 0;
		bytes: for (uint32_t j = 0; j < 4; j++) {
			LL_HLS(UNROLL)
			uint32_t p = s * LLK_BLOCK_BYTES + 4 * i + j;
			uint32_t q = shift + 4 * i + j;		/* in the window: at most 126 */
			uint32_t word = q / 4 < LLK_BEAT_WORDS ? lo[q / 4] :
								  hi[q / 4 - LLK_BEAT_WORDS];
			uint32_t byte;
			if (p == 0)
				byte = LLK_LEAF_PREFIX;
			else if (p <= len)
				byte = word >> 8 * (q % 4) & 0xff;
			else
				byte = llk_pad_byte(p, len + 1);
			w = w << 8 | byte;	/* big-endian: the first byte is the top one */
		}
		block[i] = w;
	}
}

/*
 * Load: the records' padded blocks in step order (block s of every core's
 * record before block s + 1), each core's into its own FIFO, reading each beat
 * of a record once. A block spans two beats and the next block the second of
 * them and one more, so pass t reads one beat a core and packs block t - 1 from
 * the beat the core held and the new one (pass 0 only reads). nblocks[c] is 0
 * for a core with no record.
 */
static void load_blocks(const uint32_t *data, uint32_t n, uint32_t g,
			const uint32_t begin[LLK_LEAF_CORES], const uint32_t len[LLK_LEAF_CORES],
			uint32_t nblocks[LLK_LEAF_CORES],
			uint32_t blocks[LLK_LEAF_CORES][LEAF_MAX_BLOCKS][LLK_BLOCK_WORDS])
{
	uint32_t first = g * LLK_LEAF_CORES;
	uint32_t held[LLK_LEAF_CORES][LLK_BEAT_WORDS];	/* each core's last beat */
	LL_HLS(ARRAY_PARTITION variable=held complete dim=2)
	/*
	 * A core's held beat is read and replaced once a pass, LLK_LEAF_CORES
	 * iterations apart, both where the new beat arrives: the loop can keep
	 * II=1 (to be confirmed by the synthesis report).
	 */
	LL_HLS(DEPENDENCE variable=held inter distance=LLK_LEAF_CORES true)
	uint32_t nsteps = 0;

	steps: for (uint32_t c = 0; c < LLK_LEAF_CORES; c++) {
		LL_HLS(UNROLL)
		nblocks[c] = first + c < n ? llk_md_blocks(len[c] + 1) : 0;
		nsteps = nblocks[c] > nsteps ? nblocks[c] : nsteps;
	}

	/* one pipelined loop over passes and cores: one AXI read port, a beat a cycle */
	feed: for (uint32_t k = 0; k < (LEAF_MAX_BLOCKS + 1) * LLK_LEAF_CORES; k++) {
		LL_HLS(PIPELINE II=1)
		if (k == (nsteps + 1) * LLK_LEAF_CORES)
			break;
		uint32_t t = k / LLK_LEAF_CORES, c = k % LLK_LEAF_CORES;
		if (t > nblocks[c])
			continue;	/* no record, or its blocks are out */
		/* message byte 0 sits in beat (begin + 63) / 64, counting beat 0 as the
		 * one before the buffer (read_beat), so pass t reads that one + t */
		uint32_t beat = (begin[c] + LLK_BEAT_BYTES - 1) / LLK_BEAT_BYTES + t;
		uint32_t shift = (begin[c] + LLK_BEAT_BYTES - 1) % LLK_BEAT_BYTES;
		uint32_t words[LLK_BEAT_WORDS];
		read_beat(data, beat, begin[c], begin[c] + len[c], words);
		if (t > 0)
			pack_block(held[c], words, shift, len[c], t - 1, blocks[c][t - 1]);
		keep: for (uint32_t i = 0; i < LLK_BEAT_WORDS; i++) {
			LL_HLS(UNROLL)
			held[c][i] = words[i];
		}
	}
}

/*
 * Compute: core c hashes record first + c, one block a step, all cores at once;
 * a core whose record is done idles until the group's longest one is.
 */
static void hash_group(uint32_t alg, const uint32_t nblocks[LLK_LEAF_CORES],
		       uint32_t blocks[LLK_LEAF_CORES][LEAF_MAX_BLOCKS][LLK_BLOCK_WORDS],
		       uint32_t digests[LLK_LEAF_CORES][LLK_DIGEST_WORDS])
{
	uint32_t state[LLK_LEAF_CORES][8];
	LL_HLS(ARRAY_PARTITION variable=state complete dim=0)
	uint32_t nsteps = 0;

	init: for (uint32_t c = 0; c < LLK_LEAF_CORES; c++) {
		LL_HLS(UNROLL)
		llk_hash_init(alg, state[c]);
		nsteps = nblocks[c] > nsteps ? nblocks[c] : nsteps;
	}

	step: for (uint32_t s = 0; s < LEAF_MAX_BLOCKS; s++) {
		if (s == nsteps)
			break;
		cores: for (uint32_t c = 0; c < LLK_LEAF_CORES; c++) {
			LL_HLS(UNROLL)
			if (s < nblocks[c])
				llk_hash_block(alg, state[c], blocks[c][s]);
		}
	}

	out: for (uint32_t c = 0; c < LLK_LEAF_CORES; c++) {
		LL_HLS(UNROLL)
		words: for (uint32_t j = 0; j < LLK_DIGEST_WORDS; j++)
			digests[c][j] = state[c][j];
	}
}

/* Store: the group's leaves as the ABI's words, the digest bytes in order, a beat a cycle. */
static void store_group(uint32_t digests[LLK_LEAF_CORES][LLK_DIGEST_WORDS], uint32_t n,
			uint32_t g, uint32_t *leaves)
{
	uint32_t first = g * LLK_LEAF_CORES;

	store: for (uint32_t b = 0; b < LLK_LEAF_CORES * LLK_DIGEST_WORDS / LLK_BEAT_WORDS; b++) {
		LL_HLS(PIPELINE II=1)
		if (first + b * LLK_BEAT_WORDS / LLK_DIGEST_WORDS >= n)
			break;
		words: for (uint32_t i = 0; i < LLK_BEAT_WORDS; i++) {
			LL_HLS(UNROLL)
			uint32_t k = b * LLK_BEAT_WORDS + i;
			uint32_t c = k / LLK_DIGEST_WORDS, j = k % LLK_DIGEST_WORDS;
			if (first + c < n)	/* an odd last leaf fills half a beat */
				leaves[(first + c) * LLK_DIGEST_WORDS + j] =
					llk_bswap32(digests[c][j]);
		}
	}
}

/*
 * Records go to cores in groups: record i is hashed by core i % LLK_LEAF_CORES
 * in group i / LLK_LEAF_CORES. Each group passes four stages under DATAFLOW:
 *
 *   offsets --> load_bounds --spans--> load_blocks --blocks (a FIFO per core)--> hash_group
 *               (AXI reads)      data -->(AXI reads,                             (LLK_LEAF_CORES
 *                                         padding)                                cores)
 *                                                                                    |
 *   leaves <----------------------------- store_group <-----------digests-----------'
 *
 * so while the cores hash group g, the read ports load group g + 1 (and the
 * spans of g + 2) and the write port stores group g - 1: each stage pays its
 * own AXI latency in parallel with the others, and the cores, not the memory,
 * set the pace (hls/README.md, "The cycle model").
 */
void llk_leaves(const uint32_t *offsets, const uint32_t *data, uint32_t n, uint32_t alg,
		uint32_t *leaves, uint32_t *info)
{
	LL_HLS(INTERFACE m_axi port=offsets bundle=gmem0 offset=slave max_widen_bitwidth=512)
	LL_HLS(INTERFACE m_axi port=data bundle=gmem1 offset=slave max_widen_bitwidth=512)
	LL_HLS(INTERFACE m_axi port=leaves bundle=gmem2 offset=slave max_widen_bitwidth=512)
	LL_HLS(INTERFACE m_axi port=info bundle=gmem2 offset=slave)
	LL_HLS(INTERFACE s_axilite port=n)
	LL_HLS(INTERFACE s_axilite port=alg)
	LL_HLS(INTERFACE s_axilite port=return)

	uint32_t status = check_job(offsets, n, alg);

	if (status == LLK_STATUS_OK) {
		/*
		 * n <= LLK_MAX_RECORDS was checked, so ngroups <= MAX_GROUPS. The
		 * bound is the count itself, not a constant with a break: DATAFLOW
		 * overlaps iterations only of a loop without an early exit.
		 */
		uint32_t ngroups = (n + LLK_LEAF_CORES - 1) / LLK_LEAF_CORES;

		group: for (uint32_t g = 0; g < ngroups; g++) {
			LL_HLS(LOOP_TRIPCOUNT min=0 max=2048)	/* MAX_GROUPS */
			LL_HLS(DATAFLOW)
			uint32_t begin[LLK_LEAF_CORES], len[LLK_LEAF_CORES];
			uint32_t nblocks[LLK_LEAF_CORES];
			uint32_t digests[LLK_LEAF_CORES][LLK_DIGEST_WORDS];
			LL_HLS(ARRAY_PARTITION variable=digests complete dim=0)
			/* on chip a FIFO of a few blocks per core; in C simulation a whole group */
			uint32_t blocks[LLK_LEAF_CORES][LEAF_MAX_BLOCKS][LLK_BLOCK_WORDS];
			LL_HLS(ARRAY_PARTITION variable=blocks complete dim=1)
			LL_HLS(ARRAY_PARTITION variable=blocks complete dim=3)
			LL_HLS(STREAM variable=blocks depth=4)

			load_bounds(offsets, n, g, begin, len);
			load_blocks(data, n, g, begin, len, nblocks, blocks);
			hash_group(alg, nblocks, blocks, digests);
			store_group(digests, n, g, leaves);
		}
	}

	info[LLK_INFO_STATUS] = status;
	info[LLK_INFO_ABI] = LLK_ABI_VERSION;
	info[LLK_INFO_RECORDS] = status == LLK_STATUS_OK ? n : 0;
}
