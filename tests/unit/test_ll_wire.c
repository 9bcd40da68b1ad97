/* Unit suite for dataplane/wire ll_wire: frames built and parsed field by field,
 * every malformation with its own verdict, every truncation refused, receipts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_wire.h"
#include "ll_test_util.h"

#define CHAIN 0x01020304u

/* A frame of three records: scheme 0 with a receipt, Ed25519, SM2-SM3. */
static size_t three_records(uint8_t *buf, size_t cap)
{
	struct ll_wire_builder b;
	uint8_t client[32], sig[64], payload[100];
	for (int i = 0; i < 32; i++)
		client[i] = (uint8_t)(0xc0 + i);
	for (int i = 0; i < 64; i++)
		sig[i] = (uint8_t)(0x50 + i);
	for (int i = 0; i < 100; i++)
		payload[i] = (uint8_t)i;
	assert_int_equal(ll_wire_frame_begin(&b, buf, cap, CHAIN), 8);
	assert_int_equal(ll_wire_frame_add(&b, LL_WIRE_SCHEME_NONE, LL_WIRE_FLAG_RECEIPT, 7, client,
					   payload, 10, NULL, NULL), 8 + 54);
	assert_int_equal(ll_wire_frame_add(&b, LL_WIRE_SCHEME_ED25519, 0, UINT64_MAX, client,
					   payload, 100, sig, NULL), 8 + 54 + 208);
	assert_int_equal(ll_wire_frame_add(&b, LL_WIRE_SCHEME_SM2_SM3, 1, 1ull << 40, client,
					   NULL, 0, sig, NULL), 8 + 54 + 208 + 108);
	return (size_t)ll_wire_frame_end(&b);
}

static void test_parse_reads_every_field(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct ll_wire_frame f;
	size_t len = three_records(buf, sizeof buf);

	assert_int_equal(len, 378);
	assert_int_equal(ll_wire_parse(buf, len, CHAIN, &f), LL_WIRE_OK);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.chain_id, CHAIN);
	/* the header bytes, as the design lays them out */
	static const uint8_t header[8] = { 0x4c, 0x4c, 1, 3, 0x04, 0x03, 0x02, 0x01 };
	assert_memory_equal(buf, header, sizeof header);

	const struct ll_wire_record *r = f.rec;
	assert_ptr_equal(r[0].bytes, buf + 8);
	assert_int_equal(r[0].len, 54);
	assert_int_equal(r[0].scheme, 0);
	assert_int_equal(r[0].flags, 1);
	assert_int_equal(r[0].nonce, 7);
	assert_int_equal(r[0].client[0], 0xc0);
	assert_int_equal(r[0].payload_len, 10);
	assert_ptr_equal(r[0].payload, buf + 8 + 44);
	assert_null(r[0].sig);

	assert_int_equal(r[1].len, 208);
	assert_int_equal(r[1].nonce, UINT64_MAX);
	assert_int_equal(r[1].payload_len, 100);
	assert_int_equal(r[1].payload[99], 99);
	assert_ptr_equal(r[1].sig, r[1].bytes + 144);
	assert_int_equal(r[1].sig[0], 0x50);

	assert_int_equal(r[2].len, 108);
	assert_int_equal(r[2].nonce, 1ull << 40);
	assert_int_equal(r[2].payload_len, 0);
	assert_ptr_equal(r[2].bytes + r[2].len, buf + len);

	/* the signature covers chain id || the record up to its signature */
	uint8_t prefix[4];
	size_t rest;
	ll_wire_signed_bytes(CHAIN, &r[1], prefix, &rest);
	assert_memory_equal(prefix, header + 4, 4);
	assert_int_equal(rest, 144);
	ll_wire_signed_bytes(CHAIN, &r[0], prefix, &rest);
	assert_int_equal(rest, 54);
}

/* Edits a copy of a valid frame and expects a verdict. */
static void expect_verdict(const uint8_t *frame, size_t len, size_t at, uint8_t value,
			   enum ll_wire_verdict want)
{
	uint8_t copy[512];
	struct ll_wire_frame f;
	memcpy(copy, frame, len);
	copy[at] = value;
	assert_int_equal(ll_wire_parse(copy, len, CHAIN, &f), want);
}

static void test_parse_names_each_malformation(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct ll_wire_frame f;
	size_t len = three_records(buf, sizeof buf);

	expect_verdict(buf, len, 0, 0x4d, LL_WIRE_BAD_MAGIC);
	expect_verdict(buf, len, 2, 2, LL_WIRE_BAD_VERSION);
	expect_verdict(buf, len, 4, 0x05, LL_WIRE_CHAIN_MISMATCH);
	expect_verdict(buf, len, 3, 0, LL_WIRE_BAD_LENGTH);	/* count 0 */
	expect_verdict(buf, len, 3, 65, LL_WIRE_BAD_LENGTH);	/* count over 64 */
	expect_verdict(buf, len, 3, 2, LL_WIRE_BAD_LENGTH);	/* a record left over */
	expect_verdict(buf, len, 3, 4, LL_WIRE_BAD_LENGTH);	/* a record missing */
	expect_verdict(buf, len, 8 + 2, 3, LL_WIRE_UNKNOWN_SCHEME);
	expect_verdict(buf, len, 8 + 54 + 2, 0xff, LL_WIRE_UNKNOWN_SCHEME);
	expect_verdict(buf, len, 8 + 3, 0x03, LL_WIRE_BAD_FLAGS);
	expect_verdict(buf, len, 8 + 3, 0x80, LL_WIRE_BAD_FLAGS);
	/* a record's len: below its header and signature, past the frame, or off by one */
	expect_verdict(buf, len, 8 + 54, 100, LL_WIRE_BAD_LENGTH);	/* Ed25519, 44 + 64 */
	expect_verdict(buf, len, 8, 43, LL_WIRE_BAD_LENGTH);
	expect_verdict(buf, len, 8 + 1, 0x10, LL_WIRE_BAD_LENGTH);
	/* the last record (108 bytes at 270) one byte long or short */
	expect_verdict(buf, len, 270, 109, LL_WIRE_BAD_LENGTH);
	expect_verdict(buf, len, 270, 107, LL_WIRE_BAD_LENGTH);
	/* an earlier one off by one: what follows no longer parses, whatever it says */
	uint8_t copy[512];
	memcpy(copy, buf, len);
	copy[8] = 55;
	assert_int_not_equal(ll_wire_parse(copy, len, CHAIN, &f), LL_WIRE_OK);
	/* scheme 2 with no room for its signature */
	expect_verdict(buf, len, 8 + 2, 2, LL_WIRE_BAD_LENGTH);
	/* trailing bytes after the last record */
	assert_int_equal(ll_wire_parse(buf, len + 1, CHAIN, &f), LL_WIRE_BAD_LENGTH);
	/* the smallest valid frame: one scheme-0 record, no payload */
	struct ll_wire_builder b;
	uint8_t client[32] = { 0 };
	assert_int_equal(ll_wire_frame_begin(&b, buf, sizeof buf, CHAIN), 8);
	assert_int_equal(ll_wire_frame_add(&b, 0, 0, 0, client, NULL, 0, NULL, NULL), 52);
	assert_int_equal(ll_wire_frame_end(&b), 52);
	assert_int_equal(ll_wire_parse(buf, 52, CHAIN, &f), LL_WIRE_OK);
	assert_int_equal(f.rec[0].payload_len, 0);
}

static void test_parse_refuses_every_truncation(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct ll_wire_frame f;
	size_t len = three_records(buf, sizeof buf);
	/* each prefix lives alone in a buffer of its own size, so ASan sees an over-read */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, buf, cut);
		enum ll_wire_verdict v = ll_wire_parse(p, cut, CHAIN, &f);
		assert_int_equal(v, LL_WIRE_BAD_LENGTH);
		free(p);
	}
	assert_int_equal(ll_wire_parse(NULL, 10, CHAIN, &f), LL_WIRE_BAD_LENGTH);
}

static void test_builder_refuses_what_cannot_be_sent(void **state)
{
	(void)state;
	uint8_t buf[300], client[32] = { 0 }, payload[300] = { 0 };
	struct ll_wire_builder b;
	assert_int_equal(ll_wire_frame_begin(&b, buf, 7, CHAIN), -ENOSPC);
	assert_int_equal(ll_wire_frame_begin(NULL, buf, sizeof buf, CHAIN), -EINVAL);
	assert_int_equal(ll_wire_frame_begin(&b, buf, sizeof buf, CHAIN), 8);
	assert_int_equal(ll_wire_frame_end(&b), -EINVAL);	/* no records */
	assert_int_equal(ll_wire_frame_add(&b, 9, 0, 0, client, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(ll_wire_frame_add(&b, 0, 2, 0, client, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(ll_wire_frame_add(&b, 1, 0, 0, client, payload, 200, NULL, NULL),
			 -ENOSPC);
	/* 64 records fit in a big enough buffer, a 65th does not */
	static uint8_t big[64 * 44 + 8];
	assert_int_equal(ll_wire_frame_begin(&b, big, sizeof big, CHAIN), 8);
	for (int i = 0; i < 64; i++)
		assert_true(ll_wire_frame_add(&b, 0, 0, (uint64_t)i, client, NULL, 0, NULL, NULL) >
			    0);
	assert_int_equal(ll_wire_frame_add(&b, 0, 0, 64, client, NULL, 0, NULL, NULL), -EINVAL);
	struct ll_wire_frame f;
	assert_int_equal(ll_wire_frame_end(&b), (int)sizeof big);
	assert_int_equal(ll_wire_parse(big, sizeof big, CHAIN, &f), LL_WIRE_OK);
	assert_int_equal(f.count, 64);
	assert_int_equal(f.rec[63].nonce, 63);
}

static void test_receipts_round_trip_and_refuse_damage(void **state)
{
	(void)state;
	struct ll_wire_receipt_entry e[3] = { 0 }, got[LL_WIRE_MAX_RECORDS];
	uint8_t buf[4 + 3 * 45];
	for (int i = 0; i < 3; i++) {
		memset(e[i].txid, 0x10 + i, 32);
		e[i].height = 1000 + (uint64_t)i;
		e[i].index = (uint32_t)i * 7;
	}
	assert_int_equal(ll_wire_receipt_encode(e, 3, buf, sizeof buf), (int)sizeof buf);
	static const uint8_t header[4] = { 0x4c, 0x52, 1, 3 };
	assert_memory_equal(buf, header, 4);
	assert_int_equal(ll_wire_receipt_parse(buf, sizeof buf, got), 3);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(got[i].txid, e[i].txid, 32);
		assert_int_equal(got[i].height, e[i].height);
		assert_int_equal(got[i].index, e[i].index);
		assert_int_equal(got[i].status, LL_WIRE_RECEIPT_COMMITTED);
	}
	assert_int_equal(ll_wire_receipt_encode(e, 3, buf, sizeof buf - 1), -ENOSPC);
	assert_int_equal(ll_wire_receipt_encode(e, 0, buf, sizeof buf), -EINVAL);
	assert_int_equal(ll_wire_receipt_parse(buf, sizeof buf - 1, got), -EBADMSG);
	buf[0] ^= 1;
	assert_int_equal(ll_wire_receipt_parse(buf, sizeof buf, got), -EBADMSG);
	buf[0] ^= 1;
	buf[3] = 0;
	assert_int_equal(ll_wire_receipt_parse(buf, sizeof buf, got), -EBADMSG);
}

static void test_verdict_names_are_distinct(void **state)
{
	(void)state;
	for (int a = 0; a < LL_WIRE_VERDICT_COUNT; a++) {
		assert_non_null(ll_wire_verdict_name((enum ll_wire_verdict)a));
		assert_string_not_equal(ll_wire_verdict_name((enum ll_wire_verdict)a), "unknown");
		for (int b = a + 1; b < LL_WIRE_VERDICT_COUNT; b++)
			assert_string_not_equal(ll_wire_verdict_name((enum ll_wire_verdict)a),
						ll_wire_verdict_name((enum ll_wire_verdict)b));
	}
	assert_string_equal(ll_wire_verdict_name(LL_WIRE_VERDICT_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_reads_every_field),
		cmocka_unit_test(test_parse_names_each_malformation),
		cmocka_unit_test(test_parse_refuses_every_truncation),
		cmocka_unit_test(test_builder_refuses_what_cannot_be_sent),
		cmocka_unit_test(test_receipts_round_trip_and_refuse_damage),
		cmocka_unit_test(test_verdict_names_are_distinct),
	};
	return cmocka_run_group_tests_name("ll_wire", tests, NULL, NULL);
}
