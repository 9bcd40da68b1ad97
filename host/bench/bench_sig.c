/* llbench sig: signature verifications per second on one core, for the record
 * sizes the wire carries (chain id + a 44-byte record header + 128-byte payload):
 * Ed25519 through libsodium against OpenSSL (AUTO must be the faster), SM2-SM3
 * through OpenSSL. */
#include "llbench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* A fresh key pair of scheme, a signature of v->msg, and the public key. */
static int sign_one(uint8_t scheme, struct verify_case *v, uint8_t *pub)
{
	ll_sig_signer_t *s;
	for (size_t i = 0; i < sizeof v->msg; i++)
		v->msg[i] = (uint8_t)(i * 29 + 3);
	int rc = ll_sig_signer_open(scheme, NULL, &s);
	if (rc < 0)
		return rc;
	ll_sig_signer_keys(s, NULL, pub, NULL);
	rc = ll_sig_sign(s, v->msg, sizeof v->msg, v->sig);
	ll_sig_signer_close(s);
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

/*
 * The e2e baseline: verifications of distinct records, as the appliance sees
 * them (8 clients' keys, 256 records each with its own signature), not one
 * signature again and again, whose warm caches flatter the rate by 3% to 7%.
 */
#define SET_KEYS 8
#define SET_RECORDS 256

struct verify_set {
	ll_sig_key_t *key[SET_KEYS];
	uint8_t msg[SET_RECORDS][MSG_BYTES];
	uint8_t sig[SET_RECORDS][LL_SIG_BYTES];
	int rc;
};

static void run_verify_set(void *arg)
{
	struct verify_set *v = arg;
	for (unsigned i = 0; i < SET_RECORDS; i++)
		if (ll_sig_verify(v->key[i % SET_KEYS], v->msg[i], MSG_BYTES, v->sig[i]) != 0)
			v->rc = -EBADMSG;
}

double ll_bench_verify_rate(const struct ll_bench_opts *o, uint8_t scheme)
{
	static struct verify_set v;
	ll_sig_signer_t *signer[SET_KEYS] = { 0 };
	enum ll_sig_impl impl = scheme == LL_SIG_ED25519 ? ll_sig_auto_impl(scheme) :
				LL_SIG_IMPL_OPENSSL;
	double rate = 0;
	memset(&v, 0, sizeof v);
	for (unsigned k = 0; k < SET_KEYS; k++) {
		uint8_t pub[64];
		size_t pub_len;
		if (ll_sig_signer_open(scheme, NULL, &signer[k]) < 0)
			goto out;
		ll_sig_signer_keys(signer[k], NULL, pub, &pub_len);
		if (ll_sig_key_open(scheme, impl, pub, pub_len, &v.key[k]) < 0)
			goto out;
	}
	for (unsigned i = 0; i < SET_RECORDS; i++) {
		for (unsigned j = 0; j < MSG_BYTES; j++)
			v.msg[i][j] = (uint8_t)(i * 131 + j * 29 + 3);
		if (ll_sig_sign(signer[i % SET_KEYS], v.msg[i], MSG_BYTES, v.sig[i]) < 0)
			goto out;
	}
	rate = ll_bench_rate(o, run_verify_set, &v, SET_RECORDS);
	if (v.rc < 0)
		rate = 0;
out:
	for (unsigned k = 0; k < SET_KEYS; k++) {
		ll_sig_signer_close(signer[k]);
		ll_sig_key_close(v.key[k]);
	}
	return rate;
}

int ll_bench_sig(const struct ll_bench_opts *o)
{
	struct verify_case v = { 0 };
	uint8_t pub[64];

	if (sign_one(LL_SIG_ED25519, &v, pub) < 0) {
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

	if (sign_one(LL_SIG_SM2_SM3, &v, pub) < 0) {
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
