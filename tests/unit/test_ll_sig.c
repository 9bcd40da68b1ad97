/* Unit suite for host/crypto ll_sig: RFC 8032 Ed25519 vectors through both
 * implementations, GB/T 32918 SM2 vectors with the default id, fresh OpenSSL SM2
 * signatures, and every tampered message, signature and key refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "ll_sig.h"
#include "ll_sm3.h"
#include "ll_test_util.h"

/* Good, then one flipped bit in the message or the signature: bad. */
static void expect_verifies(const ll_sig_key_t *k, uint8_t *msg, size_t len, uint8_t *sig)
{
	assert_int_equal(ll_sig_verify(k, msg, len, sig), 0);
	for (size_t bit = 0; bit < LL_SIG_BYTES * 8; bit += 37) {
		sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
		assert_int_equal(ll_sig_verify(k, msg, len, sig), -EBADMSG);
		sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	if (len) {
		msg[len / 2] ^= 0x01;
		assert_int_equal(ll_sig_verify(k, msg, len, sig), -EBADMSG);
		msg[len / 2] ^= 0x01;
	}
	assert_int_equal(ll_sig_verify(k, msg, len, sig), 0);
}

static void check_rfc8032(enum ll_sig_impl impl)
{
	FILE *f = test_open_vector("ed25519/rfc8032_7.1_ed25519.txt");
	char line[8192], name[64], sk[80], pk[80], msg_hex[4096], sig_hex[160];
	int vectors = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%63s %79s %79s %4095s %159s", name, sk, pk, msg_hex,
					sig_hex), 5);
		uint8_t pub[32], id[32], sig[64], msg[2048];
		long len = strcmp(msg_hex, "-") ? test_hex_decode(msg_hex, msg, sizeof msg) : 0;
		assert_int_equal(test_hex_decode(pk, pub, sizeof pub), 32);
		assert_int_equal(test_hex_decode(sig_hex, sig, sizeof sig), 64);
		assert_true(len >= 0);
		ll_sig_key_t *k;
		assert_int_equal(ll_sig_key_open(LL_SIG_ED25519, impl, pub, 32, &k), 0);
		expect_verifies(k, msg, (size_t)len, sig);
		ll_sig_key_close(k);
		assert_int_equal(ll_sig_key_id(LL_SIG_ED25519, pub, 32, id), 0);
		assert_memory_equal(id, pub, 32);
		/* another key does not verify it */
		pub[0] ^= 0x02;
		if (ll_sig_key_open(LL_SIG_ED25519, impl, pub, 32, &k) == 0) {
			assert_int_equal(ll_sig_verify(k, msg, (size_t)len, sig), -EBADMSG);
			ll_sig_key_close(k);
		}
		vectors++;
	}
	fclose(f);
	assert_int_equal(vectors, 5);
}

static void test_ed25519_rfc8032_openssl(void **state)
{
	(void)state;
	check_rfc8032(LL_SIG_IMPL_OPENSSL);
}

static void test_ed25519_rfc8032_sodium(void **state)
{
	(void)state;
	check_rfc8032(LL_SIG_IMPL_SODIUM);
}

/* The vectors on the standard curve with the default id, the one the wire uses. */
static void test_sm2_vectors_with_default_id(void **state)
{
	(void)state;
	FILE *f = test_open_vector("sm2/sm2_sig_vectors.txt");
	char line[1024], key[32], val[512];
	char curve[64] = "", id[128] = "", px[128] = "", py[128] = "", msg[512] = "", r[128] = "",
	     s[128] = "";
	int checked = 0;
	for (bool more = true; more;) {
		more = fgets(line, sizeof line, f) != NULL;
		if (more && line[0] != '\n') {
			if (line[0] != '#' && sscanf(line, "%31s = %511s", key, val) == 2) {
				char *dst = !strcmp(key, "Curve") ? curve : !strcmp(key, "ID") ? id :
					    !strcmp(key, "Px") ? px : !strcmp(key, "Py") ? py :
					    !strcmp(key, "Msg") ? msg : !strcmp(key, "R") ? r :
					    !strcmp(key, "S") ? s : NULL;
				if (dst)
					snprintf(dst, 128, "%.127s", val);
			}
			continue;
		}
		/* a block ended */
		if (!strcmp(curve, "sm2p256v1") && !strcmp(id, "31323334353637383132333435363738") &&
		    px[0] && msg[0] && r[0]) {
			uint8_t pub[64], sig[64], m[256], kid[32], want[32];
			long len = test_hex_decode(msg, m, sizeof m);
			assert_true(len > 0);
			assert_int_equal(test_hex_decode(px, pub, 32), 32);
			assert_int_equal(test_hex_decode(py, pub + 32, 32), 32);
			assert_int_equal(test_hex_decode(r, sig, 32), 32);
			assert_int_equal(test_hex_decode(s, sig + 32, 32), 32);
			ll_sig_key_t *k;
			assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_AUTO, pub, 64, &k),
					 0);
			expect_verifies(k, m, (size_t)len, sig);
			ll_sig_key_close(k);
			assert_int_equal(ll_sig_key_id(LL_SIG_SM2_SM3, pub, 64, kid), 0);
			ll_sm3(pub, 64, want);
			assert_memory_equal(kid, want, 32);
			checked++;
		}
		curve[0] = id[0] = px[0] = py[0] = msg[0] = r[0] = s[0] = '\0';
	}
	fclose(f);
	assert_int_equal(checked, 2);	/* GM/T 0003.5 Annex A, and gmsm's example */
}

/* Fresh keys and signatures from OpenSSL: r or s with leading zero bytes too. */
static void test_sm2_fresh_openssl_signatures(void **state)
{
	(void)state;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	assert_non_null(pkey);
	uint8_t point[65], pub[64];
	size_t point_len = 0;
	assert_int_equal(EVP_PKEY_get_octet_string_param(pkey, "pub", point, sizeof point,
							 &point_len), 1);
	assert_int_equal(point_len, 65);
	memcpy(pub, point + 1, 64);
	ll_sig_key_t *k;
	assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_OPENSSL, pub, 64, &k), 0);

	uint64_t seed = 5;
	for (int i = 0; i < 64; i++) {
		uint8_t msg[200], der[80], sig[64] = { 0 };
		size_t der_len = sizeof der, len = (size_t)(test_rand(&seed) % sizeof msg);
		test_fill_random(&seed, msg, len);
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pkey, NULL);
		assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, LL_SIG_SM2_DEFAULT_ID, 16), 1);
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		assert_int_equal(EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, pkey), 1);
		assert_int_equal(EVP_DigestSign(mctx, der, &der_len, msg, len), 1);
		EVP_MD_CTX_free(mctx);
		EVP_PKEY_CTX_free(pctx);
		const uint8_t *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
		assert_non_null(es);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
		ECDSA_SIG_free(es);
		expect_verifies(k, msg, len, sig);
	}
	ll_sig_key_close(k);
	EVP_PKEY_free(pkey);
}

/* The signer: RFC 8032 seeds give the published keys and signatures; SM2 round trips. */
static void test_signer_matches_vectors_and_round_trips(void **state)
{
	(void)state;
	FILE *f = test_open_vector("ed25519/rfc8032_7.1_ed25519.txt");
	char line[8192], name[64], sk[80], pk[80], msg_hex[4096], sig_hex[160];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%63s %79s %79s %4095s %159s", name, sk, pk, msg_hex,
					sig_hex), 5);
		uint8_t seed[32], pub[32], want_sig[64], msg[2048], got_pub[64], sig[64];
		size_t pub_len;
		long len = strcmp(msg_hex, "-") ? test_hex_decode(msg_hex, msg, sizeof msg) : 0;
		test_hex_decode(sk, seed, 32);
		test_hex_decode(pk, pub, 32);
		test_hex_decode(sig_hex, want_sig, 64);
		ll_sig_signer_t *s;
		assert_int_equal(ll_sig_signer_open(LL_SIG_ED25519, seed, &s), 0);
		ll_sig_signer_keys(s, NULL, got_pub, &pub_len);
		assert_int_equal(pub_len, 32);
		assert_memory_equal(got_pub, pub, 32);
		assert_int_equal(ll_sig_sign(s, msg, (size_t)len, sig), 0);
		assert_memory_equal(sig, want_sig, 64);	/* Ed25519 is deterministic */
		ll_sig_signer_close(s);
	}
	fclose(f);

	/* SM2: a fresh pair signs, its key verifies; the same secret gives the same key */
	ll_sig_signer_t *s, *again;
	ll_sig_key_t *k;
	uint8_t secret[32], pub[64], pub2[64], sig[64], msg[100] = "sm2";
	size_t len;
	assert_int_equal(ll_sig_signer_open(LL_SIG_SM2_SM3, NULL, &s), 0);
	ll_sig_signer_keys(s, secret, pub, &len);
	assert_int_equal(len, 64);
	assert_int_equal(ll_sig_signer_open(LL_SIG_SM2_SM3, secret, &again), 0);
	ll_sig_signer_keys(again, NULL, pub2, NULL);
	assert_memory_equal(pub2, pub, 64);
	assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_AUTO, pub, 64, &k), 0);
	for (int i = 0; i < 16; i++) {
		msg[10] = (uint8_t)i;
		assert_int_equal(ll_sig_sign(i % 2 ? s : again, msg, sizeof msg, sig), 0);
		expect_verifies(k, msg, sizeof msg, sig);
	}
	ll_sig_key_close(k);
	ll_sig_signer_close(s);
	ll_sig_signer_close(again);
	/* a scalar of 0 is no key */
	memset(secret, 0, sizeof secret);
	assert_int_equal(ll_sig_signer_open(LL_SIG_SM2_SM3, secret, &s), -EINVAL);
	assert_int_equal(ll_sig_signer_open(7, NULL, &s), -EINVAL);
}

static void test_keys_refused_when_wrong(void **state)
{
	(void)state;
	uint8_t pub[64] = { 0 }, id[32];
	ll_sig_key_t *k = NULL;
	assert_int_equal(ll_sig_key_open(LL_SIG_ED25519, LL_SIG_IMPL_AUTO, pub, 31, &k), -EINVAL);
	assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_AUTO, pub, 65, &k), -EINVAL);
	assert_int_equal(ll_sig_key_open(3, LL_SIG_IMPL_AUTO, pub, 32, &k), -EINVAL);
	assert_int_equal(ll_sig_key_open(0, LL_SIG_IMPL_AUTO, pub, 0, &k), -EINVAL);
	/* libsodium has no SM2 */
	assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_SODIUM, pub, 64, &k), -EINVAL);
	/* (1, 1) is not on the SM2 curve */
	pub[31] = 1;
	pub[63] = 1;
	assert_int_equal(ll_sig_key_open(LL_SIG_SM2_SM3, LL_SIG_IMPL_OPENSSL, pub, 64, &k), -EINVAL);
	assert_null(k);
	assert_int_equal(ll_sig_key_id(LL_SIG_SM2_SM3, pub, 32, id), -EINVAL);
	assert_int_equal(ll_sig_verify(NULL, pub, 1, pub), -EINVAL);
	ll_sig_key_close(NULL);
	assert_string_equal(ll_sig_impl_name(ll_sig_auto_impl(LL_SIG_SM2_SM3)), "openssl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_rfc8032_openssl),
		cmocka_unit_test(test_ed25519_rfc8032_sodium),
		cmocka_unit_test(test_sm2_vectors_with_default_id),
		cmocka_unit_test(test_sm2_fresh_openssl_signatures),
		cmocka_unit_test(test_signer_matches_vectors_and_round_trips),
		cmocka_unit_test(test_keys_refused_when_wrong),
	};
	return cmocka_run_group_tests_name("ll_sig", tests, NULL, NULL);
}
