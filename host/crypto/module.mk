# host/crypto: SHA-256, SM3 (portable and SIMD/SHA-NI multi-buffer kernels), Merkle trees.
# The SIMD kernels carry target attributes, so no -m flag is needed and the
# binary runs on any x86-64; ll_hash.c picks the path from cpuid.
INCLUDE_DIRS += host/crypto
LIB_SRCS += host/crypto/ll_hash.c host/crypto/ll_mb.c \
	    host/crypto/ll_sha256.c host/crypto/ll_sha256_shani.c \
	    host/crypto/ll_sha256_ipsecmb.c host/crypto/ll_sha256_avx2.c \
	    host/crypto/ll_sha256_avx512.c \
	    host/crypto/ll_sm3.c host/crypto/ll_sm3_avx2.c host/crypto/ll_sm3_avx512.c \
	    host/crypto/ll_merkle.c host/crypto/ll_sig.c
UNIT_TESTS += test_ll_sha256 test_ll_sm3 test_ll_merkle
# ll_sig: OpenSSL (Ed25519, SM2) and libsodium (Ed25519)
LDLIBS_LIB += $(LIBCRYPTO) $(shell $(PKG_CONFIG) --libs libsodium 2>/dev/null || echo -lsodium)
UNIT_TESTS += test_ll_sig
