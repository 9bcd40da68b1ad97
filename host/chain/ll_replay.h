/* The anti-replay window of ../shared/DESIGN.md ("Wire format"), as IPsec keeps one
 * (RFC 4303, 3.4.3): per client, the highest nonce seen and a bitmap of the window
 * below it. A record whose nonce was seen, or fell below the window, is a replay. */
#ifndef LL_REPLAY_H
#define LL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LL_REPLAY_WINDOW	1024	/* nonces: highest and the 1,023 below it */
#define LL_REPLAY_STATE_BYTES	(1 + 8 + LL_REPLAY_WINDOW / 8)	/* as stored with the client */

struct ll_replay_window {
	bool any;			/* a nonce was seen: highest means something */
	uint64_t highest;
	/* a ring: bit n mod LL_REPLAY_WINDOW set = nonce n was seen, for the
	 * nonces in (highest - LL_REPLAY_WINDOW, highest] */
	uint64_t bits[LL_REPLAY_WINDOW / 64];
};

enum ll_replay_verdict {
	LL_REPLAY_NEW = 0,		/* never seen: admit it */
	LL_REPLAY_SEEN,			/* in the window, already seen */
	LL_REPLAY_TOO_OLD,		/* below the window: cannot tell, so refused */
};

/*
 * The bitmap is a ring (RFC 6479): nonce n sits at bit n mod 1024, so sliding
 * the window up by d clears d bits (whole words where it can), not a shift of
 * all 16 words per nonce. Inline: an RX lcore runs these for every record.
 */
static inline uint64_t *ll_replay_word_(struct ll_replay_window *w, uint64_t nonce)
{
	return &w->bits[nonce % LL_REPLAY_WINDOW / 64];
}

/* ll_replay_check - what nonce would be, without recording it. */
static inline enum ll_replay_verdict ll_replay_check(const struct ll_replay_window *w,
						     uint64_t nonce)
{
	if (!w->any || nonce > w->highest)
		return LL_REPLAY_NEW;
	if (w->highest - nonce >= LL_REPLAY_WINDOW)
		return LL_REPLAY_TOO_OLD;
	return w->bits[nonce % LL_REPLAY_WINDOW / 64] >> (nonce % 64) & 1 ? LL_REPLAY_SEEN :
									   LL_REPLAY_NEW;
}

/*
 * ll_replay_mark - records nonce when it is new (sliding the window up when it
 * is above the highest) and returns what ll_replay_check said.
 */
static inline enum ll_replay_verdict ll_replay_mark(struct ll_replay_window *w, uint64_t nonce)
{
	enum ll_replay_verdict v = ll_replay_check(w, nonce);
	if (v != LL_REPLAY_NEW)
		return v;
	if (!w->any || (nonce > w->highest && nonce - w->highest >= LL_REPLAY_WINDOW)) {
		for (unsigned i = 0; i < LL_REPLAY_WINDOW / 64; i++)
			w->bits[i] = 0;
		w->any = true;
		w->highest = nonce;
	} else if (nonce > w->highest) {
		/* the nonces passed over held bits of nonces now below the window:
		 * clear them a word at a time (one mask for a rising stream) */
		for (uint64_t n = w->highest + 1, left = nonce - w->highest; left > 0;) {
			unsigned bit = (unsigned)(n % 64);
			uint64_t take = 64 - bit < left ? 64 - bit : left;
			uint64_t ones = take == 64 ? ~UINT64_C(0) : (UINT64_C(1) << take) - 1;
			*ll_replay_word_(w, n) &= ~(ones << bit);
			n += take, left -= take;
		}
		w->highest = nonce;
	}
	*ll_replay_word_(w, nonce) |= UINT64_C(1) << (nonce % 64);
	return v;
}

/*
 * ll_replay_encode / ll_replay_decode - the window as stored with its client
 * (u8 any, u64 LE highest, the ring bitmap as LE u64 words: bit n mod 1024 of
 * the 1,024 is nonce n). Decode returns 0, or -EINVAL for a wrong length or an
 * any byte other than 0 or 1.
 */
void ll_replay_encode(const struct ll_replay_window *w, uint8_t out[LL_REPLAY_STATE_BYTES]);
int ll_replay_decode(const uint8_t *in, size_t len, struct ll_replay_window *w);

#endif /* LL_REPLAY_H */
