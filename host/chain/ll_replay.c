/* The bitmap is a ring (RFC 6479): nonce n sits at bit n mod 1024, so sliding
 * the window up by d clears d bits, not a shift of all 16 words per nonce.
 * Nothing here allocates or loops over more than the window. */
#include "ll_replay.h"

#include <errno.h>
#include <string.h>

#include "ll_bytes.h"

#define WORDS (LL_REPLAY_WINDOW / 64)

static uint64_t *word_of(struct ll_replay_window *w, uint64_t nonce)
{
	return &w->bits[nonce % LL_REPLAY_WINDOW / 64];
}

static uint64_t bit_of(uint64_t nonce)
{
	return UINT64_C(1) << (nonce % 64);
}

enum ll_replay_verdict ll_replay_check(const struct ll_replay_window *w, uint64_t nonce)
{
	if (!w->any || nonce > w->highest)
		return LL_REPLAY_NEW;
	if (w->highest - nonce >= LL_REPLAY_WINDOW)
		return LL_REPLAY_TOO_OLD;
	return w->bits[nonce % LL_REPLAY_WINDOW / 64] & bit_of(nonce) ? LL_REPLAY_SEEN :
									LL_REPLAY_NEW;
}

/* The window's top moves from highest to top: the bits of the nonces it passes
 * (which held nonces now below the window) are cleared, whole words at a time
 * where they can be. */
static void slide(struct ll_replay_window *w, uint64_t top)
{
	uint64_t left = top - w->highest;
	if (left >= LL_REPLAY_WINDOW) {
		memset(w->bits, 0, sizeof w->bits);
		return;
	}
	for (uint64_t n = w->highest + 1; left > 0;) {
		if (n % 64 == 0 && left >= 64) {
			*word_of(w, n) = 0;
			n += 64, left -= 64;
		} else {
			*word_of(w, n) &= ~bit_of(n);
			n++, left--;
		}
	}
}

enum ll_replay_verdict ll_replay_mark(struct ll_replay_window *w, uint64_t nonce)
{
	enum ll_replay_verdict v = ll_replay_check(w, nonce);
	if (v != LL_REPLAY_NEW)
		return v;
	if (!w->any) {
		memset(w->bits, 0, sizeof w->bits);
		w->any = true;
		w->highest = nonce;
	} else if (nonce > w->highest) {
		slide(w, nonce);
		w->highest = nonce;
	}
	*word_of(w, nonce) |= bit_of(nonce);
	return v;
}

void ll_replay_encode(const struct ll_replay_window *w, uint8_t out[LL_REPLAY_STATE_BYTES])
{
	out[0] = w->any;
	ll_put_le(out + 1, w->highest, 8);
	for (unsigned i = 0; i < WORDS; i++)
		ll_put_le(out + 9 + i * 8, w->bits[i], 8);
}

int ll_replay_decode(const uint8_t *in, size_t len, struct ll_replay_window *w)
{
	if (!in || !w || len != LL_REPLAY_STATE_BYTES || in[0] > 1)
		return -EINVAL;
	w->any = in[0];
	w->highest = ll_get_le(in + 1, 8);
	for (unsigned i = 0; i < WORDS; i++)
		w->bits[i] = ll_get_le(in + 9 + i * 8, 8);
	return 0;
}
