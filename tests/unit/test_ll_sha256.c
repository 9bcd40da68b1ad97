/* Unit suite for host/crypto SHA-256: the NIST CAVP vectors on the one-shot and
 * incremental APIs, and every batch implementation against OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_err.h"
#include "ll_sha256.h"
#include "ll_test_util.h"

#define MAX_MSG (64 * 1024)

/* Calls check(msg, len, md) for each Len/Msg/MD record of a CAVP .rsp file. */
static int for_each_cavp(const char *file, void (*check)(const uint8_t *, size_t, const uint8_t *))
{
	FILE *f = test_open_vector(file);
	char *line = NULL;
	size_t cap = 0;
	long bits = -1;
	uint8_t *msg = malloc(MAX_MSG);
	uint8_t md[32];
	long msg_len = -1;
	int records = 0;

	assert_non_null(msg);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (sscanf(line, "Len = %ld", &bits) == 1)
			continue;
		if (strncmp(line, "Msg = ", 6) == 0) {
			msg_len = test_hex_decode(line + 6, msg, MAX_MSG);
			assert_true(msg_len >= 0);
			if (bits == 0)	/* CAVP writes "00" for the empty message */
				msg_len = 0;
			assert_int_equal(msg_len * 8, bits);
		} else if (strncmp(line, "MD = ", 5) == 0) {
			assert_int_equal(test_hex_decode(line + 5, md, sizeof md), 32);
			check(msg, (size_t)msg_len, md);
			records++;
		}
	}
	free(line);
	free(msg);
	fclose(f);
	return records;
}

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
	assert_int_equal(for_each_cavp("sha256/SHA256ShortMsg.rsp", check_one_shot), 65);
	assert_int_equal(for_each_cavp("sha256/SHA256LongMsg.rsp", check_one_shot), 64);
	assert_int_equal(for_each_cavp("sha256/SHA256ShortMsg.rsp", check_incremental), 65);
	assert_int_equal(for_each_cavp("sha256/SHA256LongMsg.rsp", check_incremental), 64);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_cavp_short_and_long),
		cmocka_unit_test(test_sha256_cavp_monte),
		cmocka_unit_test(test_sha256_leaves_all_impls_match_openssl),
		cmocka_unit_test(test_sha256_leaves_small_batches),
		cmocka_unit_test(test_sha256_leaves_rejects_bad_offsets),
	};
	return cmocka_run_group_tests_name("ll_sha256", tests, NULL, NULL);
}
