/* The wire format of ../shared/DESIGN.md ("Wire format"): frames of signed records
 * to the ingest port, and receipts back. Pure C, no DPDK: parsed, built, tested
 * and fuzzed on its own. All integers little-endian. */
#ifndef LL_WIRE_H
#define LL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define LL_WIRE_MAGIC		0x4C4C	/* "LL" */
#define LL_WIRE_VERSION		1
#define LL_WIRE_HEADER_BYTES	8	/* u16 magic, u8 version, u8 count, u32 chain id */
#define LL_WIRE_MAX_RECORDS	64
/* u16 len, u8 scheme, u8 flags, u64 nonce, u8 client[32]: where each starts */
#define LL_WIRE_RECORD_SCHEME_AT 2
#define LL_WIRE_RECORD_FLAGS_AT	3
#define LL_WIRE_RECORD_NONCE_AT	4
#define LL_WIRE_RECORD_CLIENT_AT 12
#define LL_WIRE_RECORD_HEADER_BYTES 44
#define LL_WIRE_SIG_BYTES	64
#define LL_WIRE_CLIENT_BYTES	32
#define LL_WIRE_FLAG_RECEIPT	0x01	/* the other flag bits must be 0 */

#define LL_WIRE_RECEIPT_MAGIC	0x524C	/* "LR" */
#define LL_WIRE_RECEIPT_HEADER_BYTES 4	/* u16 magic, u8 version, u8 count */
#define LL_WIRE_RECEIPT_ENTRY_BYTES 45	/* txid[32], u64 height, u32 index, u8 status */
#define LL_WIRE_RECEIPT_COMMITTED 0	/* status: in a durable block */

enum ll_wire_scheme {
	LL_WIRE_SCHEME_NONE = 0,	/* trusted clients only: a gateway that verified */
	LL_WIRE_SCHEME_ED25519 = 1,
	LL_WIRE_SCHEME_SM2_SM3 = 2,
};

/*
 * Why a frame was dropped, whole. The parser gives the first five (and
 * bad flags); the stages after it give the rest. Each is a per-lcore counter.
 */
enum ll_wire_verdict {
	LL_WIRE_OK = 0,
	LL_WIRE_BAD_MAGIC,
	LL_WIRE_BAD_VERSION,
	LL_WIRE_CHAIN_MISMATCH,
	LL_WIRE_BAD_LENGTH,		/* header, count, a record's len, or bytes left over */
	LL_WIRE_UNKNOWN_SCHEME,
	LL_WIRE_BAD_FLAGS,		/* a reserved flag bit set */
	LL_WIRE_BAD_SIGNATURE,
	LL_WIRE_UNKNOWN_CLIENT,
	LL_WIRE_REPLAY,
	LL_WIRE_RATE_LIMITED,
	LL_WIRE_OVERLOAD,		/* a full ring downstream: backpressure */
	LL_WIRE_VERDICT_COUNT
};

/* ll_wire_verdict_name - "ok", "bad_magic", ...: stable, for stats and metrics. */
const char *ll_wire_verdict_name(enum ll_wire_verdict v);

/* One record, pointing into the frame it was parsed from. */
struct ll_wire_record {
	const uint8_t *bytes;		/* the whole record: the transaction's bytes */
	uint16_t len;
	uint8_t scheme;			/* enum ll_wire_scheme */
	uint8_t flags;
	uint64_t nonce;
	const uint8_t *client;		/* 32 bytes: the key id */
	const uint8_t *payload;
	uint16_t payload_len;
	const uint8_t *sig;		/* 64 bytes; NULL for scheme 0 */
};

struct ll_wire_frame {
	uint32_t chain_id;
	uint8_t count;
	struct ll_wire_record rec[LL_WIRE_MAX_RECORDS];
};

/*
 * ll_wire_parse - checks a datagram's payload against the format and the
 * appliance's chain id and fills out; LL_WIRE_OK, or the reason to drop it
 * whole. Reads only buf[0, len). Signatures are not checked here.
 */
enum ll_wire_verdict ll_wire_parse(const uint8_t *buf, size_t len, uint32_t chain_id,
				   struct ll_wire_frame *out);

/*
 * ll_wire_signed_bytes - what a record's signature covers: chain_id (4 bytes
 * LE) then the record without its signature. Writes the 4-byte prefix and
 * gives the rest as a pointer into the record (rec->bytes) and its length.
 */
void ll_wire_signed_bytes(uint32_t chain_id, const struct ll_wire_record *rec,
			  uint8_t prefix[4], size_t *rest_len);

/* ll_wire_sig_bytes - the signature length of a scheme; -1 for an unknown one. */
int ll_wire_sig_bytes(uint8_t scheme);

/*
 * Building a frame (txgen, tests): ll_wire_frame_begin writes the header into
 * buf (room for cap bytes); ll_wire_frame_add appends one record, sig of
 * ll_wire_sig_bytes(scheme) bytes or NULL to leave zeros to sign over in place
 * (the record's bytes are at *record_at); ll_wire_frame_end fixes the count.
 * Each returns the frame's length so far, or -EINVAL / -ENOSPC.
 */
struct ll_wire_builder {
	uint8_t *buf;
	size_t cap, len;
	uint8_t count;
};

int ll_wire_frame_begin(struct ll_wire_builder *b, uint8_t *buf, size_t cap, uint32_t chain_id);
int ll_wire_frame_add(struct ll_wire_builder *b, uint8_t scheme, uint8_t flags, uint64_t nonce,
		      const uint8_t client[32], const uint8_t *payload, uint16_t payload_len,
		      const uint8_t *sig, uint8_t **record_at);
int ll_wire_frame_end(struct ll_wire_builder *b);

/* One transaction's receipt. */
struct ll_wire_receipt_entry {
	uint8_t txid[32];
	uint64_t height;
	uint32_t index;
	uint8_t status;			/* LL_WIRE_RECEIPT_COMMITTED */
};

/*
 * ll_wire_receipt_encode - n entries (1..LL_WIRE_MAX_RECORDS) into buf; the
 * length written, or -EINVAL / -ENOSPC.
 */
int ll_wire_receipt_encode(const struct ll_wire_receipt_entry *e, unsigned n, uint8_t *buf,
			   size_t cap);

/*
 * ll_wire_receipt_parse - a receipt datagram into e (room for
 * LL_WIRE_MAX_RECORDS); the entry count, or -EBADMSG for anything malformed.
 */
int ll_wire_receipt_parse(const uint8_t *buf, size_t len, struct ll_wire_receipt_entry *e);

#endif /* LL_WIRE_H */
