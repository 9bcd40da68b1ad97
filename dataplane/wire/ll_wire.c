/* Frames and receipts: the parser checks every length against the bytes it was
 * given before it reads them, so any datagram at all gives a verdict, never an
 * over-read. */
#include "ll_wire.h"

#include <errno.h>
#include <string.h>

#include "ll_bytes.h"

static const char *const verdict_names[LL_WIRE_VERDICT_COUNT] = {
	[LL_WIRE_OK] = "ok",
	[LL_WIRE_BAD_MAGIC] = "bad_magic",
	[LL_WIRE_BAD_VERSION] = "bad_version",
	[LL_WIRE_CHAIN_MISMATCH] = "chain_mismatch",
	[LL_WIRE_BAD_LENGTH] = "bad_length",
	[LL_WIRE_UNKNOWN_SCHEME] = "unknown_scheme",
	[LL_WIRE_BAD_FLAGS] = "bad_flags",
	[LL_WIRE_BAD_SIGNATURE] = "bad_signature",
	[LL_WIRE_UNKNOWN_CLIENT] = "unknown_client",
	[LL_WIRE_REPLAY] = "replay",
	[LL_WIRE_RATE_LIMITED] = "rate_limited",
	[LL_WIRE_OVERLOAD] = "overload",
};

const char *ll_wire_verdict_name(enum ll_wire_verdict v)
{
	return (unsigned)v < LL_WIRE_VERDICT_COUNT ? verdict_names[v] : "unknown";
}

int ll_wire_sig_bytes(uint8_t scheme)
{
	switch (scheme) {
	case LL_WIRE_SCHEME_NONE:
		return 0;
	case LL_WIRE_SCHEME_ED25519:
	case LL_WIRE_SCHEME_SM2_SM3:
		return LL_WIRE_SIG_BYTES;
	default:
		return -1;
	}
}

/* One record at p, with left bytes of the frame from p on. */
static enum ll_wire_verdict parse_record(const uint8_t *p, size_t left, struct ll_wire_record *r)
{
	if (left < 4)
		return LL_WIRE_BAD_LENGTH;
	r->len = ll_get_le16(p);
	r->scheme = p[LL_WIRE_RECORD_SCHEME_AT];
	r->flags = p[LL_WIRE_RECORD_FLAGS_AT];
	int sig = ll_wire_sig_bytes(r->scheme);
	if (sig < 0)
		return LL_WIRE_UNKNOWN_SCHEME;
	if (r->len < LL_WIRE_RECORD_HEADER_BYTES + (unsigned)sig || r->len > left)
		return LL_WIRE_BAD_LENGTH;
	if (r->flags & ~LL_WIRE_FLAG_RECEIPT)
		return LL_WIRE_BAD_FLAGS;
	r->bytes = p;
	r->nonce = ll_get_le64(p + LL_WIRE_RECORD_NONCE_AT);
	r->client = p + LL_WIRE_RECORD_CLIENT_AT;
	r->payload = p + LL_WIRE_RECORD_HEADER_BYTES;
	r->payload_len = (uint16_t)(r->len - LL_WIRE_RECORD_HEADER_BYTES - sig);
	r->sig = sig ? p + r->len - sig : NULL;
	return LL_WIRE_OK;
}

enum ll_wire_verdict ll_wire_parse(const uint8_t *buf, size_t len, uint32_t chain_id,
				   struct ll_wire_frame *out)
{
	if (!buf || !out || len < 2)
		return LL_WIRE_BAD_LENGTH;
	if (ll_get_le16(buf) != LL_WIRE_MAGIC)
		return LL_WIRE_BAD_MAGIC;
	if (len < 3)
		return LL_WIRE_BAD_LENGTH;
	if (buf[2] != LL_WIRE_VERSION)
		return LL_WIRE_BAD_VERSION;
	if (len < LL_WIRE_HEADER_BYTES)
		return LL_WIRE_BAD_LENGTH;
	out->count = buf[3];
	out->chain_id = ll_get_le32(buf + 4);
	if (out->chain_id != chain_id)
		return LL_WIRE_CHAIN_MISMATCH;
	if (out->count == 0 || out->count > LL_WIRE_MAX_RECORDS)
		return LL_WIRE_BAD_LENGTH;

	size_t at = LL_WIRE_HEADER_BYTES;
	for (unsigned i = 0; i < out->count; i++) {
		enum ll_wire_verdict v = parse_record(buf + at, len - at, &out->rec[i]);
		if (v != LL_WIRE_OK)
			return v;
		at += out->rec[i].len;
	}
	/* a frame is its records and nothing else */
	return at == len ? LL_WIRE_OK : LL_WIRE_BAD_LENGTH;
}

void ll_wire_signed_bytes(uint32_t chain_id, const struct ll_wire_record *rec,
			  uint8_t prefix[4], size_t *rest_len)
{
	ll_put_le(prefix, chain_id, 4);
	*rest_len = rec->len - (rec->sig ? LL_WIRE_SIG_BYTES : 0);
}

int ll_wire_frame_begin(struct ll_wire_builder *b, uint8_t *buf, size_t cap, uint32_t chain_id)
{
	if (!b || !buf)
		return -EINVAL;
	if (cap < LL_WIRE_HEADER_BYTES)
		return -ENOSPC;
	*b = (struct ll_wire_builder){ .buf = buf, .cap = cap, .len = LL_WIRE_HEADER_BYTES };
	ll_put_le(buf, LL_WIRE_MAGIC, 2);
	buf[2] = LL_WIRE_VERSION;
	buf[3] = 0;
	ll_put_le(buf + 4, chain_id, 4);
	return (int)b->len;
}

int ll_wire_frame_add(struct ll_wire_builder *b, uint8_t scheme, uint8_t flags, uint64_t nonce,
		      const uint8_t client[32], const uint8_t *payload, uint16_t payload_len,
		      const uint8_t *sig, uint8_t **record_at)
{
	int sig_len = ll_wire_sig_bytes(scheme);
	if (!b || !b->buf || !client || (payload_len && !payload) || sig_len < 0 ||
	    (flags & ~LL_WIRE_FLAG_RECEIPT) || b->count == LL_WIRE_MAX_RECORDS)
		return -EINVAL;
	size_t len = LL_WIRE_RECORD_HEADER_BYTES + (size_t)payload_len + (size_t)sig_len;
	if (len > UINT16_MAX)
		return -EINVAL;
	if (len > b->cap - b->len)
		return -ENOSPC;
	uint8_t *p = b->buf + b->len;
	ll_put_le(p, len, 2);
	p[2] = scheme;
	p[3] = flags;
	ll_put_le(p + 4, nonce, 8);
	memcpy(p + 12, client, LL_WIRE_CLIENT_BYTES);
	if (payload_len)
		memcpy(p + LL_WIRE_RECORD_HEADER_BYTES, payload, payload_len);
	if (sig_len) {
		uint8_t *s = p + len - sig_len;
		if (sig)
			memcpy(s, sig, (size_t)sig_len);
		else
			memset(s, 0, (size_t)sig_len);
	}
	if (record_at)
		*record_at = p;
	b->len += len;
	b->count++;
	return (int)b->len;
}

int ll_wire_frame_end(struct ll_wire_builder *b)
{
	if (!b || !b->buf || b->count == 0)
		return -EINVAL;
	b->buf[3] = b->count;
	return (int)b->len;
}

int ll_wire_receipt_encode(const struct ll_wire_receipt_entry *e, unsigned n, uint8_t *buf,
			   size_t cap)
{
	if (!e || !buf || n == 0 || n > LL_WIRE_MAX_RECORDS)
		return -EINVAL;
	size_t len = LL_WIRE_RECEIPT_HEADER_BYTES + (size_t)n * LL_WIRE_RECEIPT_ENTRY_BYTES;
	if (len > cap)
		return -ENOSPC;
	ll_put_le(buf, LL_WIRE_RECEIPT_MAGIC, 2);
	buf[2] = LL_WIRE_VERSION;
	buf[3] = (uint8_t)n;
	uint8_t *p = buf + LL_WIRE_RECEIPT_HEADER_BYTES;
	for (unsigned i = 0; i < n; i++, p += LL_WIRE_RECEIPT_ENTRY_BYTES) {
		memcpy(p, e[i].txid, 32);
		ll_put_le(p + 32, e[i].height, 8);
		ll_put_le(p + 40, e[i].index, 4);
		p[44] = e[i].status;
	}
	return (int)len;
}

int ll_wire_receipt_parse(const uint8_t *buf, size_t len, struct ll_wire_receipt_entry *e)
{
	if (!buf || !e || len < LL_WIRE_RECEIPT_HEADER_BYTES ||
	    ll_get_le(buf, 2) != LL_WIRE_RECEIPT_MAGIC || buf[2] != LL_WIRE_VERSION)
		return -EBADMSG;
	unsigned n = buf[3];
	if (n == 0 || n > LL_WIRE_MAX_RECORDS ||
	    len != LL_WIRE_RECEIPT_HEADER_BYTES + (size_t)n * LL_WIRE_RECEIPT_ENTRY_BYTES)
		return -EBADMSG;
	const uint8_t *p = buf + LL_WIRE_RECEIPT_HEADER_BYTES;
	for (unsigned i = 0; i < n; i++, p += LL_WIRE_RECEIPT_ENTRY_BYTES) {
		memcpy(e[i].txid, p, 32);
		e[i].height = ll_get_le(p + 32, 8);
		e[i].index = (uint32_t)ll_get_le(p + 40, 4);
		e[i].status = p[44];
	}
	return (int)n;
}
