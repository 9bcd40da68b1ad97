/* llk_model: prints the cycle model's table in hls/README.md, so its numbers can
 * be made again. A model, not a measurement: see hls/llk_model.h. */
#include <stdint.h>
#include <stdio.h>

#include "ll_job.h"
#include "llk_model.h"

/* The appliance's Ed25519 record, 128-byte payload: 44-byte header + payload + 64-byte sig. */
#define RECORD_BYTES (44 + 128 + 64)
/* The record size of the CPU figures in the top-level README ("Benchmarks"). */
#define CPU_BENCH_RECORD_BYTES 256

/* Core counts: the kernels as built first, then what-ifs around them. */
static const struct {
	unsigned leaf, merkle;
} configs[] = {
	{ LLK_LEAF_CORES, LLK_MERKLE_CORES },
	{ 8, 1 },
	{ 16, 8 },
	{ 32, 32 },
	{ 64, 32 },
};

int main(void)
{
	static const uint32_t algs[] = { LLK_ALG_SHA256, LLK_ALG_SM3 };
	static const char *const names[] = { "SHA-256", "SM3" };
	static const uint32_t jobs[] = { 1024, 65536 };
	const double clock = LLK_MODEL_CLOCK_HZ;
	const unsigned nconfigs = sizeof configs / sizeof configs[0];

	printf("Model at %.0f MHz, %u-byte records; a block takes %u cycles (SHA-256), "
	       "%u (SM3). Built: %u leaf cores, %u Merkle cores (*).\n\n",
	       clock / 1e6, RECORD_BYTES, llk_model_block_cycles(LLK_ALG_SHA256),
	       llk_model_block_cycles(LLK_ALG_SM3), LLK_LEAF_CORES, LLK_MERKLE_CORES);
	printf("| alg | records | leaf cores | Merkle cores | llk_leaves cycles | llk_merkle cycles "
	       "| job µs | leaves/s, llk_leaves | leaves/s, job | leaves/s, jobs overlapped |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (unsigned a = 0; a < 2; a++) {
		for (unsigned j = 0; j < 2; j++) {
			for (unsigned c = 0; c < nconfigs; c++) {
				uint32_t n = jobs[j];
				unsigned leaf = configs[c].leaf, merkle = configs[c].merkle;
				int built = c == 0;
				if (!built && leaf == LLK_LEAF_CORES && merkle == LLK_MERKLE_CORES)
					continue;	/* the built pair, already printed */
				uint64_t leaves = llk_model_leaves_cycles(algs[a], n, RECORD_BYTES,
									  leaf);
				uint64_t tree = llk_model_merkle_cycles(algs[a], n, merkle);
				uint64_t job = llk_model_job_cycles(algs[a], n, RECORD_BYTES, leaf,
								    merkle);
				printf("| %s | %u | %u%s | %u%s | %llu | %llu | %.1f | %.2fM | %.2fM "
				       "| %.2fM |\n",
				       names[a], n, leaf, built ? "*" : "", merkle, built ? "*" : "",
				       (unsigned long long)leaves, (unsigned long long)tree,
				       (double)job / clock * 1e6, n * clock / (double)leaves / 1e6,
				       n * clock / (double)job / 1e6,
				       llk_model_overlap_leaves_per_s(algs[a], n, RECORD_BYTES, leaf,
								      merkle, clock) / 1e6);
			}
		}
	}
	printf("\nFrom 1 to 16 cores of each kind, %u records of %u bytes:\n\n", LLK_MAX_RECORDS,
	       RECORD_BYTES);
	printf("| alg | leaf and Merkle cores | leaves/s, llk_leaves | leaves/s, job "
	       "| leaves/s, jobs overlapped |\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (unsigned a = 0; a < 2; a++) {
		for (unsigned cores = 1; cores <= 16; cores *= 2) {
			uint32_t n = LLK_MAX_RECORDS;
			uint64_t leaves = llk_model_leaves_cycles(algs[a], n, RECORD_BYTES, cores);
			uint64_t job = llk_model_job_cycles(algs[a], n, RECORD_BYTES, cores, cores);
			printf("| %s | %u | %.2fM | %.2fM | %.2fM |\n", names[a], cores,
			       n * clock / (double)leaves / 1e6, n * clock / (double)job / 1e6,
			       llk_model_overlap_leaves_per_s(algs[a], n, RECORD_BYTES, cores,
							      cores, clock) / 1e6);
		}
	}
	printf("\nThe built kernels on %u records of %u bytes, the CPU benchmarks' size:\n\n",
	       LLK_MAX_RECORDS, CPU_BENCH_RECORD_BYTES);
	printf("| alg | leaves/s, llk_leaves | leaves/s, job | leaves/s, jobs overlapped |\n");
	printf("|---|---:|---:|---:|\n");
	for (unsigned a = 0; a < 2; a++) {
		uint32_t n = LLK_MAX_RECORDS;
		uint64_t leaves = llk_model_leaves_cycles(algs[a], n, CPU_BENCH_RECORD_BYTES,
							  LLK_LEAF_CORES);
		printf("| %s | %.2fM | %.2fM | %.2fM |\n", names[a], n * clock / (double)leaves / 1e6,
		       llk_model_leaves_per_s(algs[a], n, CPU_BENCH_RECORD_BYTES, LLK_LEAF_CORES,
					      clock) / 1e6,
		       llk_model_overlap_leaves_per_s(algs[a], n, CPU_BENCH_RECORD_BYTES,
						      LLK_LEAF_CORES, LLK_MERKLE_CORES, clock) / 1e6);
	}
	return 0;
}
