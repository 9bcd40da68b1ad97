/* Ed25519 through OpenSSL or libsodium, SM2-SM3 through OpenSSL. The wire carries
 * SM2's r and s raw; OpenSSL verifies DER, so each check encodes them first. */
#include "ll_sig.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "ll_sm3.h"

struct ll_sig_key {
	uint8_t scheme;
	enum ll_sig_impl impl;
	uint8_t raw[LL_SIG_ED25519_KEY_BYTES];	/* libsodium's Ed25519 key */
	EVP_PKEY *pkey;				/* OpenSSL's */
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready;

static void sodium_start(void)
{
	sodium_ready = sodium_init() >= 0;
}

const char *ll_sig_impl_name(enum ll_sig_impl impl)
{
	return impl == LL_SIG_IMPL_SODIUM ? "libsodium" : "openssl";
}

enum ll_sig_impl ll_sig_auto_impl(uint8_t scheme)
{
	/* llbench sig: libsodium verified Ed25519 faster here (README, Benchmarks) */
	return scheme == LL_SIG_ED25519 ? LL_SIG_IMPL_SODIUM : LL_SIG_IMPL_OPENSSL;
}

static size_t key_bytes(uint8_t scheme)
{
	return scheme == LL_SIG_ED25519 ? LL_SIG_ED25519_KEY_BYTES
	       : scheme == LL_SIG_SM2_SM3 ? LL_SIG_SM2_KEY_BYTES : 0;
}

int ll_sig_key_id(uint8_t scheme, const uint8_t *pub, size_t pub_len, uint8_t id[32])
{
	if (!pub || !id || !key_bytes(scheme) || pub_len != key_bytes(scheme))
		return -EINVAL;
	if (scheme == LL_SIG_ED25519)
		memcpy(id, pub, 32);
	else
		ll_sm3(pub, pub_len, id);
	return 0;
}

/* An SM2 public key from x||y, checked to be a point of the curve. */
static EVP_PKEY *sm2_pkey(const uint8_t *xy)
{
	uint8_t point[1 + LL_SIG_SM2_KEY_BYTES] = { 0x04 };	/* uncompressed */
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL), *check = NULL;
	EVP_PKEY *pkey = NULL;

	memcpy(point + 1, xy, LL_SIG_SM2_KEY_BYTES);
	if (!bld || !ctx ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	if (!(check = EVP_PKEY_CTX_new(pkey, NULL)) || EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int ll_sig_key_open(uint8_t scheme, enum ll_sig_impl impl, const uint8_t *pub, size_t pub_len,
		    ll_sig_key_t **out)
{
	if (!pub || !out || !key_bytes(scheme) || pub_len != key_bytes(scheme))
		return -EINVAL;
	if (impl == LL_SIG_IMPL_AUTO)
		impl = ll_sig_auto_impl(scheme);
	if (impl == LL_SIG_IMPL_SODIUM && scheme != LL_SIG_ED25519)
		return -EINVAL;
	struct ll_sig_key *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->scheme = scheme;
	k->impl = impl;
	if (impl == LL_SIG_IMPL_SODIUM) {
		pthread_once(&sodium_once, sodium_start);
		if (!sodium_ready) {
			free(k);
			return -ENOMEM;
		}
		memcpy(k->raw, pub, pub_len);
	} else if (scheme == LL_SIG_ED25519) {
		k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, pub_len);
	} else {
		k->pkey = sm2_pkey(pub);
	}
	if (impl == LL_SIG_IMPL_OPENSSL && !k->pkey) {
		free(k);
		return -EINVAL;
	}
	*out = k;
	return 0;
}

void ll_sig_key_close(ll_sig_key_t *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* --- signing --- */

struct ll_sig_signer {
	uint8_t scheme;
	uint8_t secret[32];
	uint8_t pub[LL_SIG_SM2_KEY_BYTES];
	size_t pub_len;
	uint8_t sk[64];			/* libsodium's Ed25519 secret key */
	EVP_PKEY *sm2;
};

/* The SM2 key pair of scalar d; NULL when d is 0 or not below the order. */
static EVP_PKEY *sm2_keypair(const uint8_t d[32], uint8_t pub[64])
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_sm2);
	EC_POINT *point = group ? EC_POINT_new(group) : NULL;
	BIGNUM *priv = BN_bin2bn(d, 32, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *pkey = NULL;
	uint8_t oct[1 + LL_SIG_SM2_KEY_BYTES];

	if (group && point && priv && bld && ctx && !BN_is_zero(priv) &&
	    BN_cmp(priv, EC_GROUP_get0_order(group)) < 0 &&
	    EC_POINT_mul(group, point, priv, NULL, NULL, NULL) &&
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, oct, sizeof oct,
			       NULL) == sizeof oct &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, oct, sizeof oct) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) > 0)
		memcpy(pub, oct + 1, LL_SIG_SM2_KEY_BYTES);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	return pkey;
}

int ll_sig_signer_open(uint8_t scheme, const uint8_t *secret, ll_sig_signer_t **out)
{
	if (!out || !key_bytes(scheme))
		return -EINVAL;
	pthread_once(&sodium_once, sodium_start);
	if (!sodium_ready)
		return -ENOMEM;
	struct ll_sig_signer *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->scheme = scheme;
	s->pub_len = key_bytes(scheme);
	for (int tries = 0; tries < 8; tries++) {
		if (secret)
			memcpy(s->secret, secret, 32);
		else
			randombytes_buf(s->secret, 32);
		if (scheme == LL_SIG_ED25519) {
			crypto_sign_ed25519_seed_keypair(s->pub, s->sk, s->secret);
			break;
		}
		/* a fresh d above the order (about 2^-32 of draws) is drawn again */
		if ((s->sm2 = sm2_keypair(s->secret, s->pub)) || secret)
			break;
	}
	if (scheme == LL_SIG_SM2_SM3 && !s->sm2) {
		ll_sig_signer_close(s);
		return secret ? -EINVAL : -ENOMEM;
	}
	*out = s;
	return 0;
}

void ll_sig_signer_close(ll_sig_signer_t *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->sm2);
	sodium_memzero(s, sizeof *s);
	free(s);
}

void ll_sig_signer_keys(const ll_sig_signer_t *s, uint8_t secret[32], uint8_t *pub,
			size_t *pub_len)
{
	if (secret)
		memcpy(secret, s->secret, 32);
	if (pub)
		memcpy(pub, s->pub, s->pub_len);
	if (pub_len)
		*pub_len = s->pub_len;
}

int ll_sig_sign(const ll_sig_signer_t *s, const uint8_t *msg, size_t len, uint8_t *sig)
{
	if (!s || !sig || (len && !msg))
		return -EINVAL;
	if (s->scheme == LL_SIG_ED25519)
		return crypto_sign_ed25519_detached(sig, NULL, msg, len, s->sk) == 0 ? 0 : -EIO;

	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(s->sm2, NULL);
	ECDSA_SIG *es = NULL;
	uint8_t der[80];
	size_t der_len = sizeof der;
	int rc = -EIO;
	if (mctx && pctx &&
	    EVP_PKEY_CTX_set1_id(pctx, LL_SIG_SM2_DEFAULT_ID, sizeof LL_SIG_SM2_DEFAULT_ID - 1) > 0) {
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		const uint8_t *p = der;
		if (EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, s->sm2) == 1 &&
		    EVP_DigestSign(mctx, der, &der_len, msg, len) == 1 &&
		    (es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) &&
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) == 32 &&
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) == 32)
			rc = 0;
	}
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

/* --- verifying --- */

/* r||s (big-endian, 32 bytes each) as DER; its length, or 0. */
static int sm2_sig_der(const uint8_t *sig, uint8_t *der, size_t room)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
	int len = 0;
	if (s && r && sv && ECDSA_SIG_set0(s, r, sv)) {
		r = sv = NULL;		/* s owns them now */
		if (i2d_ECDSA_SIG(s, NULL) <= (int)room)
			len = i2d_ECDSA_SIG(s, &der);
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(s);
	return len > 0 ? len : 0;
}

int ll_sig_verify(const ll_sig_key_t *k, const uint8_t *msg, size_t len, const uint8_t *sig)
{
	if (!k || !sig || (len && !msg))
		return -EINVAL;
	if (k->impl == LL_SIG_IMPL_SODIUM)
		return crypto_sign_ed25519_verify_detached(sig, msg, len, k->raw) == 0 ? 0
											  : -EBADMSG;

	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t der[80];
	int rc = -ENOMEM, ok = 0;
	if (!mctx)
		goto out;
	if (k->scheme == LL_SIG_ED25519) {
		ok = EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, k->pkey) == 1 &&
		     EVP_DigestVerify(mctx, sig, LL_SIG_BYTES, msg, len) == 1;
	} else {
		int der_len = sm2_sig_der(sig, der, sizeof der);
		if (!(pctx = EVP_PKEY_CTX_new(k->pkey, NULL)) ||
		    EVP_PKEY_CTX_set1_id(pctx, LL_SIG_SM2_DEFAULT_ID,
					 sizeof LL_SIG_SM2_DEFAULT_ID - 1) <= 0)
			goto out;
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		ok = der_len > 0 &&
		     EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, k->pkey) == 1 &&
		     EVP_DigestVerify(mctx, der, (size_t)der_len, msg, len) == 1;
	}
	rc = ok ? 0 : -EBADMSG;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}
