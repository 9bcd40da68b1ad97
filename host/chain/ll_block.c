/* Block header and body encoding: explicit little-endian byte order so that a
 * ledger reads the same on every host, and strict decoding of untrusted bytes. */
#include "ll_block.h"

#include <errno.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_hash.h"

void ll_block_header_encode(const struct ll_block_header *h,
			    uint8_t out[LL_BLOCK_HEADER_BYTES])
{
	ll_put_le(out + 0, h->version, 2);
	out[2] = h->hash_alg;
	out[3] = 0;
	ll_put_le(out + 4, h->chain_id, 4);
	ll_put_le(out + 8, h->height, 8);
	ll_put_le(out + 16, h->timestamp_ns, 8);
	memcpy(out + 24, h->prev_hash, LL_BLOCK_HASH_BYTES);
	memcpy(out + 56, h->merkle_root, LL_BLOCK_HASH_BYTES);
	ll_put_le(out + 88, h->tx_count, 4);
	ll_put_le(out + 92, h->body_bytes, 4);
	ll_put_le(out + 96, h->log_size, 8);
	memcpy(out + 104, h->log_root, LL_BLOCK_HASH_BYTES);
	ll_put_le(out + 136, h->proposer, 8);
	ll_put_le(out + 144, h->term, 8);
}

static int alg_known(uint8_t alg)
{
	return alg == LL_HASH_SHA256 || alg == LL_HASH_SM3;
}

int ll_block_header_decode(const uint8_t *buf, size_t len, struct ll_block_header *h)
{
	if (!buf || len != LL_BLOCK_HEADER_BYTES || buf[3] != 0)
		return -EINVAL;
	h->version = (uint16_t)ll_get_le(buf, 2);
	h->hash_alg = buf[2];
	if (h->version != LL_BLOCK_VERSION || !alg_known(h->hash_alg))
		return -EPROTONOSUPPORT;
	h->chain_id = (uint32_t)ll_get_le(buf + 4, 4);
	h->height = ll_get_le(buf + 8, 8);
	h->timestamp_ns = ll_get_le(buf + 16, 8);
	memcpy(h->prev_hash, buf + 24, LL_BLOCK_HASH_BYTES);
	memcpy(h->merkle_root, buf + 56, LL_BLOCK_HASH_BYTES);
	h->tx_count = (uint32_t)ll_get_le(buf + 88, 4);
	h->body_bytes = (uint32_t)ll_get_le(buf + 92, 4);
	h->log_size = ll_get_le(buf + 96, 8);
	memcpy(h->log_root, buf + 104, LL_BLOCK_HASH_BYTES);
	h->proposer = ll_get_le(buf + 136, 8);
	h->term = ll_get_le(buf + 144, 8);
	return 0;
}

int ll_block_hash(const struct ll_block_header *h, uint8_t out[LL_BLOCK_HASH_BYTES])
{
	uint8_t encoded[LL_BLOCK_HEADER_BYTES];
	if (!alg_known(h->hash_alg))
		return -EINVAL;
	ll_block_header_encode(h, encoded);
	return ll_hash((enum ll_hash_alg)h->hash_alg, encoded, sizeof encoded, out);
}

int ll_block_genesis(uint32_t chain_id, uint8_t hash_alg, uint64_t timestamp_ns,
		     struct ll_block_header *out)
{
	if (!alg_known(hash_alg))
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->version = LL_BLOCK_VERSION;
	out->hash_alg = hash_alg;
	out->chain_id = chain_id;
	out->timestamp_ns = timestamp_ns;
	out->body_bytes = (uint32_t)ll_block_body_bytes(0, 0);
	/* the empty tree's head is H() of the empty string (RFC 9162) */
	ll_hash((enum ll_hash_alg)hash_alg, "", 0, out->merkle_root);
	memcpy(out->log_root, out->merkle_root, LL_BLOCK_HASH_BYTES);
	return 0;
}

size_t ll_block_body_bytes(uint32_t n, uint32_t data_bytes)
{
	return 4 + 4 * ((size_t)n + 1) + data_bytes;
}

long ll_block_body_encode(const uint32_t *offsets, uint32_t n, const uint8_t *data,
			  uint8_t *out, size_t cap)
{
	for (uint32_t i = 0; i < n; i++)
		if (offsets[i + 1] < offsets[i])
			return -EINVAL;
	uint32_t data_bytes = offsets[n] - offsets[0];
	size_t total = ll_block_body_bytes(n, data_bytes);
	if (total > cap || total > (size_t)INT32_MAX)
		return -ENOSPC;
	ll_put_le(out, n, 4);
	for (uint32_t i = 0; i <= n; i++)
		ll_put_le(out + 4 + 4 * (size_t)i, offsets[i] - offsets[0], 4);
	if (data_bytes)
		memcpy(out + 4 + 4 * ((size_t)n + 1), data + offsets[0], data_bytes);
	return (long)total;
}

int ll_block_body_decode(const uint8_t *buf, size_t len, struct ll_block_body *body)
{
	if (!buf || len < 8)
		return -EINVAL;
	uint32_t n = (uint32_t)ll_get_le(buf, 4);
	/* the offsets table must fit before anything is read from it */
	if (((uint64_t)n + 1) * 4 > len - 4)
		return -EINVAL;
	const uint8_t *offsets = buf + 4;
	size_t table_end = 4 + 4 * ((size_t)n + 1);
	uint32_t prev = 0;
	if (ll_get_le(offsets, 4) != 0)
		return -EINVAL;
	for (uint32_t i = 1; i <= n; i++) {
		uint32_t off = (uint32_t)ll_get_le(offsets + 4 * (size_t)i, 4);
		if (off < prev)
			return -EINVAL;
		prev = off;
	}
	if ((uint64_t)table_end + prev != len)
		return -EINVAL;
	body->n = n;
	body->offsets_le = offsets;
	body->data = buf + table_end;
	body->data_bytes = prev;
	return 0;
}

void ll_block_body_record(const struct ll_block_body *body, uint32_t i,
			  const uint8_t **rec, uint32_t *len)
{
	uint32_t begin = (uint32_t)ll_get_le(body->offsets_le + 4 * (size_t)i, 4);
	uint32_t end = (uint32_t)ll_get_le(body->offsets_le + 4 * ((size_t)i + 1), 4);
	*rec = body->data + begin;
	*len = end - begin;
}
