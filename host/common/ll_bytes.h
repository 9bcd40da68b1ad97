/* Fixed byte order for everything LedgerLine writes to disk or the wire: little-endian
 * fields (headers, bodies, store values) and big-endian sort keys and hash lengths. */
#ifndef LL_BYTES_H
#define LL_BYTES_H

#include <stdint.h>

/* ll_put_le / ll_get_le - `bytes` (1..8) little-endian bytes at p. */
static inline void ll_put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t ll_get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* ll_get_le16 / 32 / 64 - fixed-width loads for the hot paths (the wire parser):
 * one unaligned load where the host is little-endian. */
static inline uint64_t ll_get_le64(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof v);
	return v;
#else
	return ll_get_le(p, 8);
#endif
}

static inline uint32_t ll_get_le32(const uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof v);
	return v;
#else
	return (uint32_t)ll_get_le(p, 4);
#endif
}

static inline uint16_t ll_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * ll_key_id_equal / ll_key_id_slot - 32-byte key ids (clients) in the tables
 * that hold them by open addressing: compared as four words, and placed by
 * their first 8 bytes (already a hash: a public key or an SM3 digest).
 */
static inline int ll_key_id_equal(const uint8_t *x, const uint8_t *y)
{
	return !((ll_get_le64(x) ^ ll_get_le64(y)) | (ll_get_le64(x + 8) ^ ll_get_le64(y + 8)) |
		 (ll_get_le64(x + 16) ^ ll_get_le64(y + 16)) |
		 (ll_get_le64(x + 24) ^ ll_get_le64(y + 24)));
}

static inline uint32_t ll_key_id_slot(const uint8_t *id, uint32_t slots)
{
	return (uint32_t)ll_get_le64(id) & (slots - 1);
}

/* ll_put_be64 - 8 big-endian bytes: LMDB keys that sort in number order, MD lengths. */
static inline void ll_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ll_put_be32 - 4 big-endian bytes: the sequence numbers in LMDB keys. */
static inline void ll_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ll_get_be64 - the number ll_put_be64 wrote. */
static inline uint64_t ll_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif /* LL_BYTES_H */
