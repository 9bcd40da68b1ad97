/* Unit suite for dataplane/admit ll_admit: frames signed as clients sign them pass
 * once; a replay, an unknown client, a bad signature, scheme 0 from an untrusted
 * client, a frame over the rate: each dropped whole, counted, nothing marked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_admit.h"
#include "ll_replay.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_test_util.h"

#define CHAIN 77u
#define SEC 1000000000ull

/* A client that can sign: an Ed25519 or SM2 key pair (a gateway: trusted). */
struct signer {
	struct ll_store_client reg;
	ll_sig_signer_t *keys;
};

static void signer_open(struct signer *s, uint8_t scheme, uint64_t rate)
{
	size_t len;
	memset(s, 0, sizeof *s);
	assert_int_equal(ll_sig_signer_open(scheme, NULL, &s->keys), 0);
	s->reg = (struct ll_store_client){ .scheme = scheme, .rate = rate, .burst = rate };
	ll_sig_signer_keys(s->keys, NULL, s->reg.pub, &len);
	s->reg.pub_len = (uint8_t)len;
	assert_int_equal(ll_sig_key_id(scheme, s->reg.pub, len, s->reg.id), 0);
}

/* Signs the record at rec (its signature's 64 bytes at the end) as the wire says. */
static void sign_record(const struct signer *s, uint8_t *rec, size_t len)
{
	uint8_t msg[4 + 512] = { CHAIN & 0xff, 0, 0, 0 };
	memcpy(msg + 4, rec, len - 64);
	assert_int_equal(ll_sig_sign(s->keys, msg, 4 + len - 64, rec + len - 64), 0);
}

/* A frame of n records: signer[i % 2] with nonce nonces[i], payload "tx i", scheme as registered. */
struct frame {
	uint8_t buf[2048];
	size_t len;
	struct ll_wire_frame parsed;
};

static void make_frame(struct frame *fr, struct signer *const *who, const uint64_t *nonces,
		       unsigned n, int scheme_override)
{
	struct ll_wire_builder b;
	assert_int_equal(ll_wire_frame_begin(&b, fr->buf, sizeof fr->buf, CHAIN), 8);
	for (unsigned i = 0; i < n; i++) {
		char payload[16];
		uint8_t *rec;
		int plen = snprintf(payload, sizeof payload, "tx %u", i);
		uint8_t scheme = scheme_override >= 0 ? (uint8_t)scheme_override : who[i]->reg.scheme;
		assert_true(ll_wire_frame_add(&b, scheme, 1, nonces[i], who[i]->reg.id,
					      (const uint8_t *)payload, (uint16_t)plen, NULL,
					      &rec) > 0);
		if (scheme)
			sign_record(who[i], rec, (size_t)(b.buf + b.len - rec));
	}
	fr->len = (size_t)ll_wire_frame_end(&b);
	assert_int_equal(ll_wire_parse(fr->buf, fr->len, CHAIN, &fr->parsed), LL_WIRE_OK);
}

static void test_admit_signed_frames_once(void **state)
{
	(void)state;
	struct signer ed, sm2;
	ll_admit_t *a;
	struct frame fr;
	struct ll_admit_stats st;
	signer_open(&ed, LL_SIG_ED25519, 0);
	signer_open(&sm2, LL_SIG_SM2_SM3, 0);
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 4 }, &a), 0);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, NULL, 0, 0), 0);
	assert_int_equal(ll_admit_add_client(a, &sm2.reg, NULL, 0, 0), 0);

	struct signer *who[3] = { &ed, &sm2, &ed };
	uint64_t nonces[3] = { 1, 1, 2 };
	make_frame(&fr, who, nonces, 3, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	/* the same frame again, or any of its records: replays */
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_REPLAY);
	uint64_t again[1] = { 2 };
	make_frame(&fr, who, again, 1, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_REPLAY);
	/* a nonce twice in one frame */
	uint64_t twice[3] = { 9, 5, 9 };
	make_frame(&fr, who, twice, 3, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_REPLAY);
	/* nothing of a dropped frame was marked: 9 and 5 are still new */
	uint64_t fresh[2] = { 9, 5 };
	make_frame(&fr, who, fresh, 2, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);

	ll_admit_stats(a, &st);
	assert_int_equal(st.frames_admitted, 2);
	assert_int_equal(st.records_admitted, 5);
	assert_int_equal(st.dropped[LL_WIRE_REPLAY], 3);
	ll_admit_close(a);
	ll_sig_signer_close(ed.keys);
	ll_sig_signer_close(sm2.keys);
}

static void test_admit_drops_whole_frame_for_any_bad_record(void **state)
{
	(void)state;
	struct signer ed, stranger, gateway;
	ll_admit_t *a;
	struct frame fr;
	struct ll_admit_stats st;
	signer_open(&ed, LL_SIG_ED25519, 0);
	signer_open(&stranger, LL_SIG_ED25519, 0);
	signer_open(&gateway, LL_SIG_ED25519, 0);
	gateway.reg.trusted = true;
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 2 }, &a), 0);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, NULL, 0, 0), 0);
	assert_int_equal(ll_admit_add_client(a, &gateway.reg, NULL, 0, 0), 0);
	/* the table holds what it was sized for */
	assert_int_equal(ll_admit_add_client(a, &stranger.reg, NULL, 0, 0), -ENOSPC);

	struct signer *mixed[2] = { &ed, &stranger };
	uint64_t nonces[2] = { 1, 1 };
	make_frame(&fr, mixed, nonces, 2, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_UNKNOWN_CLIENT);

	/* one flipped payload byte in the second record */
	struct signer *two[2] = { &ed, &ed };
	uint64_t n2[2] = { 1, 2 };
	make_frame(&fr, two, n2, 2, -1);
	fr.buf[fr.len - 65] ^= 1;
	assert_int_equal(ll_wire_parse(fr.buf, fr.len, CHAIN, &fr.parsed), LL_WIRE_OK);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_BAD_SIGNATURE);

	/* unsigned: refused from a client, taken from a trusted gateway */
	make_frame(&fr, two, n2, 2, 0);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_BAD_SIGNATURE);
	struct signer *gw[1] = { &gateway };
	make_frame(&fr, gw, n2, 1, 0);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);

	/* none of that marked ed's nonces 1 and 2 */
	make_frame(&fr, two, n2, 2, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	ll_admit_stats(a, &st);
	assert_int_equal(st.dropped[LL_WIRE_UNKNOWN_CLIENT], 1);
	assert_int_equal(st.dropped[LL_WIRE_BAD_SIGNATURE], 2);
	assert_int_equal(st.frames_admitted, 2);
	ll_admit_close(a);
	ll_sig_signer_close(ed.keys);
	ll_sig_signer_close(stranger.keys);
	ll_sig_signer_close(gateway.keys);
}

/* A gateway's frame (one client, rising nonces) takes the fast path: nonces in the
 * window's gaps are new, one seen before drops the frame, and all are marked. */
static void test_admit_one_client_rising_frames(void **state)
{
	(void)state;
	struct signer ed;
	ll_admit_t *a;
	struct frame fr;
	signer_open(&ed, LL_SIG_ED25519, 0);
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 1 }, &a), 0);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, NULL, 0, 0), 0);
	struct signer *who[4] = { &ed, &ed, &ed, &ed };
	uint64_t first[4] = { 10, 20, 100, 2000 };
	make_frame(&fr, who, first, 4, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	/* below the highest (2000): gaps are new, 10 and 100 were slid out of the window */
	uint64_t gaps[3] = { 1500, 1999, 2001 };
	make_frame(&fr, who, gaps, 3, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	uint64_t old[2] = { 100, 3000 };
	make_frame(&fr, who, old, 2, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_REPLAY);
	/* each nonce of an admitted frame was marked, the lowest included */
	for (unsigned i = 0; i < 3; i++) {
		uint64_t one[2] = { gaps[i], 5000 };
		make_frame(&fr, who, one, 2, -1);
		assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_REPLAY);
	}
	uint64_t fresh[2] = { 1998, 5000 };
	make_frame(&fr, who, fresh, 2, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	ll_admit_close(a);
	ll_sig_signer_close(ed.keys);
}

static void test_admit_rate_limits_per_client(void **state)
{
	(void)state;
	struct signer ed;
	ll_admit_t *a;
	struct frame fr;
	signer_open(&ed, LL_SIG_ED25519, 5);	/* 5 a second, burst 5 */
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 1 }, &a), 0);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, NULL, 0, 0), 0);
	struct signer *who[3] = { &ed, &ed, &ed };
	uint64_t n[3] = { 1, 2, 3 };
	make_frame(&fr, who, n, 3, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_OK);
	uint64_t m[3] = { 4, 5, 6 };
	make_frame(&fr, who, m, 3, -1);
	assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), LL_WIRE_RATE_LIMITED);
	/* a second later the bucket is full again, and 4..6 were never marked */
	assert_int_equal(ll_admit_frame(a, &fr.parsed, SEC), LL_WIRE_OK);
	ll_admit_close(a);
	ll_sig_signer_close(ed.keys);
}

static void test_admit_resumes_committed_window(void **state)
{
	(void)state;
	struct signer ed;
	struct ll_replay_window w = { 0 };
	uint8_t st[LL_REPLAY_STATE_BYTES];
	ll_admit_t *a;
	struct frame fr;
	signer_open(&ed, LL_SIG_ED25519, 0);
	for (uint64_t n = 5000; n <= 5100; n += 2)
		ll_replay_mark(&w, n);
	ll_replay_encode(&w, st);
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 1 }, &a), 0);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, st, sizeof st - 1, 0), -EINVAL);
	assert_int_equal(ll_admit_add_client(a, &ed.reg, st, sizeof st, 0), 0);
	struct signer *who[1] = { &ed };
	const uint64_t cases[][2] = { { 5100, LL_WIRE_REPLAY }, { 5050, LL_WIRE_REPLAY },
				      { 5051, LL_WIRE_OK }, { 100, LL_WIRE_REPLAY },
				      { 5101, LL_WIRE_OK } };
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		make_frame(&fr, who, &cases[i][0], 1, -1);
		assert_int_equal(ll_admit_frame(a, &fr.parsed, 0), (int)cases[i][1]);
	}
	ll_admit_close(a);
	ll_sig_signer_close(ed.keys);
}

/* A trusted gateway (scheme 0) whose key id's first byte places it in the table. */
static void gateway(struct signer *g, uint8_t home_byte, uint8_t tag)
{
	memset(g, 0, sizeof *g);
	g->reg = (struct ll_store_client){ .scheme = LL_WIRE_SCHEME_NONE, .trusted = true,
					   .pub_len = 32 };
	memset(g->reg.pub, tag, 32);
	memset(g->reg.id, tag, 32);
	g->reg.id[0] = home_byte;
	memset(g->reg.id + 1, 0, 7);	/* the slot is the first 8 bytes' low bits */
}

static enum ll_wire_verdict send_one(ll_admit_t *a, struct signer *g, uint64_t nonce,
				     uint64_t now)
{
	struct frame fr;
	struct signer *who[1] = { g };
	make_frame(&fr, who, &nonce, 1, -1);
	return ll_admit_frame(a, &fr.parsed, now);
}

/* Removal keeps every other client findable (backward shift in a probe run);
 * an update keeps the replay window but takes the new rate. */
static void test_admit_remove_and_update_clients(void **state)
{
	(void)state;
	ll_admit_t *a;
	/* 8 clients: 16 slots. Five share home slot 5, one has home 6 (placed after
	 * the run), one home 15 (wraps to 0). */
	assert_int_equal(ll_admit_open(&(struct ll_admit_cfg){ .chain_id = CHAIN,
							       .max_clients = 8 }, &a), 0);
	struct signer g[7];
	const uint8_t homes[7] = { 5, 21, 6, 37, 53, 15, 31 };
	for (int i = 0; i < 7; i++) {
		gateway(&g[i], homes[i], (uint8_t)(0x10 + i));
		assert_int_equal(ll_admit_add_client(a, &g[i].reg, NULL, 0, 0), 0);
		assert_int_equal(send_one(a, &g[i], 1, 0), LL_WIRE_OK);
	}
	/* take out clients from the middle of runs, one at a time */
	const int order[] = { 1, 5, 0, 4 };
	bool gone[7] = { false };
	for (size_t k = 0; k < LL_ARRAY_LEN(order); k++) {
		assert_int_equal(ll_admit_remove_client(a, g[order[k]].reg.id), 0);
		assert_int_equal(ll_admit_remove_client(a, g[order[k]].reg.id), -ENOENT);
		gone[order[k]] = true;
		for (int i = 0; i < 7; i++)
			assert_int_equal(send_one(a, &g[i], 10 + k, 0),
					 gone[i] ? LL_WIRE_UNKNOWN_CLIENT : LL_WIRE_OK);
	}
	/* back again: a client added afresh starts from the window it is given */
	assert_int_equal(ll_admit_add_client(a, &g[1].reg, NULL, 0, 0), 0);
	assert_int_equal(send_one(a, &g[1], 1, 0), LL_WIRE_OK);

	/* an update keeps nonces seen, and brings the new rate: 1 a second, burst 1 */
	struct ll_store_client slow = g[3].reg;
	slow.rate = 1;
	slow.burst = 1;
	assert_int_equal(ll_admit_update_client(a, &slow, 5 * SEC), 0);
	assert_int_equal(send_one(a, &g[3], 13, 5 * SEC), LL_WIRE_REPLAY);
	assert_int_equal(send_one(a, &g[3], 20, 5 * SEC), LL_WIRE_OK);
	assert_int_equal(send_one(a, &g[3], 21, 5 * SEC), LL_WIRE_RATE_LIMITED);
	assert_int_equal(send_one(a, &g[3], 21, 6 * SEC), LL_WIRE_OK);
	assert_int_equal(ll_admit_update_client(a, &g[0].reg, 0), -ENOENT);
	/* scheme 0 from an untrusted client is refused, as at add */
	slow.trusted = false;
	assert_int_equal(ll_admit_update_client(a, &slow, 0), -EINVAL);
	ll_admit_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit_signed_frames_once),
		cmocka_unit_test(test_admit_drops_whole_frame_for_any_bad_record),
		cmocka_unit_test(test_admit_one_client_rising_frames),
		cmocka_unit_test(test_admit_rate_limits_per_client),
		cmocka_unit_test(test_admit_resumes_committed_window),
		cmocka_unit_test(test_admit_remove_and_update_clients),
	};
	return cmocka_run_group_tests_name("ll_admit", tests, NULL, NULL);
}
