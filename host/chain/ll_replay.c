/* The window slides by whole words and bits; nothing here allocates or loops over
 * more than the window's 16 words. */
#include "ll_replay.h"

#include <errno.h>
#include <string.h>

#include "ll_bytes.h"

#define WORDS (LL_REPLAY_WINDOW / 64)

static bool test_bit(const struct ll_replay_window *w, uint64_t i)
{
	return w->bits[i / 64] >> (i % 64) & 1;
}

enum ll_replay_verdict ll_replay_check(const struct ll_replay_window *w, uint64_t nonce)
{
	if (!w->any || nonce > w->highest)
		return LL_REPLAY_NEW;
	uint64_t age = w->highest - nonce;
	if (age >= LL_REPLAY_WINDOW)
		return LL_REPLAY_TOO_OLD;
	return test_bit(w, age) ? LL_REPLAY_SEEN : LL_REPLAY_NEW;
}

/* Shifts the bitmap up by n: bit i becomes bit i + n, the low n bits clear. */
static void slide(struct ll_replay_window *w, uint64_t n)
{
	if (n >= LL_REPLAY_WINDOW) {
		memset(w->bits, 0, sizeof w->bits);
		return;
	}
	unsigned words = (unsigned)(n / 64), bits = (unsigned)(n % 64);
	for (int i = WORDS - 1; i >= 0; i--) {
		uint64_t hi = i >= (int)words ? w->bits[i - words] : 0;
		uint64_t lo = i >= (int)words + 1 ? w->bits[i - words - 1] : 0;
		w->bits[i] = bits ? hi << bits | lo >> (64 - bits) : hi;
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
		slide(w, nonce - w->highest);
		w->highest = nonce;
	}
	uint64_t age = w->highest - nonce;
	w->bits[age / 64] |= UINT64_C(1) << (age % 64);
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
