/* The kernels' cycle model: each kernel's loops, trip count times initiation
 * interval, added up as the code runs them. A model, not a measurement. */
#include <stdint.h>

#include "ll_job.h"
#include "llk_hash.h"
#include "llk_model.h"

/* A pass of the feed loop reads one beat a core: a block is one beat wide. */
_Static_assert(LLK_MODEL_BEAT_BYTES == LLK_BEAT_BYTES && LLK_BLOCK_BYTES == LLK_BEAT_BYTES,
	       "the feed loop reads a block's worth a beat");
_Static_assert(LLK_MODEL_CHUNK_LEAVES == LLK_MERKLE_CHUNK, "the model's chunk is the kernel's");

#define LEAVES_PER_BEAT (LLK_MODEL_BEAT_BYTES / LLK_DIGEST_BYTES)

static uint64_t max2(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint32_t llk_model_block_cycles(uint32_t alg)
{
	uint32_t depth;

	if (alg == LLK_ALG_SHA256)
		depth = LLK_MODEL_ROUND_DEPTH_SHA256;
	else if (alg == LLK_ALG_SM3)
		depth = LLK_MODEL_ROUND_DEPTH_SM3;
	else
		return 0;
	/* a pipelined loop: the last round starts (trips - 1) * II after the first */
	return (LLK_MODEL_ROUNDS - 1) * LLK_MODEL_ROUND_II + depth + LLK_MODEL_BLOCK_SETUP;
}

/* The slowest of llk_leaves' four stages on a group of `count` records, or (first) their sum. */
static uint64_t group_cycles(uint32_t alg, uint32_t count, uint32_t record_bytes, unsigned cores,
			     int first)
{
	uint64_t steps = llk_md_blocks(record_bytes + 1);	/* 0x00 || record, padded */
	/* load_bounds: count + 1 offsets */
	uint64_t bounds = LLK_MODEL_AXI_READ_LATENCY + (uint64_t)(count + 1) * LLK_MODEL_BOUNDS_II;
	/* load_blocks: steps + 1 passes over every core, a beat each */
	uint64_t load = LLK_MODEL_AXI_READ_LATENCY + (steps + 1) * cores * LLK_MODEL_FEED_II;
	/* hash_group: the cores in step, a block each a step */
	uint64_t hash = steps * llk_model_block_cycles(alg);
	/* store_group: two leaves a beat */
	uint64_t store = (uint64_t)(count + LEAVES_PER_BEAT - 1) / LEAVES_PER_BEAT *
				 LLK_MODEL_STORE_II +
			 LLK_MODEL_AXI_WRITE_LATENCY;

	if (first)
		return bounds + load + hash + store;
	return max2(max2(bounds, load), max2(hash, store));
}

uint64_t llk_model_leaves_cycles(uint32_t alg, uint32_t n, uint32_t record_bytes,
				 unsigned cores)
{
	if (!llk_model_block_cycles(alg) || cores == 0 || n > LLK_MAX_RECORDS ||
	    record_bytes > LLK_MAX_RECORD_BYTES)
		return 0;

	/* check_job reads every offset before anything is hashed */
	uint64_t cycles = LLK_MODEL_AXI_READ_LATENCY +
			  (uint64_t)(n + 1 + LLK_BEAT_WORDS - 1) / LLK_BEAT_WORDS * LLK_MODEL_SCAN_II;
	uint32_t groups = (n + cores - 1) / cores;

	for (uint32_t g = 0; g < groups; g++) {
		uint32_t count = n - g * cores < cores ? n - g * cores : cores;
		/* DATAFLOW: the first group fills the pipeline, each later one adds
		 * its slowest stage */
		cycles += group_cycles(alg, count, record_bytes, cores, g == 0);
	}
	return cycles + LLK_MODEL_INFO_WORDS + LLK_MODEL_AXI_WRITE_LATENCY;
}

/* build_subtree on 2^height leaves: each level's nodes in rounds of up to `cores`. */
static uint64_t subtree_rounds(uint32_t height, unsigned cores)
{
	uint64_t rounds = 0;

	for (uint32_t level = 0; level < height; level++) {
		uint32_t width = 1u << (height - level - 1);
		rounds += (width + cores - 1) / cores;
	}
	return rounds;
}

uint64_t llk_model_merkle_cycles(uint32_t alg, uint32_t n, unsigned cores)
{
	uint32_t block = llk_model_block_cycles(alg);

	if (!block || cores == 0 || n > LLK_MAX_RECORDS)
		return 0;

	uint64_t round = LLK_MODEL_ROUND_SETUP + LLK_MODEL_NODE_SETUP + 2 * (uint64_t)block;
	uint32_t height[LLK_MERKLE_DEPTH];	/* the kernel's stack, heights only */
	uint32_t top = 0;
	uint64_t cycles = 0;

	for (uint32_t first = 0; first < n; first += LLK_MODEL_CHUNK_LEAVES) {
		uint32_t count = n - first < LLK_MODEL_CHUNK_LEAVES ? n - first :
								      LLK_MODEL_CHUNK_LEAVES;
		cycles += LLK_MODEL_AXI_READ_LATENCY +
			  (uint64_t)(count + LEAVES_PER_BEAT - 1) / LEAVES_PER_BEAT *
				  LLK_MODEL_BURST_II;
		for (uint32_t i = 0; i <= LLK_MERKLE_CHUNK_LOG; i++) {
			uint32_t h = LLK_MERKLE_CHUNK_LOG - i;
			if (!(count >> h & 1))
				continue;
			cycles += subtree_rounds(h, cores) * round + LLK_MODEL_PUSH_CYCLES;
			height[top++] = h;
			while (top >= 2 && height[top - 1] == height[top - 2]) {
				cycles += round;	/* a merge: one core busy */
				top--;
				height[top - 1]++;
			}
		}
	}
	if (n == 0)
		cycles += LLK_MODEL_NODE_SETUP + block;	/* H() is one block */
	else
		cycles += (uint64_t)(top - 1) * round;	/* the fold */
	return cycles + LLK_DIGEST_WORDS + LLK_MODEL_INFO_WORDS + LLK_MODEL_AXI_WRITE_LATENCY;
}

uint64_t llk_model_job_cycles(uint32_t alg, uint32_t n, uint32_t record_bytes,
			      unsigned leaf_cores, unsigned merkle_cores)
{
	uint64_t leaves = llk_model_leaves_cycles(alg, n, record_bytes, leaf_cores);
	uint64_t merkle = llk_model_merkle_cycles(alg, n, merkle_cores);

	return leaves && merkle ? leaves + merkle : 0;
}

double llk_model_leaves_per_s(uint32_t alg, uint32_t n, uint32_t record_bytes, unsigned cores,
			      double clock_hz)
{
	uint64_t cycles = llk_model_job_cycles(alg, n, record_bytes, cores, LLK_MERKLE_CORES);

	if (!cycles || n == 0 || !(clock_hz > 0))
		return 0;
	return (double)n * clock_hz / (double)cycles;
}

double llk_model_overlap_leaves_per_s(uint32_t alg, uint32_t n, uint32_t record_bytes,
				      unsigned leaf_cores, unsigned merkle_cores,
				      double clock_hz)
{
	uint64_t leaves = llk_model_leaves_cycles(alg, n, record_bytes, leaf_cores);
	uint64_t merkle = llk_model_merkle_cycles(alg, n, merkle_cores);

	if (!leaves || !merkle || n == 0 || !(clock_hz > 0))
		return 0;
	return (double)n * clock_hz / (double)max2(leaves, merkle);
}
