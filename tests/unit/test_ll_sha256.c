/* Unit suite for host/crypto SHA-256: the NIST CAVP vectors on the one-shot and
 * incremental APIs, and every batch implementation against OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_err.h"
#include "ll_sha256.h"
#include "ll_test_util.h"

/* One CAVP record, hashed in one call (test_for_each_cavp reads the file). */
static void check_one_shot(const uint8_t *msg, size_t len, const uint8_t *md)
{
	uint8_t got[32];
	ll_sha256(msg, len, got);
	assert_memory_equal(got, md, sizeof got);
}

/* Feeds the message in uneven pieces so the block buffer is exercised. */
static void check_incremental(const uint8_t *msg, size_t len, const uint8_t *md)
{
	static const size_t pieces[] = { 1, 63, 64, 65, 3, 128, 7 };
	ll_sha256_ctx_t ctx;
	uint8_t got[32];
	size_t done = 0;

	ll_sha256_init(&ctx);
	for (size_t i = 0; done < len; i++) {
		size_t take = pieces[i % LL_ARRAY_LEN(pieces)];
		if (take > len - done)
			take = len - done;
		ll_sha256_update(&ctx, msg + done, take);
		done += take;
	}
	ll_sha256_update(&ctx, msg, 0);
	ll_sha256_final(&ctx, got);
	assert_memory_equal(got, md, sizeof got);
}

static void test_sha256_cavp_short_and_long(void **state)
{
	(void)state;
	assert_int_equal(test_for_each_cavp("sha256/SHA256ShortMsg.rsp", check_one_shot), 65);
	assert_int_equal(test_for_each_cavp("sha256/SHA256LongMsg.rsp", check_one_shot), 64);
	assert_int_equal(test_for_each_cavp("sha256/SHA256ShortMsg.rsp", check_incremental), 65);
	assert_int_equal(test_for_each_cavp("sha256/SHA256LongMsg.rsp", check_incremental), 64);
}

/* SHAVS Monte Carlo: MD_i = SHA256(MD_{i-3} || MD_{i-2} || MD_{i-1}), 1000 per checkpoint. */
static void test_sha256_cavp_monte(void **state)
{
	(void)state;
	FILE *f = test_open_vector("sha256/SHA256Monte.rsp");
	char *line = NULL;
	size_t cap = 0;
	uint8_t seed[32], want[32], md[3][32], buf[96];
	int checkpoints = 0;

	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "Seed = ", 7) == 0) {
			assert_int_equal(test_hex_decode(line + 7, seed, sizeof seed), 32);
			continue;
		}
		if (strncmp(line, "MD = ", 5) != 0)
			continue;
		assert_int_equal(test_hex_decode(line + 5, want, sizeof want), 32);
		memcpy(md[0], seed, 32);
		memcpy(md[1], seed, 32);
		memcpy(md[2], seed, 32);
		for (int i = 3; i < 1003; i++) {
			memcpy(buf, md[0], 32);
			memcpy(buf + 32, md[1], 32);
			memcpy(buf + 64, md[2], 32);
			memcpy(md[0], md[1], 32);
			memcpy(md[1], md[2], 32);
			ll_sha256(buf, sizeof buf, md[2]);
		}
		assert_memory_equal(md[2], want, 32);
		memcpy(seed, md[2], 32);
		checkpoints++;
	}
	free(line);
	fclose(f);
	assert_int_equal(checkpoints, 100);
}

/* Every batch path against OpenSSL on every length 0..4096, as leaves and nodes. */
static void test_sha256_leaves_all_impls_match_openssl(void **state)
{
	(void)state;
	int ran = test_all_impls_match_openssl(LL_HASH_SHA256, 4096);
	int want = test_available_impls(LL_HASH_SHA256);
	assert_int_equal(ran, want);
}

/* Batches smaller than the lane count leave lanes idle; results must not change. */
static void test_sha256_leaves_small_batches(void **state)
{
	(void)state;
	test_small_batches_match_portable(LL_HASH_SHA256);
}

static void test_sha256_leaves_rejects_bad_offsets(void **state)
{
	(void)state;
	uint32_t offsets[] = { 0, 10, 5 };
	uint8_t data[16] = { 0 }, out[64];
	assert_int_equal(ll_sha256_leaves(LL_HASH_IMPL_AUTO, offsets, 2, data, out), -EINVAL);
	assert_int_equal(ll_sha256_leaves(LL_HASH_IMPL_AUTO, NULL, 0, data, out), -EINVAL);
	assert_int_equal(ll_sha256_leaves(LL_HASH_IMPL_COUNT, offsets, 1, data, out), -EINVAL);
	/* an empty batch is valid and writes nothing */
	memset(out, 0xa5, sizeof out);
	assert_int_equal(ll_sha256_leaves(LL_HASH_IMPL_AUTO, offsets, 0, data, out), 0);
	assert_int_equal(out[0], 0xa5);
}

/* Feeds msg to the incremental API in the given piece sizes (0 = the rest). */
static void sha256_in_pieces(const uint8_t *msg, size_t len, const size_t *pieces,
			  size_t npieces, uint8_t *out)
{
	ll_sha256_ctx_t ctx;
	size_t done = 0;
	ll_sha256_init(&ctx);
	for (size_t i = 0; done < len; i++) {
		size_t take = i < npieces && pieces[i] ? pieces[i] : len - done;
		if (take > len - done)
			take = len - done;
		ll_sha256_update(&ctx, msg + done, take);
		done += take;
	}
	ll_sha256_final(&ctx, out);
}

static void test_sha256_one_shot_and_incremental_match_openssl(void **state)
{
	(void)state;
	test_one_shot_and_incremental_match_openssl(LL_HASH_SHA256, 4096, sha256_in_pieces);
}

static void test_sha256_leaves_stay_inside_records(void **state)
{
	(void)state;
	test_batches_stay_inside_records(LL_HASH_SHA256);
}

/*
 * One level of a tree of 2^27 + 2 leaves: 2^26 + 1 nodes whose children span
 * more than 4 GiB, so record addresses must not be computed in 32 bits. The
 * children are zero pages mapped on demand (no memory is committed), so every
 * node is H(0x01 || 0^64), the last one included.
 */
static void test_sha256_nodes_span_over_4gib(void **state)
{
	(void)state;
	const uint32_t n = (UINT32_C(1) << 26) + 1;
	const size_t children_bytes = (size_t)n * 64;
	uint8_t *children = mmap(NULL, children_bytes, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *out = mmap(NULL, (size_t)n * 32, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t want[32];
	assert_true(children != MAP_FAILED);
	assert_true(out != MAP_FAILED);
	/* 2 MiB pages where the kernel allows them: 2,000 page faults, not 1.5 million */
	madvise(children, children_bytes, MADV_HUGEPAGE);
	madvise(out, (size_t)n * 32, MADV_HUGEPAGE);
	test_openssl_prefixed(LL_HASH_SHA256, LL_HASH_NODE_PREFIX, children, 64, want);
	memset(out + (size_t)(n - 1) * 32, 0xa5, 32);
	assert_int_equal(ll_sha256_nodes(LL_HASH_IMPL_AUTO, children, n, out), 0);
	assert_memory_equal(out + (size_t)(n - 1) * 32, want, 32);
	assert_memory_equal(out + (size_t)(n / 2) * 32, want, 32);
	munmap(out, (size_t)n * 32);
	munmap(children, children_bytes);
}

static void test_sha256_dispatch_follows_cpu(void **state)
{
	(void)state;
	test_dispatch_follows_cpu(LL_HASH_SHA256);
}

static void test_sha256_batch_rejects_null_buffers(void **state)
{
	(void)state;
	test_batch_rejects_null_buffers(LL_HASH_SHA256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_cavp_short_and_long),
		cmocka_unit_test(test_sha256_cavp_monte),
		cmocka_unit_test(test_sha256_leaves_all_impls_match_openssl),
		cmocka_unit_test(test_sha256_leaves_small_batches),
		cmocka_unit_test(test_sha256_leaves_rejects_bad_offsets),
		cmocka_unit_test(test_sha256_one_shot_and_incremental_match_openssl),
		cmocka_unit_test(test_sha256_leaves_stay_inside_records),
		cmocka_unit_test(test_sha256_dispatch_follows_cpu),
		cmocka_unit_test(test_sha256_nodes_span_over_4gib),
		cmocka_unit_test(test_sha256_batch_rejects_null_buffers),
	};
	return cmocka_run_group_tests_name("ll_sha256", tests, NULL, NULL);
}
