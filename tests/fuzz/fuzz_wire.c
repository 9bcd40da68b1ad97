/* libFuzzer harness for ll_wire: any datagram gives a verdict without reading past
 * its end; a frame it accepts is rebuilt byte for byte from the parsed fields, and
 * so is a receipt it accepts. The chain id is the input's bytes 4..7, so most
 * inputs get past the chain check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ll_wire.h"

static void check_frame(const uint8_t *data, size_t size)
{
	static struct ll_wire_frame f;
	uint32_t chain = size >= 8 ? (uint32_t)data[4] | (uint32_t)data[5] << 8 |
					     (uint32_t)data[6] << 16 | (uint32_t)data[7] << 24
				   : 0;
	enum ll_wire_verdict v = ll_wire_parse(data, size, chain, &f);
	if ((unsigned)v >= LL_WIRE_VERDICT_COUNT)
		abort();
	if (v != LL_WIRE_OK)
		return;

	/* every field points inside the datagram, and building them again gives it back */
	uint8_t *again = malloc(size);
	struct ll_wire_builder b;
	if (!again || ll_wire_frame_begin(&b, again, size, chain) != LL_WIRE_HEADER_BYTES)
		abort();
	for (unsigned i = 0; i < f.count; i++) {
		const struct ll_wire_record *r = &f.rec[i];
		if (r->bytes < data || r->bytes + r->len > data + size ||
		    r->payload + r->payload_len > r->bytes + r->len)
			abort();
		if (ll_wire_frame_add(&b, r->scheme, r->flags, r->nonce, r->client, r->payload,
				      r->payload_len, r->sig, NULL) < 0)
			abort();
	}
	if (ll_wire_frame_end(&b) != (int)size || memcmp(again, data, size) != 0)
		abort();
	free(again);
}

static void check_receipt(const uint8_t *data, size_t size)
{
	static struct ll_wire_receipt_entry e[LL_WIRE_MAX_RECORDS];
	int n = ll_wire_receipt_parse(data, size, e);
	if (n < 0)
		return;
	uint8_t *again = malloc(size);
	if (!again || ll_wire_receipt_encode(e, (unsigned)n, again, size) != (int)size ||
	    memcmp(again, data, size) != 0)
		abort();
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_frame(data, size);
	check_receipt(data, size);
	return 0;
}
