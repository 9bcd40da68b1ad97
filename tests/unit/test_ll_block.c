/* Unit suite for host/chain ll_block: the header's byte layout and round trip,
 * block hashes and genesis, and strict body encoding and decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_block.h"
#include "ll_test_util.h"

static void random_header(uint64_t *seed, struct ll_block_header *h)
{
	memset(h, 0, sizeof *h);
	h->version = LL_BLOCK_VERSION;
	h->hash_alg = (test_rand(seed) & 1) ? LL_HASH_SHA256 : LL_HASH_SM3;
	h->chain_id = (uint32_t)test_rand(seed);
	h->height = test_rand(seed);
	h->timestamp_ns = test_rand(seed);
	test_fill_random(seed, h->prev_hash, sizeof h->prev_hash);
	test_fill_random(seed, h->merkle_root, sizeof h->merkle_root);
	h->tx_count = (uint32_t)test_rand(seed);
	h->body_bytes = (uint32_t)test_rand(seed);
	h->log_size = test_rand(seed);
	test_fill_random(seed, h->log_root, sizeof h->log_root);
	h->proposer = test_rand(seed);
	h->term = test_rand(seed);
}

static void test_header_encode_layout_is_little_endian(void **state)
{
	(void)state;
	struct ll_block_header h = { .version = LL_BLOCK_VERSION, .hash_alg = LL_HASH_SM3,
				     .chain_id = 0x0a0b0c0d, .height = 0x0102030405060708ULL,
				     .tx_count = 0x11223344, .term = 0x8877665544332211ULL };
	h.prev_hash[0] = 0xaa;
	h.log_root[31] = 0xbb;
	uint8_t buf[LL_BLOCK_HEADER_BYTES];
	ll_block_header_encode(&h, buf);
	static const uint8_t chain_id[] = { 0x0d, 0x0c, 0x0b, 0x0a };
	static const uint8_t height[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	static const uint8_t tx_count[] = { 0x44, 0x33, 0x22, 0x11 };
	static const uint8_t term[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	assert_int_equal(buf[0], LL_BLOCK_VERSION);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], LL_HASH_SM3);
	assert_memory_equal(buf + 4, chain_id, sizeof chain_id);
	assert_memory_equal(buf + 8, height, sizeof height);
	assert_int_equal(buf[24], 0xaa);
	assert_memory_equal(buf + 88, tx_count, sizeof tx_count);
	assert_int_equal(buf[104 + 31], 0xbb);
	assert_memory_equal(buf + 144, term, sizeof term);
}

static void test_header_round_trips(void **state)
{
	(void)state;
	uint64_t seed = 11;
	for (int i = 0; i < 1000; i++) {
		struct ll_block_header h, back;
		uint8_t buf[LL_BLOCK_HEADER_BYTES], again[LL_BLOCK_HEADER_BYTES];
		random_header(&seed, &h);
		ll_block_header_encode(&h, buf);
		assert_int_equal(ll_block_header_decode(buf, sizeof buf, &back), 0);
		ll_block_header_encode(&back, again);
		assert_memory_equal(buf, again, sizeof buf);
		assert_int_equal(back.height, h.height);
		assert_int_equal(back.term, h.term);
		assert_memory_equal(back.log_root, h.log_root, sizeof h.log_root);
	}
}

static void test_header_decode_rejects_malformed(void **state)
{
	(void)state;
	uint64_t seed = 12;
	struct ll_block_header h, out;
	uint8_t buf[LL_BLOCK_HEADER_BYTES + 1];
	random_header(&seed, &h);
	ll_block_header_encode(&h, buf);
	assert_int_equal(ll_block_header_decode(buf, LL_BLOCK_HEADER_BYTES - 1, &out), -EINVAL);
	assert_int_equal(ll_block_header_decode(buf, LL_BLOCK_HEADER_BYTES + 1, &out), -EINVAL);
	assert_int_equal(ll_block_header_decode(NULL, LL_BLOCK_HEADER_BYTES, &out), -EINVAL);
	buf[3] = 1;	/* reserved */
	assert_int_equal(ll_block_header_decode(buf, LL_BLOCK_HEADER_BYTES, &out), -EINVAL);
	buf[3] = 0;
	buf[0] = 2;	/* version */
	assert_int_equal(ll_block_header_decode(buf, LL_BLOCK_HEADER_BYTES, &out),
			 -EPROTONOSUPPORT);
	buf[0] = LL_BLOCK_VERSION;
	buf[2] = 3;	/* hash algorithm */
	assert_int_equal(ll_block_header_decode(buf, LL_BLOCK_HEADER_BYTES, &out),
			 -EPROTONOSUPPORT);
}

/* The block hash is the chain's hash of the encoded header; every field counts. */
static void test_block_hash_covers_every_byte(void **state)
{
	(void)state;
	uint64_t seed = 13;
	struct ll_block_header h;
	uint8_t buf[LL_BLOCK_HEADER_BYTES], hash[32], want[32];
	random_header(&seed, &h);
	ll_block_header_encode(&h, buf);
	assert_int_equal(ll_block_hash(&h, hash), 0);
	test_openssl_prefixed((enum ll_hash_alg)h.hash_alg, -1, buf, sizeof buf, want);
	assert_memory_equal(hash, want, sizeof hash);

	/* flip each byte outside version/alg/reserved: the hash moves */
	for (size_t i = 4; i < LL_BLOCK_HEADER_BYTES; i++) {
		struct ll_block_header changed;
		uint8_t other[32];
		buf[i] ^= 0x01;
		assert_int_equal(ll_block_header_decode(buf, sizeof buf, &changed), 0);
		assert_int_equal(ll_block_hash(&changed, other), 0);
		assert_memory_not_equal(other, hash, sizeof hash);
		buf[i] ^= 0x01;
	}
	h.hash_alg = 9;
	assert_int_equal(ll_block_hash(&h, hash), -EINVAL);
}

static void test_genesis_has_empty_roots(void **state)
{
	(void)state;
	for (uint8_t alg = LL_HASH_SHA256; alg <= LL_HASH_SM3; alg++) {
		struct ll_block_header g;
		uint8_t empty[32], zero[32] = { 0 };
		assert_int_equal(ll_block_genesis(77, alg, 123, &g), 0);
		test_openssl_prefixed((enum ll_hash_alg)alg, -1, (const uint8_t *)"", 0, empty);
		assert_int_equal(g.height, 0);
		assert_int_equal(g.chain_id, 77);
		assert_int_equal(g.hash_alg, alg);
		assert_int_equal(g.tx_count, 0);
		assert_int_equal(g.log_size, 0);
		assert_int_equal(g.body_bytes, ll_block_body_bytes(0, 0));
		assert_memory_equal(g.prev_hash, zero, 32);
		assert_memory_equal(g.merkle_root, empty, 32);
		assert_memory_equal(g.log_root, empty, 32);
	}
	struct ll_block_header g;
	assert_int_equal(ll_block_genesis(1, 0, 0, &g), -EINVAL);
}

static void test_body_round_trips(void **state)
{
	(void)state;
	uint64_t seed = 14;
	for (uint32_t n = 0; n < 70; n++) {
		uint32_t offsets[71];
		uint8_t data[70 * 50], buf[4 + 4 * 71 + sizeof data];
		offsets[0] = 17;	/* not 0: encode rebases */
		for (uint32_t i = 0; i < n; i++)
			offsets[i + 1] = offsets[i] + (uint32_t)(test_rand(&seed) % 40);
		test_fill_random(&seed, data, sizeof data);
		long len = ll_block_body_encode(offsets, n, data, buf, sizeof buf);
		assert_int_equal(len, ll_block_body_bytes(n, offsets[n] - offsets[0]));

		struct ll_block_body body;
		assert_int_equal(ll_block_body_decode(buf, (size_t)len, &body), 0);
		assert_int_equal(body.n, n);
		assert_int_equal(body.data_bytes, offsets[n] - offsets[0]);
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *rec;
			uint32_t rec_len;
			ll_block_body_record(&body, i, &rec, &rec_len);
			assert_int_equal(rec_len, offsets[i + 1] - offsets[i]);
			assert_memory_equal(rec, data + offsets[i], rec_len);
		}
	}
}

static void test_body_encode_rejects_bad_input(void **state)
{
	(void)state;
	uint32_t offsets[] = { 0, 8, 4 };
	uint8_t data[8] = { 0 }, buf[64];
	assert_int_equal(ll_block_body_encode(offsets, 2, data, buf, sizeof buf), -EINVAL);
	assert_int_equal(ll_block_body_encode(offsets, 1, data, buf, 19), -ENOSPC);
	assert_int_equal(ll_block_body_encode(offsets, 1, data, buf, 20), 20);
}

/* Every truncation and each kind of damage is refused; nothing is read past len. */
static void test_body_decode_rejects_malformed(void **state)
{
	(void)state;
	uint32_t offsets[] = { 0, 3, 3, 10 };
	uint8_t data[10] = "abcdefghij", buf[64];
	long len = ll_block_body_encode(offsets, 3, data, buf, sizeof buf);
	struct ll_block_body body;
	assert_true(len > 0);
	for (long cut = 0; cut < len; cut++) {
		uint8_t *exact = malloc((size_t)cut + 1);	/* ASan sees any over-read */
		assert_non_null(exact);
		memcpy(exact, buf, (size_t)cut);
		assert_int_equal(ll_block_body_decode(exact, (size_t)cut, &body), -EINVAL);
		free(exact);
	}
	assert_int_equal(ll_block_body_decode(buf, (size_t)len + 1, &body), -EINVAL);
	uint8_t bad[64];
	memcpy(bad, buf, (size_t)len);
	bad[4] = 1;		/* offsets[0] != 0 */
	assert_int_equal(ll_block_body_decode(bad, (size_t)len, &body), -EINVAL);
	memcpy(bad, buf, (size_t)len);
	bad[8] = 9;		/* offsets[1] = 9 > offsets[2] = 3 */
	assert_int_equal(ll_block_body_decode(bad, (size_t)len, &body), -EINVAL);
	memcpy(bad, buf, (size_t)len);
	bad[0] = 0xff;		/* n far past the buffer */
	bad[3] = 0xff;
	assert_int_equal(ll_block_body_decode(bad, (size_t)len, &body), -EINVAL);
	assert_int_equal(ll_block_body_decode(NULL, 8, &body), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encode_layout_is_little_endian),
		cmocka_unit_test(test_header_round_trips),
		cmocka_unit_test(test_header_decode_rejects_malformed),
		cmocka_unit_test(test_block_hash_covers_every_byte),
		cmocka_unit_test(test_genesis_has_empty_roots),
		cmocka_unit_test(test_body_round_trips),
		cmocka_unit_test(test_body_encode_rejects_bad_input),
		cmocka_unit_test(test_body_decode_rejects_malformed),
	};
	return cmocka_run_group_tests_name("ll_block", tests, NULL, NULL);
}
