/* Unit suite for host/crypto SM3: the GB/T 32905 examples and published vectors on
 * the one-shot and incremental APIs, and every batch implementation against OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_err.h"
#include "ll_sm3.h"
#include "ll_test_util.h"

#define MAX_MSG 4096

/* sm3_vectors.txt: "<len> <msg hex | -> <digest hex>" per line, # comments. */
static void test_sm3_published_vectors(void **state)
{
	(void)state;
	FILE *f = test_open_vector("sm3/sm3_vectors.txt");
	char *line = NULL;
	size_t cap = 0;
	int records = 0;
	uint8_t msg[MAX_MSG], want[32], got[32];

	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		long len;
		char msg_hex[2 * MAX_MSG + 1], md_hex[65];
		assert_int_equal(sscanf(line, "%ld %8192s %64s", &len, msg_hex, md_hex), 3);
		long got_len = strcmp(msg_hex, "-") == 0 ? 0 : test_hex_decode(msg_hex, msg, sizeof msg);
		assert_int_equal(got_len, len);
		assert_int_equal(test_hex_decode(md_hex, want, sizeof want), 32);

		ll_sm3(msg, (size_t)len, got);
		assert_memory_equal(got, want, sizeof got);

		/* the same message a byte at a time, then in two halves */
		ll_sm3_ctx_t ctx;
		ll_sm3_init(&ctx);
		for (long i = 0; i < len; i++)
			ll_sm3_update(&ctx, msg + i, 1);
		ll_sm3_final(&ctx, got);
		assert_memory_equal(got, want, sizeof got);
		ll_sm3_init(&ctx);
		ll_sm3_update(&ctx, msg, (size_t)len / 2);
		ll_sm3_update(&ctx, msg + len / 2, (size_t)(len - len / 2));
		ll_sm3_final(&ctx, got);
		assert_memory_equal(got, want, sizeof got);
		records++;
	}
	free(line);
	fclose(f);
	assert_int_equal(records, 139);
}

/* Every batch path against OpenSSL on every length 0..4096, as leaves and nodes. */
static void test_sm3_leaves_all_impls_match_openssl(void **state)
{
	(void)state;
	int ran = test_all_impls_match_openssl(LL_HASH_SM3, 4096);
	int want = test_available_impls(LL_HASH_SM3);
	assert_int_equal(ran, want);
}

/* Batches smaller than the lane count leave lanes idle; results must not change. */
static void test_sm3_leaves_small_batches(void **state)
{
	(void)state;
	test_small_batches_match_portable(LL_HASH_SM3);
}

static void test_sm3_leaves_rejects_bad_offsets(void **state)
{
	(void)state;
	uint32_t offsets[] = { 4, 3 };
	uint8_t data[8] = { 0 }, out[32];
	assert_int_equal(ll_sm3_leaves(LL_HASH_IMPL_AUTO, offsets, 1, data, out), -EINVAL);
	assert_int_equal(ll_sm3_leaves(LL_HASH_IMPL_SHANI, offsets, 0, data, out), -ENOTSUP);
	assert_int_equal(ll_hash_leaves((enum ll_hash_alg)7, LL_HASH_IMPL_AUTO, offsets, 0,
					data, out), -EINVAL);
}

/* Feeds msg to the incremental API in the given piece sizes (0 = the rest). */
static void sm3_in_pieces(const uint8_t *msg, size_t len, const size_t *pieces,
			  size_t npieces, uint8_t *out)
{
	ll_sm3_ctx_t ctx;
	size_t done = 0;
	ll_sm3_init(&ctx);
	for (size_t i = 0; done < len; i++) {
		size_t take = i < npieces && pieces[i] ? pieces[i] : len - done;
		if (take > len - done)
			take = len - done;
		ll_sm3_update(&ctx, msg + done, take);
		done += take;
	}
	ll_sm3_final(&ctx, out);
}

static void test_sm3_one_shot_and_incremental_match_openssl(void **state)
{
	(void)state;
	test_one_shot_and_incremental_match_openssl(LL_HASH_SM3, 4096, sm3_in_pieces);
}

static void test_sm3_leaves_stay_inside_records(void **state)
{
	(void)state;
	test_batches_stay_inside_records(LL_HASH_SM3);
}

static void test_sm3_dispatch_follows_cpu(void **state)
{
	(void)state;
	test_dispatch_follows_cpu(LL_HASH_SM3);
}

static void test_sm3_batch_rejects_null_buffers(void **state)
{
	(void)state;
	test_batch_rejects_null_buffers(LL_HASH_SM3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_published_vectors),
		cmocka_unit_test(test_sm3_leaves_all_impls_match_openssl),
		cmocka_unit_test(test_sm3_leaves_small_batches),
		cmocka_unit_test(test_sm3_leaves_rejects_bad_offsets),
		cmocka_unit_test(test_sm3_one_shot_and_incremental_match_openssl),
		cmocka_unit_test(test_sm3_leaves_stay_inside_records),
		cmocka_unit_test(test_sm3_dispatch_follows_cpu),
		cmocka_unit_test(test_sm3_batch_rejects_null_buffers),
	};
	return cmocka_run_group_tests_name("ll_sm3", tests, NULL, NULL);
}
