/* llbench sig: signature verifications per second on one core, for the record
 * sizes the wire carries (chain id + a 44-byte record header + 128-byte payload):
 * Ed25519 through libsodium against OpenSSL (AUTO must be the faster), SM2-SM3
 * through OpenSSL. */
#include "llbench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "ll_sig.h"

#define MSG_BYTES (4 + 44 + 128)

struct verify_case {
	ll_sig_key_t *key;
	uint8_t msg[MSG_BYTES];
	uint8_t sig[LL_SIG_BYTES];
	int rc;
};

static void run_verify(void *arg)
{
	struct verify_case *v = arg;
	if (ll_sig_verify(v->key, v->msg, sizeof v->msg, v->sig) != 0)
		v->rc = -EBADMSG;
}

/* A fresh key pair of `alg` ("ED25519" or "SM2"), a signature of v->msg, and the public key. */
static int sign_one(const char *alg, struct verify_case *v, uint8_t *pub, size_t pub_len)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, alg);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t der[80], point[65];
	size_t len = sizeof der, got = 0;
	int rc = -EINVAL;

	for (size_t i = 0; i < sizeof v->msg; i++)
		v->msg[i] = (uint8_t)(i * 29 + 3);
	if (!pkey || !mctx)
		goto out;
	if (!strcmp(alg, "ED25519")) {
		len = LL_SIG_BYTES;
		if (EVP_PKEY_get_raw_public_key(pkey, pub, &pub_len) != 1 ||
		    EVP_DigestSignInit(mctx, NULL, NULL, NULL, pkey) != 1 ||
		    EVP_DigestSign(mctx, v->sig, &len, v->msg, sizeof v->msg) != 1)
			goto out;
	} else {
		if (EVP_PKEY_get_octet_string_param(pkey, "pub", point, sizeof point, &got) != 1 ||
		    got != 65 || !(pctx = EVP_PKEY_CTX_new(pkey, NULL)) ||
		    EVP_PKEY_CTX_set1_id(pctx, LL_SIG_SM2_DEFAULT_ID, 16) != 1)
			goto out;
		memcpy(pub, point + 1, 64);
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		if (EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, pkey) != 1 ||
		    EVP_DigestSign(mctx, der, &len, v->msg, sizeof v->msg) != 1)
			goto out;
		const uint8_t *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
		if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), v->sig, 32) != 32 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), v->sig + 32, 32) != 32) {
			ECDSA_SIG_free(es);
			goto out;
		}
		ECDSA_SIG_free(es);
	}
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pkey);
	return rc;
}

static double verify_rate(const struct ll_bench_opts *o, uint8_t scheme, enum ll_sig_impl impl,
			  struct verify_case *v, const uint8_t *pub, size_t pub_len)
{
	if (ll_sig_key_open(scheme, impl, pub, pub_len, &v->key) < 0)
		return 0;
	v->rc = 0;
	double rate = ll_bench_rate(o, run_verify, v, 1);
	ll_sig_key_close(v->key);
	return v->rc < 0 ? 0 : rate;
}

int ll_bench_sig(const struct ll_bench_opts *o)
{
	struct verify_case v = { 0 };
	uint8_t pub[64];

	if (sign_one("ED25519", &v, pub, 32) < 0) {
		fprintf(stderr, "llbench: sig: Ed25519 signing failed\n");
		return -EINVAL;
	}
	double sodium = verify_rate(o, LL_SIG_ED25519, LL_SIG_IMPL_SODIUM, &v, pub, 32);
	double openssl = verify_rate(o, LL_SIG_ED25519, LL_SIG_IMPL_OPENSSL, &v, pub, 32);
	if (sodium == 0 || openssl == 0) {
		fprintf(stderr, "llbench: sig: an Ed25519 verification failed\n");
		return -EBADMSG;
	}
	ll_bench_report(o, "sig", "ed25519/libsodium", sodium, "verifies/s", "openssl", openssl);
	enum ll_sig_impl pick = ll_sig_auto_impl(LL_SIG_ED25519);
	double picked = pick == LL_SIG_IMPL_SODIUM ? sodium : openssl;
	double other = pick == LL_SIG_IMPL_SODIUM ? openssl : sodium;
	char goal[96];
	snprintf(goal, sizeof goal, "ed25519: AUTO (%s) is the faster", ll_sig_impl_name(pick));
	ll_bench_goal(o, goal, picked / other, 1.0, false);

	if (sign_one("SM2", &v, pub, 64) < 0) {
		fprintf(stderr, "llbench: sig: SM2 signing failed\n");
		return -EINVAL;
	}
	double sm2 = verify_rate(o, LL_SIG_SM2_SM3, LL_SIG_IMPL_OPENSSL, &v, pub, 64);
	if (sm2 == 0) {
		fprintf(stderr, "llbench: sig: an SM2 verification failed\n");
		return -EBADMSG;
	}
	ll_bench_report(o, "sig", "sm2-sm3/openssl", sm2, "verifies/s", NULL, 0);
	return 0;
}
