/* C simulation of the kernels under gcc: the block cores on the published vectors,
 * both kernels on the RFC 6962 reference tree and against host/crypto (random jobs,
 * beat, group and chunk boundaries), every bad-job status, and the cycle model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_hash.h"
#include "ll_job.h"
#include "ll_merkle.h"
#include "llk_hash.h"
#include "llk_model.h"
#include "ll_test_util.h"

#define MAX_MSG		(64 * 1024)
#define POISON		0xa5a5a5a5u	/* fills output buffers a bad job must not touch */
#define REF_LEAVES	8		/* the RFC 6962 reference tree */

static const uint32_t algs[] = { LLK_ALG_SHA256, LLK_ALG_SM3 };

/* ---- helpers ---- */

/*
 * The raw digest of msg through the block cores alone: the padding is done here,
 * so a fault in the cores cannot hide behind the kernels' own padding.
 */
static void raw_hash(uint32_t alg, const uint8_t *msg, uint32_t len, uint8_t out[32])
{
	uint32_t state[8], block[LLK_BLOCK_WORDS];
	uint32_t nblocks = llk_md_blocks(len);

	if (alg == LLK_ALG_SM3)
		llk_sm3_init(state);
	else
		llk_sha256_init(state);
	for (uint32_t b = 0; b < nblocks; b++) {
		for (uint32_t i = 0; i < LLK_BLOCK_WORDS; i++) {
			uint32_t w = 0;
			for (uint32_t j = 0; j < 4; j++) {
				uint32_t p = b * LLK_BLOCK_BYTES + 4 * i + j;
				w = w << 8 | (p < len ? msg[p] : llk_pad_byte(p, len));
			}
			block[i] = w;
		}
		if (alg == LLK_ALG_SM3)
			llk_sm3_block(state, block);
		else
			llk_sha256_block(state, block);
	}
	for (uint32_t k = 0; k < 32; k++)
		out[k] = (uint8_t)(state[k / 4] >> 8 * (3 - k % 4));
}

/*
 * len bytes as the ABI's words (byte k is word[k / 4] >> 8 * (k % 4)), in a
 * buffer of exactly the words they need, so ASan catches a kernel that reads
 * past the last record.
 */
static uint32_t *to_words(const uint8_t *bytes, size_t len)
{
	size_t nwords = (len + 3) / 4;
	uint32_t *words = calloc(nwords ? nwords : 1, sizeof *words);

	assert_non_null(words);
	for (size_t k = 0; k < len; k++)
		words[k / 4] |= (uint32_t)bytes[k] << 8 * (k % 4);
	return words;
}

static void from_words(const uint32_t *words, size_t len, uint8_t *bytes)
{
	for (size_t k = 0; k < len; k++)
		bytes[k] = (uint8_t)(words[k / 4] >> 8 * (k % 4));
}

static void assert_info(const uint32_t info[LLK_INFO_WORDS], uint32_t status, uint32_t records)
{
	assert_int_equal(info[LLK_INFO_STATUS], status);
	assert_int_equal(info[LLK_INFO_ABI], LLK_ABI_VERSION);
	assert_int_equal(info[LLK_INFO_RECORDS], records);
}

/* llk_merkle on n leaf digests given as bytes; the root as bytes. */
static void kernel_root(uint32_t alg, const uint8_t *leaves, uint32_t n, uint8_t root[32])
{
	uint32_t *leaf_words = to_words(leaves, (size_t)n * 32);
	uint32_t root_words[LLK_DIGEST_WORDS], info[LLK_INFO_WORDS];

	llk_merkle(leaf_words, n, alg, root_words, info);
	assert_info(info, LLK_STATUS_OK, n);
	from_words(root_words, 32, root);
	free(leaf_words);
}

/* llk_leaves then llk_merkle on a job given as bytes, as a host drives them. */
static void kernel_job(uint32_t alg, const uint32_t *offsets, uint32_t n, const uint8_t *data,
		       uint8_t *leaves, uint8_t root[32])
{
	uint32_t *data_words = to_words(data, offsets[n]);
	uint32_t *leaf_words = calloc(n ? (size_t)n * LLK_DIGEST_WORDS : 1, sizeof *leaf_words);
	uint32_t info[LLK_INFO_WORDS];

	assert_non_null(leaf_words);
	llk_leaves(offsets, data_words, n, alg, leaf_words, info);
	assert_info(info, LLK_STATUS_OK, n);
	from_words(leaf_words, (size_t)n * 32, leaves);
	free(leaf_words);
	free(data_words);
	kernel_root(alg, leaves, n, root);
}

/* The kernels against host/crypto on one job: every leaf and the root. */
static void check_job_matches_host(uint32_t alg, const uint32_t *offsets, uint32_t n,
				   const uint8_t *data)
{
	size_t bytes = n ? (size_t)n * 32 : 1;
	uint8_t *want = malloc(bytes), *got = malloc(bytes);
	uint8_t want_root[32], got_root[32];

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, offsets, n, data, want), 0);
	assert_int_equal(ll_merkle_root(alg, n, want, want_root), 0);
	kernel_job(alg, offsets, n, data, got, got_root);
	if (memcmp(got, want, (size_t)n * 32) != 0)
		fail_msg("%s leaves of %u records differ from host/crypto",
			 ll_hash_alg_name(alg), n);
	if (memcmp(got_root, want_root, sizeof want_root) != 0)
		fail_msg("%s root of %u leaves differs from host/crypto", ll_hash_alg_name(alg), n);
	free(want);
	free(got);
}

/* A job of records with the given lengths, random bytes, the first at first_offset. */
static void check_lengths(uint32_t alg, const uint32_t *lens, uint32_t n, uint32_t first_offset,
			  uint64_t *seed)
{
	uint32_t *offsets = malloc((n + 1) * sizeof *offsets);

	assert_non_null(offsets);
	offsets[0] = first_offset;
	for (uint32_t i = 0; i < n; i++)
		offsets[i + 1] = offsets[i] + lens[i];
	uint8_t *data = malloc(offsets[n] + 1);
	assert_non_null(data);
	test_fill_random(seed, data, offsets[n] + 1);
	check_job_matches_host(alg, offsets, n, data);
	free(data);
	free(offsets);
}

/* ---- the block cores on published vectors ---- */

/* The SHA-256 core on one CAVP record. */
static void check_cavp_record(const uint8_t *msg, size_t len, const uint8_t *md)
{
	uint8_t got[32];
	raw_hash(LLK_ALG_SHA256, msg, (uint32_t)len, got);
	assert_memory_equal(got, md, sizeof got);
}

static void test_sha256_core_cavp(void **state)
{
	(void)state;
	assert_int_equal(test_for_each_cavp("sha256/SHA256ShortMsg.rsp", check_cavp_record), 65);
	assert_int_equal(test_for_each_cavp("sha256/SHA256LongMsg.rsp", check_cavp_record), 64);
}

/* GB/T 32905 Appendix A and the GmSSL and Botan vectors: `<len> <hex or -> <digest>`. */
static void test_sm3_core_vectors(void **state)
{
	(void)state;
	FILE *f = test_open_vector("sm3/sm3_vectors.txt");
	char *line = NULL;
	size_t cap = 0;
	uint8_t *msg = malloc(MAX_MSG);
	uint8_t md[32], got[32];
	int records = 0;

	assert_non_null(msg);
	while (getline(&line, &cap, f) > 0) {
		char hex[2 * 1024 + 1], md_hex[65];
		unsigned long len;
		if (line[0] == '#' || sscanf(line, "%lu %2048s %64s", &len, hex, md_hex) != 3)
			continue;
		long got_len = strcmp(hex, "-") == 0 ? 0 : test_hex_decode(hex, msg, MAX_MSG);
		assert_int_equal(got_len, len);
		assert_int_equal(test_hex_decode(md_hex, md, sizeof md), 32);
		raw_hash(LLK_ALG_SM3, msg, (uint32_t)len, got);
		if (memcmp(got, md, sizeof md) != 0)
			fail_msg("SM3 core wrong on the %lu-byte vector", len);
		records++;
	}
	free(line);
	free(msg);
	fclose(f);
	assert_int_equal(records, 139);
}

/* ---- the kernels on the RFC 6962 reference tree ---- */

struct reference {
	uint8_t data[REF_LEAVES][16];	/* the leaves' records */
	uint32_t len[REF_LEAVES];
	uint8_t leaf_hash[REF_LEAVES][32];	/* NODE 0 i */
	uint8_t root[REF_LEAVES + 1][32];	/* ROOT 0 .. 8 */
	uint8_t hashed[2][16];		/* LEAFHASH data and hash */
	uint32_t hashed_len[2];
	uint8_t hashed_want[2][32];
};

static void read_reference(struct reference *ref)
{
	FILE *f = test_open_vector("merkle/rfc6962_sha256_8leaf.txt");
	char *line = NULL;
	size_t cap = 0;
	int leaves = 0, roots = 0, nodes = 0, hashed = 0;

	memset(ref, 0, sizeof *ref);
	while (getline(&line, &cap, f) > 0) {
		char kind[16], a[128], b[128], c[128];
		int fields = sscanf(line, "%15s %127s %127s %127s", kind, a, b, c);
		if (fields < 3 || kind[0] == '#')
			continue;
		if (strcmp(kind, "LEAF") == 0) {
			int i = atoi(a);
			long len = strcmp(b, "-") == 0 ? 0 : test_hex_decode(b, ref->data[i], 16);
			assert_true(i >= 0 && i < REF_LEAVES && len >= 0);
			ref->len[i] = (uint32_t)len;
			leaves++;
		} else if (strcmp(kind, "ROOT") == 0) {
			int size = atoi(a);
			assert_true(size >= 0 && size <= REF_LEAVES);
			assert_int_equal(test_hex_decode(b, ref->root[size], 32), 32);
			roots++;
		} else if (strcmp(kind, "NODE") == 0 && fields == 4 && strcmp(a, "0") == 0) {
			int i = atoi(b);
			assert_true(i >= 0 && i < REF_LEAVES);
			assert_int_equal(test_hex_decode(c, ref->leaf_hash[i], 32), 32);
			nodes++;
		} else if (strcmp(kind, "LEAFHASH") == 0) {
			assert_true(hashed < 2);
			uint8_t *out = ref->hashed[hashed];
			long len = strcmp(a, "-") == 0 ? 0 : test_hex_decode(a, out, 16);
			assert_true(len >= 0);
			ref->hashed_len[hashed] = (uint32_t)len;
			assert_int_equal(test_hex_decode(b, ref->hashed_want[hashed], 32), 32);
			hashed++;
		}
	}
	free(line);
	fclose(f);
	assert_int_equal(leaves, REF_LEAVES);
	assert_int_equal(roots, REF_LEAVES + 1);
	assert_int_equal(nodes, REF_LEAVES);
	assert_int_equal(hashed, 2);
}

/* The reference tree's leaf hashes, as llk_leaves makes them from its records. */
static void reference_leaves(const struct reference *ref, uint8_t leaves[REF_LEAVES * 32])
{
	uint8_t data[REF_LEAVES * 16];
	uint32_t offsets[REF_LEAVES + 1] = { 0 };
	uint32_t *data_words, leaf_words[REF_LEAVES * LLK_DIGEST_WORDS], info[LLK_INFO_WORDS];

	for (int i = 0; i < REF_LEAVES; i++) {
		memcpy(data + offsets[i], ref->data[i], ref->len[i]);
		offsets[i + 1] = offsets[i] + ref->len[i];
	}
	data_words = to_words(data, offsets[REF_LEAVES]);
	llk_leaves(offsets, data_words, REF_LEAVES, LLK_ALG_SHA256, leaf_words, info);
	assert_info(info, LLK_STATUS_OK, REF_LEAVES);
	from_words(leaf_words, REF_LEAVES * 32, leaves);
	free(data_words);
}

static void test_kernels_rfc6962_reference_tree(void **state)
{
	(void)state;
	struct reference ref;
	uint8_t leaves[REF_LEAVES * 32], root[32];

	read_reference(&ref);
	reference_leaves(&ref, leaves);
	assert_memory_equal(leaves, ref.leaf_hash, sizeof leaves);
	for (uint32_t size = 0; size <= REF_LEAVES; size++) {
		kernel_root(LLK_ALG_SHA256, leaves, size, root);
		if (memcmp(root, ref.root[size], sizeof root) != 0)
			fail_msg("root of the first %u reference leaves is wrong", size);
	}

	/* LEAFHASH: the two records as one job, the second at an odd offset */
	uint8_t data[32], got[2 * 32];
	uint32_t offsets[3] = { 0, ref.hashed_len[0], ref.hashed_len[0] + ref.hashed_len[1] };
	memcpy(data, ref.hashed[0], ref.hashed_len[0]);
	memcpy(data + offsets[1], ref.hashed[1], ref.hashed_len[1]);
	kernel_job(LLK_ALG_SHA256, offsets, 2, data, got, root);
	assert_memory_equal(got, ref.hashed_want, sizeof got);
}

/*
 * The valid transparency-dev probes name tree heads: a tree of one leaf is its
 * leaf hash; any larger one is a head of the reference tree. llk_merkle must
 * make each from the leaves. Hashes of other lengths are probes of a verifier
 * and are skipped.
 */
static int check_probe_head(const uint8_t ref_leaves[REF_LEAVES * 32], const char *size_text,
			    const char *leaf_hex, const char *root_hex)
{
	uint8_t leaf[32], want[32], got[32];
	unsigned long long size = strtoull(size_text, NULL, 10);

	if (test_hex_decode(root_hex, want, sizeof want) != 32)
		return 0;
	if (size == 1) {
		if (test_hex_decode(leaf_hex, leaf, sizeof leaf) != 32)
			return 0;
		kernel_root(LLK_ALG_SHA256, leaf, 1, got);
	} else {
		assert_true(size >= 2 && size <= REF_LEAVES);
		kernel_root(LLK_ALG_SHA256, ref_leaves, (uint32_t)size, got);
	}
	if (memcmp(got, want, sizeof want) != 0)
		fail_msg("head of a probe's %llu-leaf tree is wrong", size);
	return 1;
}

static void test_merkle_transparency_dev_heads(void **state)
{
	(void)state;
	struct reference ref;
	uint8_t ref_leaves[REF_LEAVES * 32];
	FILE *f = test_open_vector("merkle/transparency_dev_probes.txt");
	char *line = NULL;
	size_t cap = 0;
	int checked = 0;

	read_reference(&ref);
	reference_leaves(&ref, ref_leaves);
	while (getline(&line, &cap, f) > 0) {
		char kind[16], expect[16], a[32], b[32], c[160], d[160];
		int fields = sscanf(line, "%15s %15s %31s %31s %159s %159s", kind, expect, a, b,
				    c, d);
		if (fields != 6 || strcmp(expect, "valid") != 0)
			continue;
		if (strcmp(kind, "INCLUSION") == 0) {
			/* INCLUSION valid <leafIdx> <treeSize> <leafHash> <root> ... */
			checked += check_probe_head(ref_leaves, b, c, d);
		} else if (strcmp(kind, "CONSISTENCY") == 0) {
			/* CONSISTENCY valid <size1> <size2> <root1> <root2> ...: a one-leaf
			 * tree's head is its leaf, so the root stands in for the leaf */
			checked += check_probe_head(ref_leaves, a, c, c);
			checked += check_probe_head(ref_leaves, b, d, d);
		}
	}
	free(line);
	fclose(f);
	assert_int_equal(checked, 16);
}

/* ---- the kernels against host/crypto ---- */

/* Lengths 0..299 in one job at an odd start: every padding boundary, both cores. */
static void test_leaves_every_padding_boundary(void **state)
{
	(void)state;
	uint32_t lens[300];
	uint64_t seed = 0xb10c;

	for (uint32_t i = 0; i < LL_ARRAY_LEN(lens); i++)
		lens[i] = i;
	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++)
		check_lengths(algs[a], lens, LL_ARRAY_LEN(lens), 3, &seed);
}

/* Records of LLK_MAX_RECORD_BYTES: 1025 blocks, the most a core runs for one leaf. */
static void test_leaves_longest_records(void **state)
{
	(void)state;
	const uint32_t lens[] = { LLK_MAX_RECORD_BYTES, 0, LLK_MAX_RECORD_BYTES, 1 };
	uint64_t seed = 0x10a6;

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++)
		check_lengths(algs[a], lens, LL_ARRAY_LEN(lens), 1, &seed);
}

/* Jobs of 0..40 short records: part-filled last groups, every small tree shape. */
static void test_small_jobs(void **state)
{
	(void)state;
	uint32_t lens[40];
	uint64_t seed = 0x5a11;

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		for (uint32_t n = 0; n <= LL_ARRAY_LEN(lens); n++) {
			for (uint32_t i = 0; i < n; i++)
				lens[i] = (uint32_t)(test_rand(&seed) % 130);
			check_lengths(algs[a], lens, n, (uint32_t)(test_rand(&seed) % 5), &seed);
		}
	}
}

/*
 * Random jobs: 0..4096 records of 0..1200 bytes, the first record sometimes
 * past offset 0 (a job cut from a bigger buffer), both algorithms.
 */
static void test_random_jobs_match_host(void **state)
{
	(void)state;
	const int jobs_per_alg = 5;
	uint32_t *lens = malloc(4096 * sizeof *lens);
	uint64_t seed = 0x1ed9e71e;

	assert_non_null(lens);
	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		for (int job = 0; job < jobs_per_alg; job++) {
			uint32_t n = job == 0 ? 4096 : (uint32_t)(test_rand(&seed) % 4097);
			uint32_t first = test_rand(&seed) % 3 == 0 ?
						 1 + (uint32_t)(test_rand(&seed) % 1000) : 0;
			for (uint32_t i = 0; i < n; i++)
				lens[i] = (uint32_t)(test_rand(&seed) % 1201);
			check_lengths(algs[a], lens, n, first, &seed);
		}
	}
	free(lens);
}

/* The most records a job may hold, all empty: the scan and the group loop at their bounds. */
static void test_leaves_max_records(void **state)
{
	(void)state;
	uint32_t *lens = calloc(LLK_MAX_RECORDS, sizeof *lens);
	uint64_t seed = 0xf011;

	assert_non_null(lens);
	check_lengths(LLK_ALG_SM3, lens, LLK_MAX_RECORDS, 0, &seed);
	free(lens);
}

/*
 * The loader reads whole beats and keeps one per core: a job starting at every
 * byte of a beat (0..64), records that end, fill and cross beats, both cores.
 */
static void test_leaves_every_beat_alignment(void **state)
{
	(void)state;
	const uint32_t lens[] = { 63, 64, 65, 0, 127, 128, 1, 191, 62 };
	uint64_t seed = 0xa11e;

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++)
		for (uint32_t first = 0; first <= LLK_BEAT_BYTES; first++)
			check_lengths(algs[a], lens, LL_ARRAY_LEN(lens), first, &seed);
}

/* Jobs around the group size: a part-filled last group, an odd last leaf in a beat. */
static void test_leaves_group_boundaries(void **state)
{
	(void)state;
	const uint32_t sizes[] = { LLK_LEAF_CORES - 1, LLK_LEAF_CORES, LLK_LEAF_CORES + 1,
				   2 * LLK_LEAF_CORES - 1, 2 * LLK_LEAF_CORES + 1,
				   3 * LLK_LEAF_CORES };
	uint32_t lens[3 * LLK_LEAF_CORES];
	uint64_t seed = 0x960c;

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		for (size_t k = 0; k < LL_ARRAY_LEN(sizes); k++) {
			for (uint32_t i = 0; i < sizes[k]; i++)
				lens[i] = (uint32_t)(test_rand(&seed) % 300);
			check_lengths(algs[a], lens, sizes[k], (uint32_t)(test_rand(&seed) % 70),
				      &seed);
		}
	}
}

/* ---- bad jobs: a status, and nothing written to leaves or root ---- */

struct bad_job {
	const char *what;
	uint32_t alg, n;
	uint32_t given;		/* offsets the buffer holds: ASan faults a read past them */
	uint32_t offsets[4];
	uint32_t status;
};

static void test_leaves_rejects_bad_jobs(void **state)
{
	(void)state;
	static const struct bad_job jobs[] = {
		{ "alg 0", 0, 2, 3, { 0, 10, 20 }, LLK_STATUS_BAD_ALG },
		{ "alg 3", 3, 2, 3, { 0, 10, 20 }, LLK_STATUS_BAD_ALG },
		/* a count that is too big is refused before any offset is read */
		{ "n too big", LLK_ALG_SHA256, LLK_MAX_RECORDS + 1, 1, { 0 },
		  LLK_STATUS_TOO_MANY },
		{ "decreasing", LLK_ALG_SHA256, 3, 4, { 0, 10, 5, 20 }, LLK_STATUS_BAD_OFFSETS },
		{ "past the job", LLK_ALG_SM3, 2, 3, { 0, 10, LLK_MAX_JOB_BYTES + 1 },
		  LLK_STATUS_BAD_OFFSETS },
		{ "start past the job", LLK_ALG_SM3, 0, 1, { LLK_MAX_JOB_BYTES + 1 },
		  LLK_STATUS_BAD_OFFSETS },
		{ "too long", LLK_ALG_SHA256, 1, 2, { 0, LLK_MAX_RECORD_BYTES + 1 },
		  LLK_STATUS_RECORD_TOO_LONG },
		/* good records first: still nothing written */
		{ "too long last", LLK_ALG_SM3, 3, 4, { 7, 10, 20, 21 + LLK_MAX_RECORD_BYTES },
		  LLK_STATUS_RECORD_TOO_LONG },
	};
	uint32_t data[16] = { 0 }, leaves[4 * LLK_DIGEST_WORDS], info[LLK_INFO_WORDS];

	for (size_t i = 0; i < LL_ARRAY_LEN(jobs); i++) {
		const struct bad_job *job = &jobs[i];
		uint32_t *offsets = malloc(job->given * sizeof *offsets);
		assert_non_null(offsets);
		memcpy(offsets, job->offsets, job->given * sizeof *offsets);
		for (size_t k = 0; k < LL_ARRAY_LEN(leaves); k++)
			leaves[k] = POISON;
		memset(info, 0, sizeof info);

		llk_leaves(offsets, data, job->n, job->alg, leaves, info);
		if (info[LLK_INFO_STATUS] != job->status)
			fail_msg("%s: status %u, want %u", job->what, info[LLK_INFO_STATUS],
				 job->status);
		assert_info(info, job->status, 0);
		for (size_t k = 0; k < LL_ARRAY_LEN(leaves); k++)
			if (leaves[k] != POISON)
				fail_msg("%s: leaves written", job->what);
		free(offsets);
	}
}

static void test_merkle_rejects_bad_jobs(void **state)
{
	(void)state;
	uint32_t leaves[LLK_DIGEST_WORDS] = { 0 }, root[LLK_DIGEST_WORDS], info[LLK_INFO_WORDS];
	const uint32_t cases[][3] = {
		{ 0, 1, LLK_STATUS_BAD_ALG },
		{ 3, 1, LLK_STATUS_BAD_ALG },
		{ LLK_ALG_SHA256, LLK_MAX_RECORDS + 1, LLK_STATUS_TOO_MANY },
	};

	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		for (size_t k = 0; k < LL_ARRAY_LEN(root); k++)
			root[k] = POISON;
		llk_merkle(leaves, cases[i][1], cases[i][0], root, info);
		assert_info(info, cases[i][2], 0);
		for (size_t k = 0; k < LL_ARRAY_LEN(root); k++)
			assert_int_equal(root[k], POISON);
	}
}

/* The largest tree a job makes, from random leaves: the stack at its deepest. */
static void test_merkle_max_leaves(void **state)
{
	(void)state;
	uint8_t *leaves = malloc((size_t)LLK_MAX_RECORDS * 32);
	uint8_t want[32], got[32];
	uint64_t seed = 0x7eee;

	assert_non_null(leaves);
	test_fill_random(&seed, leaves, (size_t)LLK_MAX_RECORDS * 32);
	assert_int_equal(ll_merkle_root(LL_HASH_SHA256, LLK_MAX_RECORDS, leaves, want), 0);
	kernel_root(LLK_ALG_SHA256, leaves, LLK_MAX_RECORDS, got);
	assert_memory_equal(got, want, sizeof want);
	free(leaves);
}

/*
 * Trees around the core count and the chunk: partial rounds, a full chunk's one
 * subtree, a partial last chunk split into subtrees, several chunks merging on
 * the stack. Random leaves against host/crypto, both algorithms.
 */
static void test_merkle_chunk_boundaries(void **state)
{
	(void)state;
	const uint32_t M = LLK_MERKLE_CORES, C = LLK_MERKLE_CHUNK;
	const uint32_t sizes[] = { 1, 2, 3, M - 1, M, M + 1, 2 * M - 1, 2 * M, 2 * M + 1,
				   C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1, 3 * C,
				   1000, LLK_MAX_RECORDS - 1, LLK_MAX_RECORDS };
	uint8_t *leaves = malloc((size_t)LLK_MAX_RECORDS * 32);
	uint8_t want[32], got[32];
	uint64_t seed = 0xc4a0;

	assert_non_null(leaves);
	test_fill_random(&seed, leaves, (size_t)LLK_MAX_RECORDS * 32);
	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		for (size_t k = 0; k < LL_ARRAY_LEN(sizes); k++) {
			uint32_t n = sizes[k];
			assert_int_equal(ll_merkle_root(algs[a], n, leaves, want), 0);
			kernel_root(algs[a], leaves, n, got);
			if (memcmp(got, want, sizeof want) != 0)
				fail_msg("%s root of %u leaves differs from host/crypto",
					 ll_hash_alg_name(algs[a]), n);
		}
	}
	free(leaves);
}

/* ---- the cycle model ---- */

static void test_model_adds_up(void **state)
{
	(void)state;
	const uint32_t record = 236, n = 1024;

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		uint32_t alg = algs[a];
		uint32_t block = llk_model_block_cycles(alg);
		/* 64 rounds at II=1, plus a pipeline's fill */
		assert_true(block > LLK_MODEL_ROUNDS && block < 2 * LLK_MODEL_ROUNDS);
		/* more cores never make a kernel slower, and 8 leaf cores are at least 6 times 1 */
		uint64_t prev_leaves = UINT64_MAX, prev_merkle = UINT64_MAX;
		for (unsigned cores = 1; cores <= 64; cores *= 2) {
			uint64_t leaves = llk_model_leaves_cycles(alg, n, record, cores);
			uint64_t merkle = llk_model_merkle_cycles(alg, n, cores);
			assert_true(leaves > 0 && leaves <= prev_leaves);
			assert_true(merkle > 0 && merkle <= prev_merkle);
			/* n - 1 nodes of two blocks each, at most `cores` at a time */
			assert_true(merkle > (uint64_t)(n - 1) * 2 * block / cores);
			prev_leaves = leaves;
			prev_merkle = merkle;
		}
		assert_true(llk_model_leaves_cycles(alg, n, record, 1) >
			    6 * llk_model_leaves_cycles(alg, n, record, 8));
		/* one core makes the nodes one after another */
		assert_true(llk_model_merkle_cycles(alg, n, 1) > (uint64_t)(n - 1) * 2 * block);
		uint64_t leaves = llk_model_leaves_cycles(alg, n, record, LLK_LEAF_CORES);
		uint64_t merkle = llk_model_merkle_cycles(alg, n, LLK_MERKLE_CORES);
		uint64_t job = llk_model_job_cycles(alg, n, record, LLK_LEAF_CORES,
						    LLK_MERKLE_CORES);
		assert_int_equal(job, leaves + merkle);
		double rate = llk_model_leaves_per_s(alg, n, record, LLK_LEAF_CORES,
						     LLK_MODEL_CLOCK_HZ);
		assert_true(rate > 0.999 * n * LLK_MODEL_CLOCK_HZ / (double)job &&
			    rate < 1.001 * n * LLK_MODEL_CLOCK_HZ / (double)job);
		/* jobs overlapped: the slower kernel sets the pace */
		uint64_t slower = leaves > merkle ? leaves : merkle;
		double overlap = llk_model_overlap_leaves_per_s(alg, n, record, LLK_LEAF_CORES,
								LLK_MERKLE_CORES, LLK_MODEL_CLOCK_HZ);
		assert_true(overlap > 0.999 * n * LLK_MODEL_CLOCK_HZ / (double)slower &&
			    overlap < 1.001 * n * LLK_MODEL_CLOCK_HZ / (double)slower);
	}
	/* what the kernels refuse, the model refuses */
	assert_int_equal(llk_model_block_cycles(0), 0);
	assert_int_equal(llk_model_leaves_cycles(LLK_ALG_SHA256, n, record, 0), 0);
	assert_int_equal(llk_model_leaves_cycles(LLK_ALG_SM3, LLK_MAX_RECORDS + 1, record, 8), 0);
	assert_int_equal(llk_model_leaves_cycles(LLK_ALG_SM3, n, LLK_MAX_RECORD_BYTES + 1, 8), 0);
	assert_int_equal(llk_model_merkle_cycles(3, n, 8), 0);
	assert_int_equal(llk_model_merkle_cycles(LLK_ALG_SHA256, n, 0), 0);
	assert_int_equal(llk_model_merkle_cycles(LLK_ALG_SM3, LLK_MAX_RECORDS + 1, 8), 0);
	assert_int_equal(llk_model_job_cycles(LLK_ALG_SM3, n, record, 8, 0), 0);
	assert_true(llk_model_leaves_per_s(LLK_ALG_SM3, 0, record, 8, LLK_MODEL_CLOCK_HZ) == 0);
	assert_true(llk_model_overlap_leaves_per_s(LLK_ALG_SM3, 0, record, 8, 8,
						   LLK_MODEL_CLOCK_HZ) == 0);
}

/*
 * What the core counts were chosen for (hls/README.md): by the model, one job of
 * 65,536 records of 256 bytes, leaves and tree head, takes the built kernels less
 * time than one CPU core takes for the leaves alone (11.9 M SHA-256 and 9.19 M
 * SM3 leaves/s at 256 bytes, the top-level README's "Benchmarks").
 */
static void test_model_built_kernels_beat_one_cpu_core(void **state)
{
	(void)state;
	const double cpu_leaves_per_s[] = { 11.9e6, 9.19e6 };	/* algs[] order */

	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++)
		assert_true(llk_model_leaves_per_s(algs[a], LLK_MAX_RECORDS, 256, LLK_LEAF_CORES,
						   LLK_MODEL_CLOCK_HZ) > cpu_leaves_per_s[a]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_core_cavp),
		cmocka_unit_test(test_sm3_core_vectors),
		cmocka_unit_test(test_kernels_rfc6962_reference_tree),
		cmocka_unit_test(test_merkle_transparency_dev_heads),
		cmocka_unit_test(test_leaves_every_padding_boundary),
		cmocka_unit_test(test_leaves_longest_records),
		cmocka_unit_test(test_small_jobs),
		cmocka_unit_test(test_random_jobs_match_host),
		cmocka_unit_test(test_leaves_max_records),
		cmocka_unit_test(test_leaves_every_beat_alignment),
		cmocka_unit_test(test_leaves_group_boundaries),
		cmocka_unit_test(test_leaves_rejects_bad_jobs),
		cmocka_unit_test(test_merkle_rejects_bad_jobs),
		cmocka_unit_test(test_merkle_max_leaves),
		cmocka_unit_test(test_merkle_chunk_boundaries),
		cmocka_unit_test(test_model_adds_up),
		cmocka_unit_test(test_model_built_kernels_beat_one_cpu_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
