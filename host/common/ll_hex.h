/* Hex text for digests and records, as operators and auditors read and type them:
 * lowercase out, either case in. */
#ifndef LL_HEX_H
#define LL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* ll_hex_encode - writes 2 * len lowercase hex characters to out (no NUL). */
void ll_hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * ll_hex_decode - hex_len characters into hex_len / 2 bytes of out. Returns 0,
 * or -EINVAL for an odd length or a character that is not hex.
 */
int ll_hex_decode(const char *hex, size_t hex_len, uint8_t *out);

#endif /* LL_HEX_H */
