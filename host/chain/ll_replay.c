/* The stored form of a window; checking and marking are inline in ll_replay.h
 * (they run for every record an RX lcore admits). */
#include "ll_replay.h"

#include <errno.h>
#include <string.h>

#include "ll_bytes.h"

#define WORDS (LL_REPLAY_WINDOW / 64)

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
