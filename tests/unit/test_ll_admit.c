/* Unit suite for dataplane/admit ll_admit: frames signed as clients sign them pass
 * once; a replay, an unknown client, a bad signature, scheme 0 from an untrusted
 * client, a frame over the rate: each dropped whole, counted, nothing marked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "ll_admit.h"
#include "ll_replay.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_test_util.h"

#define CHAIN 77u
#define SEC 1000000000ull

/* A client that can sign: an Ed25519 or SM2 key pair, or a trusted gateway. */
struct signer {
	struct ll_store_client reg;
	uint8_t sk[64];			/* Ed25519 */
	EVP_PKEY *sm2;
};

static void signer_ed25519(struct signer *s, uint64_t rate)
{
	memset(s, 0, sizeof *s);
	assert_true(sodium_init() >= 0);
	assert_int_equal(crypto_sign_ed25519_keypair(s->reg.pub, s->sk), 0);
	s->reg = (struct ll_store_client){ .scheme = 1, .pub_len = 32, .rate = rate,
					   .burst = rate };
	memcpy(s->reg.pub, s->sk + 32, 32);
	assert_int_equal(ll_sig_key_id(1, s->reg.pub, 32, s->reg.id), 0);
}

static void signer_sm2(struct signer *s)
{
	uint8_t point[65];
	size_t len;
	memset(s, 0, sizeof *s);
	assert_non_null(s->sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2"));
	assert_int_equal(EVP_PKEY_get_octet_string_param(s->sm2, "pub", point, 65, &len), 1);
	s->reg = (struct ll_store_client){ .scheme = 2, .pub_len = 64 };
	memcpy(s->reg.pub, point + 1, 64);
	assert_int_equal(ll_sig_key_id(2, s->reg.pub, 64, s->reg.id), 0);
}

/* Signs the record at rec (its signature's 64 bytes at the end) as the wire says. */
static void sign_record(const struct signer *s, uint8_t *rec, size_t len)
{
	uint8_t msg[4 + 512];
	size_t body = len - 64;
	msg[0] = CHAIN & 0xff;
	msg[1] = msg[2] = msg[3] = 0;
	memcpy(msg + 4, rec, body);
	if (s->reg.scheme == 1) {
		assert_int_equal(crypto_sign_ed25519_detached(rec + body, NULL, msg, 4 + body,
							      s->sk), 0);
		return;
	}
	uint8_t der[80];
	size_t der_len = sizeof der;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(s->sm2, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, LL_SIG_SM2_DEFAULT_ID, 16), 1);
	EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
	assert_int_equal(EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, s->sm2), 1);
	assert_int_equal(EVP_DigestSign(mctx, der, &der_len, msg, 4 + body), 1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	const uint8_t *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(es);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), rec + body, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), rec + body + 32, 32), 32);
	ECDSA_SIG_free(es);
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
	signer_ed25519(&ed, 0);
	signer_sm2(&sm2);
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
	EVP_PKEY_free(sm2.sm2);
}

static void test_admit_drops_whole_frame_for_any_bad_record(void **state)
{
	(void)state;
	struct signer ed, stranger, gateway;
	ll_admit_t *a;
	struct frame fr;
	struct ll_admit_stats st;
	signer_ed25519(&ed, 0);
	signer_ed25519(&stranger, 0);
	signer_ed25519(&gateway, 0);
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
}

static void test_admit_rate_limits_per_client(void **state)
{
	(void)state;
	struct signer ed;
	ll_admit_t *a;
	struct frame fr;
	signer_ed25519(&ed, 5);		/* 5 a second, burst 5 */
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
}

static void test_admit_resumes_committed_window(void **state)
{
	(void)state;
	struct signer ed;
	struct ll_replay_window w = { 0 };
	uint8_t st[LL_REPLAY_STATE_BYTES];
	ll_admit_t *a;
	struct frame fr;
	signer_ed25519(&ed, 0);
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit_signed_frames_once),
		cmocka_unit_test(test_admit_drops_whole_frame_for_any_bad_record),
		cmocka_unit_test(test_admit_rate_limits_per_client),
		cmocka_unit_test(test_admit_resumes_committed_window),
	};
	return cmocka_run_group_tests_name("ll_admit", tests, NULL, NULL);
}
