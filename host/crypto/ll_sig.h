/* Signature verification for the wire's schemes: Ed25519 (RFC 8032) and SM2 with
 * SM3 (GB/T 32918, default id "1234567812345678"). A client's key is decoded once
 * into a key object, kept with the client; each record then costs one verify. */
#ifndef LL_SIG_H
#define LL_SIG_H

#include <stddef.h>
#include <stdint.h>

#define LL_SIG_BYTES		64	/* Ed25519 R||S; SM2 r||s, 32 bytes each, big-endian */
#define LL_SIG_ED25519_KEY_BYTES 32
#define LL_SIG_SM2_KEY_BYTES	64	/* the public point x||y, 32 bytes each, big-endian */
#define LL_SIG_SM2_DEFAULT_ID	"1234567812345678"

enum ll_sig_scheme {
	LL_SIG_ED25519 = 1,		/* the wire's scheme numbers */
	LL_SIG_SM2_SM3 = 2,
};

/* Who verifies Ed25519: AUTO is the faster one as `llbench sig` measures it. */
enum ll_sig_impl {
	LL_SIG_IMPL_AUTO = 0,
	LL_SIG_IMPL_OPENSSL,
	LL_SIG_IMPL_SODIUM,		/* Ed25519 only */
};

typedef struct ll_sig_key ll_sig_key_t;

/*
 * ll_sig_key_open - decodes a public key (LL_SIG_ED25519_KEY_BYTES or
 * LL_SIG_SM2_KEY_BYTES) for verifying with impl. Returns 0; -EINVAL for a
 * wrong length, an impl that cannot do the scheme, or a key that is not a
 * point on the curve; -ENOMEM.
 */
int ll_sig_key_open(uint8_t scheme, enum ll_sig_impl impl, const uint8_t *pub, size_t pub_len,
		    ll_sig_key_t **out);

/* ll_sig_key_close - frees the key. NULL is a no-op. */
void ll_sig_key_close(ll_sig_key_t *k);

/*
 * ll_sig_key_id - the 32-byte key id a record names its client by: the Ed25519
 * public key itself, or SM3 of the SM2 point x||y. Returns 0 or -EINVAL.
 */
int ll_sig_key_id(uint8_t scheme, const uint8_t *pub, size_t pub_len, uint8_t id[32]);

/*
 * ll_sig_verify - checks sig (LL_SIG_BYTES) over msg[0, len) with k. Returns
 * 0 for a good signature, -EBADMSG for a bad one, -ENOMEM. Any thread; a key
 * may be used by several threads at once.
 */
int ll_sig_verify(const ll_sig_key_t *k, const uint8_t *msg, size_t len, const uint8_t *sig);

/*
 * Signing, for the clients' side (txgen), tests and benchmarks: the appliance
 * itself only verifies. A signer holds a key pair made from a 32-byte secret
 * (the Ed25519 seed of RFC 8032, or SM2's private scalar d).
 */
typedef struct ll_sig_signer ll_sig_signer_t;

/*
 * ll_sig_signer_open - the key pair of secret, or a fresh one when secret is
 * NULL. Returns 0; -EINVAL for an unknown scheme or an SM2 secret that is not
 * a valid scalar; -ENOMEM.
 */
int ll_sig_signer_open(uint8_t scheme, const uint8_t *secret, ll_sig_signer_t **out);

/* ll_sig_signer_close - frees the signer (and wipes its secret). NULL is a no-op. */
void ll_sig_signer_close(ll_sig_signer_t *s);

/*
 * ll_sig_signer_keys - the secret (32 bytes) and the public key
 * (LL_SIG_ED25519_KEY_BYTES or LL_SIG_SM2_KEY_BYTES, *pub_len) of s; either
 * output may be NULL.
 */
void ll_sig_signer_keys(const ll_sig_signer_t *s, uint8_t secret[32], uint8_t *pub,
			size_t *pub_len);

/* ll_sig_sign - sig (LL_SIG_BYTES) over msg[0, len); 0, or -EIO. */
int ll_sig_sign(const ll_sig_signer_t *s, const uint8_t *msg, size_t len, uint8_t *sig);

/* ll_sig_impl_name - "openssl", "libsodium". */
const char *ll_sig_impl_name(enum ll_sig_impl impl);

/* ll_sig_auto_impl - what AUTO picks for a scheme. */
enum ll_sig_impl ll_sig_auto_impl(uint8_t scheme);

#endif /* LL_SIG_H */
