/* A cycle model of the kernels, to size the card before synthesis: cycles and
 * leaves/s from each loop's trip count and initiation interval. Host-only C. */
#ifndef LLK_MODEL_H
#define LLK_MODEL_H

#include <stdint.h>

/*
 * What the pragmas say. Each mirrors one loop; change both together.
 */
#define LLK_MODEL_ROUNDS		64	/* llk_*_block rounds: the trip count */
#define LLK_MODEL_ROUND_II		1	/* llk_*_block rounds: PIPELINE II=1 */
#define LLK_MODEL_SCAN_II		1	/* llk_leaves scan: a beat, 16 offsets */
#define LLK_MODEL_BOUNDS_II		1	/* load_bounds bounds: an offset a cycle */
#define LLK_MODEL_FEED_II		1	/* load_blocks feed: a beat a core a pass */
#define LLK_MODEL_STORE_II		1	/* store_group store: a beat, two leaves */
#define LLK_MODEL_BURST_II		1	/* llk_merkle burst: a beat, two leaves */
#define LLK_MODEL_CHUNK_LEAVES		512	/* llk_merkle: LLK_MERKLE_CHUNK */

/*
 * What the pragmas do not fix: estimates, to be replaced by the numbers of a
 * synthesis report (iteration latencies) and of a card (memory latency).
 */
#define LLK_MODEL_ROUND_DEPTH_SHA256	3	/* one round's latency through the pipeline */
#define LLK_MODEL_ROUND_DEPTH_SM3	4	/* SM3's round has the longer add chain */
#define LLK_MODEL_BLOCK_SETUP		2	/* schedule load in, feed-forward add out */
#define LLK_MODEL_NODE_SETUP		2	/* packing a node's 65 bytes into blocks */
#define LLK_MODEL_ROUND_SETUP		2	/* llk_merkle: a round's gather and scatter */
#define LLK_MODEL_PUSH_CYCLES		2	/* a subtree onto the stack, heights compared */
#define LLK_MODEL_AXI_READ_LATENCY	64	/* read request to first beat */
#define LLK_MODEL_AXI_WRITE_LATENCY	64	/* last write to its response */
#define LLK_MODEL_BEAT_BYTES		64	/* 512-bit AXI: 64 bytes a cycle */
#define LLK_MODEL_INFO_WORDS		3	/* status, ABI, records */
#define LLK_MODEL_CLOCK_HZ		300e6	/* the Alveo platform's kernel clock */

/*
 * llk_model_block_cycles - cycles for one 64-byte block through one core
 * (LLK_ALG_SHA256 or LLK_ALG_SM3); 0 for another alg.
 */
uint32_t llk_model_block_cycles(uint32_t alg);

/*
 * llk_model_leaves_cycles - cycles of llk_leaves on n records of record_bytes
 * each with `cores` hash cores (the kernel is built with LLK_LEAF_CORES; other
 * counts are what-ifs): the offset scan, then groups of `cores` records through
 * bounds / load / hash / store overlapped by DATAFLOW (the first group's stages
 * in series, each later group the slowest stage). 0 for an unknown alg,
 * cores == 0, n > LLK_MAX_RECORDS or record_bytes > LLK_MAX_RECORD_BYTES.
 */
uint64_t llk_model_leaves_cycles(uint32_t alg, uint32_t n, uint32_t record_bytes,
				 unsigned cores);

/*
 * llk_model_merkle_cycles - cycles of llk_merkle on n leaves with `cores` node
 * cores (built with LLK_MERKLE_CORES; others are what-ifs): per chunk of
 * LLK_MODEL_CHUNK_LEAVES a burst, then its subtrees level by level, a round of
 * up to `cores` nodes (two blocks each) at a time, and the merges on the stack;
 * then the fold. 0 for an unknown alg, cores == 0 or n > LLK_MAX_RECORDS.
 */
uint64_t llk_model_merkle_cycles(uint32_t alg, uint32_t n, unsigned cores);

/*
 * llk_model_job_cycles - one job alone, llk_leaves then llk_merkle; the host's
 * launch and DMA time are not in it. 0 when either is invalid.
 */
uint64_t llk_model_job_cycles(uint32_t alg, uint32_t n, uint32_t record_bytes,
			      unsigned leaf_cores, unsigned merkle_cores);

/*
 * llk_model_leaves_per_s - one job's rate, n / (job cycles / clock_hz): leaves
 * with their tree head, `cores` leaf cores and the built LLK_MERKLE_CORES. 0
 * when the job is invalid or n == 0.
 */
double llk_model_leaves_per_s(uint32_t alg, uint32_t n, uint32_t record_bytes, unsigned cores,
			      double clock_hz);

/*
 * llk_model_overlap_leaves_per_s - the rate of a stream of such jobs when the
 * host keeps two or more in flight, so that llk_leaves runs job k + 1 while
 * llk_merkle runs job k (each kernel is its own compute unit): n over the
 * slower kernel. 0 when the job is invalid or n == 0.
 */
double llk_model_overlap_leaves_per_s(uint32_t alg, uint32_t n, uint32_t record_bytes,
				      unsigned leaf_cores, unsigned merkle_cores,
				      double clock_hz);

#endif /* LLK_MODEL_H */
